// NetHost for Node: the ECMA-419-style sockets of hosts/hal-net.ts over node:dgram and
// node:net, timers over setTimeout. Used by Node tests and the simulator, and by the XS
// bridge (hosts/xs/net-bridge.ts), which owns these sockets on behalf of a guest.
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { connect, type Socket as NetSocket } from 'node:net';
import { randomInt } from 'node:crypto';
import type { NetHost, TcpOptions, TcpSocket, Timers, UdpDatagram, UdpOptions, UdpSocket } from '../hal-net';

export function toDatagram(bytes: Uint8Array, address: string, port: number): UdpDatagram {
  const copy = new Uint8Array(bytes).buffer as UdpDatagram;
  copy.address = address;
  copy.port = port;
  return copy;
}

export class NodeUdpSocket implements UdpSocket {
  readonly socket: DgramSocket;
  private readonly queue: UdpDatagram[] = [];
  private closed = false;
  /** resolves when bound (the port is known) */
  readonly ready: Promise<number>;

  constructor(options: UdpOptions) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg, rinfo) => {
      this.queue.push(toDatagram(msg, rinfo.address, rinfo.port));
      if (options.onReadable) options.onReadable(this.queue.length);
    });
    this.socket.on('error', (e) => { if (options.onError) options.onError(e.message); });
    this.ready = new Promise((resolve) => {
      this.socket.bind(options.port ?? 0, '127.0.0.1', () => resolve(this.socket.address().port));
    });
  }

  write(bytes: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    this.socket.send(bytes, port, address);
  }

  read(): UdpDatagram | undefined {
    return this.queue.shift();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try { this.socket.close(); } catch { /* already closed */ }
  }
}

export class NodeTcpSocket implements TcpSocket {
  private readonly socket: NetSocket;
  private readonly chunks: Buffer[] = [];
  private dead = false;

  constructor(options: TcpOptions) {
    this.socket = connect({ host: options.address, port: options.port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => { if (options.onWritable) options.onWritable(64 * 1024); });
    this.socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      if (options.onReadable) options.onReadable(this.chunks.reduce((n, c) => n + c.length, 0));
    });
    const end = (why: string): void => {
      if (this.dead) return;
      this.dead = true;
      if (options.onError) options.onError(why);
    };
    this.socket.on('error', (e) => end(e.message));
    this.socket.on('close', () => end('connection closed'));
  }

  write(bytes: Uint8Array): void {
    if (this.dead) return;
    this.socket.write(Buffer.from(bytes));
  }

  read(): ArrayBuffer | undefined {
    if (!this.chunks.length) return undefined;
    const all = Buffer.concat(this.chunks.splice(0));
    return new Uint8Array(all).buffer as ArrayBuffer;
  }

  close(): void {
    this.dead = true;
    this.socket.destroy();
  }
}

export function nodeTimers(): Timers & { clearAll(): void } {
  const live = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    set(callback, ms) {
      const id = next++;
      live.set(id, setTimeout(() => { live.delete(id); callback(); }, ms));
      return id;
    },
    clear(id) {
      const t = live.get(id);
      if (t) clearTimeout(t);
      live.delete(id);
    },
    clearAll() {
      for (const t of live.values()) clearTimeout(t);
      live.clear();
    },
  };
}

/** A NetHost on real Node sockets, bound to loopback. */
export function nodeNetHost(): NetHost & { timers: ReturnType<typeof nodeTimers> } {
  const start = performance.now();
  return {
    udp: (options) => new NodeUdpSocket(options),
    tcp: (options) => new NodeTcpSocket(options),
    timers: nodeTimers(),
    now: () => performance.now() - start,
    random32: () => randomInt(0, 0xffffffff),
  };
}
