// The bounded CBOR decoder and the deterministic encoder: value model, canonical-only
// heads, hostile lengths and nesting rejected in bounded time and memory.
import { defineCases } from '../harness/device-case';
import { bytesEqual, deepEqual, equal, ok, throwsCode } from '../harness/check';
import { decode, encode, encodeHead, CborReader, CborTag, CborRaw } from '../../modules/cbor/index';
import { fromHex, toHex } from '../../modules/bytes/hex';

const h = fromHex;

export default defineCases('CBOR decoder and encoder', (add) => {
  add('value model: ints, bigints, strings, arrays, maps, tags, simples, floats', () => {
    equal(decode(h('00')), 0);
    equal(decode(h('1903e8')), 1000);
    equal(decode(h('3903e7')), -1000);
    equal(decode(h('1b001fffffffffffff')), 2 ** 53 - 1);
    equal(decode(h('1b0020000000000000')), 2n ** 53n, 'beyond 2^53 is a bigint');
    equal(decode(h('1bffffffffffffffff')), 2n ** 64n - 1n);
    equal(decode(h('3bffffffffffffffff')), -(2n ** 64n));
    equal(decode(h('6449455446')), 'IETF');
    equal(decode(h('62c3bc')), 'ü');
    deepEqual(decode(h('83010203')), [1, 2, 3]);
    const m = decode(h('a201020304')) as Map<unknown, unknown>;
    ok(m instanceof Map && m.get(1) === 2 && m.get(3) === 4, 'map');
    const t = decode(h('d86b80'));
    ok(t instanceof CborTag && t.tag === 107 && Array.isArray(t.value), 'tag');
    equal(decode(h('f4')), false); equal(decode(h('f5')), true); equal(decode(h('f6')), null); equal(decode(h('f7')), undefined);
    equal(decode(h('f93c00')), 1); equal(decode(h('fa47c35000')), 100000); equal(decode(h('fb3ff199999999999a')), 1.1);
  });

  add('byte strings are views into the input, not copies', () => {
    const input = h('8243010203420405');
    const v = decode(input) as Uint8Array[];
    equal(v[0].buffer, input.buffer, 'same buffer');
    equal(v[0].byteOffset, input.byteOffset + 2, 'offset');
    input[3] = 0x77;
    equal(v[0][1], 0x77, 'a view sees the change');
  });

  add('readRaw returns the exact encoded bytes of an item', () => {
    const input = h('82a10102456869686f6f');
    const r = new CborReader(input);
    equal(r.readArrayHead(), 2);
    bytesEqual(r.readRaw(), h('a10102'));
    bytesEqual(r.readRaw(), h('456869686f6f'));
    ok(r.atEnd, 'at end');
  });

  add('non-canonical integers, lengths and tags are rejected', () => {
    for (const x of ['1817', '190017', '1a00000017', '1b0000000000000017', '5801ff', '7801ff', '9800', 'b800', 'd80100', '3817', '1900ff']) {
      throwsCode(() => decode(h(x)), 'cbor-non-canonical', x);
    }
  });

  add('indefinite lengths, reserved values and unsupported simples are rejected', () => {
    for (const x of ['5f41ff', '7f61ff', '9fff', 'bfff', 'ff']) throwsCode(() => decode(h(x)), 'cbor-indefinite', x);
    for (const x of ['1c', '3d', '5e', 'fc']) throwsCode(() => decode(h(x)), x === 'fc' ? 'cbor-unsupported' : 'cbor-reserved', x);
    throwsCode(() => decode(h('f820')), 'cbor-unsupported', 'simple(32)');
    throwsCode(() => decode(h('e0')), 'cbor-unsupported', 'simple(0)');
  });

  add('duplicate map keys are rejected (ints, text, byte strings)', () => {
    throwsCode(() => decode(h('a201010102')), 'cbor-duplicate-key');
    throwsCode(() => decode(h('a261610161610f')), 'cbor-duplicate-key');
    throwsCode(() => decode(h('a241000141000f')), 'cbor-duplicate-key');
    equal((decode(h('a241000141010f')) as Map<unknown, unknown>).size, 2, 'distinct bstr keys');
  });

  add('truncation, trailing bytes and invalid UTF-8 are typed errors', () => {
    const cases: [string, string][] = [
      ['19', 'cbor-truncated'], ['1a0000', 'cbor-truncated'], ['d86b', 'cbor-truncated'], ['8301', 'cbor-length'],
      ['8201', 'cbor-length'], ['a101', 'cbor-length'], ['43', 'cbor-length'], ['4301', 'cbor-length'], ['62c3', 'cbor-length'],
      ['81010203', 'cbor-trailing-bytes'], ['8181', 'cbor-length'], ['821901', 'cbor-truncated'],
    ];
    for (const [x, code] of cases) {
      const e = throwsCode(() => decode(h(x)), code, x);
      equal(e.reason, 1, 'cbor-parse reason');
    }
    throwsCode(() => decode(h('0000')), 'cbor-trailing-bytes');
    for (const x of ['61ff', '62c0af', '63eda080', '64f4908080']) throwsCode(() => decode(h(x)), 'utf8-invalid', x);
  });

  add('length bombs: declared lengths beyond the input fail before allocating', () => {
    for (const x of ['5bffffffffffffffff', '5a7fffffff00', '9a7fffffff', 'ba7fffffff0102', '9b001fffffffffffff00', '7a0fffffff41']) {
      const e = throwsCode(() => decode(h(x)), 'cbor-length', x);
      equal(e.reason, 1);
    }
    throwsCode(() => decode(h('a3010203')), 'cbor-length', 'map entries need two bytes each');
  });

  add('nesting bombs: 10000 nested arrays or tags fail at the depth limit', () => {
    const deep = new Uint8Array(10000).fill(0x81);
    throwsCode(() => decode(deep), 'cbor-depth', 'arrays');
    const tags = new Uint8Array(10000).fill(0xc6);
    throwsCode(() => decode(tags), 'cbor-depth', 'tags');
    const maps = new Uint8Array(10000);
    for (let i = 0; i < maps.length; i += 2) { maps[i] = 0xa1; maps[i + 1] = 0x00; }
    throwsCode(() => decode(maps), 'cbor-depth', 'maps');
    const ok32 = new Uint8Array(33).fill(0x81);
    ok32[32] = 0x00;
    throwsCode(() => decode(ok32, { maxDepth: 31 }), 'cbor-depth', 'custom limit');
    equal(Array.isArray(decode(ok32, { maxDepth: 32 })), true, 'exactly at the limit');
  });

  add('item-count limit bounds wide inputs', () => {
    const wide = new Uint8Array(1 + 2 + 20000);
    wide.set(h('5a'), 0);
    const arr = new Uint8Array(3 + 20000);
    arr.set(h('994e20'), 0); // array of 20000 zeros
    throwsCode(() => decode(arr), 'cbor-too-many-items');
    equal((decode(arr, { maxItems: 20001 }) as unknown[]).length, 20000, 'raised limit');
  });

  add('encoder: shortest heads, definite lengths, insertion order, sortKeys, raw', () => {
    equal(toHex(encode(23)), '17'); equal(toHex(encode(24)), '1818'); equal(toHex(encode(255)), '18ff');
    equal(toHex(encode(256)), '190100'); equal(toHex(encode(65536)), '1a00010000');
    equal(toHex(encode(2 ** 32)), '1b0000000100000000'); equal(toHex(encode(-1)), '20'); equal(toHex(encode(-1000)), '3903e7');
    equal(toHex(encode(2n ** 64n - 1n)), '1bffffffffffffffff'); equal(toHex(encode(-(2n ** 64n))), '3bffffffffffffffff');
    equal(toHex(encode(5n)), '05');
    equal(toHex(encode('ü')), '62c3bc'); equal(toHex(encode(h('0102'))), '420102');
    equal(toHex(encode([true, false, null, undefined])), '84f5f4f6f7');
    equal(toHex(encode(new Map<unknown, unknown>([[3, 1], [1, 2]]) as never)), 'a203010102');
    equal(toHex(encode(new Map<unknown, unknown>([[3, 1], [1, 2], ['a', 0], [-1, 0]]) as never, { sortKeys: true })), 'a40102030120006161' + '00');
    equal(toHex(encode(new CborTag(107, [new CborRaw(h('a0'))]))), 'd86b81a0');
    equal(toHex(encodeHead(2, 113)), '5871');
    equal(toHex(encode(1.5)), 'fb3ff8000000000000');
    throwsCode(() => encode({} as never), 'cbor-encode-unsupported');
    throwsCode(() => encode(2n ** 64n), 'cbor-encode-range');
  });

  add('round trip: decode(encode(x)) for nested values and every vector envelope', (env) => {
    const v = [1, -2, 'x', h('00ff'), [new Map<unknown, unknown>([[1, [2, 3]], ['k', new CborTag(18, [null])]])]];
    const bytes = encode(v as never);
    bytesEqual(encode(decode(bytes)), bytes, 'nested');
    for (const f of ['draft37/example2_signed_full.cbor', 'libcsuit/suit_manifest_expS3.cbor', 'libcsuit/suit_manifest_expU.cbor']) {
      const file = env.fixture(`../shared/suit-vectors/${f}`);
      bytesEqual(encode(decode(file)), file, f);
    }
  });
});
