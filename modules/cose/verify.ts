// COSE_Sign1 (tag 18) and COSE_Mac0 (tag 17) verification with a detached payload, as
// SUIT uses them: the payload is the encoded SUIT_Digest of the manifest. Returns the
// trust anchors that authenticated the block; throws XsuitError on structural faults.
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { decode, encode, CborTag, type CborValue } from '../cbor/index';
import { bytesEqual, constantTimeEqual } from '../bytes/compare';
import { ALG_KEY_TYPE, type TrustAnchor } from '../trust/anchors';
import type { Crypto } from '../../hosts/hal';

const TAG_SIGN1 = 18;
const TAG_MAC0 = 17;
const H_ALG = 1;
const H_CRIT = 2;
const H_KID = 4;
/** header labels this verifier understands (alg, crit, content type, kid, IV, partial IV) */
const UNDERSTOOD = new Set<CborValue>([1, 2, 3, 4, 5, 6]);

export interface CoseResult {
  kind: 'sign1' | 'mac0';
  alg: number;
  kid: Uint8Array | undefined;
  /** anchors whose key verified this block (empty when none did) */
  verifiedBy: TrustAnchor[];
}

function bad(code: string, message: string, reason: number = Reason.coseUnsupported): never {
  throw new XsuitError(code, message, reason);
}

function headers(protectedBytes: Uint8Array, unprotected: CborValue): Map<CborValue, CborValue> {
  const prot = protectedBytes.length === 0 ? new Map() : decode(protectedBytes, { maxDepth: 8 });
  if (!(prot instanceof Map)) bad('cose-bad-header', 'protected header is not a map');
  if (!(unprotected instanceof Map)) bad('cose-bad-header', 'unprotected header is not a map');
  const crit = prot.get(H_CRIT);
  if (unprotected.has(H_CRIT)) bad('cose-bad-header', 'crit must be protected');
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0) bad('cose-bad-header', 'crit is not a non-empty array');
    for (const label of crit) {
      if (!UNDERSTOOD.has(label)) bad('cose-unknown-critical', `critical header ${String(label)} is not understood`);
      if (!prot.has(label)) bad('cose-bad-header', `critical header ${String(label)} is absent`);
    }
  }
  const merged = new Map<CborValue, CborValue>(prot);
  for (const [k, v] of unprotected) {
    if (merged.has(k)) bad('cose-bad-header', `header ${String(k)} is both protected and unprotected`);
    merged.set(k, v);
  }
  if (unprotected.has(H_ALG)) bad('cose-bad-header', 'alg must be in the protected header');
  return merged;
}

/**
 * Verifies one SUIT authentication block (a bstr-wrapped COSE_Sign1/COSE_Mac0) over
 * `detachedPayload` (the encoded SUIT_Digest) against every compatible anchor.
 */
export function verifyCoseBlock(
  block: Uint8Array, detachedPayload: Uint8Array, anchors: TrustAnchor[], crypto: Crypto,
): CoseResult {
  const item = decode(block, { maxDepth: 8 });
  if (!(item instanceof CborTag) || (item.tag !== TAG_SIGN1 && item.tag !== TAG_MAC0)) {
    bad('cose-unsupported-structure', 'authentication block is not a tagged COSE_Sign1 or COSE_Mac0');
  }
  const kind = item.tag === TAG_SIGN1 ? 'sign1' : 'mac0';
  const parts = item.value;
  if (!Array.isArray(parts) || parts.length !== 4) bad('cose-malformed', 'COSE structure is not a 4-element array');
  const [prot, unprot, payload, sig] = parts;
  if (!(prot instanceof Uint8Array)) bad('cose-malformed', 'protected header is not a bstr');
  if (!(sig instanceof Uint8Array)) bad('cose-malformed', 'signature/tag is not a bstr');
  const hdr = headers(prot, unprot);
  const alg = hdr.get(H_ALG);
  if (typeof alg !== 'number') bad('cose-no-alg', 'no alg header', Reason.algUnsupported);
  const keyType = ALG_KEY_TYPE[alg];
  if (keyType === undefined) bad('cose-unsupported-alg', `COSE algorithm ${alg} is not supported`, Reason.algUnsupported);
  if ((kind === 'mac0') !== (keyType === 'hmac256')) {
    bad('cose-alg-structure-mismatch', `alg ${alg} cannot be used in a ${kind === 'mac0' ? 'COSE_Mac0' : 'COSE_Sign1'}`, Reason.algUnsupported);
  }
  // SUIT signs the digest detached; a carried payload must be that same digest.
  if (payload !== null && !(payload instanceof Uint8Array && bytesEqual(payload, detachedPayload))) {
    bad('cose-payload-not-detached', 'COSE payload is neither nil nor the manifest digest');
  }
  const kidValue = hdr.get(H_KID);
  if (kidValue !== undefined && !(kidValue instanceof Uint8Array)) bad('cose-bad-header', 'kid is not a bstr');
  const kid = kidValue as Uint8Array | undefined;

  const sameType = anchors.filter((a) => a.type === keyType);
  if (anchors.length > 0 && sameType.length === 0) {
    bad('cose-alg-key-mismatch', `alg ${alg} needs a ${keyType} key and no trusted key is one`, Reason.algUnsupported);
  }
  const candidates = sameType.filter((a) => !kid || !a.kid || bytesEqual(a.kid, kid));
  const toBe = encode([kind === 'sign1' ? 'Signature1' : 'MAC0', prot, new Uint8Array(0), detachedPayload]);
  const verifiedBy: TrustAnchor[] = [];
  for (const anchor of candidates) {
    let good: boolean;
    if (keyType === 'p256') good = crypto.verifyP256(anchor.key, toBe, sig);
    else if (keyType === 'ed25519') good = crypto.verifyEd25519(anchor.key, toBe, sig);
    else good = sig.length === 32 && constantTimeEqual(crypto.hmacSha256(anchor.key, toBe), sig);
    if (good) verifiedBy.push(anchor);
  }
  return { kind, alg, kid, verifiedBy };
}
