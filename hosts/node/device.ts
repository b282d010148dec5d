// The simulated device over a flash file: what `xsuit device` drives. Each method is one
// event in the device's life (factory init, an update arriving, a power-on, the running
// image confirming or rejecting); a power-on opens a fresh chip over the same file, so a
// reboot keeps nothing but the flash.
import { existsSync, readFileSync } from 'node:fs';
import { XsuitError } from '../../modules/errors/errors';
import { Reason } from '../../modules/report/reasons';
import { toHex } from '../../modules/bytes/hex';
import { nobleCrypto } from '../../modules/crypto/noble';
import { createFlashFile, openFlashFile, type OpenedFlash } from './flash-file';
import { DEFAULT_PARTITIONS_CSV, PROVISION_PARTITION, openSlot, slotLetter, type SlotIndex } from '../../modules/slots/layout';
import { encodeProvisioning, readProvisioning, writeProvisioning, decodeProvisioning, type Provisioning } from '../../modules/slots/provisioning';
import { bootEventName, type BootState } from '../../modules/slots/boot-record';
import { readImage, slotHeader } from '../../modules/slots/slot-reader';
import { checkSlot } from '../../bootloader/check-slot';
import { bytesSource, stageEnvelope } from '../../bootloader/suit-stage';
import type { Loader } from '../../bootloader/loader';
import { bootOnce, deviceLoader, type BootSummary } from '../xs/device-boot';
import { bootInXs, invokeImageInXs, type ImageRun } from '../xs/device-runner';
import type { XsMeter } from '../xs/machine';
import { loadPublicKeyFile, loadHmacKeyFile } from '../../tools/keys/load';
import { classId, formatUuid, vendorId } from '../../tools/authoring/uuid';

const hostClock = { now: () => performance.now(), unixTime: () => Math.floor(Date.now() / 1000) };

export interface DeviceInitOptions {
  trust: string[];
  threshold?: number;
  vendor?: string;
  cls?: string;
  maxAttempts?: number;
  force?: boolean;
  partitionsCsv?: string;
}

export const DEFAULT_VENDOR = 'example.com';
export const DEFAULT_CLASS = 'xsuit-sim';

/** Trust files: public keys (PEM / COSE_Key) or `hmac:FILE` secrets. */
export function provisioningFor(trustFiles: string[], options: Omit<DeviceInitOptions, 'trust'> = {}): Uint8Array {
  if (trustFiles.length === 0) throw new XsuitError('device-no-trust', 'at least one --trust key is required', Reason.operationFailed);
  const vendor = vendorId(options.vendor ?? DEFAULT_VENDOR);
  const anchors = trustFiles.map((f) => (f.startsWith('hmac:') ? loadHmacKeyFile(f.slice(5)) : loadPublicKeyFile(f)));
  const threshold = options.threshold ?? 1;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > anchors.length) {
    throw new XsuitError('device-bad-threshold', `threshold must be 1..${anchors.length}`, Reason.operationFailed);
  }
  return encodeProvisioning({
    identity: { vendorId: vendor, classId: classId(vendor, options.cls ?? DEFAULT_CLASS) },
    trust: { anchors, threshold },
    maxAttempts: options.maxAttempts ?? 3,
  });
}

export interface BootResult extends BootSummary {
  engine: 'node' | 'xs';
  loaderMeter?: XsMeter;
  image?: ImageRun & { confirmed: boolean; rejected: boolean };
  bootRecordWrites: number;
}

export class SimDevice {
  private readonly opened: OpenedFlash;
  readonly loader: Loader;
  readonly prov: Provisioning;

  /** Factory: a blank chip with the partition table, provisioning, an empty boot record. */
  static init(path: string, options: DeviceInitOptions): SimDevice {
    const prov = provisioningFor(options.trust, options); // validate everything before touching the file
    if (existsSync(path) && !options.force) throw new XsuitError('flash-exists', `${path} already exists (use --force to replace it)`, Reason.operationFailed);
    createFlashFile(path, { partitionsCsv: options.partitionsCsv ?? DEFAULT_PARTITIONS_CSV, overwrite: true });
    const opened = openFlashFile(path);
    try {
      writeProvisioning(opened.chip.open(PROVISION_PARTITION), decodeProvisioning(prov));
    } finally {
      opened.store.close();
    }
    const device = SimDevice.open(path);
    device.loader.initialise();
    return device;
  }

  /** A power-on over the file. */
  static open(path: string): SimDevice {
    return new SimDevice(openFlashFile(path));
  }

  private constructor(opened: OpenedFlash) {
    this.opened = opened;
    try {
      this.prov = readProvisioning(opened.chip.open(PROVISION_PARTITION));
      this.loader = deviceLoader(opened.chip, nobleCrypto);
    } catch (e) {
      opened.store.close();
      throw e;
    }
  }

  get chip() {
    return this.opened.chip;
  }

  close(): void {
    this.opened.store.close();
  }

  private verifierOptions() {
    // the simulated device keeps the host's wall time, as a board does from SNTP or an RTC
    return { policy: this.prov.trust, identity: this.prov.identity, crypto: nobleCrypto, clock: hostClock };
  }

  /**
   * An update arrives: authenticate, check, stage into the inactive slot, switch. A dry run
   * over the payload first (hash only, no flash access) means a payload that does not
   * match its manifest is refused before anything is written. `cutAfter` cuts power after
   * that many flash operations of the real run.
   */
  async install(envelope: Uint8Array, payload: Uint8Array, cutAfter?: number) {
    await stageEnvelope(this.loader, this.verifierOptions(), envelope, bytesSource(payload), 4096, { dryRun: true });
    if (cutAfter !== undefined) this.chip.cutAt(cutAfter + 1);
    const r = await stageEnvelope(this.loader, this.verifierOptions(), envelope, bytesSource(payload));
    return { slot: slotLetter(r.slot), sequence: r.sequence, imageLength: r.imageLength, imageDigest: toHex(r.imageDigest), suitReport: toHex(r.reportBytes), flashOps: this.chip.counts() };
  }

  /** One power-on: the loader (in Node or XS), then the chosen image in a fresh XS machine. */
  async boot(engine: 'node' | 'xs' = 'node', runImage = true): Promise<BootResult> {
    const generation = this.loader.state().generation;
    let summary: BootSummary;
    let loaderMeter: XsMeter | undefined;
    if (engine === 'xs') {
      const r = await bootInXs(this.chip);
      summary = r.summary;
      loaderMeter = r.meter;
    } else {
      summary = await bootOnce(this.chip, nobleCrypto);
    }
    const result: BootResult = { engine, ...summary, loaderMeter, bootRecordWrites: this.loader.state().generation - generation };
    if (summary.kind !== 'boot' || summary.slotIndex === undefined || !runImage) return result;
    const chunks: Uint8Array[] = [];
    readImage(openSlot(this.chip, summary.slotIndex), (c) => chunks.push(c));
    const image = Buffer.concat(chunks);
    // what runs must be exactly what was verified: the bytes are hashed again as they are handed over
    if (toHex(nobleCrypto.sha256().update(image).digest()) !== summary.imageDigest) {
      throw new XsuitError('image-changed', 'the image changed between verification and invocation', Reason.operationFailed);
    }
    let confirmed = false;
    let rejected = false;
    const run = await invokeImageInXs(image, {
      info: { slot: summary.slot ?? '', trial: !!summary.trial, attempt: summary.attempt ?? 0, sequence: summary.sequence ?? 0 },
      confirm: async () => { const wasTrial = this.loader.state().trial; await this.loader.confirm(); confirmed = confirmed || wasTrial; },
      reject: () => { this.loader.reject(); rejected = true; },
    });
    result.image = { ...run, confirmed, rejected };
    return result;
  }

  async confirm(): Promise<BootState> {
    return this.loader.confirm();
  }

  reject(): BootState {
    return this.loader.reject();
  }

  /** Everything a person debugging a device wants to see; reads only. */
  async status() {
    const state = this.loader.state();
    const slots = [];
    for (const s of [0, 1] as SlotIndex[]) {
      const flash = openSlot(this.chip, s);
      const h = slotHeader(flash);
      const entry: Record<string, unknown> = { slot: slotLetter(s), state: h.state };
      if (h.record) {
        entry.imageLength = h.record.imageLength;
        entry.envelopeLength = h.record.envelopeLength;
        entry.expectedDigest = toHex(h.record.imageDigest);
        entry.sectorsWritten = h.doneSectors;
        entry.sectorsTotal = h.envelopeSectors + h.imageSectors;
        if (h.rejected) entry.rejected = true; // given up on trial here: the agent will not stage it again
      }
      if (h.state === 'complete') {
        const c = await checkSlot(this.chip, nobleCrypto, this.loader.verifier, state, s,
          { image: true, floorRule: 'boot', allowDigests: [state.confirmedDigest, state.fallbackDigest] });
        entry.valid = c.ok;
        if (c.verified) entry.sequence = c.verified.sequence;
        if (!c.ok) entry.invalid = { code: c.code, reason: c.reason, message: c.message };
      }
      slots.push(entry);
    }
    return {
      provisioning: {
        vendor: formatUuid(this.prov.identity.vendorId), class: formatUuid(this.prov.identity.classId),
        trust: this.prov.trust.anchors.map((a) => ({ name: a.name, type: a.type, role: a.role })),
        threshold: this.prov.trust.threshold ?? 1, maxAttempts: this.prov.maxAttempts,
      },
      bootRecord: {
        generation: state.generation,
        active: state.active === null ? null : slotLetter(state.active),
        trial: state.trial, attempts: state.attempts, maxAttempts: state.maxAttempts,
        confirmedSlot: state.confirmedSlot === null ? null : slotLetter(state.confirmedSlot),
        confirmedDigest: toHex(state.confirmedDigest),
        floors: state.floors.map((f) => ({ component: toHex(f.key), sequence: f.sequence })),
        lastEvent: bootEventName(state.lastEvent), lastReason: state.lastReason,
      },
      slots,
    };
  }
}

export function readInput(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
