// Reading a slot back: its state, the envelope it stores, and the SHA-256 of its image
// computed from flash one sector at a time (the loader's digest check).
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import type { Crypto, Flash } from '../../hosts/hal';
import { readSlotHeader, type SlotHeader } from './slot-header';

/** Upper bound on a stored envelope: the loader holds it in RAM to verify it. */
export const MAX_ENVELOPE_BYTES = 16 * 1024;

export function slotHeader(flash: Flash): SlotHeader {
  return readSlotHeader(flash);
}

function requireComplete(flash: Flash, header: SlotHeader): NonNullable<SlotHeader['record']> {
  if (header.state !== 'complete' || !header.record) {
    throw new XsuitError('slot-not-complete', `slot '${flash.name}' holds no complete image (${header.state})`, Reason.operationFailed);
  }
  return header.record;
}

export function readEnvelope(flash: Flash, header: SlotHeader = readSlotHeader(flash)): Uint8Array {
  const record = requireComplete(flash, header);
  if (record.envelopeLength > MAX_ENVELOPE_BYTES) {
    throw new XsuitError('slot-envelope-too-large', `stored envelope of ${record.envelopeLength} bytes exceeds ${MAX_ENVELOPE_BYTES}`, Reason.operationFailed);
  }
  return flash.read(flash.sectorSize, record.envelopeLength);
}

/**
 * The envelope of a slot that is complete or still being staged (its envelope sectors
 * done); undefined otherwise. Lets an agent check that an interrupted staging belongs to
 * the update it is installing before it resumes it.
 */
export function readStagedEnvelope(flash: Flash, header: SlotHeader = readSlotHeader(flash)): Uint8Array | undefined {
  const record = header.record;
  if (!record || header.state === 'empty' || header.doneSectors < header.envelopeSectors) return undefined;
  if (record.envelopeLength > MAX_ENVELOPE_BYTES) return undefined;
  return flash.read(flash.sectorSize, record.envelopeLength);
}

/** SHA-256 of the image as it is in flash now, with one sector of RAM. */
export function hashImage(flash: Flash, crypto: Crypto, header: SlotHeader = readSlotHeader(flash)): Uint8Array {
  const record = requireComplete(flash, header);
  const s = flash.sectorSize;
  const buffer = new Uint8Array(s);
  const hash = crypto.sha256();
  let remaining = record.imageLength;
  for (let sector = 1 + header.envelopeSectors; remaining > 0; sector++) {
    const n = Math.min(s, remaining);
    const view = n === s ? buffer : buffer.subarray(0, n);
    flash.readInto(sector * s, view);
    hash.update(view);
    remaining -= n;
  }
  return hash.digest();
}

/** Streams the image to `sink` sector by sector (to run or copy it). */
export function readImage(flash: Flash, sink: (chunk: Uint8Array) => void, header: SlotHeader = readSlotHeader(flash)): void {
  const record = requireComplete(flash, header);
  const s = flash.sectorSize;
  let remaining = record.imageLength;
  for (let sector = 1 + header.envelopeSectors; remaining > 0; sector++) {
    const n = Math.min(s, remaining);
    sink(flash.read(sector * s, n));
    remaining -= n;
  }
}
