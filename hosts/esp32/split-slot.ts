// The ESP32 seam between xsuit's portable slot format and ESP-IDF's app partitions.
// modules/slots lays a slot out as [header sector][envelope sectors][image sectors]; an
// ESP-IDF app partition must start with the image (the ROM bootloader and esp_ota_end()
// parse it from offset 0). SplitSlotFlash presents the portable layout to the unchanged
// slot code and splits it underneath:
//   virtual sectors [0, 1 + E)  -> `meta`: this slot's half of xsuit_env (header + envelope)
//   virtual sectors [1 + E, ..) -> the app partition from offset 0, written through an
//                                  AppImageWriter (Moddable's embedded:update = esp_ota_*)
// E comes from the staging record in meta sector 0, which the slot writer always writes
// before any envelope or image sector. Pure code over small interfaces, so the mapping is
// tested in Node (tests/esp32-split-slot.test.ts) with ESP-IDF's rules simulated.
import { XsuitError } from "../../modules/errors/errors";
import { Reason } from "../../modules/report/reasons";
import { COMMIT_OFFSET, RECORD_SIZE, decodeStagingRecord, readSlotHeader } from "../../modules/slots/slot-header";
import type { Flash } from "../hal";

/** esp_ota_* on one app partition, as Moddable's embedded:update exposes it in mode "w". */
export interface AppImageWriter {
  /** esp_ota_begin(partition, byteLength): erases what the image needs */
  begin(byteLength: number): void;
  /** esp_ota_write_with_offset() */
  write(offset: number, bytes: Uint8Array): void;
  /** esp_ota_end() (validates the image) + esp_ota_set_boot_partition() */
  complete(): void;
  /** esp_ota_abort() */
  abort(): void;
}

/** One ESP-IDF app partition: readable always, writable through `writer()` only. */
export interface AppPartition {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  /** undefined for the running partition: it can never be the staging target */
  writer(): AppImageWriter | undefined;
}

export class SplitSlotFlash implements Flash {
  readonly size: number;
  readonly sectorSize: number;
  readonly writeAlign: number;
  private writing: AppImageWriter | undefined;
  private imageLength = 0;

  constructor(readonly name: string, private readonly meta: Flash, private readonly app: AppPartition) {
    this.sectorSize = meta.sectorSize;
    this.writeAlign = meta.writeAlign;
    // capacity as the slot code sees it: header + envelope area, then the app partition
    this.size = meta.size + Math.floor(app.size / meta.sectorSize) * meta.sectorSize;
    this.dropInterruptedStaging();
  }

  /**
   * esp_ota cannot resume after a reset (begin() erases the image area), so a staging
   * that was cut short is forgotten at power-on: the slot reads as empty and the agent
   * starts the download over. Completed slots are untouched.
   */
  private dropInterruptedStaging(): void {
    if (readSlotHeader(this).state === "staging") this.meta.erase(0);
  }

  /** First virtual sector of the image: 1 + envelope sectors, from the staging record. */
  private imageStart(): number {
    const record = decodeStagingRecord(this.meta.read(0, RECORD_SIZE));
    if (!record) return this.meta.size / this.sectorSize; // no record: everything past meta is image
    return 1 + Math.ceil(record.envelopeLength / this.sectorSize);
  }

  private split(offset: number, length: number, op: string): { inMeta: boolean; at: number } {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new XsuitError("flash-out-of-bounds", `${op} [${offset}, +${length}) is outside slot '${this.name}'`);
    }
    const boundary = this.imageStart() * this.sectorSize;
    if (offset + length <= boundary) {
      if (offset + length > this.meta.size) throw new XsuitError("slot-envelope-too-large", `the envelope does not fit '${this.name}' metadata (${this.meta.size} bytes)`, Reason.operationFailed);
      return { inMeta: true, at: offset };
    }
    if (offset >= boundary) {
      const at = offset - boundary;
      if (at + length > this.app.size) throw new XsuitError("slot-too-small", `${op} past the end of the app partition of '${this.name}' (${this.app.size} bytes)`, Reason.operationFailed);
      return { inMeta: false, at };
    }
    throw new XsuitError("flash-out-of-bounds", `${op} [${offset}, +${length}) straddles the envelope and the image of '${this.name}'`);
  }

  read(offset: number, length: number): Uint8Array {
    const s = this.split(offset, length, "read");
    return s.inMeta ? this.meta.read(s.at, length) : this.app.read(s.at, length);
  }

  readInto(offset: number, target: Uint8Array): void {
    target.set(this.read(offset, target.length));
  }

  erase(sector: number): void {
    const s = this.split(sector * this.sectorSize, this.sectorSize, "erase");
    if (s.inMeta) {
      if (sector === 0) this.abortImage(); // a new staging record: any image writer is stale
      this.meta.erase(sector);
      return;
    }
    if (!this.writing) {
      // the first image sector of a staging: esp_ota_begin erases the whole image area
      const record = decodeStagingRecord(this.meta.read(0, RECORD_SIZE));
      const writer = this.app.writer();
      if (!record || !writer) {
        throw new XsuitError("slot-not-writable", `'${this.name}' is not the next OTA partition (or has no staging record)`, Reason.operationFailed);
      }
      writer.begin(record.imageLength);
      this.writing = writer;
      this.imageLength = record.imageLength;
    }
    // later sectors: already erased by begin()
  }

  write(offset: number, bytes: Uint8Array): void {
    const s = this.split(offset, bytes.length, "write");
    if (!s.inMeta) {
      if (!this.writing) throw new XsuitError("slot-not-writable", `image write to '${this.name}' before its first sector was erased`, Reason.operationFailed);
      // the slot writer pads the last sector to the write alignment; ESP-IDF needs only the image
      const n = Math.max(0, Math.min(bytes.length, this.imageLength - s.at));
      if (n > 0) this.writing.write(s.at, n === bytes.length ? bytes : bytes.subarray(0, n));
      return;
    }
    if (offset === COMMIT_OFFSET && this.writing) {
      // The slot writer commits only after the whole image matched the manifest's digest.
      // esp_ota_end() validates the image and selects it for the next boot; if it refuses,
      // the commit marker is never written and the slot stays incomplete.
      const w = this.writing;
      this.writing = undefined;
      w.complete();
    }
    this.meta.write(s.at, bytes);
  }

  private abortImage(): void {
    const w = this.writing;
    this.writing = undefined;
    if (w) w.abort();
  }
}

/** A window [offset, offset + size) of a partition, as a Flash of its own (half of xsuit_env). */
export function flashWindow(flash: Flash, name: string, offset: number, size: number): Flash {
  const s = flash.sectorSize;
  if (offset % s !== 0 || size % s !== 0 || offset + size > flash.size) {
    throw new XsuitError("flash-layout", `window [${offset}, +${size}) of '${flash.name}' is not sector aligned or too large`);
  }
  const check = (at: number, length: number): void => {
    if (!Number.isInteger(at) || at < 0 || length < 0 || at + length > size) throw new XsuitError("flash-out-of-bounds", `[${at}, +${length}) is outside '${name}' (${size} bytes)`);
  };
  return {
    name, size, sectorSize: s, writeAlign: flash.writeAlign,
    read(at, length) { check(at, length); return flash.read(offset + at, length); },
    readInto(at, target) { check(at, target.length); flash.readInto(offset + at, target); },
    write(at, bytes) { check(at, bytes.length); flash.write(offset + at, bytes); },
    erase(sector) { check(sector * s, s); flash.erase(offset / s + sector); },
  };
}
