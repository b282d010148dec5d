// FlashDevice for an XS guest whose chip lives in the Node parent (hosts/xs/flash-service.ts).
import type { Flash, FlashDevice, PartitionInfo } from '../../hal';
import { hostCall } from './host-call';

interface Layout {
  partitions: PartitionInfo[];
  geometry: { sectorSize: number; writeAlign: number };
}

export class RemoteFlashDevice implements FlashDevice {
  readonly id: number;
  private layout: Layout | undefined;
  constructor(id: number) {
    this.id = id;
  }
  private get info(): Layout {
    if (!this.layout) this.layout = hostCall('flash.partitions', { id: this.id }).result as Layout;
    return this.layout;
  }
  partitions(): PartitionInfo[] {
    return this.info.partitions.map((p) => ({ ...p }));
  }
  open(name: string): Flash {
    const p = this.info.partitions.find((q) => q.name === name);
    // ask the host anyway so the error is the host's typed one
    if (!p) hostCall('flash.read', { id: this.id, name, offset: 0, length: 0 });
    return new RemotePartition(this.id, p as PartitionInfo, this.info.geometry);
  }
}

class RemotePartition implements Flash {
  readonly name: string;
  readonly size: number;
  readonly sectorSize: number;
  readonly writeAlign: number;
  private readonly id: number;
  constructor(id: number, p: PartitionInfo, g: Layout['geometry']) {
    this.id = id;
    this.name = p.name;
    this.size = p.size;
    this.sectorSize = g.sectorSize;
    this.writeAlign = g.writeAlign;
  }
  read(offset: number, length: number): Uint8Array {
    return hostCall('flash.read', { id: this.id, name: this.name, offset, length }).bytes;
  }
  readInto(offset: number, target: Uint8Array): void {
    target.set(this.read(offset, target.length));
  }
  write(offset: number, bytes: Uint8Array): void {
    hostCall('flash.write', { id: this.id, name: this.name, offset }, bytes);
  }
  erase(sector: number): void {
    hostCall('flash.erase', { id: this.id, name: this.name, sector });
  }
}
