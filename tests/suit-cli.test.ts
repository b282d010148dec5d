// `xsuit verify` and `xsuit inspect` as a user runs them: spawned processes, exit codes,
// --json objects, and the XS engine path.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../tools/build/bundle';

const V = resolve(REPO_ROOT, '../shared/suit-vectors');
const K1 = join(V, 'keys/draft_appendixB_p256_public.pem');
const K2 = join(V, 'keys/libcsuit_tam_delegated_p256_public.pem');
const HMAC = join(V, 'keys/libcsuit_hmac256.hex');

function xsuit(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'tools/bin/xsuit.mjs'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('xsuit verify', () => {
  test('authentic envelope: exit 0 and the JSON fields', () => {
    const r = xsuit('verify', join(V, 'draft37/example5_signed.cbor'), '--key', K1, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ ok: true, reason: 0, sequence: 5, components: [['00'], ['01']] });
    expect(j.signers).toEqual([{ name: 'draft_appendixB_p256_public.pem', role: 'author', alg: 'ES256' }]);
  });

  test('rejected envelopes exit 1 and say why', () => {
    const unsigned = xsuit('verify', join(V, 'draft37/example0_unsigned.cbor'), '--key', K1);
    expect(unsigned.code).toBe(1);
    expect(unsigned.err).toMatch(/REJECTED \(unauthorised, suit-unauthenticated\)/);
    const wrongKey = xsuit('verify', join(V, 'draft37/example0_signed.cbor'), '--key', K2, '--json');
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.out)).toMatchObject({ ok: false, reason: 4, code: 'suit-unauthorised', sequence: null, signers: [], components: [] });
    const tampered = xsuit('verify', join(V, 'derived-negative/neg_example2_text_tampered.cbor'), '--key', K1, '--json');
    expect(JSON.parse(tampered.out)).toMatchObject({ ok: false, code: 'suit-severable-digest' });
    const hmacWithPublicKey = xsuit('verify', join(V, 'libcsuit/suit_manifest_expAW.cbor'), '--key', K1, '--json');
    expect(hmacWithPublicKey.code).toBe(1);
    expect(JSON.parse(hmacWithPublicKey.out)).toMatchObject({ ok: false, reason: 3, code: 'cose-alg-key-mismatch' });
  });

  test('HMAC keys as hex text or raw bytes; threshold counts distinct keys', () => {
    expect(xsuit('verify', join(V, 'libcsuit/suit_manifest_expAW.cbor'), '--hmac-key', HMAC).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'xsuit-verify-'));
    const raw = join(dir, 'raw.key');
    writeFileSync(raw, Buffer.from(readFileSync(HMAC, 'utf8').trim(), 'hex'));
    expect(xsuit('verify', join(V, 'libcsuit/suit_manifest_expAW.cbor'), '--hmac-key', `raw:${raw}`).code).toBe(0);
    // without the prefix the 32 ASCII 'a' bytes read as hex text: a different key
    expect(xsuit('verify', join(V, 'libcsuit/suit_manifest_expAW.cbor'), '--hmac-key', raw).code).toBe(1);
    const two = xsuit('verify', join(V, 'draft37/example0_signed.cbor'), '--key', K1, '--key', K2, '--threshold', '2', '--json');
    expect(two.code).toBe(1);
    expect(JSON.parse(two.out)).toMatchObject({ ok: false, code: 'suit-threshold' });
    expect(xsuit('verify', join(V, 'draft37/example0_signed.cbor'), '--key', K1, '--key', K2, '--threshold', '1').code).toBe(0);
  });

  test('a COSE_Key file works like the PEM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsuit-verify-'));
    const jwk = JSON.parse(spawnSync(process.execPath, ['-e',
      `const c=require('crypto');process.stdout.write(JSON.stringify(c.createPublicKey(require('fs').readFileSync(${JSON.stringify(K1)})).export({format:'jwk'})))`,
    ], { encoding: 'utf8' }).stdout);
    const x = Buffer.from(jwk.x, 'base64url').toString('hex');
    const y = Buffer.from(jwk.y, 'base64url').toString('hex');
    const cose = join(dir, 'k1.cose');
    writeFileSync(cose, Buffer.from(`a4010220012158${'20'}${x}2258${'20'}${y}`, 'hex'));
    expect(xsuit('verify', join(V, 'libcsuit/suit_manifest_exp3.cbor'), '--key', cose).code).toBe(0);
  });

  test('usage and I/O errors exit 2', () => {
    expect(xsuit('verify', join(V, 'draft37/example0_signed.cbor')).code).toBe(2);
    expect(xsuit('verify', '/nonexistent.suit', '--key', K1).code).toBe(2);
    expect(xsuit('verify', join(V, 'draft37/example0_signed.cbor'), '--key', '/nonexistent.pem').code).toBe(2);
    expect(xsuit('verify', join(V, 'draft37/example0_signed.cbor'), '--key', K1, '--engine', 'v8').code).toBe(2);
    expect(xsuit('verify', join(V, 'draft37/example0_signed.cbor'), '--key', K1, '--threshold', '0').code).toBe(2);
  });

  test('--engine xs reaches the same verdicts inside XS and reports its meter', () => {
    const good = xsuit('verify', join(V, 'draft37/example0_signed.cbor'), '--key', K1, '--engine', 'xs', '--json');
    expect(good.code).toBe(0);
    const j = JSON.parse(good.out);
    expect(j).toMatchObject({ ok: true, engine: 'xs', sequence: 0 });
    expect(j.xsMeter.compute).toBeGreaterThan(0);
    const bad = xsuit('verify', join(V, 'derived-negative/neg_example0_bad_signature.cbor'), '--key', K1, '--engine', 'xs', '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ ok: false, engine: 'xs', code: 'suit-unauthorised' });
  });
});

describe('xsuit inspect', () => {
  test('a readable tree with SUIT names, decoded commands and hex digests', () => {
    const r = xsuit('inspect', join(V, 'draft37/example4_signed.cbor'));
    expect(r.code).toBe(0);
    for (const s of ['authentication-wrapper', 'COSE_Sign1', 'alg: ES256 (-7)', 'manifest-sequence-number: 4',
      'shared-sequence', 'directive-set-component-index: 2', 'condition-image-match: report-policy 15',
      'image-digest: sha-256 0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff',
      'source-component: 0', 'payload-fetch', 'load', 'uri: "http://example.com/file.bin"']) {
      expect(r.out).toContain(s);
    }
  });

  test('text fields, severable members and integrated payloads; --json is one object', () => {
    const text = xsuit('inspect', join(V, 'draft37/example2_signed_full.cbor'));
    expect(text.out).toContain('language "en-US"');
    expect(text.out).toContain('vendor-domain: "arm.com"');
    expect(text.out).toContain('install (severable)');
    const j = xsuit('inspect', join(V, 'libcsuit/suit_manifest_expI.cbor'), '--json');
    expect(j.code).toBe(0);
    const tree = JSON.parse(j.out);
    expect(tree.ok).toBe(true);
    expect(JSON.stringify(tree)).toContain('integrated payload \\"#tc\\"');
    expect(tree.tree.label).toContain('untagged');
  });

  test('malformed input exits 1, missing file 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsuit-inspect-'));
    const junk = join(dir, 'junk.suit');
    writeFileSync(junk, Buffer.from('d86ba2025f', 'hex'));
    expect(xsuit('inspect', junk).code).toBe(1);
    expect(xsuit('inspect', join(dir, 'none.suit')).code).toBe(2);
  });
});
