// Creating COSE authentication blocks for a SUIT envelope (draft-ietf-suit-manifest
// s8.3, RFC 9052). Each block signs (or MACs) the encoded SUIT_Digest of the manifest
// as a *detached* payload, so blocks from different parties are independent and can be
// appended one after another: author first, operator later, k of n at verify time.
import { createHmac, createPublicKey, sign as nodeSign, verify as nodeVerify, timingSafeEqual } from 'node:crypto';
import { CborTag, decode, encode, type CborValue } from '../../modules/cbor/index';
import { XsuitError } from '../../modules/errors/errors';
import { EnvelopeKey } from './labels';
import { manifestDigest, SUIT_ENVELOPE_TAG } from './manifest';
import { cbor } from './values';
import type { SigningKey } from './signing-keys';

export const COSE_SIGN1_TAG = 18;
export const COSE_MAC0_TAG = 17;

/** Sig_structure / MAC_structure for a detached payload with no external AAD. */
function toBeSigned(context: 'Signature1' | 'MAC0', protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode([context, protectedBytes, new Uint8Array(0), payload]);
}

function protectedHeader(alg: number): Uint8Array {
  return cbor(new Map([[1, alg]]));
}

function mac(secret: Uint8Array, data: Uint8Array): Uint8Array {
  return Uint8Array.from(createHmac('sha256', secret).update(data).digest());
}

function rawSign(key: Exclude<SigningKey, { kind: 'hmac256' }>, data: Uint8Array): Uint8Array {
  // COSE wants ECDSA signatures as r||s (IEEE P1363), not DER.
  if (key.kind === 'es256') return Uint8Array.from(nodeSign('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }));
  return Uint8Array.from(nodeSign(null, data, key.key));
}

/** One encoded COSE_Sign1_Tagged or COSE_Mac0_Tagged over `digestBstr` (the encoded SUIT_Digest). */
export function authenticationBlock(key: SigningKey, digestBstr: Uint8Array): Uint8Array {
  const prot = protectedHeader(key.alg);
  if (key.kind === 'hmac256') {
    const tag = mac(key.secret, toBeSigned('MAC0', prot, digestBstr));
    return encode(new CborTag(COSE_MAC0_TAG, [prot, new Map(), null, tag]));
  }
  const signature = rawSign(key, toBeSigned('Signature1', prot, digestBstr));
  return encode(new CborTag(COSE_SIGN1_TAG, [prot, new Map(), null, signature]));
}

/** Whether an existing block was made with this key (so signing twice is caught). */
export function blockMadeBy(block: Uint8Array, key: SigningKey, digestBstr: Uint8Array): boolean {
  let v: CborValue;
  try {
    v = decode(block);
  } catch {
    return false;
  }
  if (!(v instanceof CborTag) || !Array.isArray(v.value) || v.value.length !== 4) return false;
  const [prot, , , sig] = v.value;
  if (!(prot instanceof Uint8Array) || !(sig instanceof Uint8Array)) return false;
  if (key.kind === 'hmac256') {
    if (v.tag !== COSE_MAC0_TAG) return false;
    const expected = mac(key.secret, toBeSigned('MAC0', prot, digestBstr));
    return expected.length === sig.length && timingSafeEqual(expected, sig);
  }
  if (v.tag !== COSE_SIGN1_TAG) return false;
  const pub = createPublicKey(key.key);
  const data = toBeSigned('Signature1', prot, digestBstr);
  try {
    if (key.kind === 'es256') return nodeVerify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig);
    return nodeVerify(null, data, pub, sig);
  } catch {
    return false;
  }
}

export type Role = 'author' | 'operator';

export interface SignResult {
  envelope: Uint8Array;
  /** blocks present before this signing, and after */
  before: number;
  after: number;
  role: Role;
  digest: Uint8Array;
}

function refuse(code: string, message: string): never {
  throw new XsuitError(code, message, 4);
}

/**
 * Appends one authentication block per key. The manifest digest is checked first, so
 * nobody signs a manifest that was altered after its digest was computed. `role`
 * guards the order: an author signs an unsigned envelope, an operator countersigns a
 * signed one; without a role it follows from whether the envelope is signed yet.
 */
export function signEnvelope(envelopeBytes: Uint8Array, keys: SigningKey[], role?: Role): SignResult {
  let top: CborValue;
  try {
    top = decode(envelopeBytes, { maxItems: 1 << 20 });
  } catch (e) {
    throw new XsuitError('envelope-invalid', `not a SUIT envelope (${(e as Error).message})`, 1);
  }
  const tagged = top instanceof CborTag && top.tag === SUIT_ENVELOPE_TAG;
  const map = tagged ? (top as CborTag).value : top;
  if (!(map instanceof Map)) throw new XsuitError('envelope-invalid', 'not a SUIT envelope (expected a map, tag 107)', 1);
  const authBstr = map.get(EnvelopeKey.authentication);
  const manifest = map.get(EnvelopeKey.manifest);
  if (!(authBstr instanceof Uint8Array) || !(manifest instanceof Uint8Array)) {
    throw new XsuitError('envelope-invalid', 'envelope lacks its authentication wrapper (2) or manifest (3)', 1);
  }
  const auth = decode(authBstr);
  if (!Array.isArray(auth) || auth.length < 1 || !auth.every((b) => b instanceof Uint8Array)) {
    throw new XsuitError('envelope-invalid', 'authentication wrapper is not [digest, *blocks] of byte strings', 1);
  }
  const [digestBstr, ...blocks] = auth as Uint8Array[];
  const digest = decode(digestBstr);
  const computed = manifestDigest(manifest);
  if (!Array.isArray(digest) || digest[0] !== -16 || !(digest[1] instanceof Uint8Array) ||
      Buffer.compare(Buffer.from(digest[1]), Buffer.from(computed)) !== 0) {
    refuse('envelope-digest-mismatch', 'refusing to sign: the manifest does not match the digest in its authentication wrapper');
  }
  const effectiveRole: Role = role ?? (blocks.length === 0 ? 'author' : 'operator');
  if (effectiveRole === 'author' && blocks.length > 0) {
    refuse('sign-role', `already signed (${blocks.length} block${blocks.length > 1 ? 's' : ''}); a second party countersigns with --role operator`);
  }
  if (effectiveRole === 'operator' && blocks.length === 0) {
    refuse('sign-role', 'not signed yet; an operator countersigns an author-signed envelope (sign with --role author first)');
  }
  const added: Uint8Array[] = [];
  for (const key of keys) {
    if ([...blocks, ...added].some((b) => blockMadeBy(b, key, digestBstr))) {
      refuse('sign-duplicate', `${key.name} has already signed this manifest`);
    }
    const block = authenticationBlock(key, digestBstr);
    // Check our own signature before it leaves: a faulty signer (bad RNG, glitched
    // hardware) must not ship a block that devices reject, or that leaks the key.
    if (!blockMadeBy(block, key, digestBstr)) throw new XsuitError('sign-self-check', `${key.name}: the new signature does not verify; nothing written`);
    added.push(block);
  }
  const newAuth = encode([digestBstr, ...blocks, ...added]);
  // Rebuild in the original member order; every other member's bytes stay as they were.
  const out = new Map<CborValue, CborValue>();
  for (const [k, v] of map) out.set(k, k === EnvelopeKey.authentication ? newAuth : v);
  const body: CborValue = tagged ? new CborTag(SUIT_ENVELOPE_TAG, out) : out;
  return { envelope: encode(body), before: blocks.length, after: blocks.length + added.length, role: effectiveRole, digest: computed };
}
