// CoAP message codec (RFC 7252 §3): pure functions over bytes, shared by the device
// client and the host-side server.
import { XsuitError } from '../errors/errors';
import { utf8Decode, utf8Encode } from '../bytes/utf8';

export const CON = 0;
export const NON = 1;
export const ACK = 2;
export const RST = 3;

export const GET = 1;
export const POST = 2;
export const PUT = 3;
export const DELETE = 4;

/** Response codes as class*32+detail (e.g. 2.05 Content = 69). */
export const code = (cls: number, detail: number): number => (cls << 5) | detail;
export const CREATED = code(2, 1);
export const CHANGED = code(2, 4);
export const CONTENT = code(2, 5);
export const BAD_REQUEST = code(4, 0);
export const UNAUTHORIZED = code(4, 1);
export const BAD_OPTION = code(4, 2);
export const NOT_FOUND = code(4, 4);
export const METHOD_NOT_ALLOWED = code(4, 5);
export const REQUEST_ENTITY_INCOMPLETE = code(4, 8);

export const OPT_ETAG = 4;
export const OPT_OBSERVE = 6;
export const OPT_URI_PATH = 11;
export const OPT_CONTENT_FORMAT = 12;
export const OPT_URI_QUERY = 15;
export const OPT_BLOCK2 = 23;
export const OPT_BLOCK1 = 27;
export const OPT_SIZE2 = 28;
/** RFC 9177: critical, unsafe, repeatable; same NUM/M/SZX encoding as Block2 */
export const OPT_Q_BLOCK2 = 31;
/** RFC 9175 Echo: elective, opaque 1..40 bytes; here, proof that a client receives at its address */
export const OPT_ECHO = 252;

export interface CoapOption {
  number: number;
  value: Uint8Array;
}

export interface CoapMessage {
  type: number;
  code: number;
  messageId: number;
  token: Uint8Array;
  /** sorted by number on encode; order within one number is kept */
  options: CoapOption[];
  payload: Uint8Array;
}

export function codeString(c: number): string {
  const detail = c & 31;
  return `${c >> 5}.${detail < 10 ? '0' : ''}${detail}`;
}

/** shared empty payload of decoded messages without one (views are never written through) */
const EMPTY = new Uint8Array(0);

function malformed(message: string): XsuitError {
  return new XsuitError('coap-malformed', message);
}

function extLength(v: number): number {
  return v < 13 ? 0 : v < 269 ? 1 : 2;
}

function nibble(v: number): number {
  return v < 13 ? v : v < 269 ? 13 : 14;
}

function putExt(out: Uint8Array, at: number, v: number): number {
  if (v >= 269) {
    const e = v - 269;
    out[at] = e >> 8;
    out[at + 1] = e & 0xff;
    return at + 2;
  }
  if (v >= 13) {
    out[at] = v - 13;
    return at + 1;
  }
  return at;
}

export function encodeMessage(m: CoapMessage): Uint8Array {
  if (m.token.length > 8) throw new XsuitError('coap-token', 'token longer than 8 bytes');
  let sorted = true;
  for (let i = 1; i < m.options.length; i++) if (m.options[i].number < m.options[i - 1].number) sorted = false;
  const opts = sorted ? m.options : m.options.slice().sort((a, b) => a.number - b.number);
  let size = 4 + m.token.length;
  let prev = 0;
  for (const o of opts) {
    const delta = o.number - prev;
    size += 1 + extLength(delta) + extLength(o.value.length) + o.value.length;
    prev = o.number;
  }
  if (m.payload.length) size += 1 + m.payload.length;
  const out = new Uint8Array(size);
  out[0] = 0x40 | (m.type << 4) | m.token.length;
  out[1] = m.code;
  out[2] = (m.messageId >> 8) & 0xff;
  out[3] = m.messageId & 0xff;
  out.set(m.token, 4);
  let at = 4 + m.token.length;
  prev = 0;
  for (const o of opts) {
    const delta = o.number - prev;
    out[at++] = (nibble(delta) << 4) | nibble(o.value.length);
    at = putExt(out, at, delta);
    at = putExt(out, at, o.value.length);
    out.set(o.value, at);
    at += o.value.length;
    prev = o.number;
  }
  if (m.payload.length) {
    out[at++] = 0xff;
    out.set(m.payload, at);
  }
  return out;
}

/** Decodes one datagram. The payload and option values are views into `bytes`. */
export function decodeMessage(bytes: Uint8Array): CoapMessage {
  const end = bytes.length;
  if (end < 4) throw malformed('shorter than the 4-byte header');
  const b0 = bytes[0];
  if (b0 >> 6 !== 1) throw malformed('version is not 1');
  const tkl = b0 & 15;
  if (tkl > 8) throw malformed('token length over 8');
  if (4 + tkl > end) throw malformed('truncated token');
  const options: CoapOption[] = [];
  const message: CoapMessage = {
    type: (b0 >> 4) & 3,
    code: bytes[1],
    messageId: (bytes[2] << 8) | bytes[3],
    token: bytes.subarray(4, 4 + tkl),
    options,
    payload: EMPTY,
  };
  // extended delta/length nibbles (13: one byte + 13, 14: two bytes + 269) are read
  // inline: returning pairs from a helper cost XS an array per option
  let at = 4 + tkl;
  let number = 0;
  while (at < end) {
    const head = bytes[at++];
    if (head === 0xff) {
      if (at >= end) throw malformed('payload marker with no payload');
      message.payload = bytes.subarray(at);
      break;
    }
    let delta = head >> 4;
    if (delta >= 13) {
      if (delta === 15) throw malformed('reserved option nibble 15');
      if (delta === 13) {
        if (at >= end) throw malformed('truncated option');
        delta = bytes[at++] + 13;
      } else {
        if (at + 1 >= end) throw malformed('truncated option');
        delta = ((bytes[at] << 8) | bytes[at + 1]) + 269;
        at += 2;
      }
    }
    let length = head & 15;
    if (length >= 13) {
      if (length === 15) throw malformed('reserved option nibble 15');
      if (length === 13) {
        if (at >= end) throw malformed('truncated option');
        length = bytes[at++] + 13;
      } else {
        if (at + 1 >= end) throw malformed('truncated option');
        length = ((bytes[at] << 8) | bytes[at + 1]) + 269;
        at += 2;
      }
    }
    if (at + length > end) throw malformed('option value runs past the datagram');
    number += delta;
    options.push({ number, value: bytes.subarray(at, at + length) });
    at += length;
  }
  return message;
}

/** Unsigned option value, minimal length (RFC 7252 §3.2 uint). */
export function uintOption(number: number, value: number): CoapOption {
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return { number, value: Uint8Array.from(bytes) };
}

export function readUint(value: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < value.length; i++) v = v * 256 + value[i];
  return v;
}

export function findOption(m: CoapMessage, number: number): Uint8Array | undefined {
  for (const o of m.options) if (o.number === number) return o.value;
  return undefined;
}

export function uintOf(m: CoapMessage, number: number): number | undefined {
  const v = findOption(m, number);
  return v === undefined ? undefined : readUint(v);
}

/** Uri-Path options for '/a/b' (and Uri-Query for '?x=1&y=2'). */
export function uriOptions(path: string): CoapOption[] {
  const q = path.indexOf('?');
  const pathPart = q < 0 ? path : path.slice(0, q);
  const out: CoapOption[] = [];
  for (const seg of pathPart.split('/')) if (seg) out.push({ number: OPT_URI_PATH, value: utf8Encode(seg) });
  if (q >= 0) for (const kv of path.slice(q + 1).split('&')) if (kv) out.push({ number: OPT_URI_QUERY, value: utf8Encode(kv) });
  return out;
}

export function uriPathOf(m: CoapMessage): string {
  const segs: string[] = [];
  for (const o of m.options) if (o.number === OPT_URI_PATH) segs.push(utf8Decode(o.value));
  return segs.join('/');
}

export function uriQueryOf(m: CoapMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of m.options) {
    if (o.number !== OPT_URI_QUERY) continue;
    const s = utf8Decode(o.value);
    const eq = s.indexOf('=');
    if (eq < 0) out[s] = '';
    else out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

/** Block option (RFC 7959 §2.2): NUM, M(ore) and SZX (size = 2^(SZX+4)). */
export interface Block {
  num: number;
  more: boolean;
  szx: number;
}

export function blockOption(number: number, b: Block): CoapOption {
  return uintOption(number, b.num * 16 + (b.more ? 8 : 0) + b.szx);
}

export function readBlock(value: Uint8Array): Block {
  if (value.length > 3) throw malformed('block option longer than 3 bytes');
  const v = readUint(value);
  const szx = v & 7;
  if (szx === 7) throw malformed('block SZX 7 is reserved');
  return { num: Math.floor(v / 16), more: (v & 8) !== 0, szx };
}

export const blockSize = (szx: number): number => 1 << (szx + 4);

export function szxFor(size: number): number {
  for (let szx = 0; szx <= 6; szx++) if (blockSize(szx) === size) return szx;
  throw new XsuitError('coap-block-size', `block size ${size} is not a power of two in 16..1024`);
}
