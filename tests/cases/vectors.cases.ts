// Every conformance vector in ../shared/suit-vectors behaves as expected.jsonl says:
// authentic ones verify with the listed key (and carry the listed sequence number,
// digest and components), the others are rejected with a typed error.
import { defineCases } from '../harness/device-case';
import { deepEqual, equal, ok } from '../harness/check';
import { isXsuitError } from '../../modules/errors/errors';
import { authenticateEnvelope } from '../../modules/suit/index';
import { toHex } from '../../modules/bytes/hex';
import { anchorFor, expectedVectors, vector, VECTOR_FILES } from './vectors-support';

export default defineCases('SUIT conformance vectors', (add) => {
  add('expected.jsonl lists exactly the 47 vectors (37 valid, 10 rejected)', (env) => {
    const exp = expectedVectors(env);
    deepEqual(exp.map((e) => e.file).sort(), [...VECTOR_FILES].sort(), 'files');
    equal(exp.filter((e) => e.ok).length, 37, 'valid count');
  });
  for (const file of VECTOR_FILES) {
    add(file, (env) => {
      const exp = expectedVectors(env).find((e) => e.file === file);
      ok(exp, `${file} in expected.jsonl`);
      const bytes = vector(env, file);
      const policy = { anchors: [anchorFor(env, exp.key)] };
      let auth;
      try {
        auth = authenticateEnvelope(bytes, policy, env.crypto);
      } catch (e) {
        ok(isXsuitError(e), `untyped error ${String(e)}`);
        ok(!exp.ok, `${file} must verify but was rejected: ${(e as Error).message}`);
        ok(e.reason > 0, 'a rejection carries a SUIT report reason');
        return;
      }
      ok(exp.ok, `${file} must be rejected but verified`);
      equal(auth.sequence, exp.seq, 'sequence');
      equal(auth.tagged, exp.tagged, 'tagged');
      equal(toHex(auth.manifestDigest), exp.manifestDigest, 'manifest digest');
      deepEqual(auth.components.map((c) => c.map(toHex)), exp.components, 'components');
      equal(auth.signers.length, 1, 'signers');
      for (const [key, state] of Object.entries(exp.severable)) {
        const want = state.startsWith('present') ? 'present' : state.startsWith('severed') ? 'severed' : 'inline';
        equal(auth.severable[Number(key)], want, `severable ${key}`);
      }
    });
  }
});
