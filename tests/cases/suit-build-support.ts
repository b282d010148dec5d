// Builds SUIT envelopes inside a test (Node or XS) with the project's encoder: a manifest
// from CBOR values, its SUIT_Digest, and COSE blocks signed or MACed with @noble keys.
import { encode, encodeHead, CborTag, type CborValue } from '../../modules/cbor/index';
import { concatBytes } from '../../modules/bytes/compare';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';

export type Signer = { alg: number; kind: 'sign1' | 'mac0'; sign(toBeSigned: Uint8Array): Uint8Array; kid?: Uint8Array; crit?: CborValue[]; extraProtected?: [number, CborValue][] };

export function ed25519Signer(secret: Uint8Array, alg = -8): Signer {
  return { alg, kind: 'sign1', sign: (m) => ed25519.sign(m, secret) };
}
export function p256Signer(secret: Uint8Array, alg = -7): Signer {
  return { alg, kind: 'sign1', sign: (m) => p256.sign(m, secret, { prehash: true, lowS: false }) };
}
export function hmacSigner(key: Uint8Array): Signer {
  return { alg: 5, kind: 'mac0', sign: (m) => hmac(sha256, key, m) };
}

export function manifestDigest(manifest: Uint8Array): Uint8Array {
  return encode([-16, sha256(concatBytes(encodeHead(2, manifest.length), manifest))]);
}

export function coseBlock(digestBstr: Uint8Array, s: Signer): Uint8Array {
  const hdr = new Map<CborValue, CborValue>([[1, s.alg]]);
  if (s.crit) hdr.set(2, s.crit);
  for (const [k, v] of s.extraProtected ?? []) hdr.set(k, v);
  const prot = encode(hdr);
  const unprot = new Map<CborValue, CborValue>();
  if (s.kid) unprot.set(4, s.kid);
  const toBe = encode([s.kind === 'sign1' ? 'Signature1' : 'MAC0', prot, new Uint8Array(0), digestBstr]);
  return encode(new CborTag(s.kind === 'sign1' ? 18 : 17, [prot, unprot, null, s.sign(toBe)]));
}

/** An envelope around `manifest` (a CBOR map value), signed by each signer in turn. */
export function buildEnvelope(manifest: CborValue, signers: Signer[], extra: [CborValue, CborValue][] = []): Uint8Array {
  const m = encode(manifest);
  const digest = manifestDigest(m);
  const auth = encode([digest, ...signers.map((s) => coseBlock(digest, s))]);
  return encode(new CborTag(107, new Map<CborValue, CborValue>([[2, auth], [3, m], ...extra])));
}

/** A one-component manifest with the given sections (already-encoded command arrays). */
export function simpleManifest(seq: number, sections: [number, CborValue[]][], shared?: CborValue[], components: CborValue[] = [[new Uint8Array([0])]]): CborValue {
  const common = new Map<CborValue, CborValue>([[2, components]]);
  if (shared) common.set(4, encode(shared));
  return new Map<CborValue, CborValue>([[1, 1], [2, seq], [3, encode(common)], ...sections.map(([k, cmds]) => [k, encode(cmds)] as [CborValue, CborValue])]);
}
