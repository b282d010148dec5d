// `xsuit device` as a black box: the CLI in-process over real flash files, envelopes
// made by xsuit keygen/create/sign, images run in fresh XS machines.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../tools/cli/main';
import { deviceFixtures } from '../hosts/node/device-fixtures';

let FX = '';
let work = '';

async function xsuit(...args: string[]): Promise<{ code: number; json: any; text: string }> {
  let text = '';
  const code = await main(args, { out: (t) => { text += `${t}\n`; }, err: (t) => { text += `${t}\n`; }, isTTY: false });
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { code, json, text };
}

const fx = (n: string) => join(FX, n);

async function freshDevice(name: string): Promise<string> {
  const flash = join(work, `${name}.bin`);
  const r = await xsuit('device', 'init', '--flash', flash, '--trust', fx('release.pub.pem'), '--vendor', 'example.com', '--class', 'xsuit-sim', '--json');
  expect(r.code).toBe(0);
  return flash;
}

async function deviceOnV1(name: string): Promise<string> {
  const flash = await freshDevice(name);
  expect((await xsuit('device', 'install', '--flash', flash, fx('v1.suit'), fx('v1.js'))).code).toBe(0);
  const b = await xsuit('device', 'boot', '--flash', flash, '--json');
  expect(b.json.boot).toMatchObject({ kind: 'boot', slot: 'A', trial: true, image: { confirmed: true, log: ['v1 running'] } });
  return flash;
}

beforeAll(async () => {
  FX = await deviceFixtures();
  work = mkdtempSync(join(tmpdir(), 'xsuit-device-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

test('v1 to v2: install, trial boot in XS, the image confirms itself, status shows the floor', async () => {
  const flash = await deviceOnV1('update');
  expect((await xsuit('device', 'install', '--flash', flash, fx('v2.suit'), fx('v2.js'), '--json')).json.installed).toMatchObject({ slot: 'B', sequence: 2 });
  const b = await xsuit('device', 'boot', '--flash', flash, '--engine', 'xs', '--json');
  expect(b.json.boot).toMatchObject({ engine: 'xs', slot: 'B', trial: true, sequence: 2, image: { confirmed: true } });
  expect(b.json.boot.loaderMeter.compute).toBeGreaterThan(0);
  const again = await xsuit('device', 'boot', '--flash', flash, '--json');
  expect(again.json.boot).toMatchObject({ slot: 'B', trial: false, bootRecordWrites: 0, image: { confirmed: false } });
  const s = (await xsuit('device', 'status', '--flash', flash, '--json')).json;
  expect(s.bootRecord).toMatchObject({ active: 'B', trial: false, confirmedSlot: 'B', floors: [{ sequence: 2 }], lastEvent: 'confirmed' });
  expect(s.slots.map((x: any) => [x.slot, x.state, x.sequence, x.valid])).toEqual([['A', 'complete', 1, true], ['B', 'complete', 2, true]]);
});

test('a v2 that never confirms runs on trial 3 times, then v1 runs again', async () => {
  const flash = await deviceOnV1('revert');
  expect((await xsuit('device', 'install', '--flash', flash, fx('v2-sick.suit'), fx('v2-sick.js'))).code).toBe(0);
  const slots = [];
  for (let i = 0; i < 4; i++) slots.push((await xsuit('device', 'boot', '--flash', flash, '--json')).json.boot);
  expect(slots.map((b) => `${b.slot}${b.trial ? '?' : ''}`)).toEqual(['B?', 'B?', 'B?', 'A']);
  const s = (await xsuit('device', 'status', '--flash', flash, '--json')).json;
  expect(s.bootRecord).toMatchObject({ active: 'A', lastEvent: 'reverted-attempts', floors: [{ sequence: 1 }] });
});

test('an image that calls reject() goes back at once; device reject does the same', async () => {
  const flash = await deviceOnV1('reject');
  await xsuit('device', 'install', '--flash', flash, fx('v2-rejects.suit'), fx('v2-rejects.js'));
  expect((await xsuit('device', 'boot', '--flash', flash, '--json')).json.boot).toMatchObject({ slot: 'B', image: { rejected: true } });
  expect((await xsuit('device', 'boot', '--flash', flash, '--json')).json.boot).toMatchObject({ slot: 'A', trial: false });
  await xsuit('device', 'install', '--flash', flash, fx('v2-sick.suit'), fx('v2-sick.js'));
  expect((await xsuit('device', 'reject', '--flash', flash)).code).toBe(0);
  expect((await xsuit('device', 'boot', '--flash', flash, '--json')).json.boot).toMatchObject({ slot: 'A', trial: false });
});

test('rejected input leaves the flash file byte for byte unchanged', async () => {
  const flash = await deviceOnV1('reject-input');
  await xsuit('device', 'install', '--flash', flash, fx('v2.suit'), fx('v2.js'));
  await xsuit('device', 'boot', '--flash', flash);
  const garbage = join(work, 'garbage.suit');
  writeFileSync(garbage, new Uint8Array(300).map((_, i) => (i * 37) & 0xff));
  const truncated = join(work, 'truncated.suit');
  writeFileSync(truncated, readFileSync(fx('v3.suit')).subarray(0, 100));
  const cases: Array<[string[], string]> = [
    [[fx('v1.suit'), fx('v1.js')], 'rollback'],
    [[fx('foreign.suit'), fx('v3.js')], 'suit-condition-failed'],
    [[fx('stranger.suit'), fx('v3.js')], 'suit-unauthorised'],
    [[fx('v3.suit'), fx('v2-tampered.js')], 'payload-size-mismatch'],
    [[garbage, fx('v3.js')], ''],
    [[truncated, fx('v3.js')], ''],
  ];
  const foreign = await xsuit('device', 'install', '--flash', flash, fx('foreign.suit'), fx('v3.js'), '--json');
  expect(foreign.json.error).toMatchObject({ code: 'suit-condition-failed', reason: 10 });
  expect(foreign.json.error.suitReport).toMatch(/^[0-9a-f]{20,}$/); // the SUIT_Report of the refused update
  const before = readFileSync(flash);
  for (const [files, code] of cases) {
    const r = await xsuit('device', 'install', '--flash', flash, ...files, '--json');
    expect(r.code).toBe(1);
    expect(r.json.ok).toBe(false);
    if (code) expect(r.json.error.code).toBe(code);
    expect(Buffer.compare(readFileSync(flash), before)).toBe(0);
  }
  // a payload of the right size with one flipped bit
  const v3 = readFileSync(fx('v3.js'));
  v3[200] ^= 4;
  const bad = join(work, 'v3-tampered.js');
  writeFileSync(bad, v3);
  const r = await xsuit('device', 'install', '--flash', flash, fx('v3.suit'), bad, '--json');
  expect(r.json.error.code).toBe('slot-digest-mismatch');
  expect((await xsuit('device', 'reject', '--flash', flash, '--json')).json.error.code).toBe('not-on-trial');
  expect(Buffer.compare(readFileSync(flash), before)).toBe(0);
});

test('--cut-after: power fails mid-install; the device still boots v1, and a new install succeeds', async () => {
  const flash = await deviceOnV1('cut');
  const r = await xsuit('device', 'install', '--flash', flash, fx('v2.suit'), fx('v2.js'), '--cut-after', '5', '--json');
  expect(r.code).toBe(1);
  expect(r.json).toMatchObject({ ok: false, powerCut: true, afterOperations: 5 });
  expect((await xsuit('device', 'status', '--flash', flash, '--json')).json.slots[1].state).toBe('staging');
  expect((await xsuit('device', 'boot', '--flash', flash, '--json')).json.boot).toMatchObject({ slot: 'A', trial: false });
  expect((await xsuit('device', 'install', '--flash', flash, fx('v2.suit'), fx('v2.js'))).code).toBe(0);
  expect((await xsuit('device', 'boot', '--flash', flash, '--json')).json.boot).toMatchObject({ slot: 'B', trial: true });
});

test('a corrupted confirmed slot is not run: fallback to the other, recovery when none is valid', async () => {
  const flash = await deviceOnV1('corrupt');
  await xsuit('device', 'install', '--flash', flash, fx('v2.suit'), fx('v2.js'));
  await xsuit('device', 'boot', '--flash', flash);
  const bytes = readFileSync(flash);
  const slotB = 0x190000, slotA = 0x10000;
  bytes[slotB + 2 * 4096 + 10] ^= 0xff; // first image sector of slot B
  writeFileSync(flash, bytes);
  const b = await xsuit('device', 'boot', '--flash', flash, '--engine', 'xs', '--json');
  expect(b.json.boot).toMatchObject({ slot: 'A', event: 'fallback', image: { log: ['v1 running'] } });
  const now = readFileSync(flash); // the fallback boot rewrote the boot record
  now[slotA + 2 * 4096 + 10] ^= 0xff;
  writeFileSync(flash, now);
  const r = await xsuit('device', 'boot', '--flash', flash, '--json');
  expect(r.code).toBe(1);
  expect(r.json.boot.kind).toBe('recovery');
  expect(r.json.boot.why).toMatch(/slot A: suit-condition-failed; slot B: suit-condition-failed/);
});

test('--threshold 2: one signature is not enough, author + operator is', async () => {
  const flash = join(work, 'k-of-n.bin');
  await xsuit('keygen', '--alg', 'es256', '--out', join(work, 'ops'), '--force');
  const init = await xsuit('device', 'init', '--flash', flash, '--trust', fx('release.pub.pem'), '--trust', join(work, 'ops.pub.pem'),
    '--threshold', '2', '--vendor', 'example.com', '--class', 'xsuit-sim', '--json');
  expect(init.json.provisioning).toMatchObject({ threshold: 2, trust: [{ type: 'ed25519' }, { type: 'p256' }] });
  const before = readFileSync(flash);
  const one = await xsuit('device', 'install', '--flash', flash, fx('v1.suit'), fx('v1.js'), '--json');
  expect(one.json.error).toMatchObject({ code: 'suit-threshold', reason: 4 });
  expect(Buffer.compare(readFileSync(flash), before)).toBe(0);
  const both = join(work, 'v1-both.suit');
  expect((await xsuit('sign', fx('v1.suit'), '-k', join(work, 'ops.key.pem'), '--role', 'operator', '-o', both)).code).toBe(0);
  expect((await xsuit('device', 'install', '--flash', flash, both, fx('v1.js'))).code).toBe(0);
  expect((await xsuit('device', 'boot', '--flash', flash, '--engine', 'xs', '--json')).json.boot).toMatchObject({ slot: 'A', trial: true, image: { confirmed: true } });
});

test('an HMAC trust anchor (--trust hmac:FILE) accepts COSE_Mac0 envelopes', async () => {
  const flash = join(work, 'hmac.bin');
  expect((await xsuit('keygen', '--alg', 'hmac256', '--out', join(work, 'shared'), '--force')).code).toBe(0);
  expect((await xsuit('device', 'init', '--flash', flash, '--trust', `hmac:${join(work, 'shared.hmac')}`)).code).toBe(0);
  const mac = join(work, 'v1-mac.suit');
  expect((await xsuit('sign', fx('v1.unsigned.suit'), '-k', join(work, 'shared.hmac'), '-o', mac)).code).toBe(0);
  expect((await xsuit('device', 'install', '--flash', flash, fx('v1.suit'), fx('v1.js'), '--json')).json.error.code).toMatch(/^(suit|cose)-/); // an EdDSA signature is not a MAC
  expect((await xsuit('device', 'install', '--flash', flash, mac, fx('v1.js'))).code).toBe(0);
  expect((await xsuit('device', 'boot', '--flash', flash, '--json')).json.boot).toMatchObject({ slot: 'A', trial: true, image: { confirmed: true } });
});

test('init refuses to overwrite; usage errors exit 2', async () => {
  const flash = await freshDevice('init');
  const copy = join(work, 'init-copy.bin');
  copyFileSync(flash, copy);
  expect((await xsuit('device', 'init', '--flash', flash, '--trust', fx('release.pub.pem'))).code).toBe(2);
  expect(Buffer.compare(readFileSync(flash), readFileSync(copy))).toBe(0);
  expect((await xsuit('device', 'boot', '--flash', join(work, 'missing.bin'))).code).toBe(2);
  expect((await xsuit('device', 'install', '--flash', flash, fx('v1.suit'))).code).toBe(2);
  expect((await xsuit('device', 'frobnicate')).code).toBe(2);
  expect((await xsuit('device', 'boot', '--flash', flash, '--json')).json.boot.kind).toBe('recovery');
});

test('device sweep --json prints cutPoints, chains and violations', async () => {
  const r = await xsuit('device', 'sweep', '--chains', '20', '--seeds-per-point', '1', '--json');
  expect(r.code).toBe(0);
  expect(r.json).toMatchObject({ ok: true, chains: 20, violations: 0 });
  expect(r.json.cutPoints).toBe(r.json.operationsCut);
  expect(Object.keys(r.json.operations)).toEqual(['update', 'revert', 'reject', 'overwrite']);
}, 120_000);
