// MQTT 3.1.1 packet codec (OASIS mqtt-v3.1.1 §2-3): the packets a device client needs,
// plus an incremental splitter for a TCP byte stream. Pure functions over bytes.
import { XsuitError } from '../errors/errors';
import { utf8Decode, utf8Encode } from '../bytes/utf8';

export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const UNSUBSCRIBE = 10;
export const UNSUBACK = 11;
export const PINGREQ = 12;
export const PINGRESP = 13;
export const DISCONNECT = 14;

export interface Packet {
  type: number;
  flags: number;
  body: Uint8Array;
}

export interface Publish {
  topic: string;
  payload: Uint8Array;
  qos: number;
  retain: boolean;
  dup: boolean;
  packetId: number;
}

export interface ConnectOptions {
  clientId: string;
  username?: string;
  password?: Uint8Array;
  keepAlive: number;
  cleanSession: boolean;
}

function malformed(message: string): XsuitError {
  return new XsuitError('mqtt-malformed', message);
}

function lengthBytes(n: number): number[] {
  if (n > 268435455) throw new XsuitError('mqtt-too-large', 'packet over the MQTT limit');
  const out: number[] = [];
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit |= 0x80;
    out.push(digit);
  } while (n > 0);
  return out;
}

/** Builds one packet from a fixed-header byte and body parts. */
function frame(first: number, parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const len = lengthBytes(size);
  const out = new Uint8Array(1 + len.length + size);
  out[0] = first;
  out.set(len, 1);
  let at = 1 + len.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

function str(s: string | Uint8Array): Uint8Array {
  const b = typeof s === 'string' ? utf8Encode(s) : s;
  if (b.length > 0xffff) throw new XsuitError('mqtt-too-large', 'string over 65535 bytes');
  const out = new Uint8Array(2 + b.length);
  out.set(u16(b.length), 0);
  out.set(b, 2);
  return out;
}

export function encodeConnect(o: ConnectOptions): Uint8Array {
  let flags = o.cleanSession ? 0x02 : 0;
  const payload = [str(o.clientId)];
  if (o.username !== undefined) {
    flags |= 0x80;
    payload.push(str(o.username));
    if (o.password !== undefined) {
      flags |= 0x40;
      payload.push(str(o.password));
    }
  }
  return frame(CONNECT << 4, [str('MQTT'), Uint8Array.of(4, flags), u16(o.keepAlive)].concat(payload));
}

export function encodePublish(p: Publish): Uint8Array {
  const first = (PUBLISH << 4) | (p.dup ? 8 : 0) | (p.qos << 1) | (p.retain ? 1 : 0);
  const parts = [str(p.topic)];
  if (p.qos > 0) parts.push(u16(p.packetId));
  parts.push(p.payload);
  return frame(first, parts);
}

export function encodeSubscribe(packetId: number, topics: { topic: string; qos: number }[]): Uint8Array {
  const parts = [u16(packetId)];
  for (const t of topics) parts.push(str(t.topic), Uint8Array.of(t.qos));
  return frame((SUBSCRIBE << 4) | 2, parts);
}

export function encodeUnsubscribe(packetId: number, topics: string[]): Uint8Array {
  return frame((UNSUBSCRIBE << 4) | 2, [u16(packetId)].concat(topics.map((t) => str(t))));
}

export const encodePuback = (packetId: number): Uint8Array => frame(PUBACK << 4, [u16(packetId)]);
export const encodePingreq = (): Uint8Array => Uint8Array.of(PINGREQ << 4, 0);
export const encodeDisconnect = (): Uint8Array => Uint8Array.of(DISCONNECT << 4, 0);

export function readU16(b: Uint8Array, at: number): number {
  if (at + 2 > b.length) throw malformed('truncated 16-bit field');
  return (b[at] << 8) | b[at + 1];
}

export function decodePublish(p: Packet): Publish {
  const qos = (p.flags >> 1) & 3;
  if (qos === 3) throw malformed('PUBLISH with QoS 3');
  const tlen = readU16(p.body, 0);
  if (2 + tlen > p.body.length) throw malformed('topic runs past the packet');
  const topic = utf8Decode(p.body.subarray(2, 2 + tlen));
  let at = 2 + tlen;
  let packetId = 0;
  if (qos > 0) {
    packetId = readU16(p.body, at);
    at += 2;
  }
  return { topic, payload: p.body.subarray(at), qos, retain: (p.flags & 1) !== 0, dup: (p.flags & 8) !== 0, packetId };
}

/** Splits a TCP byte stream into packets; bounded by maxPacket. */
export class PacketReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly maxPacket: number;

  constructor(maxPacket: number) {
    this.maxPacket = maxPacket;
  }

  push(bytes: Uint8Array): void {
    if (!this.buffer.length) {
      this.buffer = bytes;
      return;
    }
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer, 0);
    joined.set(bytes, this.buffer.length);
    this.buffer = joined;
  }

  /** The next complete packet, or undefined when more bytes are needed. */
  next(): Packet | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    let length = 0;
    let mult = 1;
    let at = 1;
    for (;;) {
      if (at >= b.length) return undefined;
      const digit = b[at++];
      length += (digit & 0x7f) * mult;
      if ((digit & 0x80) === 0) break;
      mult *= 128;
      if (at > 4) throw malformed('remaining length over 4 bytes');
    }
    if (length > this.maxPacket) throw new XsuitError('mqtt-too-large', `packet of ${length} bytes over the ${this.maxPacket} limit`);
    if (b.length < at + length) return undefined;
    const packet = { type: b[0] >> 4, flags: b[0] & 15, body: b.subarray(at, at + length) };
    this.buffer = b.subarray(at + length);
    return packet;
  }

  reset(): void {
    this.buffer = new Uint8Array(0);
  }
}
