// Private keys for signing: PKCS#8 PEM (what `xsuit keygen` and `openssl genpkey`
// write), SEC1 "EC PRIVATE KEY" PEM (`openssl ecparam -genkey`), a private COSE_Key
// (binary or hex), or an HMAC-SHA-256 secret (hex text or raw bytes; `hmac:FILE`
// forces that reading). The curve decides the algorithm: P-256 -> ES256,
// Ed25519 -> EdDSA, secret -> HMAC 256/256 (COSE_Mac0).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { decode, CborTag, type CborValue } from '../../modules/cbor/index';
import { XsuitError } from '../../modules/errors/errors';
import { Alg } from './labels';

export type SigningKey =
  | { kind: 'es256'; name: string; alg: typeof Alg.es256 | typeof Alg.esp256; key: KeyObject }
  | { kind: 'ed25519'; name: string; alg: typeof Alg.edDSA | typeof Alg.ed25519; key: KeyObject }
  | { kind: 'hmac256'; name: string; alg: typeof Alg.hmac256; secret: Uint8Array };

function keyError(name: string, message: string): never {
  throw new XsuitError('key-invalid', `${name}: ${message}`);
}

/** Classifies a node KeyObject, refusing public keys and curves COSE signing here cannot use. */
export function signingKeyFromKeyObject(key: KeyObject, name: string): SigningKey {
  if (key.type !== 'private') keyError(name, 'is a public key; signing needs the private key (NAME.key.pem)');
  if (key.asymmetricKeyType === 'ed25519') return { kind: 'ed25519', name, alg: Alg.edDSA, key };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return { kind: 'es256', name, alg: Alg.es256, key };
    keyError(name, `unsupported algorithm: EC key on ${curve ?? 'an unknown curve'} (xsuit signs with ES256 on P-256, EdDSA on Ed25519, or HMAC-256)`);
  }
  return keyError(name, `unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (xsuit signs with P-256, Ed25519 or HMAC keys)`);
}

function b64url(bytes: CborValue | undefined, name: string, label: number): string {
  if (!(bytes instanceof Uint8Array)) keyError(name, `COSE_Key parameter ${label} missing`);
  return Buffer.from(bytes).toString('base64url');
}

/** A private COSE_Key (RFC 9053: OKP Ed25519, EC2 P-256, Symmetric) as a signing key. */
export function signingKeyFromCoseKey(value: CborValue, name: string): SigningKey {
  let v = value instanceof CborTag ? value.value : value;
  if (Array.isArray(v)) v = v[0];
  if (!(v instanceof Map)) keyError(name, 'not a COSE_Key map');
  const kty = v.get(1);
  if (kty === 4) {
    const k = v.get(-1);
    if (!(k instanceof Uint8Array) || k.length === 0) keyError(name, 'symmetric COSE_Key without a key (-1)');
    return { kind: 'hmac256', name, alg: Alg.hmac256, secret: k };
  }
  if (!v.has(-4)) keyError(name, 'is a public COSE_Key; signing needs the private key (with d, label -4)');
  let jwk: Record<string, string>;
  if (kty === 1 && v.get(-1) === 6) {
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64url(v.get(-2), name, -2), d: b64url(v.get(-4), name, -4) };
  } else if (kty === 2 && v.get(-1) === 1) {
    jwk = { kty: 'EC', crv: 'P-256', x: b64url(v.get(-2), name, -2), y: b64url(v.get(-3), name, -3), d: b64url(v.get(-4), name, -4) };
  } else {
    keyError(name, `unsupported COSE_Key kty ${String(kty)} crv ${String(v.get(-1))} (P-256, Ed25519 or symmetric only)`);
  }
  try {
    return signingKeyFromKeyObject(createPrivateKey({ key: jwk, format: 'jwk' }), name);
  } catch (e) {
    if (e instanceof XsuitError) throw e;
    return keyError(name, `COSE_Key does not hold a valid private key (${(e as Error).message})`);
  }
}

const HEX_TEXT = /^[0-9a-fA-F]+$/;

function hmacSecret(data: Buffer, name: string): SigningKey {
  const text = data.toString('latin1').trim();
  const secret = text.length % 2 === 0 && HEX_TEXT.test(text) ? Buffer.from(text, 'hex') : data;
  if (secret.length < 16) keyError(name, `HMAC secret of ${secret.length} bytes is too short (at least 16; keygen makes 32)`);
  return { kind: 'hmac256', name, alg: Alg.hmac256, secret: Uint8Array.from(secret) };
}

/** Reads a key file given on the command line (`-k FILE` or `-k hmac:FILE`). */
export function loadSigningKey(spec: string): SigningKey {
  const forcedHmac = spec.startsWith('hmac:');
  const path = forcedHmac ? spec.slice(5) : spec;
  const data = readFileSync(path);
  const name = basename(path);
  if (forcedHmac || name.endsWith('.hmac')) return hmacSecret(data, name);
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) {
    if (text.includes('ENCRYPTED PRIVATE KEY') || text.includes('Proc-Type: 4,ENCRYPTED')) {
      keyError(name, 'is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.pem)');
    }
    if (!text.includes('PRIVATE KEY')) keyError(name, 'is a public key; signing needs the private key (NAME.key.pem)');
    let key: KeyObject;
    try {
      key = createPrivateKey(text);
    } catch (e) {
      return keyError(name, `not a readable PEM private key (${(e as Error).message})`);
    }
    return signingKeyFromKeyObject(key, name);
  }
  const trimmed = text.trim();
  const isHex = trimmed.length > 0 && trimmed.length % 2 === 0 && HEX_TEXT.test(trimmed);
  let value: CborValue | undefined;
  try {
    value = decode(Uint8Array.from(isHex ? Buffer.from(trimmed, 'hex') : data));
  } catch {
    value = undefined;
  }
  if (value instanceof Map || value instanceof CborTag || Array.isArray(value)) return signingKeyFromCoseKey(value, name);
  // Hex text that is no COSE_Key is the remaining format xsuit writes: an HMAC secret.
  if (isHex) return hmacSecret(data, name);
  return keyError(name, 'not a key file xsuit knows (PEM private key, COSE_Key, or hex HMAC secret; use hmac:FILE for a raw secret)');
}

/**
 * The fully-specified COSE algorithm identifiers (draft-ietf-jose-fully-specified-algorithms): ESP256 (-9) instead of
 * ES256 (-7) and Ed25519 (-19) instead of EdDSA (-8). Same signatures, newer labels
 * that say the curve, as libcsuit's vectors use.
 */
export function fullySpecified(key: SigningKey): SigningKey {
  if (key.kind === 'es256') return { ...key, alg: Alg.esp256 };
  if (key.kind === 'ed25519') return { ...key, alg: Alg.ed25519 };
  return key;
}
