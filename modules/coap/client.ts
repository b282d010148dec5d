// CoAP client endpoint (RFC 7252) over one UDP socket: confirmable requests with
// exponential back-off, message-id and token matching, duplicate detection, separate
// responses, and RFC 7641 observations. One timer serves every exchange (the earliest
// deadline), because on hosts that bridge timers (xsnap) each timer costs a round trip.
import { XsuitError } from '../errors/errors';
import type { NetHost, UdpSocket, TimerId } from '../../hosts/hal-net';
import {
  ACK, CON, NON, RST, GET, OPT_OBSERVE, decodeMessage, encodeMessage, uintOption, uintOf, uriOptions,
  type CoapMessage, type CoapOption,
} from './message';

export interface CoapClientOptions {
  net: NetHost;
  address: string;
  port: number;
  /** RFC 7252 ACK_TIMEOUT in ms (default 2000) */
  ackTimeout?: number;
  /** RFC 7252 ACK_RANDOM_FACTOR (default 1.5) */
  ackRandomFactor?: number;
  /** RFC 7252 MAX_RETRANSMIT (default 4) */
  maxRetransmit?: number;
  /** how long to wait for a separate response after an empty ACK, ms (default 30000) */
  separateTimeout?: number;
}

export interface CoapRequest {
  method: number;
  /** '/path/to/res' with optional '?query'; '' when `options` already carry Uri-Path/Uri-Query */
  path: string;
  options?: CoapOption[];
  payload?: Uint8Array;
  /** CON (default) or NON */
  confirmable?: boolean;
}

export interface Observation {
  cancel(): void;
}

/** A request whose responses keep coming (RFC 9177 Q-Block2 bursts) until cancelled. */
export interface ResponseStream {
  token: Uint8Array;
  cancel(): void;
}

interface Exchange {
  messageId: number;
  token: Uint8Array;
  key: number | string;
  bytes: Uint8Array;
  confirmable: boolean;
  /** retransmissions so far */
  tries: number;
  timeout: number;
  deadline: number;
  /** true once an empty ACK arrived: no more retransmission, wait for the separate response */
  acked: boolean;
  resolve(m: CoapMessage): void;
  reject(e: XsuitError): void;
}

interface ObserveState {
  token: Uint8Array;
  request: CoapRequest;
  lastSeq: number;
  lastTime: number;
  onNotify(m: CoapMessage): void;
}

const RECENT = 64;

/**
 * Map key of a token: the 4-byte tokens this client makes become a number (building a
 * string cost XS ~150 ticks per message); other lengths become a string, which never
 * equals a number key.
 */
function tokenKey(t: Uint8Array): number | string {
  if (t.length === 4) return ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0;
  let s = '';
  for (let i = 0; i < t.length; i++) s += String.fromCharCode(t[i]);
  return s;
}

const IPV4_LITERAL = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export class CoapClient {
  /** the host this client runs on (downloaders use its clock and timers) */
  readonly net: NetHost;
  private readonly socket: UdpSocket;
  private readonly address: string;
  private readonly port: number;
  private readonly addressIsLiteral: boolean;
  private readonly ackTimeout: number;
  private readonly randomFactor: number;
  private readonly maxRetransmit: number;
  private readonly separateTimeout: number;
  private nextMid: number;
  private nextToken: number;
  private readonly pending = new Map<number, Exchange>();
  private readonly byToken = new Map<number | string, Exchange>();
  private readonly observations = new Map<number | string, ObserveState>();
  /** message ids of recent CON/NON messages from the server, for duplicate detection */
  private readonly recentMids: number[] = [];
  private timer: TimerId | undefined;
  private timerAt = Infinity;
  private closed = false;
  /** token key -> handler of every response carrying that token (requestStream) */
  private readonly streams = new Map<number | string, (m: CoapMessage) => void>();
  /** message id of a stream's request -> what to do if the server answers it with RST */
  private readonly streamResets = new Map<number, () => void>();
  /** counters for tests and benchmarks */
  readonly stats = { sent: 0, retransmitted: 0, received: 0, duplicates: 0, malformed: 0, foreign: 0 };
  /** called on every retransmission (congestion control in the block downloader listens) */
  onRetransmit: (() => void) | undefined;

  constructor(options: CoapClientOptions) {
    this.net = options.net;
    this.address = options.address;
    this.port = options.port;
    this.addressIsLiteral = IPV4_LITERAL.test(options.address);
    this.ackTimeout = options.ackTimeout ?? 2000;
    this.randomFactor = options.ackRandomFactor ?? 1.5;
    this.maxRetransmit = options.maxRetransmit ?? 4;
    this.separateTimeout = options.separateTimeout ?? 30000;
    this.nextMid = this.net.random32() & 0xffff;
    this.nextToken = this.net.random32() >>> 0;
    this.socket = this.net.udp({
      onReadable: (count) => {
        for (let i = 0; i < count; i++) {
          const d = this.socket.read();
          if (!d) break;
          this.receive(d instanceof Uint8Array ? d : new Uint8Array(d), d.address, d.port);
        }
      },
    });
  }

  private newToken(): Uint8Array {
    this.nextToken = (this.nextToken + 1) >>> 0;
    const t = this.nextToken;
    return Uint8Array.of(t >>> 24, (t >>> 16) & 0xff, (t >>> 8) & 0xff, t & 0xff);
  }

  private newMid(): number {
    this.nextMid = (this.nextMid + 1) & 0xffff;
    return this.nextMid;
  }

  /** Sends a request and resolves with the response (piggybacked or separate). */
  request(req: CoapRequest, token?: Uint8Array): Promise<CoapMessage> {
    const confirmable = req.confirmable !== false;
    return this.exchange(confirmable, token, (messageId, tok) => encodeMessage({
      type: confirmable ? CON : NON,
      code: req.method,
      messageId,
      token: tok,
      options: req.path ? uriOptions(req.path).concat(req.options ?? []) : req.options ?? [],
      payload: req.payload ?? new Uint8Array(0),
    }));
  }

  /**
   * A confirmable request whose bytes the caller builds from the message id and a 4-byte
   * token (the block downloader patches a template instead of encoding every request).
   */
  requestEncoded(encode: (messageId: number, token: Uint8Array) => Uint8Array): Promise<CoapMessage> {
    return this.exchange(true, undefined, encode);
  }

  /**
   * Sends a Non-confirmable request and hands every response that carries its token to
   * onResponse until cancel(): the server may answer one request with many responses
   * (RFC 9177 Q-Block2). Nothing is retransmitted here; the caller owns loss recovery.
   */
  requestStream(encode: (messageId: number, token: Uint8Array) => Uint8Array, onResponse: (m: CoapMessage) => void, onReset?: () => void): ResponseStream {
    if (this.closed) throw new XsuitError('coap-closed', 'client is closed');
    const token = this.newToken();
    const key = tokenKey(token);
    const messageId = this.newMid();
    this.streams.set(key, onResponse);
    // a server rejects a NON it cannot process with RST, which names only the message id
    if (onReset) this.streamResets.set(messageId, onReset);
    this.send(encode(messageId, token));
    return {
      token,
      cancel: () => {
        this.streams.delete(key);
        this.streamResets.delete(messageId);
      },
    };
  }

  private exchange(confirmable: boolean, token: Uint8Array | undefined, encode: (messageId: number, token: Uint8Array) => Uint8Array): Promise<CoapMessage> {
    if (this.closed) return Promise.reject(new XsuitError('coap-closed', 'client is closed'));
    const messageId = this.newMid();
    const tok = token ?? this.newToken();
    const bytes = encode(messageId, tok);
    return new Promise((resolve, reject) => {
      const timeout = Math.floor(this.ackTimeout * (1 + (this.net.random32() / 0x100000000) * (this.randomFactor - 1)));
      const ex: Exchange = {
        messageId, token: tok, key: tokenKey(tok), bytes, confirmable, tries: 0, timeout,
        deadline: this.net.now() + (confirmable ? timeout : this.separateTimeout), acked: !confirmable,
        resolve, reject,
      };
      this.pending.set(messageId, ex);
      this.byToken.set(ex.key, ex);
      this.send(bytes);
      this.arm(ex.deadline);
    });
  }

  /** GET with Observe: every fresh notification (the first response included) goes to onNotify. */
  observe(path: string, onNotify: (m: CoapMessage) => void, onError?: (e: XsuitError) => void, options: CoapOption[] = []): Observation {
    const token = this.newToken();
    const request: CoapRequest = { method: GET, path, options: [uintOption(OPT_OBSERVE, 0)].concat(options) };
    const state: ObserveState = { token, request, lastSeq: -1, lastTime: 0, onNotify };
    const key = tokenKey(token);
    this.observations.set(key, state);
    this.register(state, onError);
    return {
      cancel: () => {
        this.observations.delete(key);
      },
    };
  }

  /** (Re-)registers an observation with the same token (RFC 7641 §3.3.1), e.g. after a server restart. */
  reregister(): void {
    for (const state of this.observations.values()) this.register(state);
  }

  private register(state: ObserveState, onError?: (e: XsuitError) => void): void {
    this.request(state.request, state.token).then(
      (m) => this.notify(state, m),
      (e: XsuitError) => { if (onError) onError(e); },
    );
  }

  private notify(state: ObserveState, m: CoapMessage): void {
    if (!this.observations.has(tokenKey(state.token))) return;
    const seq = uintOf(m, OPT_OBSERVE);
    const now = this.net.now();
    if (seq !== undefined && state.lastSeq >= 0) {
      // RFC 7641 §3.4 freshness: newer in 24-bit serial arithmetic, or 128 s passed
      const v1 = state.lastSeq;
      const fresh = (v1 < seq && seq - v1 < 1 << 23) || (v1 > seq && v1 - seq > 1 << 23) || now > state.lastTime + 128000;
      if (!fresh) return;
    }
    if (seq !== undefined) state.lastSeq = seq;
    state.lastTime = now;
    state.onNotify(m);
  }

  private send(bytes: Uint8Array): void {
    this.stats.sent++;
    this.socket.write(bytes, this.address, this.port);
  }

  private reply(type: number, messageId: number): void {
    this.send(encodeMessage({ type, code: 0, messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }));
  }

  private receive(bytes: Uint8Array, address: string, port: number): void {
    // RFC 7252 §5.3.2: a response comes from the endpoint the request went to. A datagram
    // from anywhere else is dropped before parsing, so an off-path sender has to spoof the
    // server's address, not merely guess its port. (With a host name or an IPv6 address,
    // whose text has several spellings, only the port is compared.)
    if (port !== this.port || (this.addressIsLiteral && address !== this.address)) {
      this.stats.foreign++;
      return;
    }
    let m: CoapMessage;
    try {
      m = decodeMessage(bytes);
    } catch {
      this.stats.malformed++;
      return;
    }
    this.stats.received++;
    if (m.type === ACK || m.type === RST) {
      const ex = this.pending.get(m.messageId);
      if (!ex) {
        const onReset = m.type === RST ? this.streamResets.get(m.messageId) : undefined;
        if (onReset) {
          this.streamResets.delete(m.messageId);
          onReset();
        }
        return; // otherwise a late duplicate ACK of a finished exchange
      }
      if (m.type === RST) {
        this.finish(ex);
        ex.reject(new XsuitError('coap-reset', 'server answered with RST'));
        return;
      }
      if (m.code === 0) {
        ex.acked = true;
        ex.deadline = this.net.now() + this.separateTimeout;
        this.arm(ex.deadline);
        return;
      }
      if (tokenKey(m.token) !== ex.key) return; // equal keys <=> equal tokens
      this.finish(ex);
      ex.resolve(m);
      return;
    }
    // CON or NON from the server: a separate response or a notification
    if (m.code < 64) {
      if (m.type === CON) this.reply(RST, m.messageId);
      return;
    }
    if (this.streams.size) {
      // a burst answers one request with many messages: the stream's owner tells
      // duplicates apart by content (block numbers), cheaper than the message-id list
      const onResponse = this.streams.get(tokenKey(m.token));
      if (onResponse) {
        if (m.type === CON) this.reply(ACK, m.messageId);
        onResponse(m);
        return;
      }
    }
    if (this.recentMids.indexOf(m.messageId) >= 0) {
      this.stats.duplicates++;
      if (m.type === CON) this.reply(ACK, m.messageId);
      return;
    }
    this.recentMids.push(m.messageId);
    if (this.recentMids.length > RECENT) this.recentMids.shift();
    const key = tokenKey(m.token);
    const ex = this.byToken.get(key);
    const obs = this.observations.get(key);
    if (!ex && !obs) {
      if (m.type === CON) this.reply(RST, m.messageId);
      return;
    }
    if (m.type === CON) this.reply(ACK, m.messageId);
    if (ex) {
      this.finish(ex);
      ex.resolve(m);
    } else if (obs) {
      this.notify(obs, m);
    }
  }

  private finish(ex: Exchange): void {
    this.pending.delete(ex.messageId);
    if (this.byToken.get(ex.key) === ex) this.byToken.delete(ex.key);
  }

  private arm(deadline: number): void {
    if (this.closed || deadline >= this.timerAt) return;
    if (this.timer !== undefined) this.net.timers.clear(this.timer);
    this.timerAt = deadline;
    this.timer = this.net.timers.set(() => this.onTimer(), Math.max(0, deadline - this.net.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.net.now();
    let next = Infinity;
    for (const ex of Array.from(this.pending.values())) {
      if (ex.deadline > now) {
        next = Math.min(next, ex.deadline);
        continue;
      }
      if (ex.acked || ex.tries >= this.maxRetransmit) {
        this.finish(ex);
        ex.reject(new XsuitError('coap-timeout', `no response after ${ex.tries} retransmissions`, 0, { messageId: ex.messageId }));
        continue;
      }
      ex.tries++;
      ex.timeout *= 2;
      ex.deadline = now + ex.timeout;
      next = Math.min(next, ex.deadline);
      this.stats.retransmitted++;
      this.send(ex.bytes);
      if (this.onRetransmit) this.onRetransmit();
    }
    if (next < Infinity) this.arm(next);
  }

  /** Exchanges in flight (for tests). */
  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.net.timers.clear(this.timer);
    for (const ex of Array.from(this.pending.values())) {
      this.finish(ex);
      ex.reject(new XsuitError('coap-closed', 'client closed'));
    }
    this.observations.clear();
    this.streams.clear();
    this.streamResets.clear();
    this.socket.close();
  }
}
