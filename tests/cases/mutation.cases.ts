// Mutation sweeps over signed vectors: every single-byte change (three flips per byte,
// and every value for the leading structural bytes) and every truncation must be
// rejected with a typed XsuitError, or, if accepted, be proved to mean the same thing
// (the authenticated manifest and every member byte-identical). Plus bombs inside a
// validly signed envelope.
import { defineCases } from '../harness/device-case';
import { judge, setup, summary } from './mutation-support';
import { ok, throwsCode } from '../harness/check';
import { authenticateEnvelope, runProcedure } from '../../modules/suit/index';
import { isXsuitError } from '../../modules/errors/errors';
import { encode, CborRaw, type CborValue } from '../../modules/cbor/index';
import { ed25519 } from '@noble/curves/ed25519.js';
import { anchorFor, vector } from './vectors-support';
import { buildEnvelope, ed25519Signer, hmacSigner, simpleManifest } from './suit-build-support';
import { DIGEST_A, recordingPlatform } from './suit-platform-support';

const SWEPT: [string, string][] = [
  ['draft37/example0_signed.cbor', 'keys/draft_appendixB_p256_public.pem'],
  ['draft37/example2_signed_full.cbor', 'keys/draft_appendixB_p256_public.pem'],
  ['libcsuit/suit_manifest_expAW.cbor', 'hmac:keys/libcsuit_hmac256.hex'],
  ['trust-domains/example0_dependent.cbor', 'keys/draft_appendixB_p256_public.pem'],
];

export default defineCases('SUIT mutation sweeps and bombs', (add) => {
  for (const [file, key] of SWEPT) {
    add(`${file}: every byte flipped (xor 01, 80, ff)`, (env) => {
      const { env: cenv, bytes, policy, original, tally } = setup(env, file, key);
      for (let i = 0; i < bytes.length; i++) {
        for (const x of [0x01, 0x80, 0xff]) {
          const m = bytes.slice();
          m[i] ^= x;
          judge(m, policy, cenv, original, `byte ${i} ^ ${x}`, tally);
        }
      }
      ok(tally.rejected > 0, 'something was rejected');
      summary(env, file, tally);
    });
    add(`${file}: every truncation and one-byte extension`, (env) => {
      const { env: cenv, bytes, policy, original, tally } = setup(env, file, key);
      for (let n = 0; n < bytes.length; n++) judge(bytes.subarray(0, n), policy, cenv, original, `truncated to ${n}`, tally);
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      judge(longer, policy, cenv, original, 'one trailing byte', tally);
      ok(tally.sameMeaning === 0, 'no truncation is accepted');
      summary(env, `${file} truncations`, tally);
    });
  }

  add('example0_signed: every value of each of the first 24 bytes (envelope, wrapper and digest heads)', (env) => {
    const { env: cenv, bytes, policy, original, tally } = setup(env, SWEPT[0][0], SWEPT[0][1]);
    for (let i = 0; i < 24; i++) {
      for (let v = 0; v < 256; v++) {
        if (v === bytes[i]) continue;
        const m = bytes.slice();
        m[i] = v;
        judge(m, policy, cenv, original, `byte ${i} = ${v}`, tally);
      }
    }
    summary(env, 'example0 head bytes', tally);
  });

  const SECRET = new Uint8Array(32).fill(3);
  const anchors = () => ({ anchors: [{ name: 'ed', role: 'author' as const, type: 'ed25519' as const, key: ed25519.getPublicKey(SECRET) }] });

  add('signed bombs: deeply nested try-each and run-sequence are refused at authentication', (env) => {
    let seq: CborValue[] = [23, 2];
    for (let i = 0; i < 40; i++) seq = [15, [encode(seq), null]];
    const e = throwsCode(() => authenticateEnvelope(buildEnvelope(simpleManifest(1, [[9, seq]]), [ed25519Signer(SECRET)]), anchors(), env.crypto), 'suit-malformed', 'nested try-each');
    ok(e.reason === 1, 'cbor-parse reason');
    let rs: CborValue[] = [23, 2];
    for (let i = 0; i < 40; i++) rs = [32, encode(rs)];
    throwsCode(() => authenticateEnvelope(buildEnvelope(simpleManifest(1, [[9, rs]]), [ed25519Signer(SECRET)]), anchors(), env.crypto), 'suit-malformed', 'nested run-sequence');
  });

  add('signed bombs: huge command and component lists hit the item limit; an unknown command rejects the manifest', async (env) => {
    const many: CborValue[] = [];
    for (let i = 0; i < 20000; i++) many.push(23, 2);
    throwsCode(() => authenticateEnvelope(buildEnvelope(simpleManifest(1, [[9, many]]), [ed25519Signer(SECRET)]), anchors(), env.crypto), 'cbor-too-many-items', 'long sequence');
    const comps: CborValue[] = [];
    for (let i = 0; i < 9000; i++) comps.push([new Uint8Array([i & 255])]);
    throwsCode(() => authenticateEnvelope(buildEnvelope(simpleManifest(1, [[9, [23, 2]]], undefined, comps), [ed25519Signer(SECRET)]), anchors(), env.crypto), 'cbor-too-many-items');
    for (const sections of [[[9, [23, 2, 99, 0]]], [[20, [15, [encode([23, 2]), encode([98, 0])]]]], [[7, [32, encode([1, 15, 97, 15])]]]] as [number, CborValue[]][][]) {
      const e = throwsCode(() => authenticateEnvelope(buildEnvelope(simpleManifest(1, sections), [ed25519Signer(SECRET)]), anchors(), env.crypto), 'suit-command-unsupported');
      ok(e.reason === 5, 'command-unsupported reason');
    }
    // the interpreter checks again on its own (defence in depth): a sequence with an
    // unknown command never starts, so the invoke before it does not happen
    const auth = authenticateEnvelope(buildEnvelope(simpleManifest(1, [[9, [23, 2]]]), [ed25519Signer(SECRET)]), anchors(), env.crypto);
    auth.manifest.sections.set(9, encode([23, 2, 99, 0]));
    const pf = recordingPlatform({});
    const r = await runProcedure(auth, 'invoke-only', pf);
    ok(!r.ok && r.reason === 5, `unknown command at run time: ${r.error?.code}`);
    ok(pf.invoked.length === 0, 'the invoke before the unknown command did not run');
  });

  add('unsigned length bombs in the envelope fail in the decoder', (env) => {
    const policy = { anchors: [anchorFor(env, 'keys/draft_appendixB_p256_public.pem')] };
    for (const hex of ['d86ba2025bffffffffffffffff', 'd86ba1035a7fffffff00', 'd86bba7fffffff', 'd86b9b00000001000000000000']) {
      const bytes = new Uint8Array(hex.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
      const e = throwsCode(() => authenticateEnvelope(bytes, policy, env.crypto), 'cbor-length', hex);
      ok(e.reason === 1, 'cbor-parse');
    }
  });

  add('re-signed manifest mutants (example 3, 4, expU0, S3): the interpreter only ever fails with typed errors', async (env) => {
    const key = new Uint8Array(32).fill(0x33);
    const policy = { anchors: [{ name: 'mac', role: 'author' as const, type: 'hmac256' as const, key }] };
    let ran = 0;
    let failed = 0;
    for (const file of ['draft37/example3_signed.cbor', 'draft37/example4_signed.cbor', 'libcsuit/suit_manifest_expU0.cbor', 'libcsuit/suit_manifest_expS3.cbor']) {
      const original = authenticateEnvelope(vector(env, file), { anchors: [anchorFor(env, 'keys/draft_appendixB_p256_public.pem')] }, env.crypto);
      const manifest = original.manifestBytes;
      const extra: [CborValue, CborValue][] = [...original.integrated];
      for (let i = 0; i < manifest.length; i++) {
        for (const x of [0x01, 0xff]) {
          const m = manifest.slice();
          m[i] ^= x;
          let auth;
          try {
            auth = authenticateEnvelope(buildEnvelope(new CborRaw(m), [hmacSigner(key)], extra), policy, env.crypto);
          } catch (e) {
            ok(isXsuitError(e), `${file} manifest byte ${i}^${x}: untyped ${String(e)}`);
            continue;
          }
          for (const proc of ['update', 'invoke'] as const) {
            const r = await runProcedure(auth, proc, recordingPlatform({ writableSlot: 1, digests: { 0: DIGEST_A } }), { policy, crypto: env.crypto });
            ran++;
            if (!r.ok) {
              failed++;
              ok(isXsuitError(r.error) && r.reason > 0 && r.error.code !== 'suit-platform-error', `${file} ${i}^${x} ${proc}: ${r.error?.code} ${r.error?.message}`);
            }
          }
        }
      }
    }
    ok(ran > 100 && failed > 0, `procedures run: ${ran}, failed: ${failed}`);
    env.log(`re-signed manifest mutants: ${ran} procedure runs, ${failed} typed failures`);
  });
});
