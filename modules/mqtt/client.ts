// MQTT 3.1.1 client over the HAL's TCP socket: connect (client id, credentials,
// keep-alive), subscribe, publish at QoS 0 and 1, ping, and reconnect with back-off.
// After a reconnect it re-subscribes and re-sends unacknowledged QoS 1 publishes with
// DUP set, so callers see one long-lived session over a flaky link.
import { XsuitError } from '../errors/errors';
import type { NetHost, TcpSocket, TimerId } from '../../hosts/hal-net';
import {
  CONNACK, PUBLISH, PUBACK, SUBACK, UNSUBACK, PINGRESP, PacketReader,
  decodePublish, encodeConnect, encodeDisconnect, encodePingreq, encodePuback, encodePublish, encodeSubscribe,
  encodeUnsubscribe, readU16, type Packet, type Publish,
} from './packet';

export interface MqttClientOptions {
  net: NetHost;
  address: string;
  port: number;
  clientId: string;
  username?: string;
  password?: Uint8Array;
  /** seconds (default 30); 0 disables keep-alive */
  keepAlive?: number;
  /** first reconnect delay in ms, doubled up to 30 s (default 500) */
  reconnectDelay?: number;
  /** largest packet accepted from the broker (default 256 KiB) */
  maxPacket?: number;
}

export type MessageHandler = (topic: string, payload: Uint8Array, retained: boolean) => void;

interface Waiter {
  resolve(value: number): void;
  reject(e: XsuitError): void;
}

const CONNACK_REASONS = ['accepted', 'bad protocol version', 'client id rejected', 'server unavailable', 'bad user name or password', 'not authorised'];

export class MqttClient {
  private readonly o: MqttClientOptions;
  private readonly net: NetHost;
  private socket: TcpSocket | undefined;
  private readonly reader: PacketReader;
  private connected = false;
  private closed = false;
  private nextId = 1;
  private readonly subscriptions = new Map<string, number>();
  private readonly unackedPublishes = new Map<number, { packet: Publish; waiter: Waiter }>();
  private readonly waiters = new Map<number, Waiter>();
  private connectWaiters: Waiter[] = [];
  private keepAliveTimer: TimerId | undefined;
  private reconnectTimer: TimerId | undefined;
  private backoff: number;
  private lastSent = 0;
  private pingSentAt = 0;
  private connectSentOn: TcpSocket | undefined;
  onMessage: MessageHandler | undefined;
  /** called after every successful (re)connect */
  onConnect: (() => void) | undefined;
  onDisconnect: ((why: string) => void) | undefined;
  readonly stats = { connects: 0, received: 0, sent: 0, pings: 0 };

  constructor(options: MqttClientOptions) {
    this.o = options;
    this.net = options.net;
    this.reader = new PacketReader(options.maxPacket ?? 256 * 1024);
    this.backoff = options.reconnectDelay ?? 500;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Connects (or waits for the pending reconnect); resolves on CONNACK. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new XsuitError('mqtt-closed', 'client is closed'));
    if (this.connected) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve: () => resolve(), reject }));
    if (!this.socket && this.reconnectTimer === undefined) this.open();
    return p;
  }

  private open(): void {
    this.reconnectTimer = undefined;
    this.reader.reset();
    const socket = this.net.tcp({
      address: this.o.address,
      port: this.o.port,
      onWritable: () => {
        if (this.socket !== socket || this.connectSentOn === socket) return;
        this.connectSentOn = socket; // onWritable repeats when the send buffer drains
        this.write(encodeConnect({
          clientId: this.o.clientId, username: this.o.username, password: this.o.password,
          keepAlive: this.o.keepAlive ?? 30, cleanSession: true,
        }));
      },
      onReadable: () => {
        if (this.socket !== socket) return;
        const data = socket.read();
        if (data) this.onBytes(new Uint8Array(data));
      },
      onError: (why) => {
        if (this.socket === socket) this.lost(why);
      },
    });
    this.socket = socket;
  }

  private write(bytes: Uint8Array): void {
    if (!this.socket) return;
    this.stats.sent++;
    this.lastSent = this.net.now();
    this.socket.write(bytes);
  }

  private onBytes(bytes: Uint8Array): void {
    try {
      this.reader.push(bytes);
      for (;;) {
        const p = this.reader.next();
        if (!p) break;
        this.stats.received++;
        this.onPacket(p);
        if (!this.socket) break;
      }
    } catch (e) {
      this.lost(e instanceof XsuitError ? e.message : String(e));
    }
  }

  private onPacket(p: Packet): void {
    switch (p.type) {
      case CONNACK: {
        const rc = p.body.length >= 2 ? p.body[1] : 255;
        if (rc !== 0) {
          const err = new XsuitError('mqtt-refused', `broker refused the connection: ${CONNACK_REASONS[rc] ?? rc}`, 0, { returnCode: rc });
          for (const w of this.connectWaiters.splice(0)) w.reject(err);
          this.lost(err.message);
          return;
        }
        this.connected = true;
        this.stats.connects++;
        this.backoff = this.o.reconnectDelay ?? 500;
        this.pingSentAt = 0;
        this.startKeepAlive();
        if (this.subscriptions.size) {
          const topics = Array.from(this.subscriptions, ([topic, qos]) => ({ topic, qos }));
          this.write(encodeSubscribe(this.newId(), topics));
        }
        for (const [, u] of this.unackedPublishes) this.write(encodePublish(Object.assign({}, u.packet, { dup: true })));
        for (const w of this.connectWaiters.splice(0)) w.resolve(0);
        if (this.onConnect) this.onConnect();
        return;
      }
      case PUBLISH: {
        const msg = decodePublish(p);
        if (msg.qos === 1) this.write(encodePuback(msg.packetId));
        if (msg.qos === 2) return; // we never subscribe at QoS 2
        if (this.onMessage) this.onMessage(msg.topic, msg.payload, msg.retain);
        return;
      }
      case PUBACK: {
        const id = readU16(p.body, 0);
        const u = this.unackedPublishes.get(id);
        if (u) {
          this.unackedPublishes.delete(id);
          u.waiter.resolve(0);
        }
        return;
      }
      case SUBACK:
      case UNSUBACK: {
        const id = readU16(p.body, 0);
        const w = this.waiters.get(id);
        if (w) {
          this.waiters.delete(id);
          const granted = p.type === SUBACK && p.body.length > 2 ? p.body[2] : 0;
          if (granted === 0x80) w.reject(new XsuitError('mqtt-subscribe-refused', 'broker refused the subscription'));
          else w.resolve(granted);
        }
        return;
      }
      case PINGRESP:
        this.pingSentAt = 0;
        return;
      default:
        return;
    }
  }

  private newId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff ? 1 : this.nextId + 1;
    return id;
  }

  private startKeepAlive(): void {
    const seconds = this.o.keepAlive ?? 30;
    if (!seconds || this.keepAliveTimer !== undefined) return;
    const tick = (): void => {
      this.keepAliveTimer = undefined;
      if (!this.connected || this.closed) return;
      const now = this.net.now();
      if (this.pingSentAt && now - this.pingSentAt > seconds * 1000) {
        this.lost('no PINGRESP within the keep-alive');
        return;
      }
      if (!this.pingSentAt && now - this.lastSent >= (seconds * 1000) / 2) {
        this.pingSentAt = now;
        this.stats.pings++;
        this.write(encodePingreq());
      }
      this.keepAliveTimer = this.net.timers.set(tick, (seconds * 1000) / 2);
    };
    this.keepAliveTimer = this.net.timers.set(tick, (seconds * 1000) / 2);
  }

  /** Sends a PINGREQ now (PINGRESP clears it). */
  ping(): void {
    if (!this.connected) return;
    this.pingSentAt = this.net.now();
    this.stats.pings++;
    this.write(encodePingreq());
  }

  /** The link dropped: forget the socket and reconnect after a back-off. */
  private lost(why: string): void {
    const s = this.socket;
    this.socket = undefined;
    this.connected = false;
    if (s) s.close();
    if (this.keepAliveTimer !== undefined) this.net.timers.clear(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
    // SUBACKs for this socket will never come; the subscription is replayed on reconnect
    for (const [id, w] of this.waiters) {
      this.waiters.delete(id);
      w.resolve(0);
    }
    if (this.onDisconnect) this.onDisconnect(why);
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = this.backoff;
    this.backoff = Math.min(30000, this.backoff * 2);
    this.reconnectTimer = this.net.timers.set(() => this.open(), delay);
  }

  /** Subscribes (and re-subscribes after every reconnect); resolves with the granted QoS. */
  subscribe(topic: string, qos = 0): Promise<number> {
    this.subscriptions.set(topic, qos);
    if (!this.connected) return Promise.resolve(qos);
    const id = this.newId();
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.write(encodeSubscribe(id, [{ topic, qos }]));
    });
  }

  unsubscribe(topic: string): void {
    this.subscriptions.delete(topic);
    if (this.connected) this.write(encodeUnsubscribe(this.newId(), [topic]));
  }

  /**
   * QoS 0 resolves once handed to the socket (dropped if not connected); QoS 1 resolves
   * on PUBACK and survives reconnects.
   */
  publish(topic: string, payload: Uint8Array, options: { qos?: number; retain?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new XsuitError('mqtt-closed', 'client is closed'));
    const qos = options.qos ?? 0;
    if (qos > 1) return Promise.reject(new XsuitError('mqtt-qos', 'QoS 2 is not supported'));
    const packet: Publish = { topic, payload, qos, retain: options.retain === true, dup: false, packetId: qos ? this.newId() : 0 };
    if (qos === 0) {
      if (this.connected) this.write(encodePublish(packet));
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.unackedPublishes.set(packet.packetId, { packet, waiter: { resolve: () => resolve(), reject } });
      if (this.connected) this.write(encodePublish(packet));
    });
  }

  /** Sends DISCONNECT and stops reconnecting; pending QoS 1 publishes are rejected. */
  close(): void {
    if (this.closed) return;
    if (this.connected) this.write(encodeDisconnect());
    this.closed = true;
    const err = new XsuitError('mqtt-closed', 'client closed');
    for (const [, u] of this.unackedPublishes) u.waiter.reject(err);
    this.unackedPublishes.clear();
    for (const w of this.connectWaiters.splice(0)) w.reject(err);
    if (this.reconnectTimer !== undefined) this.net.timers.clear(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.lost('closed');
  }
}
