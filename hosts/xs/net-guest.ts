// NetHost for an XS guest (device code): the Node parent owns the real sockets and
// timers (hosts/xs/net-bridge.ts). Outgoing operations are synchronous host calls;
// incoming datagrams, TCP bytes and timer expiries arrive in batches through
// globalThis.handleCommand, one crank per batch, and are dispatched to the callbacks
// exactly as ECMA-419 hosts call onReadable/onWritable/onError.
import { concatBytes } from '../../modules/bytes/compare';
import type { NetHost, TcpOptions, TcpSocket, Timers, UdpDatagram, UdpOptions, UdpSocket } from '../hal-net';
import { hostCall } from './device/host-call';
import { decodeWire, encodeWire } from './device/wire';

/** One event of a batch; `n` bytes of the batch's byte section belong to it. */
export interface NetEvent {
  k: 'udp' | 'tcp-data' | 'tcp-writable' | 'tcp-error' | 'timer';
  id: number;
  n?: number;
  address?: string;
  port?: number;
  message?: string;
}

export interface NetBatch {
  /** the parent's monotonic clock when the batch was sent */
  t: number;
  events: NetEvent[];
}

interface UdpState { queue: UdpDatagram[]; options: UdpOptions }
interface TcpState { queue: Uint8Array[]; options: TcpOptions }

const udps = new Map<number, UdpState>();
const tcps = new Map<number, TcpState>();
const timerCallbacks = new Map<number, () => void>();
let clockMs = 0;
let nextTimer = 1;
let seed = 0x9e3779b9;

/**
 * Operations queued during an event crank. xsnap reads the reply's `result` property
 * after the crank's promise jobs have run, so a getter there can hand the parent every
 * send and timer of the whole crank in one reply instead of one host call each.
 */
interface OutOp { k: 'udp-send' | 'tcp-send' | 'timer'; id: number; n?: number; address?: string; port?: number; ms?: number }
let batching = false;
let outOps: OutOp[] = [];
let outBytes: Uint8Array[] = [];

function queue(op: OutOp, bytes?: Uint8Array): void {
  outOps.push(op);
  if (bytes) outBytes.push(bytes.slice());
}

function flushOutbox(): ArrayBuffer {
  batching = false;
  if (!outOps.length) return new ArrayBuffer(0);
  const body = concatBytes(...outBytes);
  const wire = encodeWire({ ops: outOps }, body);
  outOps = [];
  outBytes = [];
  return wire.buffer as ArrayBuffer;
}

function dispatch(batch: NetBatch, bytes: Uint8Array): void {
  clockMs = batch.t;
  let at = 0;
  for (const e of batch.events) {
    const n = e.n ?? 0;
    const body = bytes.subarray(at, at + n);
    at += n;
    try {
      if (e.k === 'timer') {
        const cb = timerCallbacks.get(e.id);
        timerCallbacks.delete(e.id);
        if (cb) cb();
      } else if (e.k === 'udp') {
        const s = udps.get(e.id);
        if (!s) continue;
        const d = body.slice().buffer as UdpDatagram;
        d.address = e.address ?? '';
        d.port = e.port ?? 0;
        s.queue.push(d);
        if (s.options.onReadable) s.options.onReadable(s.queue.length);
      } else {
        const s = tcps.get(e.id);
        if (!s) continue;
        if (e.k === 'tcp-data') {
          s.queue.push(body.slice());
          if (s.options.onReadable) s.options.onReadable(n);
        } else if (e.k === 'tcp-writable') {
          if (s.options.onWritable) s.options.onWritable(64 * 1024);
        } else {
          tcps.delete(e.id);
          if (s.options.onError) s.options.onError(e.message ?? 'error');
        }
      }
    } catch (err) {
      // one failing callback must not lose the rest of the batch
      hostCall('net.log', { message: `callback for ${e.k} threw: ${String(err)}` });
    }
  }
}

/** Installs globalThis.handleCommand for net events (chaining any earlier handler for other messages). */
export function installNetEvents(): void {
  const g = globalThis as unknown as { handleCommand?: (m: ArrayBuffer) => ArrayBuffer };
  const previous = g.handleCommand;
  g.handleCommand = (message: ArrayBuffer): ArrayBuffer => {
    const { header, bytes } = decodeWire(new Uint8Array(message));
    const h = header as NetBatch & { op?: string };
    if (h.events) {
      batching = true;
      dispatch(h, bytes);
      return { get result() { return flushOutbox(); } } as unknown as ArrayBuffer;
    }
    return previous ? previous(message) : new ArrayBuffer(0);
  };
}

class GuestUdp implements UdpSocket {
  constructor(private readonly id: number, private readonly state: UdpState) {}
  write(bytes: Uint8Array, address: string, port: number): void {
    if (batching) queue({ k: 'udp-send', id: this.id, n: bytes.length, address, port }, bytes);
    else hostCall('net.udp.send', { id: this.id, address, port }, bytes);
  }
  read(): UdpDatagram | undefined {
    return this.state.queue.shift();
  }
  close(): void {
    if (!udps.delete(this.id)) return;
    hostCall('net.udp.close', { id: this.id });
  }
}

class GuestTcp implements TcpSocket {
  constructor(private readonly id: number, private readonly state: TcpState) {}
  write(bytes: Uint8Array): void {
    if (!tcps.has(this.id)) return;
    if (batching) queue({ k: 'tcp-send', id: this.id, n: bytes.length }, bytes);
    else hostCall('net.tcp.send', { id: this.id }, bytes);
  }
  read(): ArrayBuffer | undefined {
    const q = this.state.queue;
    if (!q.length) return undefined;
    if (q.length === 1) return (q.shift() as Uint8Array).buffer as ArrayBuffer;
    let size = 0;
    for (const c of q) size += c.length;
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of q.splice(0)) {
      out.set(c, at);
      at += c.length;
    }
    return out.buffer as ArrayBuffer;
  }
  close(): void {
    if (!tcps.delete(this.id)) return;
    hostCall('net.tcp.close', { id: this.id });
  }
}

const guestTimers: Timers = {
  set(callback, ms) {
    const id = nextTimer++;
    timerCallbacks.set(id, callback);
    if (batching) queue({ k: 'timer', id, ms });
    else hostCall('net.timer.set', { id, ms });
    return id;
  },
  clear(id) {
    // no round trip: the parent's expiry finds no callback and is ignored
    timerCallbacks.delete(id);
  },
};

export function xsNetHost(): NetHost {
  installNetEvents();
  clockMs = (hostCall('net.now').result as number) ?? 0;
  return {
    udp(options) {
      const id = hostCall('net.udp.open', { port: options.port ?? 0 }).result as number;
      const state: UdpState = { queue: [], options };
      udps.set(id, state);
      return new GuestUdp(id, state);
    },
    tcp(options) {
      const id = hostCall('net.tcp.open', { address: options.address, port: options.port }).result as number;
      const state: TcpState = { queue: [], options };
      tcps.set(id, state);
      return new GuestTcp(id, state);
    },
    timers: guestTimers,
    // the parent's clock as of the current batch: constant within a crank, which is
    // all the protocol timers need, and it saves a round trip per reading
    now: () => clockMs,
    random32() {
      // xorshift32: XS in xsnap has no crypto.getRandomValues; ids need not be secret
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    },
  };
}

/** Seeds random32 (message ids, tokens) so parallel guests differ. */
export function seedNetRandom(value: number): void {
  seed = (value >>> 0) || 1;
}
