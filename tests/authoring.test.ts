// Manifest authoring: UUIDv5 names, the draft's examples reproduced from JSON
// descriptions byte for byte, determinism, and the richer description features
// (several components, severable members, integrated payloads, text, version).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode, CborTag, type CborValue } from '../modules/cbor/index';
import { uuid5, DNS_NAMESPACE, formatUuid, vendorId, classId } from '../tools/authoring/uuid';
import { DESCRIPTIONS, VECTORS, scratch, xsuit, verifyInNode } from './authoring-support';

function envelopeMap(bytes: Uint8Array): Map<CborValue, CborValue> {
  const top = decode(bytes, { maxItems: 1 << 20 });
  expect(top).toBeInstanceOf(CborTag);
  expect((top as CborTag).tag).toBe(107);
  return (top as CborTag).value as Map<CborValue, CborValue>;
}

function manifestOf(bytes: Uint8Array): Map<CborValue, CborValue> {
  return decode(envelopeMap(bytes).get(3) as Uint8Array) as Map<CborValue, CborValue>;
}

describe('UUIDv5 vendor and class identifiers', () => {
  test('RFC 9562 test vector: uuid5(DNS, "www.example.com")', () => {
    expect(formatUuid(uuid5(DNS_NAMESPACE, 'www.example.com'))).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
  test('the draft examples\' vendor ID is uuid5(DNS, "arm.com")', () => {
    expect(formatUuid(vendorId('arm.com'))).toBe('fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe');
  });
  test('a class name is scoped by the vendor; a UUID passes through', () => {
    const a = classId(vendorId('example.com'), 'devkit');
    const b = classId(vendorId('example.org'), 'devkit');
    expect(formatUuid(a)).not.toBe(formatUuid(b));
    expect(a[6] >> 4).toBe(5);
    expect(a[8] >> 6).toBe(2);
    expect(formatUuid(classId(a, '1492af14-2569-5e48-bf42-9b2d51f2ab45'))).toBe('1492af14-2569-5e48-bf42-9b2d51f2ab45');
  });
});

describe('draft-ietf-suit-manifest examples from JSON descriptions', () => {
  const dir = scratch('drafts');
  // 0, 1 and 3 are the bar; 4 (hand-written load/payload-fetch/install) and 5
  // (two components) show the description reaches further.
  for (const n of [0, 1, 3, 4, 5]) {
    test(`example ${n}: manifest bstr and unsigned envelope are byte-identical`, async () => {
      const out = join(dir, `example${n}.suit`);
      const r = await xsuit('create', '-d', join(DESCRIPTIONS, `draft-example${n}.json`), '-o', out);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const ours = new Uint8Array(readFileSync(out));
      const signed = new Uint8Array(readFileSync(join(VECTORS, `draft37/example${n}_signed.cbor`)));
      const want = envelopeMap(signed).get(3) as Uint8Array;
      expect(Buffer.from(envelopeMap(ours).get(3) as Uint8Array).toString('hex')).toBe(Buffer.from(want).toString('hex'));
      // The unsigned vector is exactly our envelope: same digest, same framing.
      expect(Buffer.from(ours).equals(readFileSync(join(VECTORS, `draft37/example${n}_unsigned.cbor`)))).toBe(true);
    });
  }
});

test('example 2: reference URI, severed install and text (with component text) are byte-identical', async () => {
  const dir = scratch('draft2');
  const out = join(dir, 'example2.suit');
  const r = await xsuit('create', '-d', join(DESCRIPTIONS, 'draft-example2.json'), '-o', out);
  expect(r.err).toBe('');
  const ours = envelopeMap(new Uint8Array(readFileSync(out)));
  const full = envelopeMap(new Uint8Array(readFileSync(join(VECTORS, 'draft37/example2_signed_full.cbor'))));
  expect([...ours.keys()]).toEqual([2, 3, 20, 23]);
  for (const key of [3, 20, 23]) {
    expect(Buffer.from(ours.get(key) as Uint8Array).equals(Buffer.from(full.get(key) as Uint8Array))).toBe(true);
  }
  // Severing the members from our envelope gives the draft's unsigned severed envelope.
  ours.delete(20);
  ours.delete(23);
  const severed = encode(new CborTag(107, ours));
  expect(Buffer.from(severed).equals(readFileSync(join(VECTORS, 'draft37/example2_unsigned_severed.cbor')))).toBe(true);
});

describe('create is deterministic and complete', () => {
  const dir = scratch('create');
  const image = join(dir, 'app.bin');
  writeFileSync(image, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 255)));

  test('same flags, same bytes; --json reports the digest', async () => {
    const args = ['--vendor', 'example.com', '--class', 'devkit', '--seq', '9', '--image', image, '--uri', 'coap://u/app.bin',
      '--version', '1.4.2', '--use-before', '2031-01-01', '--text', 'release 1.4.2'];
    const a = await xsuit('create', ...args, '-o', join(dir, 'a.suit'));
    const b = await xsuit('create', ...args, '-o', join(dir, 'b.suit'), '--json');
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(readFileSync(join(dir, 'a.suit')).equals(readFileSync(join(dir, 'b.suit')))).toBe(true);
    const info = JSON.parse(b.out);
    expect(info.ok).toBe(true);
    expect(info.vendorId).toBe(formatUuid(vendorId('example.com')));
    const m = manifestOf(new Uint8Array(readFileSync(join(dir, 'a.suit'))));
    expect(m.get(2)).toBe(9);
    expect(decode(m.get(6) as Uint8Array)).toEqual([1, 4, 2]);
    const text = decode(m.get(23) as Uint8Array) as Map<CborValue, CborValue>;
    expect((text.get('en-US') as Map<CborValue, CborValue>).get(1)).toBe('release 1.4.2');
    const shared = decode((decode((m.get(3) as Uint8Array)) as Map<CborValue, CborValue>).get(4) as Uint8Array) as CborValue[];
    const params = shared[1] as Map<CborValue, CborValue>;
    expect(params.get(4)).toBe(Date.UTC(2031, 0, 1) / 1000);
    expect(params.get(14)).toBe(5000);
    expect(shared).toContain(4); // condition-use-before
  });

  test('a changed image changes the manifest', async () => {
    const other = join(dir, 'other.bin');
    writeFileSync(other, 'x');
    await xsuit('create', '--vendor', 'example.com', '--class', 'devkit', '--seq', '9', '--image', image, '-o', join(dir, 'c.suit'));
    await xsuit('create', '--vendor', 'example.com', '--class', 'devkit', '--seq', '9', '--image', other, '-o', join(dir, 'd.suit'));
    expect(readFileSync(join(dir, 'c.suit')).equals(readFileSync(join(dir, 'd.suit')))).toBe(false);
  });

  test('--slot ab makes a try-each A/B manifest like draft example 3', async () => {
    const r = await xsuit('create', '--vendor', 'arm.com', '--class', '1492af14-2569-5e48-bf42-9b2d51f2ab45', '--seq', '3',
      '--slot', 'ab', '--image', image, '--image', image, '--uri', 'coap://u/a.bin', '--uri', 'coap://u/b.bin', '--no-invoke',
      '-o', join(dir, 'ab.suit'));
    expect(r.code).toBe(0);
    const m = manifestOf(new Uint8Array(readFileSync(join(dir, 'ab.suit'))));
    const install = decode(m.get(20) as Uint8Array) as CborValue[];
    expect(install[0]).toBe(15); // directive-try-each
    const options = (install[1] as Uint8Array[]).map((o) => decode(o) as CborValue[]);
    expect(options.map((o) => (o[1] as Map<CborValue, CborValue>).get(5))).toEqual([0, 1]);
    expect(options.map((o) => (o[5] as Map<CborValue, CborValue>).get(21))).toEqual(['coap://u/a.bin', 'coap://u/b.bin']);
    expect(m.has(9)).toBe(false);
  });
});

describe('description features', () => {
  test('two components, a severed install and text, an integrated payload: all verify', async () => {
    const dir = scratch('features');
    writeFileSync(join(dir, 'radio.bin'), 'radio firmware v2');
    writeFileSync(join(dir, 'app.bin'), Buffer.alloc(3000, 0xa5));
    const description = {
      'sequence-number': 12,
      vendor: 'example.com',
      class: 'sensor-board',
      'requires-version': '>=1.0.0',
      severable: ['install', 'text'],
      text: { 'manifest-description': 'two images', 'update-description': 'radio fix' },
      components: [
        { id: ['00'], image: { file: 'app.bin' }, uri: 'https://u.example.com/app.bin', text: { 'vendor-domain': 'example.com' } },
        { id: [{ text: 'radio' }], image: { file: 'radio.bin' }, integrated: '#radio', invoke: false },
      ],
    };
    const desc = join(dir, 'two.json');
    writeFileSync(desc, JSON.stringify(description));
    expect((await xsuit('keygen', '--alg', 'es256', '--out', join(dir, 'k'))).code).toBe(0);
    expect((await xsuit('create', '-d', desc, '-o', join(dir, 'two.suit'))).code).toBe(0);
    expect((await xsuit('sign', join(dir, 'two.suit'), '-k', join(dir, 'k.key.pem'), '-o', join(dir, 'two.signed'))).code).toBe(0);
    const auth = verifyInNode(join(dir, 'two.signed'), [join(dir, 'k.pub.pem')]);
    expect(auth.sequence).toBe(12);
    expect(auth.components.length).toBe(2);
    expect(auth.severable[20]).toBe('present');
    expect(auth.severable[23]).toBe('present');
    expect(Buffer.from(auth.integrated.get('#radio')!).toString()).toBe('radio firmware v2');
    const install = decode(auth.manifest.sections.get(20)!) as CborValue[];
    expect(install.slice(0, 2)).toEqual([12, 0]);
    const installText = JSON.stringify(install, (_k, v) => (v instanceof Map ? [...v] : v));
    expect(installText).toContain('#radio');
  });

  test('hand-written sequences replace the generated ones', async () => {
    const dir = scratch('custom');
    const desc = join(dir, 'custom.json');
    writeFileSync(desc, JSON.stringify({
      'sequence-number': 1, vendor: 'example.com', class: 'x',
      sequences: {
        install: [
          { 'set-component-index': 0 },
          { 'override-parameters': { uri: 'https://u/x.bin', 'image-digest': { digest: '11'.repeat(32), size: 4 } } },
          { fetch: 2 },
          { 'try-each': [[{ 'component-slot': 5 }], [{ abort: 15 }]] },
        ],
      },
    }));
    const r = await xsuit('create', '-d', desc, '-o', join(dir, 'c.suit'));
    expect(r.err).toBe('');
    const m = manifestOf(new Uint8Array(readFileSync(join(dir, 'c.suit'))));
    const install = decode(m.get(20) as Uint8Array) as CborValue[];
    expect(install[0]).toBe(12);
    expect(install[4]).toBe(21);
    expect(install[6]).toBe(15);
    expect((install[7] as Uint8Array[]).map((b) => decode(b))).toEqual([[5, 5], [14, 15]]);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['missing sequence number', { vendor: 'a.com' }, /sequence-number: required/],
    ['a typo is not ignored', { 'sequence-number': 1, 'sequense': 2 }, /sequense: unknown field/],
    ['negative sequence', { 'sequence-number': -1 }, /sequence-number: expected a non-negative integer/],
    ['short digest', { 'sequence-number': 1, components: [{ image: { digest: 'abcd', size: 1 } }] }, /components\[0\]\.image\.digest: expected 32 bytes/],
    ['bad slot', { 'sequence-number': 1, components: [{ slots: [{ slot: 'c' }] }] }, /components\[0\]\.slots\[0\]\.slot/],
    ['unknown command', { 'sequence-number': 1, sequences: { install: [{ frobnicate: 1 }] } }, /sequences\.install\[0\]\.frobnicate: unknown command/],
    ['missing image file', { 'sequence-number': 1, components: [{ image: 'nope.bin' }] }, /components\[0\]\.image: .*nope\.bin: no such file/],
    ['bad date', { 'sequence-number': 1, 'use-before': 'next tuesday' }, /use-before: expected an ISO 8601 date/],
    ['non-hex id', { 'sequence-number': 1, components: [{ id: ['usr'] }] }, /components\[0\]\.id\[0\]: "usr" is not hex/],
    ['a class name without a vendor', { 'sequence-number': 1, class: 'devkit' }, /class: a class given by name needs a vendor/],
    ['nothing to sever', { 'sequence-number': 1, severable: ['install'] }, /severable: the manifest has no install member/],
  ];
  test.each(bad)('%s: exit 2 with one line naming the field', async (_name, json, message) => {
    const dir = scratch('bad');
    writeFileSync(join(dir, 'd.json'), JSON.stringify(json));
    const r = await xsuit('create', '-d', join(dir, 'd.json'), '-o', join(dir, 'out.suit'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  test('invalid JSON is a one-line error too', async () => {
    const dir = scratch('badjson');
    writeFileSync(join(dir, 'd.json'), '{"sequence-number": 1,');
    const r = await xsuit('create', '-d', join(dir, 'd.json'), '-o', join(dir, 'o'), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'description-invalid' } });
    expect(r.err).toMatch(/not valid JSON/);
  });
});

describe('flag errors name the flag', () => {
  const base = ['--vendor', 'example.com', '--class', 'c', '--seq', '1'];
  test.each([
    [['--use-before', 'soon'], /^xsuit create: --use-before: expected an ISO 8601 date/],
    [['--image', '/nonexistent/app.bin'], /^xsuit create: --image: .*no such file/],
    [['--version', 'v1'], /^xsuit create: --version: expected a version like 1\.4\.2/],
    [['--component-id', 'zz'], /^xsuit create: --component-id: "zz" is not hex/],
    [['--slot', 'c'], /^xsuit create: --slot: expected a, b or ab/],
    [['--image', 'a', '--image', 'b'], /--image and --uri may be repeated only with --slot ab/],
  ])('%j', async (extra, message) => {
    const r = await xsuit('create', ...base, ...(extra as string[]), '-o', join(scratch('flags'), 'o.suit'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(1);
  });
  test('required flags', async () => {
    expect((await xsuit('create', '--vendor', 'v', '--class', 'c', '-o', 'x')).err).toMatch(/--seq is required/);
    expect((await xsuit('create', '--seq', '1', '--class', 'c', '-o', 'x')).err).toMatch(/--vendor is required/);
    expect((await xsuit('create', '--seq', '1', '--vendor', 'v', '--class', 'c')).err).toMatch(/-o\/--out is required/);
    expect((await xsuit('create', '-d', 'x.json', '--seq', '1', '-o', 'x')).err).toMatch(/--seq cannot be combined with --description/);
  });
});

test('a URI without an image digest is refused (the fetched image would be unauthenticated)', async () => {
  const dir = scratch('nodigest');
  const r = await xsuit('create', '--vendor', 'v.com', '--class', 'c', '--seq', '1', '--uri', 'coap://u/x', '-o', join(dir, 'x.suit'));
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/--image: required with "uri"/);
  writeFileSync(join(dir, 'd.json'), JSON.stringify({ 'sequence-number': 1, components: [{ slots: [{ slot: 'a', uri: 'coap://u/a' }] }] }));
  const d = await xsuit('create', '-d', join(dir, 'd.json'), '-o', join(dir, 'x.suit'));
  expect(d.code).toBe(2);
  expect(d.err).toMatch(/components\[0\]\.slots\[0\]\.image: required with "uri"/);
});
