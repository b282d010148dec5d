// The file-backed chip that `xsuit device` and the simulated device use.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlashFile, openFlashFile } from '../hosts/node/flash-file';
import { parsePartitionsCsv, PARTITION_TABLE_OFFSET, decodePartitionTable } from '../hosts/common/partitions';
import { PARTITIONS } from './cases/flash.cases';
import { XsuitError } from '../modules/errors/errors';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'xsuit-flash-')), 'flash.bin');

describe('file-backed flash', () => {
  test('the file holds an ESP-IDF partition table at 0x8000 and describes itself', () => {
    const path = tmp();
    createFlashFile(path, { partitionsCsv: PARTITIONS, chipSize: 0x80000 });
    const bytes = new Uint8Array(readFileSync(path));
    expect(bytes.length).toBe(0x80000);
    expect(bytes[PARTITION_TABLE_OFFSET]).toBe(0xaa);
    expect(bytes[PARTITION_TABLE_OFFSET + 1]).toBe(0x50);
    expect(decodePartitionTable(bytes.subarray(PARTITION_TABLE_OFFSET, PARTITION_TABLE_OFFSET + 0x1000)))
      .toEqual(parsePartitionsCsv(PARTITIONS));
  });

  test('writes persist across power-ons (write-through), including a torn write', () => {
    const path = tmp();
    createFlashFile(path, { partitionsCsv: PARTITIONS, chipSize: 0x80000 });
    const first = openFlashFile(path);
    first.chip.open('slot_a').write(0, new Uint8Array([1, 2, 3, 4]));
    first.chip.cutAt(1, 7);
    expect(() => first.chip.open('slot_a').write(4096, new Uint8Array(4096))).toThrow(/power-cut/);
    first.store.close();
    const second = openFlashFile(path);
    expect(Array.from(second.chip.open('slot_a').read(0, 4))).toEqual([1, 2, 3, 4]);
    const torn = second.chip.open('slot_a').read(4096, 4096);
    expect(torn.some((x) => x !== 0xff) || torn.every((x) => x === 0xff)).toBe(true);
    expect(torn.every((x) => x === 0)).toBe(false);
    second.store.close();
  });

  test('bad layouts and missing files are typed errors', () => {
    expect(() => parsePartitionsCsv('a,data,nvs,0x9000,0x1001')).toThrow(XsuitError);
    expect(() => parsePartitionsCsv('a,data,nvs,0x9000,0x1000\nb,data,nvs,0x9000,0x1000')).toThrow(/duplicate name|overlaps/);
    expect(() => parsePartitionsCsv('a,bogus,nvs,0x9000,0x1000')).toThrow(/unknown type/);
    expect(() => openFlashFile('/nonexistent/flash.bin')).toThrow(/flash-missing/);
    const path = tmp();
    createFlashFile(path, { partitionsCsv: PARTITIONS, chipSize: 0x80000 });
    expect(() => createFlashFile(path, { partitionsCsv: PARTITIONS })).toThrow(/flash-exists/);
    expect(() => createFlashFile(tmp(), { partitionsCsv: 'big,data,nvs,0x9000,0x100000', chipSize: 0x80000 })).toThrow(/ends past the chip/);
  });
});
