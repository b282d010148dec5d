// The message format between an XS guest and its Node parent, used by both sides:
//   u32 little-endian length of the JSON header | JSON header (ASCII) | raw bytes
// The header is kept ASCII (non-ASCII escaped as \uXXXX) so neither side needs a UTF-8
// codec; bulk data (flash sectors, images) travels as raw bytes, never as JSON.

export interface WireMessage {
  header: unknown;
  bytes: Uint8Array;
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value ?? null).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function encodeWire(header: unknown, bytes?: Uint8Array): Uint8Array {
  const body = bytes ?? new Uint8Array(0);
  const { wire, at } = allocWire(header, body.length);
  wire.set(body, at);
  return wire;
}

/**
 * A wire message with the header written and `bodySize` bytes left for the caller to fill
 * from `at`: saves copying a body that is assembled anyway (XS meters each byte copied).
 */
export function allocWire(header: unknown, bodySize: number): { wire: Uint8Array; at: number } {
  const json = asciiJson(header);
  const n = json.length;
  const out = new Uint8Array(4 + n + bodySize);
  out[0] = n & 0xff; out[1] = (n >>> 8) & 0xff; out[2] = (n >>> 16) & 0xff; out[3] = (n >>> 24) & 0xff;
  for (let i = 0; i < n; i++) out[4 + i] = json.charCodeAt(i);
  return { wire: out, at: 4 + n };
}

export function decodeWire(message: Uint8Array): WireMessage {
  if (message.length < 4) throw new Error('wire message too short');
  const n = (message[0] | (message[1] << 8) | (message[2] << 16) | (message[3] << 24)) >>> 0;
  if (4 + n > message.length) throw new Error('wire header longer than the message');
  let json = '';
  // small chunks: XS puts spread arguments on its stack, and 4096 of them overflowed it
  for (let i = 0; i < n; i += 256) json += String.fromCharCode(...message.subarray(4 + i, 4 + Math.min(n, i + 256)));
  return { header: JSON.parse(json), bytes: message.subarray(4 + n) };
}
