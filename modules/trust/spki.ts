// PEM / DER SubjectPublicKeyInfo for the two public key types SUIT devices trust, parsed
// without an ASN.1 library: the SPKI prefix of each type is fixed, so we match it exactly.
import { XsuitError } from '../errors/errors';
import { base64Decode } from '../bytes/base64';
import { fromHex } from '../bytes/hex';
import { bytesEqual } from '../bytes/compare';
import type { KeyType } from './anchors';

// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (65-byte point) }
const P256_PREFIX = fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200');
// SEQUENCE { SEQUENCE { id-Ed25519 }, BIT STRING (32 bytes) }
const ED25519_PREFIX = fromHex('302a300506032b6570032100');

export function publicKeyFromSpki(der: Uint8Array): { type: KeyType; key: Uint8Array } {
  for (const [prefix, type, size] of [[P256_PREFIX, 'p256', 65], [ED25519_PREFIX, 'ed25519', 32]] as const) {
    if (der.length === prefix.length + size && bytesEqual(der.subarray(0, prefix.length), prefix)) {
      return { type, key: der.slice(prefix.length) };
    }
  }
  throw new XsuitError('key-unsupported-spki', 'not a P-256 or Ed25519 SubjectPublicKeyInfo');
}

export function publicKeyFromPem(pem: string): { type: KeyType; key: Uint8Array } {
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(pem);
  if (!m) throw new XsuitError('key-not-pem', 'no PEM PUBLIC KEY block');
  return publicKeyFromSpki(base64Decode(m[1]));
}
