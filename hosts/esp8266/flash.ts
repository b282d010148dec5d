// FlashDevice for ESP8266. Moddable has no partition table there: its `flash` module
// opens two regions, "xs" (mods) and "storage" (the SPIFFS area inside the 1 MB window
// the chip can map). xsuit carves its partitions out of "storage": the boot record (two
// sectors), provisioning (one sector) and two equal slots for update payloads. The
// firmware itself cannot be replaced over the air: Moddable has no embedded:update for
// ESP8266 (see manifest.json).
import Flash from "flash";
import { XsuitError } from "../../modules/errors/errors";
import type { Flash as HalFlash, FlashDevice, PartitionInfo } from "../hal";

const BOOT_SECTORS = 2;
const PROV_SECTORS = 1;

/** xsuit's layout inside a region of `sectors` sectors of `sectorSize` bytes. */
export function esp8266Layout(regionSize: number, sectorSize: number): PartitionInfo[] {
  const sectors = Math.floor(regionSize / sectorSize);
  const slotSectors = Math.floor((sectors - BOOT_SECTORS - PROV_SECTORS) / 2);
  if (slotSectors < 2) throw new XsuitError("flash-layout", `the storage region (${regionSize} bytes) is too small for two slots`);
  let at = 0;
  const part = (name: string, subtype: string, n: number): PartitionInfo => {
    const p = { name, type: "data", subtype, offset: at * sectorSize, size: n * sectorSize };
    at += n;
    return p;
  };
  return [
    part("xsuit_boot", "0x40", BOOT_SECTORS),
    part("xsuit_prov", "0x41", PROV_SECTORS),
    part("slot_a", "0x43", slotSectors),
    part("slot_b", "0x43", slotSectors),
  ];
}

class RegionPartition implements HalFlash {
  readonly name: string;
  readonly size: number;
  readonly sectorSize: number;
  readonly writeAlign = 4;
  private readonly base: number;
  constructor(private readonly region: Flash, p: PartitionInfo) {
    this.name = p.name;
    this.size = p.size;
    this.base = p.offset;
    this.sectorSize = region.blockSize;
  }
  private bounds(offset: number, length: number, op: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new XsuitError("flash-out-of-bounds", `${op} [${offset}, +${length}) is outside partition '${this.name}' (${this.size} bytes)`);
    }
  }
  read(offset: number, length: number): Uint8Array {
    this.bounds(offset, length, "read");
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(this.region.read(this.base + offset, length) as ArrayBuffer);
  }
  readInto(offset: number, target: Uint8Array): void {
    target.set(this.read(offset, target.length));
  }
  write(offset: number, bytes: Uint8Array): void {
    this.bounds(offset, bytes.length, "write");
    if (offset % this.writeAlign !== 0 || bytes.length % this.writeAlign !== 0) {
      throw new XsuitError("flash-misaligned", `write [${offset}, +${bytes.length}) is not ${this.writeAlign}-byte aligned`);
    }
    this.region.write(this.base + offset, bytes.length, bytes);
  }
  erase(sector: number): void {
    const count = this.size / this.sectorSize;
    if (!Number.isInteger(sector) || sector < 0 || sector >= count) {
      throw new XsuitError("flash-out-of-bounds", `erase of sector ${sector} is outside partition '${this.name}' (${count} sectors)`);
    }
    this.region.erase(this.base / this.sectorSize + sector);
  }
}

export class Esp8266FlashDevice implements FlashDevice {
  private readonly region = new Flash("storage");
  private readonly table = esp8266Layout(this.region.byteLength, this.region.blockSize);

  partitions(): PartitionInfo[] {
    return this.table.map((p) => ({ ...p }));
  }

  open(name: string): HalFlash {
    const p = this.table.find((q) => q.name === name);
    if (!p) throw new XsuitError("flash-no-partition", `no partition named '${name}'`);
    return new RegionPartition(this.region, p);
  }
}
