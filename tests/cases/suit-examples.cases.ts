// The draft's Appendix B examples run through the interpreter with a recording platform:
// the actions taken (fetch URIs, slots tried, copies, invoke) are what each example
// describes, and image-match passes with the right digest only.
import { defineCases, type CaseEnv } from '../harness/device-case';
import { deepEqual, equal, ok } from '../harness/check';
import { authenticateEnvelope, runProcedure, type AuthenticatedEnvelope } from '../../modules/suit/index';
import { Reason } from '../../modules/report/reasons';
import { anchorFor, vector } from './vectors-support';
import { CLASS, DIGEST_A, DIGEST_B, recordingPlatform } from './suit-platform-support';

const K1 = 'keys/draft_appendixB_p256_public.pem';

function load(env: CaseEnv, name: string): AuthenticatedEnvelope {
  return authenticateEnvelope(vector(env, `draft37/${name}.cbor`), { anchors: [anchorFor(env, K1)] }, env.crypto);
}

export default defineCases('SUIT draft examples through the interpreter', (add) => {
  add('example 0 (secure boot): validate + invoke with the right digest', async (env) => {
    const pf = recordingPlatform({ digests: { 0: DIGEST_A } });
    const r = await runProcedure(load(env, 'example0_signed'), 'invoke', pf);
    ok(r.ok, `invoke procedure failed: ${r.error?.message}`);
    deepEqual(pf.invoked, [0], 'invoked');
    deepEqual(pf.fetched, [], 'no fetch');
    deepEqual(r.sectionsRun, [7, 9], 'validate then invoke');
    equal(r.report.result, true, 'report result');
  });

  add('example 0: image-match fails for every other digest (each byte changed) and nothing is invoked', async (env) => {
    const auth = load(env, 'example0_signed');
    for (let i = 0; i < DIGEST_A.length; i++) {
      const wrong = DIGEST_A.slice();
      wrong[i] ^= 0x80;
      const pf = recordingPlatform({ digests: { 0: wrong } });
      const r = await runProcedure(auth, 'invoke', pf);
      ok(!r.ok, `digest with byte ${i} changed matched`);
      equal(r.reason, Reason.conditionFailed, 'reason');
      equal(r.error?.code, 'suit-condition-failed', 'code');
      deepEqual(pf.invoked, [], 'invoked');
      ok(r.report.result !== true && r.report.result.code === 3, 'report names condition-image-match');
    }
    const none = await runProcedure(auth, 'invoke', recordingPlatform({}));
    ok(!none.ok, 'an empty component does not match');
  });

  add('example 0: a foreign vendor or class is refused before anything runs', async (env) => {
    const auth = load(env, 'example0_signed');
    const pf = recordingPlatform({ digests: { 0: DIGEST_A } });
    pf.identity = { vendorId: CLASS, classId: CLASS };
    const r = await runProcedure(auth, 'invoke', pf);
    equal(r.reason, Reason.conditionFailed, 'reason');
    deepEqual(pf.invoked, [], 'invoked');
  });

  add('example 1 (download + install): fetches file.bin then validates', async (env) => {
    const pf = recordingPlatform({ served: { 'http://example.com/file.bin': DIGEST_A } });
    const r = await runProcedure(load(env, 'example1_signed'), 'update', pf);
    ok(r.ok, `update failed: ${r.error?.message}`);
    deepEqual(pf.fetched, ['http://example.com/file.bin'], 'fetched');
    deepEqual(r.sectionsRun, [20, 7], 'install then validate');
    const bad = recordingPlatform({ served: { 'http://example.com/file.bin': DIGEST_B } });
    const r2 = await runProcedure(load(env, 'example1_signed'), 'update', bad);
    equal(r2.reason, Reason.conditionFailed, 'a payload with another digest is refused');
  });

  add('example 2 (severable): full envelope installs from the long URI; severed one cannot update but can boot', async (env) => {
    const pf = recordingPlatform({ served: { 'http://example.com/very/long/path/to/file/file.bin': DIGEST_A } });
    const full = load(env, 'example2_signed_full');
    const r = await runProcedure(full, 'update', pf);
    ok(r.ok, `update failed: ${r.error?.message}`);
    deepEqual(pf.fetched, ['http://example.com/very/long/path/to/file/file.bin'], 'fetched');
    ok(full.manifest.text instanceof Map, 'text member decoded');
    const severed = load(env, 'example2_signed_severed');
    const r2 = await runProcedure(severed, 'update', recordingPlatform({}));
    equal(r2.reason, Reason.severingUnsupported, 'severed install');
    equal(r2.error?.code, 'suit-severed-missing', 'code');
    const boot = recordingPlatform({ digests: { 0: DIGEST_A } });
    ok((await runProcedure(severed, 'invoke', boot)).ok, 'severed envelope still boots');
    deepEqual(boot.invoked, [0], 'invoked');
  });

  add('example 3 (A/B): tries slot 0 then slot 1 and fetches file2.bin for slot 1', async (env) => {
    const pf = recordingPlatform({ writableSlot: 1, served: { 'http://example.com/file2.bin': DIGEST_B } });
    const r = await runProcedure(load(env, 'example3_signed'), 'update', pf);
    ok(r.ok, `update failed: ${r.error?.message}`);
    deepEqual(pf.fetched, ['http://example.com/file2.bin'], 'fetched');
    deepEqual(pf.slotsTried.slice(0, 4), [0, 1, 0, 1], 'slots tried (shared, then install)');
  });

  add('example 3: slot 0 writable fetches file1.bin with the slot-0 digest; no slot fails', async (env) => {
    const pf = recordingPlatform({ writableSlot: 0, served: { 'http://example.com/file1.bin': DIGEST_A } });
    const r = await runProcedure(load(env, 'example3_signed'), 'update', pf);
    ok(r.ok, `update failed: ${r.error?.message}`);
    deepEqual(pf.fetched, ['http://example.com/file1.bin'], 'fetched');
    deepEqual(pf.slotsTried.slice(0, 2), [0, 0], 'first option taken twice');
    const none = recordingPlatform({});
    const r2 = await runProcedure(load(env, 'example3_signed'), 'update', none);
    equal(r2.reason, Reason.conditionFailed, 'try-each exhausted');
    deepEqual(none.fetched, [], 'nothing fetched');
  });

  add('example 4 (load from external storage): fetch into [02], copy to [00], load into [01], invoke [01]', async (env) => {
    const auth = load(env, 'example4_signed');
    const pf = recordingPlatform({ served: { 'http://example.com/file.bin': DIGEST_A }, copyResult: { 2: DIGEST_B } });
    const up = await runProcedure(auth, 'update', pf);
    ok(up.ok, `update failed: ${up.error?.message}`);
    deepEqual(pf.log, ['fetch 1 http://example.com/file.bin', 'copy 1->0'], 'update actions');
    const boot = await runProcedure(auth, 'invoke', pf);
    ok(boot.ok, `invoke failed: ${boot.error?.message}`);
    deepEqual(pf.log.slice(2), ['copy 0->2', 'invoke 2'], 'boot actions');
  });

  add('example 5 (two images): fetches both, validates both, invokes component 0', async (env) => {
    const auth = load(env, 'example5_signed');
    const pf = recordingPlatform({ served: { 'http://example.com/file1.bin': DIGEST_A, 'http://example.com/file2.bin': DIGEST_B } });
    const up = await runProcedure(auth, 'update', pf);
    ok(up.ok, `update failed: ${up.error?.message}`);
    deepEqual(pf.fetched, ['http://example.com/file1.bin', 'http://example.com/file2.bin'], 'fetched');
    const boot = await runProcedure(auth, 'invoke', pf);
    ok(boot.ok, `invoke failed: ${boot.error?.message}`);
    deepEqual(pf.invoked, [0], 'invoked');
    pf.digests.set(1, DIGEST_A);
    const r = await runProcedure(auth, 'invoke', pf);
    equal(r.reason, Reason.conditionFailed, 'second image wrong');
    ok(r.report.result !== true && r.report.result.record?.componentIndex === 1, 'report points at component 1');
    deepEqual(pf.invoked, [0], 'not invoked again');
  });
});
