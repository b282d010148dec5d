// JSON description values -> CBOR values: the typed SUIT parameters (UUIDs, digests,
// versions, dates) and a generic escape hatch for everything else.
import { encode, type CborValue } from '../../modules/cbor/index';
import { Alg } from './labels';
import { asArray, asHex, asString, asUint, fieldError, isObject, onlyKeys, show, type Json } from './fields';

/** The digest and size of a payload, and its bytes when it travels in the envelope. */
export interface ImageInfo {
  digest: Uint8Array;
  size: number;
  bytes?: Uint8Array;
}

/** Reads (and hashes) an image file named in a description; paths are the caller's business. */
export type ImageLoader = (path: string, field: string, keepBytes: boolean) => Promise<ImageInfo>;

/** SUIT_Digest = [algorithm-id, digest-bytes]; only SHA-256 is produced. */
export function suitDigest(digest: Uint8Array): CborValue {
  return [Alg.sha256, digest];
}

/** Encodes a value the way every nested SUIT structure is carried: deterministically. */
export function cbor(value: CborValue): Uint8Array {
  return encode(value, { sortKeys: true });
}

const COMPARISONS: Record<string, number> = { '>': 1, '>=': 2, '==': 3, '=': 3, '<=': 4, '<': 5 };

/** "1.4.2" -> [1, 4, 2] (SUIT_Version_Components). */
export function versionParts(text: string, field: string): number[] {
  if (!/^\d+(\.\d+)*$/.test(text)) fieldError(field, `expected a version like 1.4.2, got ${show(text)}`);
  return text.split('.').map((p) => Number(p));
}

/** ">=1.4.2" -> bstr .cbor [comparison-type, [1, 4, 2]] (suit-parameter-version). */
export function versionRequirement(text: string, field: string): Uint8Array {
  const m = /^(>=|<=|==|=|>|<)?\s*(.+)$/.exec(text.trim());
  if (!m) fieldError(field, `expected a version requirement like >=1.4.2, got ${show(text)}`);
  const cmp = COMPARISONS[m[1] ?? '>='];
  return cbor([cmp, versionParts(m[2], field)]);
}

/** ISO 8601 date/time or seconds since the epoch -> epoch seconds (suit-parameter-use-before). */
export function epochSeconds(v: Json | undefined, field: string): number {
  if (typeof v === 'number') return asUint(v, field);
  const s = asString(v, field);
  if (/^\d+$/.test(s)) return Number(s);
  const ms = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(ms)) {
    fieldError(field, `expected an ISO 8601 date like 2027-01-31 or 2027-01-31T12:00:00Z, got ${show(v)}`);
  }
  return Math.floor(ms / 1000);
}

/** An image named by file, or by digest and size: {"file": "app.bin"} | {"digest": "hex", "size": n}. */
export async function imageInfo(v: Json | undefined, field: string, load: ImageLoader, keepBytes = false): Promise<ImageInfo> {
  if (typeof v === 'string') return load(v, field, keepBytes);
  if (!isObject(v)) fieldError(field, `expected a file name or {"digest": hex, "size": n}, got ${show(v)}`);
  onlyKeys(v, field, ['file', 'digest', 'size', 'algorithm']);
  if (v.algorithm !== undefined && v.algorithm !== 'sha-256') fieldError(`${field}.algorithm`, `only "sha-256" is supported, got ${show(v.algorithm)}`);
  if (v.file !== undefined) {
    if (v.digest !== undefined || v.size !== undefined) fieldError(field, 'give either "file" or "digest" and "size", not both');
    return load(asString(v.file, `${field}.file`), `${field}.file`, keepBytes);
  }
  if (keepBytes) fieldError(field, 'an integrated payload needs "file" (its bytes go into the envelope)');
  return { digest: asHex(v.digest, `${field}.digest`, 32), size: asUint(v.size, `${field}.size`) };
}

/**
 * Any other value: numbers, strings, booleans, null and arrays map directly;
 * {"hex": "..."} is a byte string, {"cbor": value} a byte string holding value's
 * encoding, and any other object a map (keys that are integers become integers).
 */
export function genericValue(v: Json | undefined, field: string): CborValue {
  if (v === undefined) fieldError(field, 'missing value');
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fieldError(field, `expected an integer, got ${show(v)}`);
    return v;
  }
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (Array.isArray(v)) return v.map((x, i) => genericValue(x, `${field}[${i}]`));
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === 'hex') return asHex(v.hex, `${field}.hex`);
  if (keys.length === 1 && keys[0] === 'cbor') return cbor(genericValue(v.cbor, `${field}.cbor`));
  const map = new Map<CborValue, CborValue>();
  for (const k of keys) map.set(/^-?\d+$/.test(k) ? Number(k) : k, genericValue(v[k], `${field}.${k}`));
  return map;
}

/** A component identifier: an array of byte strings, each hex ("00") or {"text": "usr"}. */
export function componentId(v: Json | undefined, field: string): Uint8Array[] {
  const parts = asArray(v, field);
  if (parts.length === 0) fieldError(field, 'a component identifier needs at least one element');
  return parts.map((p, i) => {
    const f = `${field}[${i}]`;
    if (typeof p === 'string') {
      if (!/^([0-9a-fA-F]{2})*$/.test(p)) fieldError(f, `${show(p)} is not hex; write {"text": ${show(p)}} for text`);
      return Uint8Array.from(Buffer.from(p, 'hex'));
    }
    if (isObject(p) && Object.keys(p).length === 1 && typeof p.text === 'string') return Uint8Array.from(Buffer.from(p.text, 'utf8'));
    return fieldError(f, `expected hex text or {"text": "..."}, got ${show(p)}`);
  });
}
