// Staging an update from a SUIT envelope and its payload, as `xsuit device install` and
// the power-cut sweep do it: authenticate, check the floor, then run the manifest's
// update procedure with a platform whose fetch streams the payload through a SlotWriter
// into the inactive slot, and finally switch to it on trial. Nothing is written before
// the envelope is authenticated, its sequence is above the floor and the manifest has
// checked this device's vendor and class. (The network update agent, modules/agent, does
// the same over CoAP/MQTT.)
import { XsuitError, isXsuitError } from '../modules/errors/errors';
import { Reason } from '../modules/report/reasons';
import { authenticateEnvelope, runProcedure, type SuitPlatform } from '../modules/suit/index';
import { floorOf, type BootState } from '../modules/slots/boot-record';
import { bytesEqual } from '../modules/bytes/compare';
import type { SlotIndex } from '../modules/slots/layout';
import { readStagedEnvelope, slotHeader } from '../modules/slots/slot-reader';
import type { SlotWriter } from '../modules/slots/slot-writer';
import type { Loader } from './loader';
import { IMAGE_COMPONENT, componentKey, requireStageable, stagedDigest, watchedIdentity, type SuitVerifierOptions } from './suit-verifier';

/** Where payload bytes come from: a file on the host, a buffer, the network. */
export interface PayloadSource {
  size: number;
  read(offset: number, length: number): Uint8Array | Promise<Uint8Array>;
}

export interface StageResult {
  slot: SlotIndex;
  /** encoded SUIT_Report of the update procedure (empty after a resume) */
  reportBytes: Uint8Array;
  sequence: number;
  imageLength: number;
  imageDigest: Uint8Array;
  state: BootState;
}

export function bytesSource(bytes: Uint8Array): PayloadSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

async function pump(writer: SlotWriter, source: PayloadSource, chunk: number): Promise<void> {
  for (let at = writer.offset; at < source.size; at += chunk) {
    writer.write(await source.read(at, Math.min(chunk, source.size - at)));
  }
}

/**
 * Authenticates `envelope`, stages its image into the inactive slot and switches to it.
 * `payload` supplies the image for a fetch directive (integrated payloads come from the envelope).
 */
export interface StageOptions {
  /**
   * Run every check (signature, floor, conditions, payload digest) without touching
   * flash: the payload is only hashed. Hosts that hold the whole payload (the CLI) use it
   * so a bad payload is refused before the first write.
   */
  dryRun?: boolean;
}

export async function stageEnvelope(
  loader: Loader, options: SuitVerifierOptions, envelope: Uint8Array, payload: PayloadSource | undefined, chunk = 4096, stageOptions: StageOptions = {},
): Promise<StageResult> {
  const auth = authenticateEnvelope(envelope, options.policy, options.crypto);
  const id = auth.components[IMAGE_COMPONENT];
  if (!id) throw new XsuitError('suit-no-component', 'the manifest names no component', Reason.componentUnsupported);
  const state = loader.state();
  const floor = floorOf(state, componentKey(options.crypto, id));
  if (auth.sequence <= floor) {
    throw new XsuitError('rollback', `sequence ${auth.sequence} is not above the floor ${floor}`, Reason.conditionFailed, { sequence: auth.sequence, floor });
  }
  const slot = loader.inactiveSlot();
  const { identity, seen, onConditionHeld } = watchedIdentity(options.identity);
  let staged: { digest: Uint8Array; length: number } | undefined;

  const stage = async (c: { index: number; dependency: boolean }, p: { imageDigest?: { alg: number; bytes: Uint8Array }; imageSize?: number }, source: PayloadSource) => {
    const want = requireStageable(seen, c, p);
    if (source.size !== want.size) {
      throw new XsuitError('payload-size-mismatch', `payload is ${source.size} bytes, the manifest says ${want.size}`, Reason.operationFailed,
        { size: source.size, expected: want.size });
    }
    if (stageOptions.dryRun) {
      const hash = options.crypto.sha256();
      for (let at = 0; at < source.size; at += chunk) hash.update(await source.read(at, Math.min(chunk, source.size - at)));
      const got = hash.digest();
      if (!bytesEqual(got, want.digest)) {
        throw new XsuitError('slot-digest-mismatch', 'the payload does not match the digest in the manifest', Reason.conditionFailed);
      }
      staged = { digest: got, length: want.size };
      return;
    }
    const writer = loader.beginStaging({ envelope, imageLength: want.size, imageDigest: want.digest });
    await pump(writer, source, chunk);
    staged = { digest: writer.finish(), length: want.size };
  };

  const refuse = (what: string): never => {
    throw new XsuitError('suit-effect-refused', `${what} is not supported by the simulated device`, Reason.commandUnsupported);
  };
  const platform: SuitPlatform = {
    identity,
    onConditionHeld,
    clock: options.clock,
    currentDigest: stagedDigest(() => staged),
    checkSlot: (c, target) => !c.dependency && c.index === IMAGE_COMPONENT && target === slot,
    fetch: async (uri, c, p) => {
      const integrated = auth.integrated.get(uri);
      const source = integrated ? { size: integrated.length, read: (o: number, n: number) => integrated.subarray(o, o + n) } : payload;
      if (!source) throw new XsuitError('payload-missing', `no payload for ${uri}`, Reason.operationFailed);
      await stage(c, p, source);
    },
    write: (c, content, p) => stage(c, p, bytesSource(content)),
    copy: () => refuse('copy'),
    swap: () => refuse('swap'),
    invoke: () => refuse('invoke'),
  };
  const result = await runProcedure(auth, 'update', platform, { policy: options.policy, crypto: options.crypto });
  if (!result.ok) {
    const e = result.error ?? new XsuitError('suit-update-failed', 'update procedure failed', result.reason);
    if (e.code === 'power-cut') throw e;
    // the SUIT_Report goes with the error, so whoever reports to the fleet has it
    throw new XsuitError(e.code, e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : e.message, e.reason,
      { ...(e.detail ?? {}), suitReport: result.reportBytes });
  }
  if (!staged) throw new XsuitError('suit-nothing-staged', 'the manifest\'s update procedure wrote no image', Reason.operationFailed);
  if (stageOptions.dryRun) return { slot, reportBytes: result.reportBytes, sequence: auth.sequence, imageLength: staged.length, imageDigest: staged.digest, state };
  const next = await loader.switchTo(slot);
  return { slot, reportBytes: result.reportBytes, sequence: auth.sequence, imageLength: staged.length, imageDigest: staged.digest, state: next };
}

/**
 * After a power cut during staging: continues the interrupted SlotWriter from its last
 * whole sector, or switches to a slot that was completed but not yet switched to (not
 * to one whose image the loader marked rejected: that one was switched to and failed).
 * With `envelope`, only a staging of exactly that envelope is resumed (pass it: without
 * it any interrupted staging is continued). Returns undefined when there is nothing to
 * resume (start over with stageEnvelope).
 */
export async function resumeStaged(loader: Loader, payload: PayloadSource, envelope?: Uint8Array, chunk = 4096): Promise<StageResult | undefined> {
  const slot = loader.inactiveSlot();
  const flash = loader.slotFlash(slot);
  const header = slotHeader(flash);
  if (envelope) {
    // only the update being installed may be resumed: a staging left by another envelope
    // (or the old image's record surviving a torn header erase) is started over
    const stored = readStagedEnvelope(flash, header);
    if (!stored || !bytesEqual(stored, envelope)) return undefined;
  }
  if (header.state === 'complete' && header.record) {
    // a slot the loader marked rejected was switched to and given up: not ours to resume
    if (header.rejected) return undefined;
    try {
      const state = await loader.switchTo(slot);
      return { slot, reportBytes: new Uint8Array(0), sequence: -1, imageLength: header.record.imageLength, imageDigest: header.record.imageDigest, state };
    } catch (e) {
      if (isXsuitError(e) && e.code === 'power-cut') throw e;
      return undefined; // not a slot we can switch to: stage again
    }
  }
  const writer = loader.resumeStaging();
  if (!writer) return undefined;
  if (payload.size !== writer.imageLength) {
    throw new XsuitError('payload-size-mismatch', `payload is ${payload.size} bytes, the staged manifest says ${writer.imageLength}`, Reason.operationFailed);
  }
  await pump(writer, payload, chunk);
  const digest = writer.finish();
  const state = await loader.switchTo(slot);
  return { slot, reportBytes: new Uint8Array(0), sequence: -1, imageLength: writer.imageLength, imageDigest: digest, state };
}
