// `xsuit report decode` on reports the device code really produces (a failed and a
// successful update of a manifest made by `xsuit create`), on one with a nonce and
// system claims, on a COSE-wrapped one, and on garbage.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CborTag, decode, encode, type CborValue } from '../modules/cbor/index';
import { runProcedure } from '../modules/suit/index';
import { encodeReport } from '../modules/report/report';
import { DIGEST_A, recordingPlatform } from './cases/suit-platform-support';
import { DESCRIPTIONS, scratch, verifyInNode, xsuit } from './authoring-support';

const dir = scratch('report');
let signed = '';

beforeAll(async () => {
  // Draft example 1 (download and install), made by `xsuit create` and signed by us.
  expect((await xsuit('keygen', '--alg', 'ed25519', '--out', join(dir, 'k'))).code).toBe(0);
  expect((await xsuit('create', '-d', join(DESCRIPTIONS, 'draft-example1.json'), '-o', join(dir, 'ex1.suit'))).code).toBe(0);
  signed = join(dir, 'ex1.signed');
  expect((await xsuit('sign', join(dir, 'ex1.suit'), '-k', join(dir, 'k.key.pem'), '-o', signed)).code).toBe(0);
});

async function deviceReport(served: Uint8Array, name: string): Promise<string> {
  const auth = verifyInNode(signed, [join(dir, 'k.pub.pem')]);
  const platform = recordingPlatform({ served: { 'http://example.com/file.bin': served } });
  const result = await runProcedure(auth, 'update', platform);
  const path = join(dir, name);
  writeFileSync(path, result.reportBytes);
  return path;
}

test('a failed update: reason, command, section and component are spelled out', async () => {
  const path = await deviceReport(new Uint8Array(32).fill(9), 'failed.cbor');
  const text = await xsuit('report', 'decode', path);
  expect(text.code).toBe(0);
  expect(text.out).toMatch(/^SUIT report for manifest sha-256 1f2e7acca0dc2786f2fe4eb947f50873a6a3cfaa98866c5b02e621f42074daf2/);
  expect(text.out).toMatch(/result\s+FAILED: condition-failed \(reason 10\) in condition-image-match/);
  expect(text.out).toMatch(/failed at\s+install\+\d+, component 0/);
  const json = JSON.parse((await xsuit('report', 'decode', path, '--json')).out);
  expect(json).toMatchObject({ ok: true, success: false, result: { reason: 10, reasonName: 'condition-failed', command: 3 } });
  expect(json.result.record.section).toBe('install');
});

test('a successful update', async () => {
  const path = await deviceReport(DIGEST_A, 'ok.cbor');
  const json = JSON.parse((await xsuit('report', 'decode', path, '--json')).out);
  expect(json.success).toBe(true);
  expect(json.manifestDigest.hex).toBe('1f2e7acca0dc2786f2fe4eb947f50873a6a3cfaa98866c5b02e621f42074daf2');
  expect((await xsuit('report', 'decode', path)).out).toMatch(/result\s+success/);
});

test('nonce, records with properties, system claims, a COSE_Sign1 wrapper, hex input', async () => {
  const base = encodeReport({
    reference: { uri: 'coap://u/app.suit', digest: { alg: -16, bytes: new Uint8Array(32).fill(0xab) } },
    nonce: new Uint8Array([1, 2, 3, 4]),
    records: [{ manifestId: [], section: 7, offset: 4, componentIndex: 0, properties: new Map<number, CborValue>([[14, 1234], [21, 'coap://u/a.bin']]) }],
    result: { code: 21, reason: 11, record: { manifestId: [1], section: 20, offset: 6, componentIndex: 1, properties: new Map() } },
  });
  const withClaims = decode(base) as Map<CborValue, CborValue>;
  (withClaims.get(3) as CborValue[]).push(new Map<CborValue, CborValue>([[0, [new Uint8Array([0])]], [28, 5]]));
  const wrapped = encode(new CborTag(18, [encode(new Map([[1, -8]])), new Map(), encode(withClaims), new Uint8Array(64)]));
  writeFileSync(join(dir, 'rich.hex'), Buffer.from(wrapped).toString('hex'));
  const r = await xsuit('report', 'decode', join(dir, 'rich.hex'), '--hex');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/manifest uri\s+coap:\/\/u\/app\.suit/);
  expect(r.out).toMatch(/nonce\s+01020304/);
  expect(r.out).toMatch(/wrapped in\s+COSE_Sign1 \(authenticity not checked here\)/);
  expect(r.out).toMatch(/FAILED: operation-failed \(reason 11\) in directive-fetch/);
  expect(r.out).toMatch(/failed at\s+install\+6, component 1, dependency 1/);
  expect(r.out).toMatch(/validate\+4, component 0: image-size=1234, uri="coap:\/\/u\/a\.bin"/);
  expect(r.out).toMatch(/system claims/);
});

test('not a report: exit 2, one line; usage errors', async () => {
  writeFileSync(join(dir, 'junk.cbor'), encode([1, 2, 3]));
  const junk = await xsuit('report', 'decode', join(dir, 'junk.cbor'));
  expect(junk.code).toBe(2);
  expect(junk.err).toMatch(/a SUIT report is a map/);
  expect(junk.err.split('\n')).toHaveLength(1);
  const signedEnvelope = await xsuit('report', 'decode', signed, '--json');
  expect(signedEnvelope.code).toBe(2);
  expect(JSON.parse(signedEnvelope.out).error.code).toBe('report-invalid');
  expect((await xsuit('report', 'encode', 'x')).err).toMatch(/unknown subcommand 'encode'/);
  expect((await xsuit('report', 'decode')).err).toMatch(/missing FILE/);
  expect((await xsuit('report', 'decode', join(dir, 'nope.cbor'))).code).toBe(2);
  expect(readFileSync(join(dir, 'junk.cbor')).length).toBeGreaterThan(0);
  expect((await xsuit('report', '--help')).out).toMatch(/example:/);
});
