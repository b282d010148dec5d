// Simulated NOR flash with the semantics firmware has to survive: erase sets a whole
// sector to 0xFF, a write can only clear bits, writes honour alignment, every access is
// bounds-checked against its partition, every operation is counted, and power can be cut
// at the N-th mutation, leaving that operation partly done. Pure code over a ByteStore:
// the host decides where the bytes live (memory, a file, the Node parent of an XS worker).
import { XsuitError } from '../../modules/errors/errors';
import type { Flash, FlashDevice, PartitionInfo } from '../hal';
import { SeededRandom } from './prng';

/** Raw chip storage; no NOR rules here. */
export interface ByteStore {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, bytes: Uint8Array): void;
}

export class MemoryStore implements ByteStore {
  readonly bytes: Uint8Array;
  constructor(size: number, fill = 0xff) {
    this.bytes = new Uint8Array(size).fill(fill);
  }
  get size(): number { return this.bytes.length; }
  read(offset: number, length: number): Uint8Array { return this.bytes.slice(offset, offset + length); }
  write(offset: number, bytes: Uint8Array): void { this.bytes.set(bytes, offset); }
}

export interface FlashCounts {
  reads: number;
  writes: number;
  erases: number;
  /** writes + erases: the operations a power cut can interrupt */
  mutations: number;
  bytesRead: number;
  bytesWritten: number;
  bytesErased: number;
}

export interface NorGeometry {
  sectorSize: number;
  writeAlign: number;
}

export const DEFAULT_GEOMETRY: NorGeometry = { sectorSize: 4096, writeAlign: 4 };

function zeroCounts(): FlashCounts {
  return { reads: 0, writes: 0, erases: 0, mutations: 0, bytesRead: 0, bytesWritten: 0, bytesErased: 0 };
}

/** One power-on of a chip. After a cut it is dead until the host builds a new NorChip. */
export class NorChip implements FlashDevice {
  readonly store: ByteStore;
  readonly geometry: NorGeometry;
  private readonly table: PartitionInfo[];
  private counters: FlashCounts = zeroCounts();
  private cut: { at: number; random: SeededRandom } | undefined;
  private dead = false;

  constructor(store: ByteStore, partitions: PartitionInfo[], geometry: NorGeometry = DEFAULT_GEOMETRY) {
    this.store = store;
    this.geometry = geometry;
    for (const p of partitions) {
      if (p.offset + p.size > store.size) {
        throw new XsuitError('flash-layout', `partition '${p.name}' ends past the chip (${store.size} bytes)`);
      }
      if (p.offset % geometry.sectorSize !== 0 || p.size % geometry.sectorSize !== 0) {
        throw new XsuitError('flash-layout', `partition '${p.name}' is not sector aligned`);
      }
    }
    this.table = partitions.map((p) => ({ ...p }));
  }

  partitions(): PartitionInfo[] {
    return this.table.map((p) => ({ ...p }));
  }

  open(name: string): Flash {
    const p = this.table.find((q) => q.name === name);
    if (!p) throw new XsuitError('flash-no-partition', `no partition named '${name}'`);
    return new NorPartition(this, p);
  }

  counts(): FlashCounts {
    return { ...this.counters };
  }

  resetCounts(): void {
    this.counters = zeroCounts();
  }

  /** Cut power during the n-th mutation from now (1 = the next write or erase). */
  cutAt(n: number, seed = 1): void {
    if (!Number.isInteger(n) || n < 1) throw new XsuitError('flash-bad-cut', `cut point must be a positive integer, got ${n}`);
    this.cut = { at: this.counters.mutations + n, random: new SeededRandom(seed) };
  }

  get isDead(): boolean {
    return this.dead;
  }

  /** @internal used by NorPartition */
  checkAlive(): void {
    if (this.dead) throw new XsuitError('power-cut', 'the device has lost power');
  }

  /** @internal */
  doRead(absolute: number, length: number): Uint8Array {
    this.checkAlive();
    this.counters.reads++;
    this.counters.bytesRead += length;
    return this.store.read(absolute, length);
  }

  /** @internal: returns the random source if this mutation is the one power fails in */
  beginMutation(): SeededRandom | undefined {
    this.checkAlive();
    this.counters.mutations++;
    if (this.cut && this.counters.mutations === this.cut.at) {
      const r = this.cut.random;
      this.cut = undefined;
      this.dead = true;
      return r;
    }
    return undefined;
  }

  /** @internal */
  doWrite(absolute: number, bytes: Uint8Array): void {
    const cut = this.beginMutation();
    this.counters.writes++;
    const current = this.store.read(absolute, bytes.length);
    // NOR can only clear bits: the cell ends up as old AND new (checked by the caller).
    const next = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) next[i] = current[i] & bytes[i];
    if (cut) {
      // Power fails part way: a prefix lands, and the byte being programmed gets only
      // some of its bits cleared.
      const done = cut.below(bytes.length + 1);
      const partial = current.slice();
      partial.set(next.subarray(0, done), 0);
      if (done < bytes.length) partial[done] = current[done] & (next[done] | cut.below(256));
      this.store.write(absolute, partial);
      this.counters.bytesWritten += done;
      throw new XsuitError('power-cut', `power lost during write at 0x${absolute.toString(16)} (${done}/${bytes.length} bytes)`);
    }
    this.store.write(absolute, next);
    this.counters.bytesWritten += bytes.length;
  }

  /** @internal */
  doErase(absolute: number): void {
    const size = this.geometry.sectorSize;
    const cut = this.beginMutation();
    this.counters.erases++;
    if (cut) {
      // An interrupted erase leaves a sector that is neither old nor erased: an erased
      // prefix, then bytes of undefined value.
      const done = cut.below(size);
      const garbage = this.store.read(absolute, size);
      for (let i = 0; i < done; i++) garbage[i] = 0xff;
      for (let i = done; i < size; i++) if (cut.below(2)) garbage[i] = cut.below(256);
      this.store.write(absolute, garbage);
      throw new XsuitError('power-cut', `power lost during erase at 0x${absolute.toString(16)}`);
    }
    this.store.write(absolute, new Uint8Array(size).fill(0xff));
    this.counters.bytesErased += size;
  }
}

class NorPartition implements Flash {
  readonly name: string;
  readonly size: number;
  readonly sectorSize: number;
  readonly writeAlign: number;
  private readonly chip: NorChip;
  private readonly base: number;

  constructor(chip: NorChip, p: PartitionInfo) {
    this.chip = chip;
    this.name = p.name;
    this.size = p.size;
    this.base = p.offset;
    this.sectorSize = chip.geometry.sectorSize;
    this.writeAlign = chip.geometry.writeAlign;
  }

  private bounds(offset: number, length: number, op: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new XsuitError('flash-out-of-bounds', `${op} [${offset}, +${length}) is outside partition '${this.name}' (${this.size} bytes)`);
    }
  }

  read(offset: number, length: number): Uint8Array {
    this.bounds(offset, length, 'read');
    return this.chip.doRead(this.base + offset, length);
  }

  readInto(offset: number, target: Uint8Array): void {
    target.set(this.read(offset, target.length));
  }

  write(offset: number, bytes: Uint8Array): void {
    this.bounds(offset, bytes.length, 'write');
    if (offset % this.writeAlign !== 0 || bytes.length % this.writeAlign !== 0) {
      throw new XsuitError('flash-misaligned', `write [${offset}, +${bytes.length}) is not ${this.writeAlign}-byte aligned`);
    }
    this.chip.checkAlive();
    const current = this.chip.store.read(this.base + offset, bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      if ((bytes[i] & ~current[i]) & 0xff) {
        throw new XsuitError('flash-bit-set', `write at ${offset + i} would set bits (0x${current[i].toString(16)} -> 0x${bytes[i].toString(16)}); erase first`);
      }
    }
    this.chip.doWrite(this.base + offset, bytes);
  }

  erase(sector: number): void {
    const count = this.size / this.sectorSize;
    if (!Number.isInteger(sector) || sector < 0 || sector >= count) {
      throw new XsuitError('flash-out-of-bounds', `erase of sector ${sector} is outside partition '${this.name}' (${count} sectors)`);
    }
    this.chip.doErase(this.base + sector * this.sectorSize);
  }
}
