// The release flow end to end through the CLI: keygen -> create -> sign -> `xsuit verify`,
// in Node and inside the XS engine (--engine xs runs the device verification code), for
// Ed25519 and ES256; a 2-of-2 policy before and after the second party signs; and
// `xsuit verify` / `xsuit inspect` accepting every shape `xsuit create` makes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, xsuit } from './authoring-support';

const dir = scratch('roundtrip');
const image = join(dir, 'app.bin');
writeFileSync(image, Buffer.from(Array.from({ length: 40000 }, (_, i) => (i * 13) & 255)));

async function ok(...args: string[]): Promise<string> {
  const r = await xsuit(...args);
  if (r.code !== 0) throw new Error(`xsuit ${args.join(' ')} -> ${r.code}: ${r.err}`);
  return r.out;
}

async function verify(envelope: string, engine: string, ...keyArgs: string[]) {
  const r = await xsuit('verify', envelope, ...keyArgs, '--engine', engine, '--json');
  return { code: r.code, result: JSON.parse(r.out) };
}

describe.each(['node', 'xs'])('engine %s', (engine) => {
  test.each([['ed25519', 'EdDSA'], ['es256', 'ES256']])('%s: keygen -> create -> sign -> verify', async (alg, algName) => {
    const base = join(dir, `${engine}-${alg}`);
    await ok('keygen', '--alg', alg, '--out', base);
    await ok('create', '--vendor', 'example.com', '--class', 'esp32-c3-devkit', '--seq', '21', '--image', image,
      '--uri', 'coap://updates.example.com/app.bin', '--version', '2.0.0', '-o', `${base}.suit`);
    await ok('sign', `${base}.suit`, '-k', `${base}.key.pem`, '-o', `${base}.signed`);
    const good = await verify(`${base}.signed`, engine, '--key', `${base}.pub.pem`);
    expect(good.code).toBe(0);
    expect(good.result).toMatchObject({ ok: true, sequence: 21, engine });
    expect(good.result.signers.map((s: { alg: string }) => s.alg)).toEqual([algName]);
    const unsigned = await verify(`${base}.suit`, engine, '--key', `${base}.pub.pem`);
    expect(unsigned.code).toBe(1);
    expect(unsigned.result.ok).toBe(false);
  });

  test('2-of-2: rejected with the author\'s signature only, accepted after the operator signs', async () => {
    const a = join(dir, `${engine}-author`);
    const o = join(dir, `${engine}-operator`);
    await ok('keygen', '--alg', 'es256', '--out', a);
    await ok('keygen', '--alg', 'ed25519', '--out', o);
    const env = join(dir, `${engine}-2of2.suit`);
    await ok('create', '--vendor', 'example.com', '--class', 'esp32-c3-devkit', '--seq', '22', '--image', image, '-o', env);
    await ok('sign', env, '-k', `${a}.key.pem`, '--role', 'author', '-o', `${env}.author`);
    const policy = ['--key', `${a}.pub.pem`, '--key', `${o}.pub.pem`, '--threshold', '2'];
    const one = await verify(`${env}.author`, engine, ...policy);
    expect(one.code).toBe(1);
    expect(one.result).toMatchObject({ ok: false, reasonName: 'unauthorised' });
    await ok('sign', `${env}.author`, '-k', `${o}.key.pem`, '--role', 'operator', '-o', `${env}.both`);
    const two = await verify(`${env}.both`, engine, ...policy);
    expect(two.code).toBe(0);
    expect(two.result.signers).toHaveLength(2);
  });
});

test('HMAC (COSE_Mac0) verifies in XS with --hmac-key', async () => {
  const base = join(dir, 'mac');
  await ok('keygen', '--alg', 'hmac256', '--out', base);
  await ok('create', '--vendor', 'example.com', '--class', 'c', '--seq', '1', '--image', image, '-o', `${base}.suit`);
  await ok('sign', `${base}.suit`, '-k', `${base}.hmac`, '-o', `${base}.signed`);
  const r = await verify(`${base}.signed`, 'xs', '--hmac-key', `${base}.hmac`);
  expect(r.code).toBe(0);
  expect(r.result.signers[0].alg).toBe('HMAC-256');
});

test('verify and inspect accept every shape create makes', async () => {
  const key = join(dir, 'shapes');
  await ok('keygen', '--alg', 'ed25519', '--out', key);
  writeFileSync(join(dir, 'radio.bin'), 'radio');
  writeFileSync(join(dir, 'shapes.json'), JSON.stringify({
    'sequence-number': 30, vendor: 'example.com', class: 'board', version: '3.1.0', 'requires-version': '>=3.0',
    'use-before': '2040-01-01', severable: ['install', 'text'], text: 'all the features',
    components: [
      { id: ['00'], slots: [{ slot: 'a', image: 'app.bin', uri: 'coap://u/a.bin' }, { slot: 'b', image: 'app.bin', uri: 'coap://u/b.bin' }] },
      { id: [{ text: 'radio' }], image: 'radio.bin', integrated: '#radio', invoke: false },
    ],
  }));
  const shapes: string[][] = [
    ['-d', join(dir, 'shapes.json')],
    ['--vendor', 'example.com', '--class', 'c', '--seq', '3', '--slot', 'ab', '--image', image, '--uri', 'coap://u/x.bin'],
    ['--vendor', 'example.com', '--class', 'c', '--seq', '3', '--slot', 'b', '--image', image, '--uri', 'coap://u/x.bin'],
    ['--vendor', 'example.com', '--class', 'c', '--seq', '3', '--image', image, '--integrated', '--use-before', '2040-01-01', '--text', 'hi'],
  ];
  for (const [i, args] of shapes.entries()) {
    const env = join(dir, `shape${i}.suit`);
    await ok('create', ...args, '-o', env);
    await ok('sign', env, '-k', `${key}.key.pem`, '-o', `${env}.signed`);
    const v = await verify(`${env}.signed`, 'node', '--key', `${key}.pub.pem`);
    expect(v.code).toBe(0);
    const inspect = await xsuit('inspect', `${env}.signed`);
    expect(inspect.code).toBe(0);
    expect(inspect.out).toMatch(/manifest-sequence-number/);
  }
  const rich = JSON.parse(await ok('inspect', join(dir, 'shape0.suit.signed'), '--json'));
  expect(JSON.stringify(rich)).toContain('#radio');
});
