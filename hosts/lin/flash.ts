// The lin simulator's flash: a raw chip image in a file, byte for byte the format of
// hosts/node/flash-file.ts (an ESP-IDF binary partition table at 0x8000, then the
// partitions), with the NOR rules of hosts/common/nor-flash.ts on top. So the same file
// can be prepared by `xsuit` or a Node test, run in mcsim, and inspected again in Node.
// Moddable's `file` module on lin is stdio with an fflush after every write, so every
// write is in the file before the call returns (what a power cut needs).
import { File } from "file";
import { Digest } from "crypt";
import { XsuitError } from "../../modules/errors/errors";
import { DEFAULT_GEOMETRY, NorChip, type ByteStore } from "../common/nor-flash";
import { PARTITION_TABLE_OFFSET, decodePartitionTable, encodePartitionEntries, parsePartitionsCsv } from "../common/partitions";

export const SIM_CHIP_SIZE = 4 * 1024 * 1024;

class FileStore implements ByteStore {
  readonly size: number;
  constructor(private readonly file: File) {
    this.size = file.length;
  }
  read(offset: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    this.file.position = offset;
    return new Uint8Array(this.file.read(ArrayBuffer, length));
  }
  write(offset: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.file.position = offset;
    this.file.write(bytes.slice().buffer);
  }
}

/** The table ESP-IDF's bootloader reads: entries, then an MD5 row (Moddable's Digest has MD5). */
function partitionTableImage(csv: string): Uint8Array {
  const entries = encodePartitionEntries(parsePartitionsCsv(csv));
  const md5 = new Digest("MD5");
  md5.write(entries as unknown as ArrayBuffer);
  const row = new Uint8Array(32).fill(0xff);
  row[0] = 0xeb;
  row[1] = 0xeb;
  row.set(new Uint8Array(md5.close()), 16);
  const out = new Uint8Array(entries.length + 32);
  out.set(entries, 0);
  out.set(row, entries.length);
  return out;
}

/** Writes a blank (all 0xFF) chip image holding the partition table. */
function createChipFile(path: string, csv: string, chipSize: number): void {
  const table = partitionTableImage(csv);
  const file = new File(path, true);
  try {
    const chunk = new Uint8Array(64 * 1024).fill(0xff);
    for (let at = 0; at < chipSize; at += chunk.length) {
      if (at === PARTITION_TABLE_OFFSET - (PARTITION_TABLE_OFFSET % chunk.length)) {
        const c = chunk.slice();
        c.set(table, PARTITION_TABLE_OFFSET % chunk.length);
        file.write(c.buffer);
      } else {
        file.write(chunk.buffer);
      }
    }
  } finally {
    file.close();
  }
}

export interface SimFlashOptions {
  /** absolute path of the chip image */
  path: string;
  /** layout used when the file does not exist yet */
  partitionsCsv: string;
  chipSize?: number;
}

/** One power-on over the file (creating a blank chip first if there is none). */
export function openSimFlash(options: SimFlashOptions): NorChip {
  if (!File.exists(options.path)) createChipFile(options.path, options.partitionsCsv, options.chipSize ?? SIM_CHIP_SIZE);
  const store = new FileStore(new File(options.path, true));
  if (store.size < PARTITION_TABLE_OFFSET + 0x1000) {
    throw new XsuitError("flash-missing", `${options.path} is too small to be a chip image (${store.size} bytes)`);
  }
  const parts = decodePartitionTable(store.read(PARTITION_TABLE_OFFSET, 0x1000));
  return new NorChip(store, parts, DEFAULT_GEOMETRY);
}
