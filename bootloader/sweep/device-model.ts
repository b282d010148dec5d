// The power-cut sweep's model of a device: a chip in RAM (pure NOR simulation, so it runs
// the same in Node and in XS), and the firmware behaviour after each power-on: the loader
// boots, then the running image acts (v1's agent stages the offered update, a healthy
// v2 confirms, a sick v2 never does, a failing v2 calls reject()). Not linked into
// firmware: a verification tool.
import { isXsuitError } from '../../modules/errors/errors';
import type { Crypto, FlashDevice } from '../../hosts/hal';
import { MemoryStore, NorChip } from '../../hosts/common/nor-flash';
import { parsePartitionsCsv } from '../../hosts/common/partitions';
import { decodeProvisioning, writeProvisioning, type Provisioning } from '../../modules/slots/provisioning';
import { PROVISION_PARTITION, openSlot, otherSlot } from '../../modules/slots/layout';
import { readEnvelope, readImage, slotHeader } from '../../modules/slots/slot-reader';
import type { BootState } from '../../modules/slots/boot-record';
import { bytesEqual } from '../../modules/bytes/compare';
import { Loader, type BootDecision } from '../loader';
import { SuitSlotVerifier, type SuitVerifierOptions } from '../suit-verifier';
import { bytesSource, resumeStaged, stageEnvelope } from '../suit-stage';

export const SWEEP_PARTITIONS = `
xsuit_boot, data, 0x40, 0x9000,  0x2000
xsuit_prov, data, 0x41, 0xb000,  0x1000
slot_a,     app,  ota_0, 0x10000, 0x20000
slot_b,     app,  ota_1, 0x30000, 0x20000
`;
export const SWEEP_CHIP = 0x50000;

export interface Release {
  name: string;
  envelope: Uint8Array;
  payload: Uint8Array;
  /** how the image behaves once running on trial */
  behaviour: 'confirm' | 'sick' | 'reject';
}

export interface SweepInputs {
  provisioning: Uint8Array;
  /** the confirmed image the device starts with */
  base: Release;
  /** the update offered in the update cycle (confirms), the revert cycle (never confirms) and the reject cycle */
  good: Release;
  sick: Release;
  rejecting: Release;
  /** offered once `good` is confirmed: it overwrites the slot that holds `base` (confirms) */
  next: Release;
  crypto: Crypto;
}

export function powerCut(e: unknown): boolean {
  return isXsuitError(e) && e.code === 'power-cut';
}

/** A chip whose bytes outlive power-ons; each power-on is a fresh NorChip. */
export class SweepChip {
  readonly store: MemoryStore;
  private readonly parts = parsePartitionsCsv(SWEEP_PARTITIONS);
  chip: NorChip;
  constructor(from?: Uint8Array) {
    this.store = new MemoryStore(SWEEP_CHIP);
    if (from) this.store.bytes.set(from);
    this.chip = new NorChip(this.store, this.parts);
  }
  powerOn(): NorChip {
    this.chip = new NorChip(this.store, this.parts);
    return this.chip;
  }
  get device(): FlashDevice {
    return this.chip;
  }
}

export class DeviceModel {
  readonly prov: Provisioning;
  readonly options: SuitVerifierOptions;
  readonly digests = new Map<string, Uint8Array>();

  constructor(readonly inputs: SweepInputs) {
    this.prov = decodeProvisioning(inputs.provisioning);
    this.options = { policy: this.prov.trust, identity: this.prov.identity, crypto: inputs.crypto };
    for (const r of this.releases()) this.digests.set(r.name, inputs.crypto.sha256().update(r.payload).digest());
  }

  releases(): Release[] {
    const i = this.inputs;
    return [i.base, i.good, i.sick, i.rejecting, i.next];
  }

  loader(device: FlashDevice): Loader {
    return new Loader({ flash: device, crypto: this.inputs.crypto, verifier: new SuitSlotVerifier(this.options), maxAttempts: this.prov.maxAttempts });
  }

  /** Factory state: provisioned, base image installed and confirmed (then, optionally, more releases). */
  async baseline(releases: Release[] = [this.inputs.base]): Promise<{ bytes: Uint8Array; state: BootState }> {
    const chip = new SweepChip();
    writeProvisioning(chip.device.open(PROVISION_PARTITION), this.prov);
    const loader = this.loader(chip.device);
    loader.initialise();
    let state: BootState | undefined;
    for (const r of releases) {
      await stageEnvelope(loader, this.options, r.envelope, bytesSource(r.payload));
      const d = await loader.boot();
      if (d.kind !== 'boot' || !d.trial) throw new Error(`baseline: ${r.name} did not boot on trial`);
      state = await loader.confirm();
    }
    return { bytes: chip.store.bytes.slice(), state: state! };
  }

  /** Which release the booted slot holds, judged by the oracle (bytes, not the loader's word). */
  identify(device: FlashDevice, d: BootDecision & { kind: 'boot' }): Release | undefined {
    const flash = openSlot(device, d.slot);
    const h = slotHeader(flash);
    if (h.state !== 'complete') return undefined;
    const envelope = readEnvelope(flash, h);
    const hash = this.inputs.crypto.sha256();
    readImage(flash, (chunk) => hash.update(chunk), h);
    const digest = hash.digest();
    for (const r of this.releases()) {
      if (bytesEqual(envelope, r.envelope) && bytesEqual(digest, this.digests.get(r.name)!)) return r;
    }
    return undefined;
  }

  /**
   * The running image's behaviour. Returns 'restart' when it rebooted the device (after
   * switching to an update), 'idle' when it has nothing more to do.
   */
  async act(loader: Loader, running: Release, d: BootDecision & { kind: 'boot' }, base: Release, offer: Release, log: { confirmed: boolean; confirmCalled: boolean }): Promise<'restart' | 'idle'> {
    if (running !== base) {
      if (d.trial && running.behaviour === 'confirm') {
        // a cut can fall after the record landed but before confirm() returns: that is a confirm too
        log.confirmCalled = true;
        await loader.confirm();
        log.confirmed = true;
        return 'restart';
      }
      if (d.trial && running.behaviour === 'reject') {
        loader.reject();
        return 'restart';
      }
      return d.trial ? 'restart' : 'idle'; // a sick image on trial gets rebooted by its watchdog
    }
    // the base image's update agent
    // as modules/agent does: the offered image complete in the inactive slot with its
    // rejected marker clear was given up on trial here, so it is not staged again
    const state = loader.state();
    if (!state.trial && state.active !== null) {
      const flash = loader.slotFlash(otherSlot(state.active));
      const h = slotHeader(flash);
      if (h.state === 'complete' && h.rejected && bytesEqual(readEnvelope(flash, h), offer.envelope)) return 'idle';
    }
    try {
      const payload = bytesSource(offer.payload);
      const done = (await resumeStaged(loader, payload, offer.envelope)) ?? (await stageEnvelope(loader, this.options, offer.envelope, payload));
      void done;
      return 'restart';
    } catch (err) {
      if (powerCut(err)) throw err;
      if (isXsuitError(err) && err.code === 'rollback') return 'idle';
      throw err;
    }
  }
}
