// The Node side of an XS guest's network (hosts/xs/net-guest.ts): owns real UDP/TCP
// sockets and timers for the guest, answers its host calls, and pushes what happens
// (datagrams, TCP bytes, timer expiries) into the guest in batches, one crank each.
// Cranks are serialised with any other evaluation through `exclusive`, because an
// xsnap worker runs one crank at a time.
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { connect, type Socket as NetSocket } from 'node:net';
import type { XsMachine } from './machine';
import type { HostCallTable } from './host-calls';
import { allocWire, decodeWire } from './device/wire';
import type { NetEvent } from './net-guest';
import {
  EV_TCP_DATA, EV_TCP_ERROR, EV_TCP_WRITABLE, EV_TIMER, EV_UDP, NO_STRING, OP_TCP_SEND, OP_TIMER, OP_UDP_SEND, RECORD,
  internString, recordId, recordKind, recordN, recordPort, recordString, recordView, writeRecord, type BatchHeader,
} from './device/net-wire';

const EVENT_KINDS: Record<NetEvent['k'], number> = {
  udp: EV_UDP, 'tcp-data': EV_TCP_DATA, 'tcp-writable': EV_TCP_WRITABLE, 'tcp-error': EV_TCP_ERROR, timer: EV_TIMER,
};

const MAX_BATCH = 32;
const UDP_RECEIVE_BUFFER = 1 << 20;

export class XsNetBridge {
  private machine: XsMachine | undefined;
  private readonly udps = new Map<number, DgramSocket>();
  private readonly tcps = new Map<number, NetSocket>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;
  private events: NetEvent[] = [];
  private chunks: Uint8Array[] = [];
  private scheduled = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** callers queued in exclusive(): the pump yields to them between cranks */
  private waiting = 0;
  private closed = false;
  private readonly start = performance.now();
  /** the first error a crank raised (the guest crashed); delivery stops */
  failure: Error | undefined;
  onFailure: ((e: Error) => void) | undefined;
  readonly stats = { batches: 0, events: 0, udpSent: 0 };

  attach(machine: XsMachine): void {
    this.machine = machine;
  }

  now(): number {
    return performance.now() - this.start;
  }

  /** Runs fn when no crank is in progress (evaluate calls must go through here). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting++;
    const start = (): Promise<T> => {
      this.waiting--;
      return fn();
    };
    const run = this.chain.then(start, start);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private push(e: NetEvent, bytes?: Uint8Array): void {
    if (this.closed) return;
    this.events.push(e);
    if (bytes) this.chunks.push(bytes);
    // a running pump takes queued events itself
    if (!this.scheduled && !this.pumping) {
      this.scheduled = true;
      this.settle(this.events.length);
    }
  }

  /**
   * Interrupt coalescing: a crank costs far more than a datagram, so wait while more
   * events keep arriving (one event-loop turn at a time, for at most lingerMs) and then
   * hand them over in one batch. This only applies when the guest is idle; while a crank
   * runs, events simply queue for the next one (see pump).
   */
  private settle(seen: number, since = performance.now()): void {
    setImmediate(() => {
      if (this.pumping) {
        // the pump started meanwhile: it takes these events and reschedules what it leaves
        this.scheduled = false;
        return;
      }
      if (this.events.length > seen && performance.now() - since < this.lingerMs) {
        this.settle(this.events.length, since);
        return;
      }
      void this.exclusive(() => this.pump());
    });
  }

  /** longest wait for more events before a crank, ms */
  lingerMs = 2;
  private pumping = false;

  /**
   * Runs event cranks until no events are left. The guest's sends from crank N are
   * performed only after crank N+1 has been handed to the worker, so the guest works on
   * the next batch while Node puts the previous batch's datagrams on the wire: the two
   * processes overlap instead of waiting for each other.
   */
  private async pump(): Promise<void> {
    this.scheduled = false;
    if (this.pumping) return;
    this.pumping = true;
    try {
      let running = this.crankNext();
      while (running) {
        let reply: Uint8Array;
        try {
          reply = await running;
        } catch (e) {
          this.fail(e as Error);
          return;
        }
        // an evaluation waiting its turn must not starve behind a steady stream of events
        running = this.waiting ? undefined : this.crankNext();
        if (reply.length) this.perform(reply);
      }
    } finally {
      this.pumping = false;
      // events that arrived after the last look start a new round
      if (this.events.length && !this.scheduled && !this.closed && !this.failure) {
        this.scheduled = true;
        this.settle(this.events.length);
      }
    }
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    if (this.onFailure) this.onFailure(e);
  }

  /** Hands the next batch of queued events to the guest; undefined when none are queued. */
  private crankNext(): Promise<Uint8Array> | undefined {
    if (!this.machine || this.closed || this.failure || !this.events.length) return undefined;
    // bounded batches: the header's strings (one per distinct address or error text) are
    // decoded in the guest by spreading bytes into a call, and XS's stack is small
    const events = this.events.splice(0, MAX_BATCH);
    let n = 0;
    for (const e of events) if (e.k === 'udp' || e.k === 'tcp-data') n++;
    const chunks = this.chunks.splice(0, n);
    const strings: string[] = [];
    const table = new Uint8Array(events.length * RECORD);
    const view = recordView(table);
    events.forEach((e, i) => {
      const text = e.address ?? e.message;
      const str = text === undefined ? NO_STRING : internString(strings, text);
      writeRecord(view, i * RECORD, EVENT_KINDS[e.k], str, e.port ?? 0, e.id, e.n ?? 0);
    });
    this.stats.batches++;
    this.stats.events += events.length;
    const header: BatchHeader = { t: this.now(), count: events.length, strings };
    // the wire message goes out as parts (header, record table, datagrams): no copy into one buffer
    const head = allocWire(header, 0).wire;
    return this.machine.commandParts([head, table, ...chunks]).then((r) => r.reply);
  }

  /** Carries out the sends and timers the guest queued during an event crank. */
  private perform(reply: Uint8Array): void {
    const { header, bytes } = decodeWire(reply);
    const h = header as BatchHeader;
    const calls = this.table;
    let at = h.count * RECORD;
    const view = recordView(bytes);
    for (let r = 0; r < h.count * RECORD; r += RECORD) {
      const kind = recordKind(view, r);
      const id = recordId(view, r);
      const n = recordN(view, r);
      if (kind === OP_TIMER) {
        calls['net.timer.set']({ id, ms: n }, new Uint8Array(0));
        continue;
      }
      const body = bytes.subarray(at, at + n);
      at += n;
      // the reply is a fresh buffer that nothing reuses, so its views go to the sockets uncopied
      if (kind === OP_UDP_SEND) this.sendUdp(id, body, recordPort(view, r), h.strings[recordString(view, r)]);
      else if (kind === OP_TCP_SEND) this.tcps.get(id)?.write(body);
    }
  }

  /** One guest datagram onto its socket; `bytes` must stay unchanged until sent. */
  private sendUdp(id: number, bytes: Uint8Array, port: number, address: string): void {
    this.stats.udpSent++;
    this.udps.get(id)?.send(bytes, port, address);
  }

  private readonly table = this.calls();

  calls(): HostCallTable {
    return {
      'net.now': () => ({ result: this.now() }),
      'net.log': (args: { message: string }) => { process.stderr.write(`[xs net] ${args.message}\n`); },
      'net.udp.open': (args: { port: number }) => {
        const id = this.nextId++;
        // The guest takes datagrams only between cranks, so the kernel must hold whatever
        // arrives during one: a Q-Block2 burst of several sets overflowed Linux's default
        // 208 KiB (about 90 datagrams of 1 KiB) and cost a recovery round of seconds.
        // (Linux caps the request at twice net.core.rmem_max.)
        const s = createSocket({ type: 'udp4', recvBufferSize: UDP_RECEIVE_BUFFER });
        s.on('message', (msg, rinfo) => this.push({ k: 'udp', id, n: msg.length, address: rinfo.address, port: rinfo.port }, msg));
        s.on('error', () => undefined);
        s.bind(args.port ?? 0, '127.0.0.1');
        this.udps.set(id, s);
        return { result: id };
      },
      'net.udp.send': (args: { id: number; address: string; port: number }, bytes: Uint8Array) => {
        // copy: the wire buffer is reused once we return
        this.sendUdp(args.id, Buffer.from(bytes), args.port, args.address);
      },
      'net.udp.close': (args: { id: number }) => {
        const s = this.udps.get(args.id);
        this.udps.delete(args.id);
        try { s?.close(); } catch { /* closed */ }
      },
      'net.tcp.open': (args: { address: string; port: number }) => {
        const id = this.nextId++;
        const s = connect({ host: args.address, port: args.port });
        s.setNoDelay(true);
        let dead = false;
        s.on('connect', () => this.push({ k: 'tcp-writable', id }));
        s.on('data', (d: Buffer) => this.push({ k: 'tcp-data', id, n: d.length }, d));
        const end = (message: string): void => {
          if (dead) return;
          dead = true;
          this.tcps.delete(id);
          this.push({ k: 'tcp-error', id, message });
        };
        s.on('error', (e) => end(e.message));
        s.on('close', () => end('connection closed'));
        this.tcps.set(id, s);
        return { result: id };
      },
      'net.tcp.send': (args: { id: number }, bytes: Uint8Array) => {
        this.tcps.get(args.id)?.write(Buffer.from(bytes));
      },
      'net.tcp.close': (args: { id: number }) => {
        const s = this.tcps.get(args.id);
        this.tcps.delete(args.id);
        s?.destroy();
      },
      'net.timer.set': (args: { id: number; ms: number }) => {
        const t = setTimeout(() => {
          this.timers.delete(args.id);
          this.push({ k: 'timer', id: args.id });
        }, Math.max(0, args.ms));
        this.timers.set(args.id, t);
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.udps.values()) { try { s.close(); } catch { /* closed */ } }
    this.udps.clear();
    for (const s of this.tcps.values()) s.destroy();
    this.tcps.clear();
  }
}
