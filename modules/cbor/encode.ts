// A deterministic CBOR encoder: shortest-form integers and lengths, definite lengths
// only, map entries in the caller's insertion order (so a manifest can be built byte
// for byte; pass { sortKeys: true } for RFC 8949 s4.2.1 core deterministic order).
import { XsuitError } from '../errors/errors';
import { utf8Encode } from '../bytes/utf8';
import { CborRaw, CborTag, type CborValue } from './types';

export interface EncodeOptions {
  /** sort map keys by their encoded bytes (RFC 8949 core deterministic encoding) */
  sortKeys?: boolean;
}

class Writer {
  buf = new Uint8Array(64);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
}

function writeHead(w: Writer, major: number, n: number | bigint): void {
  const m = major << 5;
  if (typeof n === 'bigint') {
    if (n < 0n || n > 0xffffffffffffffffn) throw new XsuitError('cbor-encode-range', 'integer out of CBOR range');
    if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return writeHead(w, major, Number(n));
    w.byte(m | 27);
    for (let shift = 56n; shift >= 0n; shift -= 8n) w.byte(Number((n >> shift) & 0xffn));
    return;
  }
  if (n < 24) w.byte(m | n);
  else if (n < 0x100) { w.byte(m | 24); w.byte(n); }
  else if (n < 0x10000) { w.byte(m | 25); w.byte(n >> 8); w.byte(n & 255); }
  else if (n < 0x100000000) {
    w.byte(m | 26);
    w.byte((n >>> 24) & 255); w.byte((n >>> 16) & 255); w.byte((n >>> 8) & 255); w.byte(n & 255);
  } else {
    const hi = Math.floor(n / 0x100000000);
    const lo = n >>> 0;
    w.byte(m | 27);
    w.byte((hi >>> 24) & 255); w.byte((hi >>> 16) & 255); w.byte((hi >>> 8) & 255); w.byte(hi & 255);
    w.byte((lo >>> 24) & 255); w.byte((lo >>> 16) & 255); w.byte((lo >>> 8) & 255); w.byte(lo & 255);
  }
}

/** The head bytes alone, e.g. the `58 71` in front of a 113-byte byte string. */
export function encodeHead(major: number, n: number | bigint): Uint8Array {
  const w = new Writer();
  writeHead(w, major, n);
  return w.buf.slice(0, w.len);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function write(w: Writer, v: CborValue, opts: EncodeOptions, depth: number): void {
  if (depth > 64) throw new XsuitError('cbor-encode-depth', 'value nests deeper than 64');
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) {
      if (v >= 0) writeHead(w, 0, v);
      else writeHead(w, 1, -1 - v);
    } else {
      w.ensure(9);
      w.byte(0xfb);
      new DataView(w.buf.buffer).setFloat64(w.len, v);
      w.len += 8;
    }
  } else if (typeof v === 'bigint') {
    if (v >= 0n) writeHead(w, 0, v);
    else writeHead(w, 1, -1n - v);
  } else if (typeof v === 'string') {
    const b = utf8Encode(v);
    writeHead(w, 3, b.length);
    w.bytes(b);
  } else if (v instanceof Uint8Array) {
    writeHead(w, 2, v.length);
    w.bytes(v);
  } else if (v === false) w.byte(0xf4);
  else if (v === true) w.byte(0xf5);
  else if (v === null) w.byte(0xf6);
  else if (v === undefined) w.byte(0xf7);
  else if (Array.isArray(v)) {
    writeHead(w, 4, v.length);
    for (const x of v) write(w, x, opts, depth + 1);
  } else if (v instanceof Map) {
    writeHead(w, 5, v.size);
    if (opts.sortKeys) {
      const entries = [...v].map(([k, x]) => [encode(k, opts), x] as const);
      entries.sort((a, b) => compareBytes(a[0], b[0]));
      for (const [k, x] of entries) { w.bytes(k); write(w, x, opts, depth + 1); }
    } else {
      for (const [k, x] of v) { write(w, k, opts, depth + 1); write(w, x, opts, depth + 1); }
    }
  } else if (v instanceof CborTag) {
    writeHead(w, 6, v.tag);
    write(w, v.value, opts, depth + 1);
  } else if (v instanceof CborRaw) {
    w.bytes(v.bytes);
  } else {
    throw new XsuitError('cbor-encode-unsupported', `cannot encode a ${typeof v}`);
  }
}

export function encode(value: CborValue, opts: EncodeOptions = {}): Uint8Array {
  const w = new Writer();
  write(w, value, opts, 0);
  return w.buf.slice(0, w.len);
}
