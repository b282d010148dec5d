// A simulated flash chip kept in a file, so it survives the process (a reboot is a new
// NorChip over the same file). The file is a raw chip image with an ESP-IDF binary
// partition table at 0x8000, so it describes its own layout.
import { closeSync, existsSync, openSync, readSync, writeSync, writeFileSync, fstatSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { XsuitError } from '../../modules/errors/errors';
import { DEFAULT_GEOMETRY, NorChip, type ByteStore, type NorGeometry } from '../common/nor-flash';
import { PARTITION_TABLE_OFFSET, decodePartitionTable, encodePartitionEntries, parsePartitionsCsv } from '../common/partitions';
import type { PartitionInfo } from '../hal';

export const DEFAULT_CHIP_SIZE = 4 * 1024 * 1024;

/** Write-through file storage: every write reaches the file before the call returns. */
export class FileStore implements ByteStore {
  readonly size: number;
  private fd: number | undefined;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'r+');
    this.size = fstatSync(this.fd).size;
  }
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    readSync(this.handle(), out, 0, length, offset);
    return out;
  }
  write(offset: number, bytes: Uint8Array): void {
    writeSync(this.handle(), bytes, 0, bytes.length, offset);
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
  private handle(): number {
    if (this.fd === undefined) throw new Error(`flash file ${this.path} is closed`);
    return this.fd;
  }
}

/** The binary table ESP-IDF's bootloader reads: entries, then an MD5 row over them. */
export function partitionTableImage(parts: PartitionInfo[]): Uint8Array {
  const entries = encodePartitionEntries(parts);
  const md5Row = new Uint8Array(32).fill(0xff);
  md5Row[0] = 0xeb;
  md5Row[1] = 0xeb;
  md5Row.set(createHash('md5').update(entries).digest(), 16);
  const out = new Uint8Array(entries.length + 32);
  out.set(entries, 0);
  out.set(md5Row, entries.length);
  return out;
}

export interface CreateFlashOptions {
  partitionsCsv: string;
  chipSize?: number;
  /** refuse to replace an existing file unless true */
  overwrite?: boolean;
}

/** Makes a blank (all 0xFF) chip image holding the partition table. */
export function createFlashFile(path: string, options: CreateFlashOptions): PartitionInfo[] {
  const chipSize = options.chipSize ?? DEFAULT_CHIP_SIZE;
  const parts = parsePartitionsCsv(options.partitionsCsv);
  for (const p of parts) {
    if (p.offset < PARTITION_TABLE_OFFSET + 0x1000) {
      throw new XsuitError('partition-csv', `'${p.name}' overlaps the partition table at 0x8000`);
    }
  }
  if (existsSync(path) && !options.overwrite) {
    throw new XsuitError('flash-exists', `${path} already exists`);
  }
  const image = new Uint8Array(chipSize).fill(0xff);
  image.set(partitionTableImage(parts), PARTITION_TABLE_OFFSET);
  // validates that everything fits before the file is written
  new NorChip({ size: chipSize, read: () => new Uint8Array(0), write: () => undefined }, parts);
  writeFileSync(path, image);
  return parts;
}

export interface OpenedFlash {
  chip: NorChip;
  store: FileStore;
}

/** One power-on over the file: a fresh chip, counters at zero, no cut pending. */
export function openFlashFile(path: string, geometry: NorGeometry = DEFAULT_GEOMETRY): OpenedFlash {
  if (!existsSync(path)) throw new XsuitError('flash-missing', `no flash file at ${path}`);
  const store = new FileStore(path);
  const parts = decodePartitionTable(store.read(PARTITION_TABLE_OFFSET, 0x1000));
  return { chip: new NorChip(store, parts, geometry), store };
}
