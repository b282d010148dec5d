// SimFlash over an in-process NorChip (the Node runner, and host-side tools).
import { MemoryStore, NorChip, DEFAULT_GEOMETRY } from '../../hosts/common/nor-flash';
import { parsePartitionsCsv } from '../../hosts/common/partitions';
import type { SimFlash, SimFlashOptions } from './device-case';

export function localSimFlash(options: SimFlashOptions): SimFlash {
  const store = new MemoryStore(options.chipSize ?? 4 * 1024 * 1024);
  const parts = parsePartitionsCsv(options.partitionsCsv);
  const geometry = { sectorSize: options.sectorSize ?? DEFAULT_GEOMETRY.sectorSize, writeAlign: options.writeAlign ?? DEFAULT_GEOMETRY.writeAlign };
  let chip = new NorChip(store, parts, geometry);
  return {
    get device() { return chip; },
    counts: () => chip.counts(),
    cutAt: (n, seed) => chip.cutAt(n, seed),
    reboot: () => { chip = new NorChip(store, parts, geometry); return chip; },
    snapshot: () => store.bytes.slice(),
  };
}
