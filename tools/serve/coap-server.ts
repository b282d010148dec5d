// The update server's CoAP side (Node): serves the update directory block-wise
// (RFC 7959, Size2 on every block so a client can start anywhere), keeps RFC 7641
// observers of any resource and notifies them when the file changes, answers duplicated
// requests from a response cache (RFC 7252 §4.5), and takes device reports by POST.
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import {
  ACK, CON, NON, RST, GET, POST, CONTENT, CHANGED, NOT_FOUND, METHOD_NOT_ALLOWED, BAD_REQUEST,
  OPT_BLOCK2, OPT_CONTENT_FORMAT, OPT_ECHO, OPT_ETAG, OPT_OBSERVE, OPT_Q_BLOCK2, OPT_SIZE2, UNAUTHORIZED,
  blockOption, blockSize, decodeMessage, encodeMessage, findOption, readBlock, uintOf, uintOption, uriPathOf, uriQueryOf,
  type CoapMessage, type CoapOption,
} from '../../modules/coap/message';
import type { StoredFile, UpdateStore } from './store';
import { planQBlock2 } from './qblock2';
import { EchoGate } from './echo';
import { LINK_FORMAT, WELL_KNOWN_CORE, wellKnownCore } from './well-known';
import { DEFAULT_MAX_PAYLOADS } from '../../modules/coap/qblock';

export interface ServeEvents {
  /** a device fetched bytes [offset, offset+length) of file (of total) */
  progress: { device: string; transport: 'coap' | 'mqtt'; file: string; offset: number; length: number; total: number };
  report: { device: string; transport: 'coap' | 'mqtt'; bytes: Uint8Array };
}

interface Observer {
  address: string;
  port: number;
  token: Uint8Array;
  path: string;
  etag: string;
  seq: number;
}

const EXCHANGE_LIFETIME = 247_000;
const CACHE_LIMIT = 8192;
const OCTET_STREAM = 42;
const DEFAULT_SZX = 6;
/** payload bytes a Q-Block2 burst may carry to an endpoint whose address is not verified: one Block2 response's worth */
const UNVERIFIED_BURST = 1024;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class CoapServer {
  private socket: Socket | undefined;
  private readonly store: UpdateStore;
  private readonly events: EventEmitter;
  private readonly responses = new Map<string, { bytes: Uint8Array; at: number }>();
  private readonly observers = new Map<string, Observer>();
  private readonly unacked = new Map<number, { bytes: Uint8Array; observer: string; tries: number; timer: NodeJS.Timeout }>();
  private poll: NodeJS.Timeout | undefined;
  private mid = Math.floor(Math.random() * 0xffff);
  port = 0;
  readonly stats = { requests: 0, duplicates: 0, notifications: 0, echoChallenges: 0 };

  /** RFC 9177 MAX_PAYLOADS: blocks per Q-Block2 set (clients must use the same value) */
  readonly maxPayloads: number;
  /** return-routability check before a Q-Block2 burst (RFC 9175 Echo) */
  private readonly echo = new EchoGate();

  constructor(store: UpdateStore, events: EventEmitter, options: { maxPayloads?: number } = {}) {
    this.store = store;
    this.events = events;
    this.maxPayloads = Math.max(1, options.maxPayloads ?? DEFAULT_MAX_PAYLOADS);
  }

  async listen(port: number, address = '127.0.0.1'): Promise<number> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onDatagram(new Uint8Array(msg), rinfo.address, rinfo.port));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => { socket.off('error', reject); resolve(); });
    });
    this.port = socket.address().port;
    this.poll = setInterval(() => this.checkObserved(), 250);
    return this.port;
  }

  /** A file of the update directory, or the RFC 6690 listing at /.well-known/core. */
  private resource(path: string): { file: StoredFile; format: number } | undefined {
    if (path === WELL_KNOWN_CORE) return { file: wellKnownCore(this.store), format: LINK_FORMAT };
    const file = this.store.get(path);
    return file ? { file, format: OCTET_STREAM } : undefined;
  }

  private nextMid(): number {
    this.mid = (this.mid + 1) & 0xffff;
    return this.mid;
  }

  private send(bytes: Uint8Array, address: string, port: number): void {
    this.socket?.send(bytes, port, address);
  }

  private onDatagram(bytes: Uint8Array, address: string, port: number): void {
    let m: CoapMessage;
    try {
      m = decodeMessage(bytes);
    } catch {
      return; // RFC 7252 §4.2: silently ignore malformed messages we cannot answer
    }
    if (m.type === ACK || m.type === RST) {
      const pending = this.unacked.get(m.messageId);
      if (pending) {
        clearTimeout(pending.timer);
        this.unacked.delete(m.messageId);
        if (m.type === RST) this.observers.delete(pending.observer);
      }
      return;
    }
    if (m.code === 0) {
      if (m.type === CON) this.send(encodeMessage({ type: RST, code: 0, messageId: m.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }), address, port);
      return;
    }
    if (m.code >= 32) return; // a response sent to a server: ignore
    if (m.code === GET && findOption(m, OPT_Q_BLOCK2)) {
      // a burst is rebuilt for a duplicate rather than cached: it is many messages, and
      // sending the same blocks again is harmless (GET is idempotent)
      this.stats.requests++;
      this.serveQBlock2(m, address, port);
      return;
    }
    const key = `${address}:${port}:${m.messageId}`;
    const cached = this.responses.get(key);
    if (cached && Date.now() - cached.at < EXCHANGE_LIFETIME) {
      this.stats.duplicates++;
      this.send(cached.bytes, address, port);
      return;
    }
    this.stats.requests++;
    const answer = this.handle(m, address, port);
    const response = encodeMessage({
      type: m.type === CON ? ACK : NON,
      code: answer.code,
      messageId: m.type === CON ? m.messageId : this.nextMid(),
      token: m.token,
      options: answer.options,
      payload: answer.payload ?? new Uint8Array(0),
    });
    this.responses.set(key, { bytes: response, at: Date.now() });
    if (this.responses.size > CACHE_LIMIT) {
      const oldest = this.responses.keys().next().value as string;
      this.responses.delete(oldest);
    }
    this.send(response, address, port);
  }

  private handle(m: CoapMessage, address: string, port: number): { code: number; options: CoapOption[]; payload?: Uint8Array } {
    const path = uriPathOf(m);
    const query = uriQueryOf(m);
    const device = query.d ?? `${address}:${port}`;
    if (m.code === POST && path === 'report') {
      this.events.emit('report', { device, transport: 'coap', bytes: new Uint8Array(m.payload) });
      return { code: CHANGED, options: [] };
    }
    if (m.code !== GET) return { code: METHOD_NOT_ALLOWED, options: [] };
    const found = this.resource(path);
    if (!found) return { code: NOT_FOUND, options: [] };
    const file = found.file;

    const options: CoapOption[] = [{ number: OPT_ETAG, value: file.etag }, uintOption(OPT_CONTENT_FORMAT, found.format)];
    const observe = uintOf(m, OPT_OBSERVE);
    const obsKey = `${address}:${port}:${hex(m.token)}`;
    if (observe === 0) {
      const prev = this.observers.get(obsKey);
      this.observers.set(obsKey, { address, port, token: new Uint8Array(m.token), path, etag: hex(file.etag), seq: prev ? prev.seq : 2 });
      options.push(uintOption(OPT_OBSERVE, this.observers.get(obsKey)!.seq));
    } else if (observe === 1) {
      this.observers.delete(obsKey);
    }

    const b2 = findOption(m, OPT_BLOCK2);
    let szx = DEFAULT_SZX;
    let num = 0;
    if (b2) {
      let b;
      try {
        b = readBlock(b2);
      } catch {
        return { code: BAD_REQUEST, options: [] };
      }
      szx = Math.min(b.szx, DEFAULT_SZX);
      num = b.num * (blockSize(b.szx) / blockSize(szx));
    }
    const size = blockSize(szx);
    const total = file.bytes.length;
    if (!b2 && total <= size) {
      options.push(uintOption(OPT_SIZE2, total));
      return { code: CONTENT, options, payload: file.bytes };
    }
    const offset = num * size;
    if (offset >= total && !(offset === 0 && total === 0)) return { code: BAD_REQUEST, options: [] };
    const end = Math.min(total, offset + size);
    options.push(blockOption(OPT_BLOCK2, { num, more: end < total, szx }), uintOption(OPT_SIZE2, total));
    this.events.emit('progress', { device, transport: 'coap', file: path, offset, length: end - offset, total });
    return { code: CONTENT, options, payload: file.bytes.subarray(offset, end) };
  }

  /**
   * RFC 9177 Q-Block2: answers one request with every block it asks for (tools/serve/
   * qblock2.ts), each in its own response carrying the request's token. For a NON request
   * all responses are NON; for a CON request the first is piggybacked on the ACK and the
   * rest are NON. An endpoint not yet verified (./echo.ts) asking for more than
   * UNVERIFIED_BURST bytes gets 4.01 with an Echo value; the burst comes once a request
   * echoes it (libcoap's client repeats the request by itself, RFC 9175 §2.3).
   */
  private serveQBlock2(m: CoapMessage, address: string, port: number): void {
    let type = m.type === CON ? ACK : NON;
    const respond = (code: number, options: CoapOption[], payload: Uint8Array = new Uint8Array(0)): void => {
      const messageId = type === ACK ? m.messageId : this.nextMid();
      this.send(encodeMessage({ type, code, messageId, token: m.token, options, payload }), address, port);
      type = NON;
    };
    const path = uriPathOf(m);
    const found = this.resource(path);
    if (!found) {
      respond(NOT_FOUND, []);
      return;
    }
    const file = found.file;
    const total = file.bytes.length;
    const plan = planQBlock2(m.options.filter((o) => o.number === OPT_Q_BLOCK2), total, DEFAULT_SZX, this.maxPayloads);
    if (!plan.ok) {
      respond(BAD_REQUEST, [], new TextEncoder().encode(plan.reason));
      return;
    }
    const size = blockSize(plan.szx);
    const device = uriQueryOf(m).d ?? `${address}:${port}`;
    const fixed: CoapOption[] = [{ number: OPT_ETAG, value: file.etag }, uintOption(OPT_CONTENT_FORMAT, found.format)];
    const size2 = uintOption(OPT_SIZE2, total);
    let burst = 0;
    for (const num of plan.blocks) burst += Math.min(size, total - num * size);
    if (burst > UNVERIFIED_BURST && !this.echo.admit(address, port, findOption(m, OPT_ECHO))) {
      // Until the endpoint proves it receives at its address, it gets no more than one
      // Block2 response would carry: a small burst (libcoap's Q-Block probe of
      // /.well-known/core in 16-byte blocks) goes out, a bigger one waits for the Echo.
      this.stats.echoChallenges++;
      respond(UNAUTHORIZED, [{ number: OPT_ECHO, value: this.echo.challenge(address, port) }]);
      return;
    }
    for (const num of plan.blocks) {
      const offset = num * size;
      const end = Math.min(total, offset + size);
      respond(CONTENT, fixed.concat([blockOption(OPT_Q_BLOCK2, { num, more: end < total, szx: plan.szx }), size2]), file.bytes.subarray(offset, end));
      this.events.emit('progress', { device, transport: 'coap', file: path, offset, length: end - offset, total });
    }
  }

  /** Notifies observers whose resource changed (new ETag) or vanished. */
  private checkObserved(): void {
    for (const [key, o] of this.observers) {
      const file = this.resource(o.path)?.file;
      const etag = file ? hex(file.etag) : '';
      if (etag === o.etag) continue;
      o.etag = etag;
      o.seq = (o.seq + 1) & 0xffffff;
      this.notify(key, o);
    }
  }

  /** Sends the current state to one observer as a confirmable notification. */
  private notify(key: string, o: Observer): void {
    const file = this.resource(o.path)?.file;
    const options: CoapOption[] = [uintOption(OPT_OBSERVE, o.seq)];
    let payload: Uint8Array = new Uint8Array(0);
    let code = NOT_FOUND;
    if (file) {
      code = CONTENT;
      options.push({ number: OPT_ETAG, value: file.etag }, uintOption(OPT_CONTENT_FORMAT, OCTET_STREAM), uintOption(OPT_SIZE2, file.bytes.length));
      const size = blockSize(DEFAULT_SZX);
      if (file.bytes.length > size) {
        // RFC 7959 §3.4: a notification carries block 0; the client fetches the rest
        options.push(blockOption(OPT_BLOCK2, { num: 0, more: true, szx: DEFAULT_SZX }));
        payload = file.bytes.subarray(0, size);
      } else payload = file.bytes;
    }
    if (!file) this.observers.delete(key);
    const messageId = this.nextMid();
    const bytes = encodeMessage({ type: CON, code, messageId, token: o.token, options, payload });
    this.stats.notifications++;
    const retransmit = (tries: number, wait: number): void => {
      const timer = setTimeout(() => {
        const p = this.unacked.get(messageId);
        if (!p) return;
        if (tries >= 4) {
          this.unacked.delete(messageId);
          this.observers.delete(key); // RFC 7641 §4.5: an unacknowledged notification ends the observation
          return;
        }
        this.send(bytes, o.address, o.port);
        retransmit(tries + 1, wait * 2);
      }, wait);
      timer.unref();
      this.unacked.set(messageId, { bytes, observer: key, tries, timer });
    };
    this.send(bytes, o.address, o.port);
    retransmit(0, 2000);
  }

  get observerCount(): number {
    return this.observers.size;
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    for (const p of this.unacked.values()) clearTimeout(p.timer);
    this.unacked.clear();
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

