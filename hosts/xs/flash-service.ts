// The Node side of flash for XS guests: chips live here, in the parent, so their bytes
// outlive a worker (a new worker over the same chip is a reboot). Guests reach them
// through hostCall('flash.*') and hosts/xs/device/remote-flash.ts.
import { XsuitError } from '../../modules/errors/errors';
import { MemoryStore, NorChip, DEFAULT_GEOMETRY, type ByteStore, type NorGeometry } from '../common/nor-flash';
import { parsePartitionsCsv } from '../common/partitions';
import type { PartitionInfo } from '../hal';
import type { HostCallTable } from './host-calls';

interface Entry {
  chip: NorChip;
  store: ByteStore;
  partitions: PartitionInfo[];
  geometry: NorGeometry;
}

export class FlashService {
  private readonly chips = new Map<number, Entry>();
  private nextId = 1;

  /** Makes a chip available to guests; returns its id. */
  add(chip: NorChip): number {
    const id = this.nextId++;
    this.chips.set(id, { chip, store: chip.store, partitions: chip.partitions(), geometry: chip.geometry });
    return id;
  }

  chip(id: number): NorChip {
    const e = this.chips.get(id);
    if (!e) throw new XsuitError('flash-no-chip', `no simulated chip ${id}`);
    return e.chip;
  }

  /** Power-on again over the same bytes: clears a cut and the counters. */
  reboot(id: number): NorChip {
    const e = this.chips.get(id);
    if (!e) throw new XsuitError('flash-no-chip', `no simulated chip ${id}`);
    e.chip = new NorChip(e.store, e.partitions, e.geometry);
    return e.chip;
  }

  calls(): HostCallTable {
    const part = (args: { id: number; name: string }) => this.chip(args.id).open(args.name);
    return {
      'flash.new': (args: { partitionsCsv: string; chipSize?: number; sectorSize?: number; writeAlign?: number }) => {
        const geometry = { sectorSize: args.sectorSize ?? DEFAULT_GEOMETRY.sectorSize, writeAlign: args.writeAlign ?? DEFAULT_GEOMETRY.writeAlign };
        const chip = new NorChip(new MemoryStore(args.chipSize ?? 4 * 1024 * 1024), parsePartitionsCsv(args.partitionsCsv), geometry);
        return { result: this.add(chip) };
      },
      'flash.partitions': (args: { id: number }) => ({
        result: { partitions: this.chip(args.id).partitions(), geometry: this.chip(args.id).geometry },
      }),
      'flash.read': (args: { id: number; name: string; offset: number; length: number }) => ({
        bytes: part(args).read(args.offset, args.length),
      }),
      'flash.write': (args: { id: number; name: string; offset: number }, bytes) => {
        part(args).write(args.offset, bytes);
      },
      'flash.erase': (args: { id: number; name: string; sector: number }) => {
        part(args).erase(args.sector);
      },
      'flash.counts': (args: { id: number }) => ({ result: this.chip(args.id).counts() }),
      'flash.cutAt': (args: { id: number; n: number; seed?: number }) => {
        this.chip(args.id).cutAt(args.n, args.seed);
      },
      'flash.reboot': (args: { id: number }) => {
        this.reboot(args.id);
      },
      'flash.snapshot': (args: { id: number }) => {
        const store = this.chips.get(args.id)?.store;
        if (!store) throw new XsuitError('flash-no-chip', `no simulated chip ${args.id}`);
        return { bytes: store.read(0, store.size) };
      },
    };
  }
}
