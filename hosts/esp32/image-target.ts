// Where an update's image goes on ESP32. The portable slot format (modules/slots) puts a
// header and the envelope at the start of a slot and the image after them; an ESP-IDF
// app partition must instead start with the image (the ROM bootloader and
// esp_ota_end() parse it from offset 0). So on ESP32 a slot is split in two:
//   - the image goes through Moddable's `embedded:update` (esp_ota_begin / write / end)
//     into the next OTA partition, and complete() makes it the boot partition;
//   - the envelope that authorised it is stored beside the boot record, in xsuit_env
//     (one half per app slot), so the running image can be re-verified at power-on.
// The writer is called only after the manifest is authenticated and its conditions hold
// (invariant 1), and esp_ota_end() re-checks the image format before the switch.
import Update from "embedded:update";
import FlashStorage from "embedded:storage/flash";
import { XsuitError } from "../../modules/errors/errors";
import { Reason } from "../../modules/report/reasons";
import { bytesEqual } from "../../modules/bytes/compare";
import type { Crypto, Flash, Sha256 } from "../hal";

type Updater = ReturnType<typeof Update.open>;

/** What the update agent needs from a platform to stage one image (sequential writes). */
export interface ImageTarget {
  /** bytes the target can hold */
  readonly capacity: number;
  begin(imageLength: number, expectedDigest: Uint8Array): void;
  write(chunk: Uint8Array): void;
  /** checks length and SHA-256, then makes the image bootable (on trial) */
  finish(): Uint8Array;
  abort(): void;
}

export class Esp32ImageTarget implements ImageTarget {
  private updater: Updater | undefined;
  private hash: Sha256 | undefined;
  private expected: Uint8Array | undefined;
  private length = 0;
  private written = 0;
  readonly capacity: number;

  constructor(private readonly crypto: Crypto) {
    const next = FlashStorage.open({ path: "nextota", mode: "r" });
    this.capacity = next.status().size;
    next.close();
  }

  begin(imageLength: number, expectedDigest: Uint8Array): void {
    if (imageLength <= 0 || imageLength > this.capacity) {
      throw new XsuitError("slot-too-small", `image of ${imageLength} bytes does not fit the OTA partition (${this.capacity})`, Reason.operationFailed);
    }
    this.abort();
    const partition = FlashStorage.open({ path: "nextota", mode: "r+" });
    // mode "a": sequential writes, ESP-IDF erases each sector just before writing it
    this.updater = Update.open({ partition, mode: "a" });
    this.hash = this.crypto.sha256();
    this.expected = expectedDigest.slice();
    this.length = imageLength;
    this.written = 0;
  }

  write(chunk: Uint8Array): void {
    if (!this.updater || !this.hash) throw new XsuitError("slot-finished", "no image is being written", Reason.operationFailed);
    if (this.written + chunk.length > this.length) {
      throw new XsuitError("slot-overflow", `payload longer than the ${this.length} bytes the manifest declares`, Reason.operationFailed);
    }
    this.hash.update(chunk);
    this.updater.write(chunk);
    this.written += chunk.length;
  }

  finish(): Uint8Array {
    const updater = this.updater;
    if (!updater || !this.hash || !this.expected) throw new XsuitError("slot-finished", "no image is being written", Reason.operationFailed);
    if (this.written !== this.length) {
      throw new XsuitError("slot-truncated", `payload ended at ${this.written} of ${this.length} bytes`, Reason.operationFailed);
    }
    const digest = this.hash.digest();
    if (!bytesEqual(digest, this.expected)) {
      this.abort();
      throw new XsuitError("slot-digest-mismatch", "the payload does not match the digest in the manifest", Reason.conditionFailed);
    }
    this.updater = undefined;
    // esp_ota_end() validates the image; then esp_ota_set_boot_partition(): it boots next, on trial
    updater.complete();
    updater.close();
    return digest;
  }

  abort(): void {
    const u = this.updater;
    this.updater = undefined;
    if (u) u.close();
  }
}

/** The envelope store beside the boot record: half of xsuit_env per app slot. */
export class EnvelopeStore {
  constructor(private readonly flash: Flash) {}

  private half(slot: 0 | 1): { base: number; size: number } {
    const size = Math.floor(this.flash.size / 2 / this.flash.sectorSize) * this.flash.sectorSize;
    return { base: slot * size, size };
  }

  /** Erases the slot's half and writes [length u32 LE][envelope], padded to the write alignment. */
  write(slot: 0 | 1, envelope: Uint8Array): void {
    const { base, size } = this.half(slot);
    const align = this.flash.writeAlign;
    const total = Math.ceil((4 + envelope.length) / align) * align;
    if (total > size) throw new XsuitError("slot-envelope-too-large", `envelope of ${envelope.length} bytes does not fit ${size} bytes`, Reason.operationFailed);
    for (let s = 0; s < size / this.flash.sectorSize; s++) this.flash.erase(base / this.flash.sectorSize + s);
    const out = new Uint8Array(total).fill(0xff);
    new DataView(out.buffer).setUint32(0, envelope.length, true);
    out.set(envelope, 4);
    this.flash.write(base, out);
  }

  read(slot: 0 | 1): Uint8Array | undefined {
    const { base, size } = this.half(slot);
    const head = this.flash.read(base, 4);
    const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
    if (length === 0xffffffff || length === 0 || length > size - 4) return undefined;
    return this.flash.read(base + 4, length);
  }
}
