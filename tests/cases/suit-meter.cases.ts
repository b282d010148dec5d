// Cost of verification on XS: each case performs exactly one authenticateEnvelope so the
// harness's per-case XS meter (compute, allocate) is the cost of that verification.
// Inputs are prepared outside the measured cases (at load time or in a setup case).
import { defineCases } from '../harness/device-case';
import { equal, ok } from '../harness/check';
import { authenticateEnvelope } from '../../modules/suit/index';
import type { TrustAnchor } from '../../modules/trust/anchors';
import { ed25519 } from '@noble/curves/ed25519.js';
import { encode, type CborValue } from '../../modules/cbor/index';
import { anchorFor, vector } from './vectors-support';
import { buildEnvelope, ed25519Signer, simpleManifest } from './suit-build-support';
import { DIGEST_A } from './suit-platform-support';

const SECRET = new Uint8Array(32).fill(11);
const ED_ANCHOR: TrustAnchor = { name: 'ed', role: 'author', type: 'ed25519', key: ed25519.getPublicKey(SECRET) };

let ready: { es256: Uint8Array; k1: TrustAnchor; hmac: Uint8Array; k3: TrustAnchor; ed: Uint8Array } | undefined;

export default defineCases('SUIT verification cost', (add) => {
  add('setup: read example0, expAW and keys; sign an Ed25519 envelope like example 0', (env) => {
    const shared: CborValue[] = [20, new Map<CborValue, CborValue>([[3, encode([-16, DIGEST_A])], [14, 34768]]), 1, 15, 2, 15];
    ready = {
      es256: vector(env, 'draft37/example0_signed.cbor'),
      k1: anchorFor(env, 'keys/draft_appendixB_p256_public.pem'),
      hmac: vector(env, 'libcsuit/suit_manifest_expAW.cbor'),
      k3: anchorFor(env, 'hmac:keys/libcsuit_hmac256.hex'),
      ed: buildEnvelope(simpleManifest(0, [[7, [3, 15]], [9, [23, 2]]], shared), [ed25519Signer(SECRET, -19)]),
    };
  });
  add('verify example 0 (ES256, P-256)', (env) => {
    ok(ready, 'setup ran');
    equal(authenticateEnvelope(ready.es256, { anchors: [ready.k1] }, env.crypto).sequence, 0);
  });
  add('verify an Ed25519-signed envelope (alg -19)', (env) => {
    ok(ready, 'setup ran');
    equal(authenticateEnvelope(ready.ed, { anchors: [ED_ANCHOR] }, env.crypto).signers[0].alg, -19);
  });
  add('verify libcsuit expAW (HMAC-256 COSE_Mac0)', (env) => {
    ok(ready, 'setup ran');
    equal(authenticateEnvelope(ready.hmac, { anchors: [ready.k3] }, env.crypto).sequence, 1);
  });
});
