// Key files -> trust anchors (host side). Accepts public keys as PEM (SPKI, P-256 or
// Ed25519) or COSE_Key (binary CBOR or hex text; a COSE_KeySet takes its first key),
// and HMAC secrets as raw binary or hex text. Shared by verify, sign and keygen.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { decode, CborTag, type CborValue } from '../../modules/cbor/index';
import { fromHex } from '../../modules/bytes/hex';
import type { KeyType, Role, TrustAnchor } from '../../modules/trust/anchors';

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

function b64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

const HEX_TEXT = /^[0-9a-fA-F\s]+$/;

/** A PEM SPKI public key as a trust anchor (P-256 -> SEC1 uncompressed point, Ed25519 -> 32 bytes). */
export function anchorFromPem(pem: string, name: string, role: Role = 'author'): TrustAnchor {
  let jwk: { kty?: string; crv?: string; x?: string; y?: string };
  try {
    jwk = createPublicKey(pem).export({ format: 'jwk' }) as typeof jwk;
  } catch (e) {
    throw new KeyFileError(`${name}: not a PEM public key (${(e as Error).message})`);
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y) {
    const key = new Uint8Array(65);
    key[0] = 4;
    key.set(b64url(jwk.x), 1);
    key.set(b64url(jwk.y), 33);
    return { name, role, type: 'p256', key };
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x) {
    return { name, role, type: 'ed25519', key: b64url(jwk.x) };
  }
  throw new KeyFileError(`${name}: unsupported key type ${jwk.kty}/${jwk.crv} (P-256 and Ed25519 only)`);
}

/** A COSE_Key map (RFC 9052 s7) as a trust anchor. */
export function anchorFromCoseKey(value: CborValue, name: string, role: Role = 'author'): TrustAnchor {
  let v = value;
  if (v instanceof CborTag) v = v.value;
  if (Array.isArray(v)) v = v[0];
  if (!(v instanceof Map)) throw new KeyFileError(`${name}: not a COSE_Key map`);
  const kty = v.get(1);
  const kidV = v.get(2);
  const kid = kidV instanceof Uint8Array ? kidV : typeof kidV === 'string' ? new TextEncoder().encode(kidV) : undefined;
  const bytes = (label: number): Uint8Array => {
    const b = v.get(label);
    if (!(b instanceof Uint8Array)) throw new KeyFileError(`${name}: COSE_Key parameter ${label} missing`);
    return b;
  };
  let type: KeyType;
  let key: Uint8Array;
  if (kty === 2 && v.get(-1) === 1) {
    const x = bytes(-2);
    const y = bytes(-3);
    if (x.length !== 32 || y.length !== 32) throw new KeyFileError(`${name}: P-256 coordinates must be 32 bytes`);
    key = new Uint8Array(65);
    key[0] = 4;
    key.set(x, 1);
    key.set(y, 33);
    type = 'p256';
  } else if (kty === 1 && v.get(-1) === 6) {
    key = bytes(-2);
    type = 'ed25519';
  } else if (kty === 4) {
    key = bytes(-1);
    type = 'hmac256';
  } else {
    throw new KeyFileError(`${name}: unsupported COSE_Key kty ${String(kty)} crv ${String(v.get(-1))}`);
  }
  return kid ? { name, role, type, key, kid } : { name, role, type, key };
}

/** A public key file: PEM SPKI or COSE_Key (binary or hex). */
export function loadPublicKeyFile(path: string, role: Role = 'author'): TrustAnchor {
  const data = readFileSync(path);
  const name = basename(path);
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) return anchorFromPem(text, name, role);
  const cbor = HEX_TEXT.test(text) ? fromHex(text) : new Uint8Array(data);
  let value: CborValue;
  try {
    value = decode(cbor);
  } catch {
    throw new KeyFileError(`${name}: neither PEM nor a COSE_Key`);
  }
  return anchorFromCoseKey(value, name, role);
}

/**
 * An HMAC-SHA-256 secret: hex text when the file is only hex digits, raw bytes otherwise.
 * A raw secret that happens to be all hex letters (e.g. 'aaaa...') is ambiguous: prefix
 * the path with `raw:` (or `hex:`) to say which it is.
 */
export function loadHmacKeyFile(spec: string, role: Role = 'author'): TrustAnchor {
  const forced = /^(raw|hex):/.exec(spec)?.[1];
  const path = forced ? spec.slice(4) : spec;
  const data = readFileSync(path);
  const text = data.toString('latin1').trim();
  const looksHex = text.length > 0 && text.length % 2 === 0 && HEX_TEXT.test(text);
  if (forced === 'hex' && !looksHex) throw new KeyFileError(`${basename(path)}: not hex text`);
  const key = forced === 'raw' || !looksHex ? new Uint8Array(data) : fromHex(text);
  if (key.length === 0) throw new KeyFileError(`${basename(path)}: empty HMAC key`);
  return { name: basename(path), role, type: 'hmac256', key };
}
