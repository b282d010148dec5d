// A bounded CBOR decoder (RFC 8949) for untrusted input such as SUIT envelopes.
// Hard limits keep a hostile input from costing more than it weighs: nesting depth,
// total item count, every declared length checked against the bytes left before
// anything is allocated (so no allocation exceeds the input), byte strings returned
// as views into the input, canonical (shortest-form) integers and lengths only, no
// indefinite lengths, no duplicate map keys. Every failure is an XsuitError with
// reason cbor-parse (1).
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { utf8Decode } from '../bytes/utf8';
import { toHex } from '../bytes/hex';
import { CborTag, type CborValue } from './types';

export interface DecodeLimits {
  /** deepest nesting of arrays, maps and tags (default 32) */
  maxDepth?: number;
  /** most items decoded in one call, containers included (default 16384) */
  maxItems?: number;
}

const TWO_32 = 0x100000000;

function fail(code: string, message: string, offset: number): never {
  throw new XsuitError(code, `${message} at byte ${offset}`, Reason.cborParse, { offset });
}

/** Pull decoder over one buffer. `offset` is the next byte to read. */
export class CborReader {
  readonly bytes: Uint8Array;
  offset: number;
  private readonly maxDepth: number;
  private readonly maxItems: number;
  private items = 0;

  constructor(bytes: Uint8Array, limits: DecodeLimits = {}, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
    this.maxDepth = limits.maxDepth ?? 32;
    this.maxItems = limits.maxItems ?? 16384;
  }

  get atEnd(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** Decodes the next item. */
  read(): CborValue {
    return this.item(0);
  }

  /** Validates the next item completely and returns its exact encoded bytes (a view). */
  readRaw(): Uint8Array {
    const start = this.offset;
    this.item(0);
    return this.bytes.subarray(start, this.offset);
  }

  /**
   * Reads an array head and returns its element count, so a caller can walk the
   * elements one by one (and know each one's offset). Bounds as for `read`.
   */
  readArrayHead(): number {
    const at = this.offset;
    const head = this.byte();
    if (head >> 5 !== 4) fail('cbor-unexpected-type', 'expected an array', at);
    const n = this.length(head & 31, at);
    this.need(n);
    return n;
  }

  private byte(): number {
    if (this.offset >= this.bytes.length) fail('cbor-truncated', 'input ends inside an item', this.offset);
    return this.bytes[this.offset++];
  }

  private need(n: number): void {
    if (n > this.bytes.length - this.offset) {
      fail('cbor-length', `declared length ${n} exceeds the ${this.bytes.length - this.offset} bytes left`, this.offset);
    }
  }

  /** The argument of a head; returns a number, or a bigint for values >= 2^53. */
  private argument(info: number, at: number): number | bigint {
    if (info < 24) return info;
    if (info === 31) fail('cbor-indefinite', 'indefinite lengths are not accepted', at);
    if (info > 27) fail('cbor-reserved', `reserved additional information ${info}`, at);
    const size = 1 << (info - 24);
    if (size > this.bytes.length - this.offset) fail('cbor-truncated', 'input ends inside an item head', at);
    const b = this.bytes;
    const o = this.offset;
    let v: number | bigint;
    if (size === 1) v = b[o];
    else if (size === 2) v = (b[o] << 8) | b[o + 1];
    else if (size === 4) v = ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
    else {
      const hi = ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
      const lo = ((b[o + 4] << 24) >>> 0) + ((b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]);
      v = hi < 0x200000 ? hi * TWO_32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
    }
    this.offset += size;
    const min = size === 1 ? 24 : size === 2 ? 0x100 : size === 4 ? 0x10000 : TWO_32;
    if (typeof v === 'number' && v < min) fail('cbor-non-canonical', 'integer or length not in shortest form', at);
    return v;
  }

  private length(info: number, at: number): number {
    const n = this.argument(info, at);
    if (typeof n === 'bigint') fail('cbor-length', 'length beyond 2^53', at);
    return n;
  }

  private item(depth: number): CborValue {
    const at = this.offset;
    if (++this.items > this.maxItems) fail('cbor-too-many-items', `more than ${this.maxItems} items`, at);
    const head = this.byte();
    const major = head >> 5;
    const info = head & 31;
    switch (major) {
      case 0:
        return this.argument(info, at);
      case 1: {
        const n = this.argument(info, at);
        if (typeof n === 'number' && n < Number.MAX_SAFE_INTEGER) return -1 - n;
        return -1n - BigInt(n);
      }
      case 2: {
        const n = this.length(info, at);
        this.need(n);
        const view = this.bytes.subarray(this.offset, this.offset + n);
        this.offset += n;
        return view;
      }
      case 3: {
        const n = this.length(info, at);
        this.need(n);
        const text = utf8Decode(this.bytes.subarray(this.offset, this.offset + n));
        this.offset += n;
        return text;
      }
      case 4: {
        const n = this.length(info, at);
        if (depth >= this.maxDepth) fail('cbor-depth', `nesting deeper than ${this.maxDepth}`, at);
        this.need(n); // every element takes at least one byte
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5:
        return this.map(info, at, depth);
      case 6: {
        const tag = this.argument(info, at);
        if (typeof tag === 'bigint') fail('cbor-unsupported', 'tag number beyond 2^53', at);
        if (depth >= this.maxDepth) fail('cbor-depth', `nesting deeper than ${this.maxDepth}`, at);
        return new CborTag(tag, this.item(depth + 1));
      }
      default:
        return this.simple(info, at);
    }
  }

  private map(info: number, at: number, depth: number): Map<CborValue, CborValue> {
    const n = this.length(info, at);
    if (depth >= this.maxDepth) fail('cbor-depth', `nesting deeper than ${this.maxDepth}`, at);
    if (n > (this.bytes.length - this.offset) / 2) {
      fail('cbor-length', `map of ${n} entries exceeds the bytes left`, at);
    }
    const out = new Map<CborValue, CborValue>();
    const seen = new Set<unknown>();
    for (let i = 0; i < n; i++) {
      const keyAt = this.offset;
      const key = this.item(depth + 1);
      const identity = typeof key === 'number' ? key
        : typeof key === 'string' ? 's' + key
        : 'r' + toHex(this.bytes.subarray(keyAt, this.offset));
      if (seen.has(identity)) fail('cbor-duplicate-key', 'duplicate map key', keyAt);
      seen.add(identity);
      out.set(key, this.item(depth + 1));
    }
    return out;
  }

  private simple(info: number, at: number): CborValue {
    switch (info) {
      case 20: return false;
      case 21: return true;
      case 22: return null;
      case 23: return undefined;
      case 25: return this.float(2, at);
      case 26: return this.float(4, at);
      case 27: return this.float(8, at);
      case 31: return fail('cbor-indefinite', 'unexpected break / indefinite item', at);
      default: return fail('cbor-unsupported', `simple value ${info} is not supported`, at);
    }
  }

  private float(size: number, at: number): number {
    if (size > this.bytes.length - this.offset) fail('cbor-truncated', 'input ends inside a float', at);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, size);
    this.offset += size;
    if (size === 4) return view.getFloat32(0);
    if (size === 8) return view.getFloat64(0);
    const h = view.getUint16(0);
    const exp = (h >> 10) & 31;
    const mant = h & 1023;
    const sign = h & 0x8000 ? -1 : 1;
    if (exp === 0) return sign * mant * 2 ** -24;
    if (exp === 31) return mant ? NaN : sign * Infinity;
    return sign * (1024 + mant) * 2 ** (exp - 25);
  }
}

/** Decodes exactly one item that must fill `bytes` completely. */
export function decode(bytes: Uint8Array, limits?: DecodeLimits): CborValue {
  const reader = new CborReader(bytes, limits);
  const value = reader.read();
  if (!reader.atEnd) fail('cbor-trailing-bytes', `${bytes.length - reader.offset} bytes after the item`, reader.offset);
  return value;
}
