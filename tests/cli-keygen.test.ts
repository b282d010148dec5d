// `xsuit keygen` and key interop with OpenSSL: our keys read by `openssl pkey`,
// OpenSSL's keys accepted by `xsuit sign`, bad keys refused with one clear line.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, type CborValue } from '../modules/cbor/index';
import { loadPublicKeyFile } from '../tools/keys/load';
import { scratch, verifyInNode, xsuit } from './authoring-support';

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('xsuit keygen', () => {
  const dir = scratch('keygen');

  test.each([
    ['ed25519', /ED25519 Private-Key/, 'ED25519'],
    ['es256', /Private-Key: \(256 bit/, 'prime256v1'],
  ])('%s: PKCS#8 (0600) and SPKI that openssl pkey reads', async (alg, privateText, curve) => {
    const base = join(dir, alg);
    const r = await xsuit('keygen', '--alg', alg, '--out', base, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).files.map((f: { path: string }) => f.path)).toEqual([`${base}.key.pem`, `${base}.pub.pem`]);
    expect(statSync(`${base}.key.pem`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${base}.key.pem`, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(openssl('pkey', '-in', `${base}.key.pem`, '-noout', '-text')).toMatch(privateText);
    const pub = openssl('pkey', '-pubin', '-in', `${base}.pub.pem`, '-noout', '-text');
    if (alg === 'es256') expect(pub).toMatch(new RegExp(`ASN1 OID: ${curve}`));
    else expect(pub).toMatch(/ED25519 Public-Key/);
    // the public key openssl derives from our private key is the one we wrote
    expect(openssl('pkey', '-in', `${base}.key.pem`, '-pubout')).toBe(readFileSync(`${base}.pub.pem`, 'utf8'));
  });

  test('never overwrites a key without --force', async () => {
    const base = join(dir, 'keep');
    expect((await xsuit('keygen', '--alg', 'es256', '--out', base)).code).toBe(0);
    const before = readFileSync(`${base}.key.pem`, 'utf8');
    const again = await xsuit('keygen', '--alg', 'ed25519', '--out', base);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exist.*--force/);
    expect(again.err.split('\n')).toHaveLength(1);
    expect(readFileSync(`${base}.key.pem`, 'utf8')).toBe(before);
    const forced = await xsuit('keygen', '--alg', 'ed25519', '--out', base, '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(`${base}.key.pem`, 'utf8')).not.toBe(before);
    expect(statSync(`${base}.key.pem`).mode & 0o777).toBe(0o600);
  });

  test('--cose writes COSE_Keys that match the PEM keys', async () => {
    for (const alg of ['ed25519', 'es256']) {
      const base = join(dir, `cose-${alg}`);
      expect((await xsuit('keygen', '--alg', alg, '--out', base, '--cose')).code).toBe(0);
      const fromCose = loadPublicKeyFile(`${base}.pub.cose`);
      const fromPem = loadPublicKeyFile(`${base}.pub.pem`);
      expect(Buffer.from(fromCose.key).equals(Buffer.from(fromPem.key))).toBe(true);
      expect(fromCose.kid?.length).toBe(32);
      const priv = decode(new Uint8Array(readFileSync(`${base}.key.cose`))) as Map<CborValue, CborValue>;
      expect(priv.get(-4)).toBeInstanceOf(Uint8Array);
      expect(priv.get(3)).toBe(alg === 'es256' ? -7 : -8);
      expect(statSync(`${base}.key.cose`).mode & 0o777).toBe(0o600);
      // the private COSE_Key signs, and the public COSE_Key verifies
      const env = join(dir, `cose-${alg}.suit`);
      await xsuit('create', '--vendor', 'example.com', '--class', 'c', '--seq', '1', '-o', env);
      expect((await xsuit('sign', env, '-k', `${base}.key.cose`, '-o', `${env}.signed`)).code).toBe(0);
      expect(verifyInNode(`${env}.signed`, [`${base}.pub.cose`]).signers).toHaveLength(1);
    }
  });

  test('hmac256: a hex secret (0600) and, with --cose, a symmetric COSE_Key holding the same secret', async () => {
    const base = join(dir, 'mac');
    expect((await xsuit('keygen', '--alg', 'hmac256', '--out', base, '--cose')).code).toBe(0);
    const hex = readFileSync(`${base}.hmac`, 'utf8').trim();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(`${base}.hmac`).mode & 0o777).toBe(0o600);
    const cose = decode(new Uint8Array(readFileSync(`${base}.key.cose`))) as Map<CborValue, CborValue>;
    expect(cose.get(1)).toBe(4);
    expect(Buffer.from(cose.get(-1) as Uint8Array).toString('hex')).toBe(hex);
    const env = join(dir, 'mac.suit');
    await xsuit('create', '--vendor', 'example.com', '--class', 'c', '--seq', '1', '-o', env);
    expect((await xsuit('sign', env, '-k', `${base}.key.cose`, '-o', `${env}.signed`)).code).toBe(0);
    expect(verifyInNode(`${env}.signed`, [`${base}.hmac`]).signers[0].alg).toBe(5);
  });

  test('usage errors exit 2 with one line', async () => {
    const r = await xsuit('keygen', '--alg', 'rsa', '--out', join(dir, 'x'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--alg: unsupported algorithm 'rsa'/);
    expect((await xsuit('keygen', '--alg', 'es256')).err).toMatch(/--out is required/);
    expect((await xsuit('keygen', '--bogus')).err).toMatch(/unknown option --bogus/);
    const help = await xsuit('keygen', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/example:\n\s+xsuit keygen --alg ed25519/);
  });
});

describe('keys made by openssl', () => {
  const dir = scratch('openssl');
  const env = join(dir, 'app.suit');
  beforeAll(async () => {
    expect((await xsuit('create', '--vendor', 'example.com', '--class', 'c', '--seq', '4', '-o', env)).code).toBe(0);
  });

  test.each([
    ['genpkey ed25519', ['genpkey', '-algorithm', 'ed25519'], -8],
    ['genpkey EC P-256 (PKCS#8)', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], -7],
    ['ecparam -genkey (SEC1 "EC PRIVATE KEY")', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], -7],
  ])('%s signs, and the envelope verifies with openssl\'s public key', async (name, args, alg) => {
    const tag = name.replace(/\W+/g, '-');
    const key = join(dir, `${tag}.pem`);
    openssl(...args, '-out', key);
    openssl('pkey', '-in', key, '-pubout', '-out', join(dir, `${tag}.pub.pem`));
    const r = await xsuit('sign', env, '-k', key, '-o', join(dir, `${tag}.suit`), '--json');
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).signers[0].alg).toBe(alg);
    const auth = verifyInNode(join(dir, `${tag}.suit`), [join(dir, `${tag}.pub.pem`)]);
    expect(auth.signers[0].alg).toBe(alg);
  });

  test.each([
    ['an RSA key', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'], /unsupported key type rsa/],
    ['a P-384 key', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], /unsupported algorithm: EC key on secp384r1/],
  ])('%s is refused with one line, exit 2', async (_name, args, message) => {
    const key = join(dir, `refused-${args.length}-${String(message).length}.pem`);
    openssl(...args, '-out', key);
    const r = await xsuit('sign', env, '-k', key, '-o', join(dir, 'never.suit'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  test('a public key, a missing file, an encrypted key: clear one-line errors', async () => {
    openssl('genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'e.pem'));
    openssl('pkey', '-in', join(dir, 'e.pem'), '-pubout', '-out', join(dir, 'e.pub.pem'));
    openssl('pkey', '-in', join(dir, 'e.pem'), '-aes256', '-passout', 'pass:secret', '-out', join(dir, 'enc.pem'));
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'e.pub.pem'), /is a public key; signing needs the private key/],
      [join(dir, 'missing.pem'), /no such file/i],
      [join(dir, 'enc.pem'), /is encrypted/],
    ];
    for (const [key, message] of cases) {
      const r = await xsuit('sign', env, '-k', key, '-o', join(dir, 'never.suit'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.split('\n')).toHaveLength(1);
    }
    writeFileSync(join(dir, 'junk.key'), 'this is not a key\n');
    const junk = await xsuit('sign', env, '-k', join(dir, 'junk.key'), '-o', join(dir, 'never.suit'));
    expect(junk.code).toBe(2);
    expect(junk.err).toMatch(/not a key file xsuit knows/);
  });
});
