// SUIT_Envelope authentication (draft-ietf-suit-manifest s8.3): the manifest digest
// must match, enough distinct trusted signers must verify, and every severable member
// present must match its digest. Nothing in the manifest is trusted before that.
import { XsuitError, isXsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { CborTag, decode, encodeHead, type CborValue } from '../cbor/index';
import { constantTimeEqual } from '../bytes/compare';
import { toHex } from '../bytes/hex';
import { verifyCoseBlock } from '../cose/verify';
import type { Role, TrustAnchor, TrustPolicy } from '../trust/anchors';
import type { Crypto } from '../../hosts/hal';
import { DIGEST_ALG_SHA256, ENVELOPE_TAG, Env, Man, SEVERABLE } from './constants';
import { malformed, parseDigest, parseManifest, type SuitDigest, type SuitManifest } from './manifest';
import { parseSequence } from './sequence';

const UNUSABLE_BLOCK = new Set(['cose-unsupported-alg', 'cose-alg-key-mismatch', 'cose-alg-structure-mismatch', 'cose-unknown-critical', 'cose-no-alg']);

export interface SignerInfo {
  name: string;
  role: Role;
  kid?: Uint8Array;
  alg: number;
}

export type SeverableState = 'inline' | 'present' | 'severed';

export interface AuthenticatedEnvelope {
  tagged: boolean;
  bytes: Uint8Array;
  envelope: Map<CborValue, CborValue>;
  manifestBytes: Uint8Array;
  manifestDigest: Uint8Array;
  manifest: SuitManifest;
  sequence: number;
  signers: SignerInfo[];
  components: Uint8Array[][];
  severable: Record<number, SeverableState>;
  integrated: Map<string, Uint8Array>;
}

/** SHA-256 over a bstr's encoding (head + content) without copying the content. */
export function digestOfBstr(crypto: Crypto, content: Uint8Array): Uint8Array {
  return crypto.sha256().update(encodeHead(2, content.length)).update(content).digest();
}

export function checkDigest(crypto: Crypto, expected: SuitDigest, content: Uint8Array, code: string, what: string): void {
  if (expected.alg !== DIGEST_ALG_SHA256) {
    throw new XsuitError('suit-digest-alg', `${what}: digest algorithm ${expected.alg} is not supported`, Reason.algUnsupported);
  }
  if (!constantTimeEqual(digestOfBstr(crypto, content), expected.bytes)) {
    throw new XsuitError(code, `${what}: digest mismatch`, Reason.unauthorised);
  }
}

interface Outer {
  tagged: boolean;
  envelope: Map<CborValue, CborValue>;
  authBytes: Uint8Array | undefined;
  manifestBytes: Uint8Array;
}

function outer(bytes: Uint8Array): Outer {
  let item = decode(bytes, { maxDepth: 16 });
  let tagged = false;
  if (item instanceof CborTag) {
    if (item.tag !== ENVELOPE_TAG) malformed(`tag ${item.tag} is not a SUIT envelope (107)`);
    tagged = true;
    item = item.value;
  }
  if (!(item instanceof Map)) malformed('envelope is not a map');
  const manifestBytes = item.get(Env.manifest);
  if (!(manifestBytes instanceof Uint8Array)) malformed('envelope has no manifest bstr');
  const authBytes = item.get(Env.auth);
  if (authBytes !== undefined && !(authBytes instanceof Uint8Array)) malformed('authentication wrapper is not a bstr');
  return { tagged, envelope: item, authBytes, manifestBytes };
}

function resolveSeverable(crypto: Crypto, o: Outer, m: SuitManifest, verify: boolean): Record<number, SeverableState> {
  const states: Record<number, SeverableState> = {};
  for (const key of SEVERABLE) {
    if (m.sections.has(key)) { states[key] = 'inline'; continue; }
    const digest = m.severedDigests.get(key);
    if (!digest) continue;
    const member = o.envelope.get(key);
    if (member === undefined) { states[key] = 'severed'; continue; }
    if (!(member instanceof Uint8Array)) malformed(`severable member ${key} is not a bstr`);
    if (verify) checkDigest(crypto, digest, member, 'suit-severable-digest', `severable member ${key}`);
    m.sections.set(key, member);
    if (key === Man.text) {
      const text = decode(member);
      if (!(text instanceof Map)) malformed('text member is not a map');
      m.text = text;
    }
    states[key] = 'present';
  }
  return states;
}

/**
 * Every envelope member must mean something: a severed member the manifest has a digest
 * for, or an integrated payload. Anything else (an unknown key, a member the manifest
 * holds inline, a delegation chain we do not process) is rejected rather than ignored,
 * so an envelope cannot carry bytes whose role the processor does not know.
 */
function checkMembers(o: Outer, m: SuitManifest): void {
  for (const k of o.envelope.keys()) {
    if (k === Env.auth || k === Env.manifest || typeof k === 'string') continue;
    if (typeof k === 'number' && (SEVERABLE as number[]).includes(k)) {
      if (!m.severedDigests.has(k)) throw new XsuitError('suit-envelope-member', `envelope member ${k} has no digest in the manifest`, Reason.cborParse);
      continue;
    }
    if (k === 1) throw new XsuitError('suit-delegation-unsupported', 'delegation chains are not supported', Reason.coseUnsupported);
    throw new XsuitError('suit-envelope-member', `unknown envelope member ${String(k)}`, Reason.cborParse);
  }
}

/**
 * A manifest with a command this processor does not implement is rejected as a whole,
 * at authentication time, before any of its sequences could run.
 */
function checkCommands(m: SuitManifest): void {
  if (m.shared) parseSequence(m.shared);
  for (const [key, encoded] of m.sections) {
    if (key !== Man.text && key !== Man.coswid) parseSequence(encoded);
  }
}

function integrated(o: Outer): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of o.envelope) {
    if (typeof k !== 'string') continue;
    if (!(v instanceof Uint8Array)) malformed(`integrated payload ${k} is not a bstr`);
    out.set(k, v);
  }
  return out;
}

/** Authenticates `bytes` under `policy`; throws XsuitError when it is not authentic. */
export function authenticateEnvelope(bytes: Uint8Array, policy: TrustPolicy, crypto: Crypto): AuthenticatedEnvelope {
  const o = outer(bytes);
  if (!o.authBytes) throw new XsuitError('suit-unauthenticated', 'envelope has no authentication wrapper', Reason.unauthorised);
  const wrapper = decode(o.authBytes, { maxDepth: 4 });
  if (!Array.isArray(wrapper) || wrapper.length === 0 || !(wrapper[0] instanceof Uint8Array)) {
    malformed('authentication wrapper is not [digest, *blocks]');
  }
  const digestBstr = wrapper[0];
  const digest = parseDigest(decode(digestBstr, { maxDepth: 4 }), 'manifest digest');
  checkDigest(crypto, digest, o.manifestBytes, 'suit-digest-mismatch', 'manifest');
  if (wrapper.length < 2) throw new XsuitError('suit-unauthenticated', 'no authentication block', Reason.unauthorised);

  const threshold = policy.threshold ?? 1;
  // Keyed by the key material, not the anchor entry: the same key listed twice (under two
  // names or roles) is still one signer, or k-of-n would be 1-of-n in disguise.
  const counted = new Map<string, SignerInfo>();
  let unusable: XsuitError | undefined;
  for (let i = 1; i < wrapper.length; i++) {
    const block = wrapper[i];
    if (!(block instanceof Uint8Array)) malformed(`authentication block ${i} is not a bstr`);
    let r;
    try {
      r = verifyCoseBlock(block, digestBstr, policy.anchors, crypto);
    } catch (e) {
      // A well-formed block this device cannot use (another party's algorithm or key
      // type, a critical header it does not know) simply does not count; it becomes the
      // rejection reason only if too few other blocks verify.
      if (!isXsuitError(e) || !UNUSABLE_BLOCK.has(e.code)) throw e;
      unusable = unusable ?? e;
      continue;
    }
    for (const a of r.verifiedBy) {
      if (policy.roles && !policy.roles.includes(a.role)) continue;
      const signer = `${a.type}:${toHex(a.key)}`;
      if (!counted.has(signer)) counted.set(signer, { name: a.name, role: a.role, kid: a.kid ?? r.kid, alg: r.alg });
    }
  }
  if (counted.size === 0 && unusable) throw unusable;
  if (counted.size === 0) throw new XsuitError('suit-unauthorised', 'no authentication block verifies with a trusted key', Reason.unauthorised);
  if (counted.size < threshold) {
    throw new XsuitError('suit-threshold', `${counted.size} of the ${threshold} required distinct signers verified`, Reason.unauthorised);
  }
  const manifest = parseManifest(o.manifestBytes);
  checkMembers(o, manifest);
  const severable = resolveSeverable(crypto, o, manifest, true);
  checkCommands(manifest);
  return {
    tagged: o.tagged, bytes, envelope: o.envelope, manifestBytes: o.manifestBytes,
    manifestDigest: digest.bytes, manifest, sequence: manifest.sequence, signers: [...counted.values()],
    components: manifest.components, severable, integrated: integrated(o),
  };
}

export interface ParsedEnvelope extends Omit<AuthenticatedEnvelope, 'signers' | 'manifestDigest'> {
  /** the digest the wrapper claims (not checked) and the one computed */
  claimedDigest: SuitDigest | undefined;
  computedDigest: Uint8Array;
  authBlocks: Uint8Array[];
}

/** Structure only, NOT authenticated: for inspection tools. Severable digests are not enforced. */
export function parseEnvelope(bytes: Uint8Array, crypto: Crypto): ParsedEnvelope {
  const o = outer(bytes);
  let claimedDigest: SuitDigest | undefined;
  const authBlocks: Uint8Array[] = [];
  if (o.authBytes) {
    const wrapper = decode(o.authBytes);
    if (Array.isArray(wrapper) && wrapper[0] instanceof Uint8Array) {
      claimedDigest = parseDigest(decode(wrapper[0]), 'manifest digest');
      for (const b of wrapper.slice(1)) if (b instanceof Uint8Array) authBlocks.push(b);
    }
  }
  const manifest = parseManifest(o.manifestBytes);
  const severable = resolveSeverable(crypto, o, manifest, false);
  return {
    tagged: o.tagged, bytes, envelope: o.envelope, manifestBytes: o.manifestBytes, manifest,
    sequence: manifest.sequence, components: manifest.components, severable, integrated: integrated(o),
    claimedDigest, computedDigest: digestOfBstr(crypto, o.manifestBytes), authBlocks,
  };
}
