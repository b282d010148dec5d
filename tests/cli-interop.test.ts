// `xsuit sign` against envelopes and keys published by others: the draft's examples
// signed with the draft's Appendix B key, countersigned by a second party, and an HMAC
// vector from the firmware-encryption draft re-created byte for byte.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CborTag, decode, encode, type CborValue } from '../modules/cbor/index';
import { scratch, VECTORS, xsuit } from './authoring-support';

const dir = scratch('interop');
const K1_PRIVATE = join(VECTORS, 'keys/draft_appendixB_p256_private.pem');
const K1_PUBLIC = join(VECTORS, 'keys/draft_appendixB_p256_public.pem');
const K3_HMAC = join(VECTORS, 'keys/libcsuit_hmac256.hex');

function envelope(path: string): { tagged: boolean; map: Map<CborValue, CborValue> } {
  const top = decode(new Uint8Array(readFileSync(path)), { maxItems: 1 << 20 });
  return top instanceof CborTag ? { tagged: true, map: top.value as Map<CborValue, CborValue> } : { tagged: false, map: top as Map<CborValue, CborValue> };
}

/** The same envelope with its authentication blocks removed (the digest stays). */
function stripSignatures(path: string, out: string): void {
  const { tagged, map } = envelope(path);
  const auth = decode(map.get(2) as Uint8Array) as Uint8Array[];
  map.set(2, encode([auth[0]]));
  writeFileSync(out, encode(tagged ? new CborTag(107, map) : map));
}

test('draft example 1 signed with the draft\'s own key verifies with its public key', async () => {
  const out = join(dir, 'ex1.signed');
  const s = await xsuit('sign', join(VECTORS, 'draft37/example1_unsigned.cbor'), '-k', K1_PRIVATE, '-o', out);
  expect(s.code).toBe(0);
  const v = await xsuit('verify', out, '--key', K1_PUBLIC, '--json');
  expect(v.code).toBe(0);
  expect(JSON.parse(v.out)).toMatchObject({ ok: true, sequence: 1 });
  expect(Buffer.from(envelope(out).map.get(3) as Uint8Array).equals(Buffer.from(envelope(join(VECTORS, 'draft37/example1_signed.cbor')).map.get(3) as Uint8Array))).toBe(true);
});

test('an operator countersigns the draft\'s signed example 3: 2-of-2 with the draft key and ours, in XS', async () => {
  const op = join(dir, 'operator');
  expect((await xsuit('keygen', '--alg', 'ed25519', '--out', op)).code).toBe(0);
  const out = join(dir, 'ex3.both');
  const s = await xsuit('sign', join(VECTORS, 'draft37/example3_signed.cbor'), '-k', `${op}.key.pem`, '--role', 'operator', '-o', out, '--json');
  expect(JSON.parse(s.out)).toMatchObject({ ok: true, blocksBefore: 1, blocks: 2 });
  const policy = ['--key', K1_PUBLIC, '--key', `${op}.pub.pem`, '--threshold', '2'];
  expect((await xsuit('verify', join(VECTORS, 'draft37/example3_signed.cbor'), ...policy)).code).toBe(1);
  const v = await xsuit('verify', out, ...policy, '--engine', 'xs', '--json');
  expect(v.code).toBe(0);
  expect(JSON.parse(v.out).signers.map((x: { alg: string }) => x.alg)).toEqual(['ES256', 'EdDSA']);
});

test('HMAC is deterministic: re-MACing a firmware-encryption vector with its key gives the same bytes', async () => {
  const vector = join(VECTORS, 'firmware-encryption/suit-manifest-aes-kw-content.cbor');
  stripSignatures(vector, join(dir, 'aes-kw.unsigned'));
  const out = join(dir, 'aes-kw.mac');
  const s = await xsuit('sign', join(dir, 'aes-kw.unsigned'), '-k', `hmac:${K3_HMAC}`, '-o', out);
  expect(s.err).toBe('');
  expect(readFileSync(out).equals(readFileSync(vector))).toBe(true);
});

test('an untagged envelope stays untagged when signed', async () => {
  const untagged = join(dir, 'untagged.suit');
  stripSignatures(join(VECTORS, 'libcsuit/suit_manifest_expI.cbor'), untagged);
  expect(envelope(untagged).tagged).toBe(false);
  const out = join(dir, 'untagged.signed');
  expect((await xsuit('sign', untagged, '-k', K1_PRIVATE, '-o', out)).code).toBe(0);
  expect(envelope(out).tagged).toBe(false);
  expect((await xsuit('verify', out, '--key', K1_PUBLIC)).code).toBe(0);
});

test('--fully-specified labels ESP256 (-9) and Ed25519 (-19), as libcsuit\'s vectors do; verify in XS accepts both', async () => {
  const ed = join(dir, 'fs-ed');
  expect((await xsuit('keygen', '--alg', 'ed25519', '--out', ed)).code).toBe(0);
  const out = join(dir, 'fs.signed');
  const s = await xsuit('sign', join(VECTORS, 'draft37/example0_unsigned.cbor'), '-k', K1_PRIVATE, '-k', `${ed}.key.pem`, '--fully-specified', '-o', out, '--json');
  expect(JSON.parse(s.out).signers.map((x: { alg: number }) => x.alg)).toEqual([-9, -19]);
  const v = await xsuit('verify', out, '--key', K1_PUBLIC, '--key', `${ed}.pub.pem`, '--threshold', '2', '--engine', 'xs', '--json');
  expect(v.code).toBe(0);
  expect(JSON.parse(v.out).signers.map((x: { alg: string }) => x.alg)).toEqual(['ESP256', 'Ed25519']);
});
