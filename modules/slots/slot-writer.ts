// Streams an image into a slot: erase each sector just ahead of writing it, write it
// whole, hash as it goes, and clear that sector's progress marker. RAM is one sector.
// After a power cut, `SlotWriter.resume` re-hashes the sectors already written (reading
// them back) and continues from the first sector whose marker is not clear.
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { bytesEqual } from '../bytes/compare';
import type { Crypto, Flash, Sha256 } from '../../hosts/hal';
import { alignUp, markerSize } from './layout';
import {
  COMMIT_OFFSET, DIGEST_SIZE, encodeStagingRecord, markerBytes, progressOffset, readSlotHeader, sectorPlan,
  type StagingRecord,
} from './slot-header';

export interface StageRequest {
  /** the envelope that authorises the image; stored so the loader can re-verify it */
  envelope: Uint8Array;
  imageLength: number;
  /** SHA-256 of the image from the authenticated manifest */
  imageDigest: Uint8Array;
}

export class SlotWriter {
  private readonly flash: Flash;
  private readonly record: StagingRecord;
  private readonly hash: Sha256;
  private readonly buffer: Uint8Array;
  private readonly firstImageSector: number;
  private filled = 0;
  private sectorsDone: number;
  private finished = false;

  /** Starts over: invalidates whatever the slot held, then writes the envelope. */
  static begin(flash: Flash, crypto: Crypto, request: StageRequest): SlotWriter {
    if (request.imageDigest.length !== DIGEST_SIZE) {
      throw new XsuitError('slot-bad-digest', 'image digest must be 32 bytes (SHA-256)', Reason.operationFailed);
    }
    if (!Number.isInteger(request.imageLength) || request.imageLength < 0) {
      throw new XsuitError('slot-bad-length', `bad image length ${request.imageLength}`, Reason.operationFailed);
    }
    const record: StagingRecord = {
      envelopeLength: request.envelope.length,
      imageLength: request.imageLength,
      imageDigest: request.imageDigest.slice(),
    };
    const plan = sectorPlan(flash, record);
    flash.erase(0);
    flash.write(0, encodeStagingRecord(record));
    const writer = new SlotWriter(flash, crypto, record, plan.envelopeSectors, 0);
    writer.writeEnvelope(request.envelope);
    return writer;
  }

  /**
   * Continues an interrupted staging. Returns undefined when there is nothing to resume
   * (slot empty or complete, or power failed before the envelope was down).
   */
  static resume(flash: Flash, crypto: Crypto): SlotWriter | undefined {
    const header = readSlotHeader(flash);
    if (header.state !== 'staging' || !header.record) return undefined;
    if (header.doneSectors < header.envelopeSectors) return undefined;
    const writer = new SlotWriter(flash, crypto, header.record, header.envelopeSectors, header.doneSectors);
    writer.rehashWrittenSectors();
    return writer;
  }

  private constructor(flash: Flash, crypto: Crypto, record: StagingRecord, envelopeSectors: number, sectorsDone: number) {
    this.flash = flash;
    this.record = record;
    this.hash = crypto.sha256();
    this.buffer = new Uint8Array(flash.sectorSize);
    this.firstImageSector = envelopeSectors;
    this.sectorsDone = sectorsDone;
  }

  /** Image bytes accepted and durable; after resume, feed the image from here. */
  get offset(): number {
    const durable = Math.max(0, this.sectorsDone - this.firstImageSector) * this.flash.sectorSize;
    return Math.min(this.record.imageLength, durable) + this.filled;
  }

  get imageLength(): number {
    return this.record.imageLength;
  }

  get expectedDigest(): Uint8Array {
    return this.record.imageDigest.slice();
  }

  write(chunk: Uint8Array): void {
    if (this.finished) throw new XsuitError('slot-finished', 'the slot writer has already finished', Reason.operationFailed);
    if (this.offset + chunk.length > this.record.imageLength) {
      throw new XsuitError('slot-overflow', `payload longer than the ${this.record.imageLength} bytes the manifest declares`,
        Reason.operationFailed, { offset: this.offset, chunk: chunk.length });
    }
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, this.buffer.length - this.filled);
      this.buffer.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.buffer.length) this.flushSector();
    }
  }

  /** Writes the tail, checks the digest, and commits. Returns the digest. */
  finish(): Uint8Array {
    if (this.finished) throw new XsuitError('slot-finished', 'the slot writer has already finished', Reason.operationFailed);
    if (this.offset !== this.record.imageLength) {
      throw new XsuitError('slot-truncated', `payload ended at ${this.offset} of ${this.record.imageLength} bytes`,
        Reason.operationFailed, { offset: this.offset, expected: this.record.imageLength });
    }
    if (this.filled > 0) this.flushSector();
    const digest = this.hash.digest();
    this.finished = true;
    if (!bytesEqual(digest, this.record.imageDigest)) {
      // Forget this staging: a resume would only re-hash the same bad sectors, so every
      // later offer of this release would fail the same way. With the header erased the
      // next offer starts from byte 0. The slot is inactive and uncommitted, so this
      // erase (or a cut in it) cannot touch anything bootable.
      this.flash.erase(0);
      throw new XsuitError('slot-digest-mismatch', 'the payload does not match the digest in the manifest', Reason.conditionFailed);
    }
    this.flash.write(COMMIT_OFFSET, markerBytes(this.flash));
    return digest;
  }

  private writeEnvelope(envelope: Uint8Array): void {
    const s = this.flash.sectorSize;
    for (let i = 0; i < this.firstImageSector; i++) {
      const part = envelope.subarray(i * s, Math.min(envelope.length, (i + 1) * s));
      this.programSector(i, part);
    }
  }

  private flushSector(): void {
    const bytes = this.buffer.subarray(0, this.filled);
    this.hash.update(bytes);
    this.programSector(this.sectorsDone, bytes);
    this.filled = 0;
  }

  /** Erase, write, then clear the progress marker: the marker means "this sector is whole". */
  private programSector(dataSector: number, bytes: Uint8Array): void {
    const sector = 1 + dataSector;
    this.flash.erase(sector);
    const length = alignUp(bytes.length, markerSize(this.flash));
    let out = bytes;
    if (length !== bytes.length) {
      // pad with the erased value; the image tail pads in place so RAM stays one sector
      if (bytes.buffer === this.buffer.buffer && bytes.byteOffset === this.buffer.byteOffset) {
        this.buffer.fill(0xff, bytes.length, length);
        out = this.buffer.subarray(0, length);
      } else {
        out = new Uint8Array(length).fill(0xff);
        out.set(bytes);
      }
    }
    if (out.length > 0) this.flash.write(sector * this.flash.sectorSize, out);
    this.flash.write(progressOffset(this.flash, dataSector), markerBytes(this.flash));
    if (dataSector >= this.sectorsDone) this.sectorsDone = dataSector + 1;
  }

  private rehashWrittenSectors(): void {
    const s = this.flash.sectorSize;
    for (let i = this.firstImageSector; i < this.sectorsDone; i++) {
      const n = Math.min(s, this.record.imageLength - (i - this.firstImageSector) * s);
      const view = this.buffer.subarray(0, n);
      this.flash.readInto((1 + i) * s, view);
      this.hash.update(view);
    }
    this.filled = 0;
  }
}
