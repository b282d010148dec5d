// COSE_Sign1 / COSE_Mac0 verification through the envelope: every algorithm, key/alg
// mismatches, critical headers, key ids, k-of-n distinct signers and roles.
import { defineCases } from '../harness/device-case';
import { equal, throwsCode } from '../harness/check';
import { authenticateEnvelope } from '../../modules/suit/index';
import type { TrustAnchor } from '../../modules/trust/anchors';
import { encode, CborTag, decode, type CborValue } from '../../modules/cbor/index';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { buildEnvelope, coseBlock, ed25519Signer, hmacSigner, manifestDigest, p256Signer, simpleManifest, type Signer } from './suit-build-support';

const ED_SECRET = new Uint8Array(32).fill(7);
const ED_PUB = ed25519.getPublicKey(ED_SECRET);
const P_SECRET = new Uint8Array(32).fill(9);
const P_PUB = p256.getPublicKey(P_SECRET, false);
const MAC_KEY = new Uint8Array(32).fill(0x42);

const edAnchor: TrustAnchor = { name: 'ed', role: 'author', type: 'ed25519', key: ED_PUB };
const pAnchor: TrustAnchor = { name: 'p256', role: 'operator', type: 'p256', key: P_PUB };
const macAnchor: TrustAnchor = { name: 'mac', role: 'author', type: 'hmac256', key: MAC_KEY };

const MANIFEST = simpleManifest(7, [[9, [23, 2]]]);

export default defineCases('COSE verification and trust policy', (add) => {
  add('Ed25519 (EdDSA -8 and Ed25519 -19) envelopes verify with the right key only', (env) => {
    for (const alg of [-8, -19]) {
      const bytes = buildEnvelope(MANIFEST, [ed25519Signer(ED_SECRET, alg)]);
      const a = authenticateEnvelope(bytes, { anchors: [edAnchor] }, env.crypto);
      equal(a.sequence, 7, 'sequence');
      equal(a.signers[0].alg, alg, 'alg');
      const other = { ...edAnchor, key: ed25519.getPublicKey(new Uint8Array(32).fill(8)) };
      throwsCode(() => authenticateEnvelope(bytes, { anchors: [other] }, env.crypto), 'suit-unauthorised');
      const flipped: Signer = { ...ed25519Signer(ED_SECRET, alg), sign: (m) => { const sig = ed25519.sign(m, ED_SECRET); sig[5] ^= 1; return sig; } };
      throwsCode(() => authenticateEnvelope(buildEnvelope(MANIFEST, [flipped]), { anchors: [edAnchor] }, env.crypto), 'suit-unauthorised', 'flipped signature bit');
    }
  });

  add('ES256 and ESP256 envelopes signed in the test verify', (env) => {
    for (const alg of [-7, -9]) {
      const bytes = buildEnvelope(MANIFEST, [p256Signer(P_SECRET, alg)]);
      equal(authenticateEnvelope(bytes, { anchors: [pAnchor] }, env.crypto).signers[0].name, 'p256');
    }
  });

  add('HMAC-256 COSE_Mac0 verifies; a wrong secret does not', (env) => {
    const bytes = buildEnvelope(MANIFEST, [hmacSigner(MAC_KEY)]);
    equal(authenticateEnvelope(bytes, { anchors: [macAnchor] }, env.crypto).signers[0].alg, 5);
    throwsCode(() => authenticateEnvelope(bytes, { anchors: [{ ...macAnchor, key: new Uint8Array(32) }] }, env.crypto), 'suit-unauthorised');
  });

  add('alg/key and alg/structure mismatches are rejected with alg-unsupported', (env) => {
    const mac = buildEnvelope(MANIFEST, [hmacSigner(MAC_KEY)]);
    equal(throwsCode(() => authenticateEnvelope(mac, { anchors: [pAnchor, edAnchor] }, env.crypto), 'cose-alg-key-mismatch').reason, 3);
    const es = buildEnvelope(MANIFEST, [p256Signer(P_SECRET)]);
    throwsCode(() => authenticateEnvelope(es, { anchors: [macAnchor] }, env.crypto), 'cose-alg-key-mismatch', 'ES256 with only an HMAC secret');
    const macInSign1: Signer = { ...hmacSigner(MAC_KEY), kind: 'sign1' };
    throwsCode(() => authenticateEnvelope(buildEnvelope(MANIFEST, [macInSign1]), { anchors: [macAnchor] }, env.crypto), 'cose-alg-structure-mismatch');
    const edInMac0: Signer = { ...ed25519Signer(ED_SECRET), kind: 'mac0' };
    throwsCode(() => authenticateEnvelope(buildEnvelope(MANIFEST, [edInMac0]), { anchors: [edAnchor] }, env.crypto), 'cose-alg-structure-mismatch');
  });

  add('unknown algorithms are rejected', (env) => {
    for (const alg of [-35, -36, -37, 6, 0]) {
      const s: Signer = { ...p256Signer(P_SECRET), alg };
      const e = throwsCode(() => authenticateEnvelope(buildEnvelope(MANIFEST, [s]), { anchors: [pAnchor] }, env.crypto), 'cose-unsupported-alg', `alg ${alg}`);
      equal(e.reason, 3);
    }
  });

  add('critical headers: unknown labels rejected, understood ones accepted', (env) => {
    const unknown: Signer = { ...ed25519Signer(ED_SECRET), crit: [99], extraProtected: [[99, 1]] };
    throwsCode(() => authenticateEnvelope(buildEnvelope(MANIFEST, [unknown]), { anchors: [edAnchor] }, env.crypto), 'cose-unknown-critical');
    const textLabel: Signer = { ...ed25519Signer(ED_SECRET), crit: ['x'], extraProtected: [] };
    throwsCode(() => authenticateEnvelope(buildEnvelope(MANIFEST, [textLabel]), { anchors: [edAnchor] }, env.crypto), 'cose-unknown-critical');
    const known: Signer = { ...ed25519Signer(ED_SECRET), crit: [3], extraProtected: [[3, 'application/suit']] };
    equal(authenticateEnvelope(buildEnvelope(MANIFEST, [known]), { anchors: [edAnchor] }, env.crypto).signers.length, 1);
    const empty: Signer = { ...ed25519Signer(ED_SECRET), crit: [] };
    throwsCode(() => authenticateEnvelope(buildEnvelope(MANIFEST, [empty]), { anchors: [edAnchor] }, env.crypto), 'cose-bad-header');
  });

  add('key ids select anchors; a kid that matches no anchor verifies nothing', (env) => {
    const kid = new Uint8Array([1, 2, 3]);
    const bytes = buildEnvelope(MANIFEST, [{ ...ed25519Signer(ED_SECRET), kid }]);
    equal(authenticateEnvelope(bytes, { anchors: [{ ...edAnchor, kid }] }, env.crypto).signers.length, 1);
    equal(authenticateEnvelope(bytes, { anchors: [edAnchor] }, env.crypto).signers.length, 1, 'anchor without kid');
    throwsCode(() => authenticateEnvelope(bytes, { anchors: [{ ...edAnchor, kid: new Uint8Array([9]) }] }, env.crypto), 'suit-unauthorised');
  });

  add('k-of-n: distinct trusted signers counted once each; roles filter', (env) => {
    const both = buildEnvelope(MANIFEST, [ed25519Signer(ED_SECRET), p256Signer(P_SECRET)]);
    const policy = { anchors: [edAnchor, pAnchor], threshold: 2 };
    equal(authenticateEnvelope(both, policy, env.crypto).signers.length, 2, 'two signers');
    const twice = buildEnvelope(MANIFEST, [ed25519Signer(ED_SECRET), ed25519Signer(ED_SECRET, -19)]);
    throwsCode(() => authenticateEnvelope(twice, policy, env.crypto), 'suit-threshold', 'one key twice');
    throwsCode(() => authenticateEnvelope(both, { ...policy, threshold: 3 }, env.crypto), 'suit-threshold');
    throwsCode(() => authenticateEnvelope(both, { anchors: [edAnchor, pAnchor], roles: ['operator'], threshold: 2 }, env.crypto), 'suit-threshold', 'only operator counts');
    equal(authenticateEnvelope(both, { anchors: [edAnchor, pAnchor], roles: ['operator'] }, env.crypto).signers[0].role, 'operator');
    const oneBad = buildEnvelope(MANIFEST, [ed25519Signer(new Uint8Array(32).fill(1)), p256Signer(P_SECRET)]);
    throwsCode(() => authenticateEnvelope(oneBad, policy, env.crypto), 'suit-threshold', 'an untrusted signer does not count');
  });

  add('structure faults: untagged COSE, alg unprotected, non-detached payload, no wrapper', (env) => {
    const m = encode(MANIFEST);
    const digest = manifestDigest(m);
    const envelopeWith = (blocks: Uint8Array[]) => encode(new CborTag(107, new Map<CborValue, CborValue>([[2, encode([digest, ...blocks])], [3, m]])));
    const good = coseBlock(digest, ed25519Signer(ED_SECRET));
    const parts = (decode(good) as CborTag).value as CborValue[];
    throwsCode(() => authenticateEnvelope(envelopeWith([encode(parts)]), { anchors: [edAnchor] }, env.crypto), 'cose-unsupported-structure');
    const unprotAlg = encode(new CborTag(18, [parts[0], new Map<CborValue, CborValue>([[1, -8]]), null, parts[3]]));
    throwsCode(() => authenticateEnvelope(envelopeWith([unprotAlg]), { anchors: [edAnchor] }, env.crypto), 'cose-bad-header');
    const withPayload = encode(new CborTag(18, [parts[0], parts[1], new Uint8Array([1]), parts[3]]));
    throwsCode(() => authenticateEnvelope(envelopeWith([withPayload]), { anchors: [edAnchor] }, env.crypto), 'cose-payload-not-detached');
    const samePayload = encode(new CborTag(18, [parts[0], parts[1], digest, parts[3]]));
    equal(authenticateEnvelope(envelopeWith([samePayload]), { anchors: [edAnchor] }, env.crypto).signers.length, 1, 'attached digest accepted');
    const noWrapper = encode(new CborTag(107, new Map<CborValue, CborValue>([[3, m]])));
    throwsCode(() => authenticateEnvelope(noWrapper, { anchors: [edAnchor] }, env.crypto), 'suit-unauthenticated');
    const wrongTag = encode(new CborTag(108, new Map<CborValue, CborValue>([[3, m]])));
    throwsCode(() => authenticateEnvelope(wrongTag, { anchors: [edAnchor] }, env.crypto), 'suit-malformed');
  });

  add('a block this device cannot use does not count, but does not spoil the blocks that verify', (env) => {
    const mixed = buildEnvelope(MANIFEST, [hmacSigner(MAC_KEY), { ...p256Signer(P_SECRET), alg: -35 }, ed25519Signer(ED_SECRET)]);
    const a = authenticateEnvelope(mixed, { anchors: [edAnchor] }, env.crypto);
    equal(a.signers.length, 1, 'the Ed25519 block counts');
    const e = throwsCode(() => authenticateEnvelope(mixed, { anchors: [edAnchor], threshold: 2 }, env.crypto), 'suit-threshold');
    equal(e.reason, 4, 'unauthorised');
    const onlyUnusable = buildEnvelope(MANIFEST, [hmacSigner(MAC_KEY), { ...ed25519Signer(ED_SECRET), crit: [77], extraProtected: [[77, 0]] }]);
    throwsCode(() => authenticateEnvelope(onlyUnusable, { anchors: [edAnchor] }, env.crypto), 'cose-alg-key-mismatch', 'first unusable block explains the rejection');
  });
});
