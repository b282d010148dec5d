// Interpreter semantics beyond the draft's examples: try-each with nil, soft failure,
// component index forms, update-management conditions, integrated payloads, trust-domains
// dependencies, reporting policy and the encoded SUIT_Report.
import { defineCases, type CaseEnv } from '../harness/device-case';
import { bytesEqual, deepEqual, equal, ok } from '../harness/check';
import { authenticateEnvelope, runProcedure, type AuthenticatedEnvelope } from '../../modules/suit/index';
import { Reason } from '../../modules/report/reasons';
import { decode, encode, type CborValue } from '../../modules/cbor/index';
import { fromHex } from '../../modules/bytes/hex';
import { utf8Encode } from '../../modules/bytes/utf8';
import { ed25519 } from '@noble/curves/ed25519.js';
import { anchorFor, vector } from './vectors-support';
import { buildEnvelope, ed25519Signer, simpleManifest } from './suit-build-support';
import { CLASS, DIGEST_A, VENDOR, recordingPlatform, type RecordingOptions } from './suit-platform-support';

const K1 = 'keys/draft_appendixB_p256_public.pem';
const SECRET = new Uint8Array(32).fill(5);
const policyEd = { anchors: [{ name: 'ed', role: 'author' as const, type: 'ed25519' as const, key: ed25519.getPublicKey(SECRET) }] };

function signed(env: CaseEnv, sections: [number, CborValue[]][], shared?: CborValue[], components?: CborValue[]): AuthenticatedEnvelope {
  return authenticateEnvelope(buildEnvelope(simpleManifest(1, sections, shared, components), [ed25519Signer(SECRET)]), policyEd, env.crypto);
}
function vec(env: CaseEnv, file: string): AuthenticatedEnvelope {
  return authenticateEnvelope(vector(env, file), { anchors: [anchorFor(env, K1)] }, env.crypto);
}
const params = (entries: [number, CborValue][]) => new Map<CborValue, CborValue>(entries);
const seq = (cmds: CborValue[]) => encode(cmds);

export default defineCases('SUIT interpreter semantics', (add) => {
  add('try-each: first passing option wins; a final nil makes exhaustion succeed', async (env) => {
    const pf = recordingPlatform({});
    const auth = signed(env, [[9, [15, [seq([14, 0, 23, 0]), seq([20, params([[23, new Uint8Array([2])]]), 23, 0]), seq([23, 0])], 23, 0]]]);
    const r = await runProcedure(auth, 'invoke-only', pf);
    ok(r.ok, r.error?.message ?? '');
    deepEqual(pf.log, ['invoke 0 02', 'invoke 0 02'], 'second option then the trailing invoke');
    const allFail = signed(env, [[9, [15, [seq([14, 0]), seq([14, 0]), null], 23, 0]]]);
    const r2 = await runProcedure(allFail, 'invoke-only', pf);
    ok(r2.ok, 'nil option');
    const noNil = signed(env, [[9, [15, [seq([14, 0]), seq([14, 0])], 23, 0]]]);
    equal((await runProcedure(noNil, 'invoke-only', pf)).reason, Reason.conditionFailed, 'exhausted');
  });

  add('soft-failure: a failed condition ends the run-sequence quietly only when soft-failure is set', async (env) => {
    const pf = recordingPlatform({});
    const soft = signed(env, [[9, [32, seq([20, params([[13, true]]), 14, 0, 23, 0]), 23, 0]]]);
    const r = await runProcedure(soft, 'invoke-only', pf);
    ok(r.ok, r.error?.message ?? '');
    deepEqual(pf.invoked, [0], 'only the invoke after the run-sequence');
    const hard = signed(env, [[9, [32, seq([14, 0, 23, 0]), 23, 0]]]);
    const r2 = await runProcedure(hard, 'invoke-only', pf);
    equal(r2.reason, Reason.conditionFailed, 'hard failure');
    const topLevel = signed(env, [[9, [14, 0, 23, 0]]], [20, params([[13, true]])]);
    const pfTop = recordingPlatform({});
    const rTop = await runProcedure(topLevel, 'invoke-only', pfTop);
    equal(rTop.reason, Reason.conditionFailed, 'soft-failure set in the shared sequence does not soften a section');
    deepEqual(pfTop.invoked, [], 'not invoked');
    const leaked = signed(env, [[9, [32, seq([20, params([[13, true]])]), 14, 0, 23, 0]]]);
    equal((await runProcedure(leaked, 'invoke-only', pfTop)).reason, Reason.conditionFailed, 'soft-failure left over from a run-sequence');
    deepEqual(pfTop.invoked, [], 'still not invoked');
    const inTryEach = signed(env, [[9, [15, [seq([20, params([[13, false]]), 14, 0]), seq([23, 0])]]]]);
    equal((await runProcedure(inTryEach, 'invoke-only', pf)).reason, Reason.conditionFailed, 'soft-failure false inside try-each is fatal');
  });

  add('set-component-index: integer, true and arrays; out-of-range is component-unsupported', async (env) => {
    const comps = [[new Uint8Array([0])], [new Uint8Array([1])], [new Uint8Array([2])]];
    const pf = recordingPlatform({});
    const auth = signed(env, [[9, [12, true, 23, 0, 12, [2, 0], 23, 0, 12, 1, 23, 0]]], undefined, comps);
    ok((await runProcedure(auth, 'invoke-only', pf)).ok, 'ran');
    deepEqual(pf.invoked, [0, 1, 2, 2, 0, 1], 'order');
    const bad = signed(env, [[9, [12, 3, 23, 0]]], undefined, comps);
    const r = await runProcedure(bad, 'invoke-only', pf);
    equal(r.reason, Reason.componentUnsupported, 'reason');
  });

  add('conditions: vendor, class, device identifiers; missing parameters are parameter-unsupported', async (env) => {
    const dev = fromHex('00000000000000000000000000000001');
    const good = signed(env, [[9, [20, params([[1, VENDOR], [2, CLASS], [24, dev]]), 1, 0, 2, 0, 24, 0, 23, 0]]]);
    const pf = recordingPlatform({});
    ok((await runProcedure(good, 'invoke-only', pf)).ok, 'identity matches');
    const other = recordingPlatform({ identity: { vendorId: VENDOR, classId: CLASS, deviceId: new Uint8Array(16) } });
    equal((await runProcedure(good, 'invoke-only', other)).reason, Reason.conditionFailed, 'other device');
    deepEqual(other.invoked, [], 'not invoked');
    const missing = signed(env, [[9, [1, 0]]]);
    const r = await runProcedure(missing, 'invoke-only', pf);
    equal(r.reason, Reason.parameterUnsupported, 'missing vendor-id');
    equal(r.error?.code, 'suit-parameter-missing', 'code');
  });

  add('update-management (libcsuit expU0): use-before, battery, version, authorisation with copy-params', async (env) => {
    const auth = vec(env, 'libcsuit/suit_manifest_expU0.cbor');
    const base = { unixTime: 1600000000, battery: 50, versions: { 0: [1, 0], 1: [1, 0, 1] }, authorised: true };
    ok((await runProcedure(auth, 'install', recordingPlatform(base))).ok, 'all conditions hold');
    const changes: [string, RecordingOptions][] = [
      ['past use-before', { unixTime: 1700000000 }], ['no wall time', { unixTime: undefined }], ['battery low', { battery: 5 }],
      ['version too new', { versions: { 0: [1, 0], 1: [1, 0, 2] } }], ['version 0 too new', { versions: { 0: [1, 1], 1: [1] } }],
      ['not authorised', { authorised: false }],
    ];
    for (const [what, change] of changes) {
      const r = await runProcedure(auth, 'install', recordingPlatform({ ...base, ...change }));
      equal(r.reason, Reason.conditionFailed, what);
    }
  });

  add('update-management (libcsuit expU1): override-multiple and wait reach the platform', async (env) => {
    const pf = recordingPlatform({});
    const r = await runProcedure(vec(env, 'libcsuit/suit_manifest_expU1.cbor'), 'install', pf);
    ok(r.ok, r.error?.message ?? '');
    deepEqual(pf.log, ['wait 1,2', 'wait 6'], 'wait-info per component');
    const noWait = { ...recordingPlatform({}), wait: undefined };
    equal((await runProcedure(vec(env, 'libcsuit/suit_manifest_expU1.cbor'), 'install', noWait)).reason, Reason.commandUnsupported, 'platform without wait');
  });

  add('integrated payload (libcsuit expI): "#tc" is written from the envelope and image-match checks it', async (env) => {
    const auth = vec(env, 'libcsuit/suit_manifest_expI.cbor');
    const hash = (b: Uint8Array) => env.crypto.sha256().update(b).digest();
    const pf = recordingPlatform({ hash, identity: { vendorId: fromHex('c0ddd5f15243566087db4f5b0aa26c2f'), classId: fromHex('db42f7093d8c55baa8c5265fc5820f4e') } });
    const r = await runProcedure(auth, 'install', pf);
    ok(r.ok, r.error?.message ?? '');
    bytesEqual(pf.written.get(0) ?? new Uint8Array(0), utf8Encode('Hello, Secure World!'), 'payload written');
    deepEqual(pf.fetched, [], 'nothing fetched from the network');
    ok((await runProcedure(auth, 'uninstall', pf)).ok, 'uninstall');
    equal(pf.log[pf.log.length - 1], 'unlink 0', 'unlink');
  });

  add('write, check-content, copy and swap directives', async (env) => {
    const comps = [[new Uint8Array([0])], [new Uint8Array([1])]];
    const content = utf8Encode('config v2');
    const pf = recordingPlatform({ digests: { 1: DIGEST_A } });
    const auth = signed(env, [[20, [20, params([[18, content]]), 18, 0, 6, 0, 12, 1, 20, params([[22, 0]]), 31, 0, 22, 0]]], undefined, comps);
    const r = await runProcedure(auth, 'install', pf);
    ok(r.ok, r.error?.message ?? '');
    deepEqual(pf.log, ['write 0 636f6e6669672076', 'swap 1<->0', 'copy 0->1'], 'actions');
    const wrong = signed(env, [[20, [20, params([[18, content]]), 6, 0]]]);
    equal((await runProcedure(wrong, 'install', recordingPlatform({}))).reason, Reason.conditionFailed, 'check-content on empty');
  });

  add('trust-domains (example2_integrated): the integrated dependency is authenticated, checked and processed', async (env) => {
    const auth = vec(env, 'trust-domains/example2_integrated.cbor');
    const pf = recordingPlatform({});
    const r = await runProcedure(auth, 'update', pf, { policy: { anchors: [anchorFor(env, K1)] }, crypto: env.crypto });
    ok(r.ok, r.error?.message ?? '');
    deepEqual(pf.log, ['write 0 68656c6c6f20776f', 'write 0 20696e206d756c74'], "dependency's install, then ours");
    const noPolicy = await runProcedure(auth, 'update', recordingPlatform({}));
    equal(noPolicy.error?.code, 'suit-no-policy', 'dependencies need a policy');
    const otherKey = await runProcedure(auth, 'update', recordingPlatform({}), { policy: { anchors: [anchorFor(env, 'keys/libcsuit_tam_delegated_p256_public.pem')] }, crypto: env.crypto });
    equal(otherKey.reason, Reason.unauthorised, 'dependency signed by an untrusted key');
  });

  add('trust-domains (example1_process): a fetched dependency must match its digest before it is processed', async (env) => {
    const auth = vec(env, 'trust-domains/example1_process.cbor');
    const opts = { policy: { anchors: [anchorFor(env, K1)] }, crypto: env.crypto };
    const dep = vector(env, 'trust-domains/example0_dependent.cbor');
    const pf = recordingPlatform({ dependencies: { 'http://example.com/dependent.suit': dep } });
    const r = await runProcedure(auth, 'update', pf, opts);
    ok(r.ok, r.error?.message ?? '');
    deepEqual(pf.fetched, ['http://example.com/dependent.suit'], 'fetched');
    equal(pf.log.filter((l) => l.startsWith('write')).length, 2, 'both installs wrote');
    const impostor = recordingPlatform({ dependencies: { 'http://example.com/dependent.suit': vector(env, 'draft37/example0_signed.cbor') } });
    const r2 = await runProcedure(auth, 'update', impostor, opts);
    equal(r2.reason, Reason.conditionFailed, 'another (validly signed) manifest is not the dependency');
    equal(impostor.log.filter((l) => l.startsWith('write')).length, 0, 'nothing written');
  });

  add('reporting policy records and the encoded SUIT_Report', async (env) => {
    const auth = vec(env, 'draft37/example0_signed.cbor');
    const pf = recordingPlatform({ digests: { 0: DIGEST_A } });
    const r = await runProcedure(auth, 'invoke', pf, { nonce: new Uint8Array([9, 9]) });
    ok(r.ok, 'ok');
    // policy 15 records successes: shared (vendor, class) + image-match for validate, shared
    // again before invoke; invoke has policy 2 (failures only) → 5 records
    equal(r.report.records.length, 5, 'success records');
    const top = decode(r.reportBytes) as Map<CborValue, CborValue>;
    const ref = top.get(99) as Map<CborValue, CborValue>;
    bytesEqual((ref.get(2) as [number, Uint8Array])[1], auth.manifestDigest, 'reference digest');
    bytesEqual(top.get(2) as Uint8Array, new Uint8Array([9, 9]), 'nonce');
    equal(top.get(4), true, 'result');
    const rec = (top.get(3) as CborValue[])[0] as CborValue[];
    deepEqual([rec[1], rec[3]], [7, 0], 'first record: validate section (shared sequence), component 0');
    const bad = await runProcedure(auth, 'invoke', recordingPlatform({ digests: { 0: new Uint8Array(32) } }));
    const res = (decode(bad.reportBytes) as Map<CborValue, CborValue>).get(4) as Map<CborValue, CborValue>;
    deepEqual([res.get(5), res.get(7)], [3, Reason.conditionFailed], 'failed command and reason');
    ok(Array.isArray(res.get(6)), 'failure record');
  });

  add('set-parameters keeps values already set; image-not-match and is-dependency', async (env) => {
    const pf = recordingPlatform({ digests: { 0: DIGEST_A } });
    const digestB = encode([-16, new Uint8Array(32)]);
    const auth = signed(env, [[9, [
      20, params([[23, new Uint8Array([1])]]), 19, params([[23, new Uint8Array([2])], [3, digestB]]),
      25, 0, 23, 0,
    ]]]);
    const r = await runProcedure(auth, 'invoke-only', pf);
    ok(r.ok, r.error?.message ?? '');
    deepEqual(pf.log, ['invoke 0 01'], 'override value kept, set-parameters filled only image-digest');
    const same = signed(env, [[9, [20, params([[3, encode([-16, DIGEST_A])]]), 25, 0, 23, 0]]]);
    equal((await runProcedure(same, 'invoke-only', pf)).reason, Reason.conditionFailed, 'image-not-match with the same digest');
    const notDep = signed(env, [[9, [8, 0, 23, 0]]]);
    equal((await runProcedure(notDep, 'invoke-only', pf)).reason, Reason.conditionFailed, 'component 0 is not a dependency');
  });

  add('dependency chains are bounded: five nested integrated dependencies exceed the default depth of 4', async (env) => {
    const chain = (depth: number): Uint8Array => {
      const common = new Map<CborValue, CborValue>([[2, [[new Uint8Array([depth])]]]]);
      let install: CborValue[] = [18, 0];
      const extra: [CborValue, CborValue][] = [];
      if (depth > 0) {
        common.set(1, new Map<CborValue, CborValue>([[1, new Map()]]));
        install = [12, 1, 20, params([[21, '#dep']]), 21, 2, 11, 0, 12, 0, 20, params([[18, new Uint8Array([depth])]]), 18, 0];
        extra.push(['#dep', chain(depth - 1)]);
      } else {
        install = [20, params([[18, new Uint8Array([0])]]), 18, 0];
      }
      const manifest = new Map<CborValue, CborValue>([[1, 1], [2, depth], [3, encode(common)], [20, encode(install)]]);
      return buildEnvelope(manifest, [ed25519Signer(SECRET)], extra);
    };
    const opts = { policy: policyEd, crypto: env.crypto };
    const four = authenticateEnvelope(chain(4), policyEd, env.crypto);
    const pf = recordingPlatform({});
    const r = await runProcedure(four, 'install', pf, opts);
    ok(r.ok, r.error?.message ?? '');
    deepEqual(pf.log.map((l) => l.slice(-2)), ['00', '01', '02', '03', '04'], 'innermost dependency installs first');
    const five = authenticateEnvelope(chain(5), policyEd, env.crypto);
    const pf5 = recordingPlatform({});
    const r5 = await runProcedure(five, 'install', pf5, opts);
    equal(r5.error?.code, 'suit-dependency-depth', 'too deep');
    deepEqual(pf5.log, [], 'nothing written');
  });
});
