// keygen -> create -> sign -> verify round trips for both signature algorithms and for
// HMAC, k-of-n signing in turn (author, then operator), and the refusals of `sign`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode, CborTag, type CborValue } from '../modules/cbor/index';
import { scratch, verifyInNode, xsuit } from './authoring-support';

const dir = scratch('sign');
const image = join(dir, 'app.bin');
writeFileSync(image, Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 31 + 7) & 255)));

async function ok(...args: string[]): Promise<string> {
  const r = await xsuit(...args);
  if (r.code !== 0) throw new Error(`xsuit ${args.join(' ')} -> ${r.code}: ${r.err}`);
  return r.out;
}

async function unsigned(name: string, seq = 5): Promise<string> {
  const out = join(dir, `${name}.suit`);
  await ok('create', '--vendor', 'example.com', '--class', 'esp32-c3-devkit', '--seq', String(seq), '--image', image,
    '--uri', 'coap://updates.example.com/app.bin', '-o', out);
  return out;
}

function authBlocks(path: string): Uint8Array[] {
  const env = (decode(new Uint8Array(readFileSync(path)), { maxItems: 1 << 20 }) as CborTag).value as Map<CborValue, CborValue>;
  return (decode(env.get(2) as Uint8Array) as Uint8Array[]).slice(1);
}

describe('round trip keygen -> create -> sign -> verify', () => {
  test.each([['ed25519', -8], ['es256', -7]])('%s', async (alg, coseAlg) => {
    await ok('keygen', '--alg', alg, '--out', join(dir, alg));
    const env = await unsigned(`rt-${alg}`);
    const signed = join(dir, `rt-${alg}.signed`);
    const out = JSON.parse(await ok('sign', env, '-k', join(dir, `${alg}.key.pem`), '-o', signed, '--json'));
    expect(out).toMatchObject({ ok: true, role: 'author', blocks: 1 });
    const auth = verifyInNode(signed, [join(dir, `${alg}.pub.pem`)]);
    expect(auth.sequence).toBe(5);
    expect(auth.signers.map((s) => s.alg)).toEqual([coseAlg]);
    // The unsigned envelope is rejected, and so is the signed one under another key.
    expect(() => verifyInNode(env, [join(dir, `${alg}.pub.pem`)])).toThrow(/authentication block/);
    await ok('keygen', '--alg', alg, '--out', join(dir, `${alg}-other`));
    expect(() => verifyInNode(signed, [join(dir, `${alg}-other.pub.pem`)])).toThrow(/no authentication block verifies/);
  });

  test('HMAC keys make a COSE_Mac0 that verifies with the same secret', async () => {
    await ok('keygen', '--alg', 'hmac256', '--out', join(dir, 'shared'));
    const env = await unsigned('mac');
    await ok('sign', env, '-k', join(dir, 'shared.hmac'), '-o', `${env}.signed`);
    const [block] = authBlocks(`${env}.signed`);
    expect((decode(block) as CborTag).tag).toBe(17);
    expect(verifyInNode(`${env}.signed`, [join(dir, 'shared.hmac')]).signers[0].alg).toBe(5);
    await ok('keygen', '--alg', 'hmac256', '--out', join(dir, 'wrong'));
    expect(() => verifyInNode(`${env}.signed`, [join(dir, 'wrong.hmac')])).toThrow();
  });

  test('signing does not touch the manifest; signing is deterministic for Ed25519', async () => {
    const env = await unsigned('same');
    await ok('sign', env, '-k', join(dir, 'ed25519.key.pem'), '-o', `${env}.1`);
    await ok('sign', env, '-k', join(dir, 'ed25519.key.pem'), '-o', `${env}.2`);
    expect(readFileSync(`${env}.1`).equals(readFileSync(`${env}.2`))).toBe(true);
    const manifest = (p: string) => ((decode(new Uint8Array(readFileSync(p))) as CborTag).value as Map<CborValue, CborValue>).get(3);
    expect(Buffer.from(manifest(`${env}.1`) as Uint8Array).equals(Buffer.from(manifest(env) as Uint8Array))).toBe(true);
  });
});

describe('two parties sign in turn (2-of-2)', () => {
  test('one signature is rejected under --threshold 2, two are accepted', async () => {
    await ok('keygen', '--alg', 'es256', '--out', join(dir, 'author'));
    await ok('keygen', '--alg', 'ed25519', '--out', join(dir, 'operator'));
    const keys = [join(dir, 'author.pub.pem'), join(dir, 'operator.pub.pem')];
    const env = await unsigned('k-of-n', 8);
    const first = join(dir, 'k-of-n.author');
    await ok('sign', env, '-k', join(dir, 'author.key.pem'), '--role', 'author', '-o', first);
    expect(() => verifyInNode(first, keys, 2)).toThrow(/1 of the 2 required/);
    expect(verifyInNode(first, keys, 1).signers).toHaveLength(1);
    const both = join(dir, 'k-of-n.both');
    const r = JSON.parse(await ok('sign', first, '-k', join(dir, 'operator.key.pem'), '--role', 'operator', '-o', both, '--json'));
    expect(r).toMatchObject({ role: 'operator', blocksBefore: 1, blocks: 2 });
    expect(authBlocks(both)).toHaveLength(2);
    expect(Buffer.from(authBlocks(both)[0]).equals(Buffer.from(authBlocks(first)[0]))).toBe(true);
    const auth = verifyInNode(both, keys, 2);
    expect(auth.signers.map((s) => s.alg)).toEqual([-7, -8]); // author's block first
  });

  test('several -k in one call add one block each', async () => {
    const env = await unsigned('multi');
    await ok('sign', env, '-k', join(dir, 'author.key.pem'), '-k', join(dir, 'operator.key.pem'), '-o', `${env}.signed`);
    expect(authBlocks(`${env}.signed`)).toHaveLength(2);
    expect(verifyInNode(`${env}.signed`, [join(dir, 'author.pub.pem'), join(dir, 'operator.pub.pem')], 2).signers).toHaveLength(2);
  });

  test('roles guard the order, and the same key cannot sign twice', async () => {
    const env = await unsigned('roles');
    const op = await xsuit('sign', env, '-k', join(dir, 'operator.key.pem'), '--role', 'operator', '-o', `${env}.x`);
    expect(op.code).toBe(1);
    expect(op.err).toMatch(/not signed yet/);
    await ok('sign', env, '-k', join(dir, 'author.key.pem'), '-o', `${env}.a`);
    const again = await xsuit('sign', `${env}.a`, '-k', join(dir, 'operator.key.pem'), '--role', 'author', '-o', `${env}.x`);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already signed .*--role operator/);
    const dup = await xsuit('sign', `${env}.a`, '-k', join(dir, 'author.key.pem'), '-o', `${env}.x`);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/author\.key\.pem has already signed/);
  });
});

describe('sign refuses what it should not sign', () => {
  test('a manifest altered after its digest was computed', async () => {
    const env = await unsigned('tamper');
    const top = decode(new Uint8Array(readFileSync(env))) as CborTag;
    const map = top.value as Map<CborValue, CborValue>;
    const manifest = decode(map.get(3) as Uint8Array) as Map<CborValue, CborValue>;
    manifest.set(2, 99); // raise the sequence number, keep the old digest
    map.set(3, encode(manifest));
    writeFileSync(`${env}.bad`, encode(new CborTag(107, map)));
    const r = await xsuit('sign', `${env}.bad`, '-k', join(dir, 'author.key.pem'), '-o', `${env}.x`, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe('envelope-digest-mismatch');
  });

  test('something that is not an envelope; usage errors', async () => {
    writeFileSync(join(dir, 'junk.suit'), 'not cbor at all');
    const junk = await xsuit('sign', join(dir, 'junk.suit'), '-k', join(dir, 'author.key.pem'), '-o', join(dir, 'x'));
    expect(junk.code).toBe(2);
    expect(junk.err).toMatch(/not a SUIT envelope/);
    expect((await xsuit('sign', join(dir, 'junk.suit'), '-o', join(dir, 'x'))).err).toMatch(/-k\/--key is required/);
    expect((await xsuit('sign', '-k', 'a', '-o', 'b')).err).toMatch(/missing ENVELOPE/);
    const role = await xsuit('sign', 'e', '-k', 'a', '-o', 'b', '--role', 'boss');
    expect(role.code).toBe(2);
    expect(role.err).toMatch(/--role: expected author or operator/);
    expect((await xsuit('sign', '--help')).out).toMatch(/example:/);
    const json = await xsuit('sign', 'e', '-o', 'b', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toEqual({ ok: false, error: { code: 'usage', message: '-k/--key is required (a private key file)' } });
  });
});
