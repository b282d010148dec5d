// FlashDevice (hosts/hal.ts) over ECMA-419 `embedded:storage/flash` on ESP32 (also
// ESP32-C3/S3). Moddable opens DATA partitions by label (xsuit_boot, xsuit_prov,
// xsuit_env) and app partitions only as "running" / "nextota". The slots `slot_a` and
// `slot_b` are SplitSlotFlash views (split-slot.ts): header and envelope in their half of
// xsuit_env, the image in the ESP-IDF app partition through `embedded:update`.
import FlashStorage from "embedded:storage/flash";
import { XsuitError } from "../../modules/errors/errors";
import type { Flash, FlashDevice, PartitionInfo } from "../hal";
import { SplitSlotFlash, flashWindow } from "./split-slot";
import { Esp32AppPartition } from "./image-target";

type NativeFlash = ReturnType<typeof FlashStorage.open>;

/** The data partitions xsuit uses, with their ESP-IDF subtypes (hosts/esp32/sdkconfig/partitions.csv). */
export const XSUIT_DATA_PARTITIONS: Record<string, string> = { xsuit_boot: "0x40", xsuit_prov: "0x41", xsuit_env: "0x42" };

class Esp32Partition implements Flash {
  readonly size: number;
  readonly sectorSize: number;
  readonly writeAlign: number;
  constructor(readonly name: string, private readonly flash: NativeFlash) {
    const status = flash.status();
    this.size = status.size;
    this.sectorSize = status.blockLength;
    // NOR on ESP32 programs bytes, but xsuit's markers assume at least 4-byte words
    this.writeAlign = Math.max(4, status.writeAlign);
  }
  private bounds(offset: number, length: number, op: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new XsuitError("flash-out-of-bounds", `${op} [${offset}, +${length}) is outside partition '${this.name}' (${this.size} bytes)`);
    }
  }
  read(offset: number, length: number): Uint8Array {
    this.bounds(offset, length, "read");
    return new Uint8Array(this.flash.read(length, offset));
  }
  readInto(offset: number, target: Uint8Array): void {
    this.bounds(offset, target.length, "read");
    this.flash.read(target, offset);
  }
  write(offset: number, bytes: Uint8Array): void {
    this.bounds(offset, bytes.length, "write");
    if (offset % this.writeAlign !== 0 || bytes.length % this.writeAlign !== 0) {
      throw new XsuitError("flash-misaligned", `write [${offset}, +${bytes.length}) is not ${this.writeAlign}-byte aligned`);
    }
    this.flash.write(bytes, offset);
  }
  erase(sector: number): void {
    const count = this.size / this.sectorSize;
    if (!Number.isInteger(sector) || sector < 0 || sector >= count) {
      throw new XsuitError("flash-out-of-bounds", `erase of sector ${sector} is outside partition '${this.name}' (${count} sectors)`);
    }
    this.flash.eraseBlock(sector);
  }
}

export class Esp32FlashDevice implements FlashDevice {
  private readonly opened = new Map<string, Flash>();

  /** `running` is the label of the app partition ESP-IDF started ("slot_a" or "slot_b"). */
  constructor(private readonly running: string) {}

  partitions(): PartitionInfo[] {
    const out: PartitionInfo[] = [];
    for (const name of Object.keys(XSUIT_DATA_PARTITIONS)) {
      const p = this.open(name);
      // offsets are not visible through embedded:storage/flash; xsuit never needs them on a board
      out.push({ name, type: "data", subtype: XSUIT_DATA_PARTITIONS[name], offset: 0, size: p.size });
    }
    return out;
  }

  open(name: string): Flash {
    const cached = this.opened.get(name);
    if (cached) return cached;
    if (name === "slot_a" || name === "slot_b") {
      // one view per power-on: it carries the esp_ota handle of a staging in progress
      const env = this.open("xsuit_env");
      const half = Math.floor(env.size / 2 / env.sectorSize) * env.sectorSize;
      const meta = flashWindow(env, `${name}_meta`, name === "slot_a" ? 0 : half, half);
      const slot = new SplitSlotFlash(name, meta, new Esp32AppPartition(name, this.running));
      this.opened.set(name, slot);
      return slot;
    }
    let native: NativeFlash;
    try {
      native = FlashStorage.open({ path: name, mode: "r+" });
    } catch {
      throw new XsuitError("flash-no-partition", `no partition named '${name}' (see hosts/esp32/sdkconfig/partitions.csv)`);
    }
    const p = new Esp32Partition(name, native);
    this.opened.set(name, p);
    return p;
  }
}
