// NetHost for an XS guest (device code): the Node parent owns the real sockets and
// timers (hosts/xs/net-bridge.ts). Outgoing operations are synchronous host calls;
// incoming datagrams, TCP bytes and timer expiries arrive in batches through
// globalThis.handleCommand, one crank per batch, and are dispatched to the callbacks
// exactly as ECMA-419 hosts call onReadable/onWritable/onError.
import type { NetHost, TcpOptions, TcpSocket, Timers, UdpDatagram, UdpOptions, UdpSocket } from '../hal-net';
import { hostCall } from './device/host-call';
import { allocWire, decodeWire, encodeWire } from './device/wire';
import {
  EV_TCP_DATA, EV_TCP_WRITABLE, EV_TIMER, EV_UDP, NO_STRING, OP_TCP_SEND, OP_TIMER, OP_UDP_SEND, RECORD,
  internString, recordId, recordKind, recordN, recordPort, recordString, recordView, writeRecord, type BatchHeader,
} from './device/net-wire';

/** One event as the parent queues it; it crosses to the guest as a record (./device/net-wire). */
export interface NetEvent {
  k: 'udp' | 'tcp-data' | 'tcp-writable' | 'tcp-error' | 'timer';
  id: number;
  n?: number;
  address?: string;
  port?: number;
  message?: string;
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
 * Each operation is five numbers (kind, string index, port, id, n) in `outOps`.
 */
let batching = false;
let outOps: number[] = [];
let outBytes: Uint8Array[] = [];
let outStrings: string[] = [];
let outSize = 0;

function queue(kind: number, id: number, n: number, address?: string, port?: number, bytes?: Uint8Array): void {
  outOps.push(kind, address === undefined ? NO_STRING : internString(outStrings, address), port ?? 0, id, n);
  if (bytes) {
    outBytes.push(bytes.slice()); // write() copies (HAL contract); the caller may reuse its buffer
    outSize += bytes.length;
  }
}

function flushOutbox(): ArrayBuffer {
  batching = false;
  const count = outOps.length / 5;
  if (!count) return new ArrayBuffer(0);
  const header: BatchHeader = { count, strings: outStrings };
  const { wire, at: start } = allocWire(header, count * RECORD + outSize);
  const view = new DataView(wire.buffer, start, count * RECORD);
  for (let i = 0, at = 0; i < outOps.length; i += 5, at += RECORD) {
    writeRecord(view, at, outOps[i], outOps[i + 1], outOps[i + 2], outOps[i + 3], outOps[i + 4]);
  }
  let at = start + count * RECORD;
  // indexed loops: a for-of iterator costs XS several times more per element
  for (let i = 0; i < outBytes.length; i++) {
    wire.set(outBytes[i], at);
    at += outBytes[i].length;
  }
  outOps = [];
  outBytes = [];
  outStrings = [];
  outSize = 0;
  return wire.buffer as ArrayBuffer;
}

function dispatch(h: BatchHeader, bytes: Uint8Array): void {
  clockMs = h.t ?? clockMs;
  let at = h.count * RECORD;
  const view = recordView(bytes);
  for (let r = 0; r < h.count * RECORD; r += RECORD) {
    const kind = recordKind(view, r);
    const id = recordId(view, r);
    const n = recordN(view, r);
    const str = recordString(view, r);
    const text = str === NO_STRING ? '' : h.strings[str] ?? '';
    const body = bytes.subarray(at, at + n);
    at += n;
    try {
      if (kind === EV_TIMER) {
        const cb = timerCallbacks.get(id);
        timerCallbacks.delete(id);
        if (cb) cb();
      } else if (kind === EV_UDP) {
        const s = udps.get(id);
        if (!s) continue;
        // a view, not a copy: XS meters every byte copied (~2 k ticks per 1 KiB block),
        // and the batch buffer is not reused, so the view stays valid
        const d = body as UdpDatagram;
        d.address = text;
        d.port = recordPort(view, r);
        s.queue.push(d);
        if (s.options.onReadable) s.options.onReadable(s.queue.length);
      } else {
        const s = tcps.get(id);
        if (!s) continue;
        if (kind === EV_TCP_DATA) {
          s.queue.push(body.slice());
          if (s.options.onReadable) s.options.onReadable(n);
        } else if (kind === EV_TCP_WRITABLE) {
          if (s.options.onWritable) s.options.onWritable(64 * 1024);
        } else {
          tcps.delete(id);
          if (s.options.onError) s.options.onError(text || 'error');
        }
      }
    } catch (err) {
      // one failing callback must not lose the rest of the batch
      hostCall('net.log', { message: `callback for event kind ${kind} threw: ${String(err)}` });
    }
  }
}

/** Installs globalThis.handleCommand for net events (chaining any earlier handler for other messages). */
export function installNetEvents(): void {
  const g = globalThis as unknown as { handleCommand?: (m: ArrayBuffer) => ArrayBuffer };
  const previous = g.handleCommand;
  g.handleCommand = (message: ArrayBuffer): ArrayBuffer => {
    const { header, bytes } = decodeWire(new Uint8Array(message));
    const h = header as BatchHeader | null;
    if (h && typeof h.count === 'number' && Array.isArray(h.strings)) {
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
    if (batching) queue(OP_UDP_SEND, this.id, bytes.length, address, port, bytes);
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
    if (batching) queue(OP_TCP_SEND, this.id, bytes.length, undefined, undefined, bytes);
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
    if (batching) queue(OP_TIMER, id, Math.max(0, Math.ceil(ms)));
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
