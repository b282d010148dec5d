// A UDP relay on loopback that injects faults between a client and a server: seeded
// loss, duplication and reordering, plus a fixed one-way delay to emulate a long round
// trip. Each client address gets its own upstream socket, so replies find their way back.
import { createSocket, type Socket } from 'node:dgram';

export interface RelayOptions {
  target: { address: string; port: number };
  /** probability of dropping a datagram, each direction (default 0) */
  loss?: number;
  /** probability of sending a datagram twice */
  duplicate?: number;
  /** probability of holding a datagram back until the next one has passed */
  reorder?: number;
  /** one-way delay in ms (a 50 ms round trip is delayMs 25) */
  delayMs?: number;
  seed?: number;
}

/** mulberry32: small, seeded, good enough to make fault patterns repeatable */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class UdpRelay {
  private readonly front: Socket = createSocket('udp4');
  private readonly upstream = new Map<string, Socket>();
  private readonly rand: () => number;
  private readonly held: { socket: Socket; bytes: Buffer; port: number; address: string }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  target: { address: string; port: number };
  readonly stats = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
  port = 0;
  /** set to true to drop everything (a cut link) */
  blackhole = false;

  constructor(private readonly o: RelayOptions) {
    this.rand = seededRandom(o.seed ?? 1);
    this.target = o.target;
  }

  async start(): Promise<number> {
    this.front.on('message', (msg, rinfo) => {
      const key = `${rinfo.address}:${rinfo.port}`;
      let up = this.upstream.get(key);
      if (!up) {
        up = createSocket('udp4');
        up.bind(0, '127.0.0.1');
        up.on('message', (reply) => this.pass(this.front, reply, rinfo.port, rinfo.address));
        this.upstream.set(key, up);
      }
      this.pass(up, msg, this.target.port, this.target.address);
    });
    await new Promise<void>((resolve) => this.front.bind(0, '127.0.0.1', () => resolve()));
    this.port = this.front.address().port;
    return this.port;
  }

  private emit(socket: Socket, bytes: Buffer, port: number, address: string): void {
    const delay = this.o.delayMs ?? 0;
    if (delay <= 0) {
      socket.send(bytes, port, address);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      try { socket.send(bytes, port, address); } catch { /* closed */ }
    }, delay);
    this.timers.add(t);
  }

  private pass(socket: Socket, bytes: Buffer, port: number, address: string): void {
    if (this.blackhole || this.rand() < (this.o.loss ?? 0)) {
      this.stats.dropped++;
      return;
    }
    if (this.rand() < (this.o.reorder ?? 0) && this.held.length < 4) {
      this.stats.reordered++;
      this.held.push({ socket, bytes, port, address });
      return;
    }
    this.stats.forwarded++;
    this.emit(socket, bytes, port, address);
    if (this.rand() < (this.o.duplicate ?? 0)) {
      this.stats.duplicated++;
      this.emit(socket, bytes, port, address);
    }
    // held datagrams go out after a later one: that is the reordering
    for (const h of this.held.splice(0)) this.emit(h.socket, h.bytes, h.port, h.address);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.upstream.values()) s.close();
    await new Promise<void>((resolve) => this.front.close(() => resolve()));
  }
}
