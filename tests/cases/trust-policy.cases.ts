// k-of-n counts signers, not trust-store entries: one key listed twice is one signer.
import { defineCases } from '../harness/device-case';
import { equal, throwsCode } from '../harness/check';
import { authenticateEnvelope } from '../../modules/suit/index';
import type { TrustAnchor } from '../../modules/trust/anchors';
import { ed25519 } from '@noble/curves/ed25519.js';
import { buildEnvelope, ed25519Signer, simpleManifest } from './suit-build-support';

const SECRET_A = new Uint8Array(32).fill(3);
const SECRET_B = new Uint8Array(32).fill(4);
const A: TrustAnchor = { name: 'alice', role: 'author', type: 'ed25519', key: ed25519.getPublicKey(SECRET_A) };
const A_AGAIN: TrustAnchor = { name: 'alice-copy', role: 'operator', type: 'ed25519', key: ed25519.getPublicKey(SECRET_A).slice() };
const B: TrustAnchor = { name: 'bob', role: 'operator', type: 'ed25519', key: ed25519.getPublicKey(SECRET_B) };
const MANIFEST = simpleManifest(3, [[9, [23, 2]]]);

export default defineCases('trust policy counts distinct keys', (add) => {
  add('the same key in the trust store twice does not satisfy 2-of-n with one signature', (env) => {
    const one = buildEnvelope(MANIFEST, [ed25519Signer(SECRET_A, -8)]);
    throwsCode(() => authenticateEnvelope(one, { anchors: [A, A_AGAIN], threshold: 2 }, env.crypto), 'suit-threshold', 'duplicate anchor');
    const twice = buildEnvelope(MANIFEST, [ed25519Signer(SECRET_A, -8), ed25519Signer(SECRET_A, -19)]);
    throwsCode(() => authenticateEnvelope(twice, { anchors: [A, A_AGAIN], threshold: 2 }, env.crypto), 'suit-threshold', 'two blocks, one key');
  });

  add('two different keys satisfy 2-of-n, each signer reported once', (env) => {
    const both = buildEnvelope(MANIFEST, [ed25519Signer(SECRET_A, -8), ed25519Signer(SECRET_B, -8)]);
    const auth = authenticateEnvelope(both, { anchors: [A, A_AGAIN, B], threshold: 2 }, env.crypto);
    equal(auth.signers.length, 2, 'signers');
  });
});
