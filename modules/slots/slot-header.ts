// The first sector of a slot describes what is (being) staged in it:
//   [0, 64)    staging record: magic, envelope length, image length, expected image
//              digest, CRC-32. Written once, right after the header sector is erased.
//   [64, +m)   commit marker: all zero once the image is complete and its digest matched.
//   [96, +m)   rejected marker: all zero once a trial of this image was given up (reject(),
//              revert after the attempts, revert of an invalid trial). Cleared by the loader
//              with one write (no erase) BEFORE the boot-record write that leaves the trial,
//              so a cut in between leaves the slot marked while the trial is retried. A new
//              staging erases the header, so a fresh image is never marked.
//   [128, ...) progress markers, one per data sector: all zero once that sector is fully
//              written. NOR lets us clear each marker once without another erase, so a
//              reboot can resume from the last fully written sector.
// Data sectors follow the header: first the envelope (padded to a sector), then the image.
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import type { Flash } from '../../hosts/hal';
import { crc32 } from './crc32';
import { markerSize } from './layout';

const MAGIC = 0x31535358; // 'XSS1' little-endian
export const RECORD_SIZE = 64;
export const COMMIT_OFFSET = 64;
export const REJECTED_OFFSET = 96;
export const PROGRESS_OFFSET = 128;
export const DIGEST_SIZE = 32;

export interface StagingRecord {
  envelopeLength: number;
  imageLength: number;
  /** the digest the writer must reach before it commits (from the authenticated manifest) */
  imageDigest: Uint8Array;
}

export type SlotState = 'empty' | 'staging' | 'complete';

export interface SlotHeader {
  state: SlotState;
  record?: StagingRecord;
  /** the rejected marker is clear: this image was on trial here and was given up */
  rejected: boolean;
  /** data sectors (envelope then image) known to be fully written */
  doneSectors: number;
  envelopeSectors: number;
  imageSectors: number;
}

export function encodeStagingRecord(r: StagingRecord): Uint8Array {
  const out = new Uint8Array(RECORD_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, r.envelopeLength, true);
  view.setUint32(8, r.imageLength, true);
  out.set(r.imageDigest, 16);
  view.setUint32(60, crc32(out, 0, 60), true);
  return out;
}

export function decodeStagingRecord(bytes: Uint8Array): StagingRecord | undefined {
  if (bytes.length < RECORD_SIZE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, RECORD_SIZE);
  if (view.getUint32(0, true) !== MAGIC) return undefined;
  if (view.getUint32(60, true) !== crc32(bytes, 0, 60)) return undefined;
  return {
    envelopeLength: view.getUint32(4, true),
    imageLength: view.getUint32(8, true),
    imageDigest: bytes.slice(16, 48),
  };
}

/** How many data sectors a record needs, and whether they fit the slot and the header. */
export function sectorPlan(flash: Flash, r: Pick<StagingRecord, 'envelopeLength' | 'imageLength'>) {
  const s = flash.sectorSize;
  const envelopeSectors = Math.ceil(r.envelopeLength / s);
  const imageSectors = Math.ceil(r.imageLength / s);
  const capacity = flash.size / s - 1;
  const markers = (s - PROGRESS_OFFSET) / markerSize(flash);
  if (r.envelopeLength === 0) throw new XsuitError('slot-empty-envelope', 'a slot must hold the envelope that authorised it', Reason.operationFailed);
  if (envelopeSectors + imageSectors > Math.min(capacity, markers)) {
    throw new XsuitError('slot-too-small', `envelope ${r.envelopeLength} B + image ${r.imageLength} B do not fit slot '${flash.name}' (${capacity * s} B)`,
      Reason.operationFailed, { envelopeLength: r.envelopeLength, imageLength: r.imageLength, capacity: capacity * s });
  }
  return { envelopeSectors, imageSectors };
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Reads the header sector (one sector of RAM at most) and classifies the slot. */
export function readSlotHeader(flash: Flash): SlotHeader {
  const m = markerSize(flash);
  const record = decodeStagingRecord(flash.read(0, RECORD_SIZE));
  if (!record) return { state: 'empty', rejected: false, doneSectors: 0, envelopeSectors: 0, imageSectors: 0 };
  let plan;
  try {
    plan = sectorPlan(flash, record);
  } catch {
    return { state: 'empty', rejected: false, doneSectors: 0, envelopeSectors: 0, imageSectors: 0 };
  }
  const total = plan.envelopeSectors + plan.imageSectors;
  const progress = flash.read(PROGRESS_OFFSET, total * m);
  let done = 0;
  while (done < total && isZero(progress.subarray(done * m, (done + 1) * m))) done++;
  const committed = isZero(flash.read(COMMIT_OFFSET, m));
  const state: SlotState = committed && done === total ? 'complete' : 'staging';
  const rejected = isZero(flash.read(REJECTED_OFFSET, m));
  return { state, record, rejected, doneSectors: done, ...plan };
}

/**
 * Marks the image in this slot as given up: clears the rejected marker (bits only, no
 * erase; nothing else in the header changes). A no-op when it is already clear. A cut
 * part way leaves a marker that is not all zero, which reads as not rejected; the caller
 * has not left the trial yet, so it writes the marker again.
 */
export function markRejected(flash: Flash): void {
  const m = markerSize(flash);
  if (isZero(flash.read(REJECTED_OFFSET, m))) return;
  flash.write(REJECTED_OFFSET, markerBytes(flash));
}

export function markerBytes(flash: Flash): Uint8Array {
  return new Uint8Array(markerSize(flash));
}

export function progressOffset(flash: Flash, dataSector: number): number {
  return PROGRESS_OFFSET + dataSector * markerSize(flash);
}
