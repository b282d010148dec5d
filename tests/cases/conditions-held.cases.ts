// A condition counts only when it HELD. A trusted manifest can wrap a failing check in
// try-each with an empty fallback; the loader must still refuse a foreign device and an
// image whose digest does not match (invariants 1 and 2).
import { defineCases } from '../harness/device-case';
import { equal, rejectsCode } from '../harness/check';
import { SuitSlotVerifier } from '../../bootloader/suit-verifier';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encode, type CborValue } from '../../modules/cbor/index';
import { buildEnvelope, ed25519Signer, simpleManifest } from './suit-build-support';
import { authenticateEnvelope, runProcedure } from '../../modules/suit/index';
import type { Clock } from '../../hosts/hal';

const SECRET = new Uint8Array(32).fill(11);
const VENDOR = new Uint8Array(16).fill(0xa1);
const CLASS = new Uint8Array(16).fill(0xc1);
const OTHER = new Uint8Array(16).fill(0xee);
const IMAGE = new Uint8Array(1000).fill(0x5a);
const WRONG_IMAGE = new Uint8Array(1000).fill(0x5b);

const params = (vendor: Uint8Array, cls: Uint8Array, image: Uint8Array): CborValue =>
  new Map<CborValue, CborValue>([[1, vendor], [2, cls], [3, encode([-16, sha256(image)])], [14, image.length]]);

// SUIT command numbers: 20 override-parameters, 1 vendor, 2 class, 3 image-match, 15 try-each
function envelope(shared: CborValue[], validate: CborValue[]): Uint8Array {
  return buildEnvelope(simpleManifest(5, [[7, validate]], shared), [ed25519Signer(SECRET, -8)]);
}

function verifier(env: { crypto: import('../../hosts/hal').Crypto }, clock?: Clock) {
  return new SuitSlotVerifier({
    clock,
    policy: { anchors: [{ name: 'k', role: 'author', type: 'ed25519', key: ed25519.getPublicKey(SECRET) }] },
    identity: { vendorId: VENDOR, classId: CLASS },
    crypto: env.crypto,
  });
}

const image = (bytes: Uint8Array) => ({ slot: 0, size: bytes.length, digest: () => sha256(bytes) });

export default defineCases('conditions count only when they hold', (add) => {
  add('plain vendor, class and image-match checks validate the right image', async (env) => {
    const e = envelope([20, params(VENDOR, CLASS, IMAGE), 1, 15, 2, 15], [3, 15]);
    const v = await verifier(env).validate(e, image(IMAGE));
    equal(v.sequence, 5, 'sequence');
  });

  add('a vendor/class check that fails inside try-each with an empty fallback is not a check', async (env) => {
    const e = envelope([20, params(OTHER, OTHER, IMAGE), 15, [encode([1, 15]), encode([2, 15]), encode([])]], [3, 15]);
    await rejectsCode(() => verifier(env).validate(e, image(IMAGE)), 'suit-identity-unchecked', 'foreign manifest');
  });

  add('an image-match that fails inside try-each with a fallback does not make the image bootable', async (env) => {
    const e = envelope([20, params(VENDOR, CLASS, IMAGE), 1, 15, 2, 15], [15, [encode([3, 15]), encode([])]]);
    await rejectsCode(() => verifier(env).validate(e, image(WRONG_IMAGE)), 'suit-image-unchecked', 'wrong image');
    const ok = await verifier(env).validate(e, image(IMAGE));
    equal(ok.imageSize, IMAGE.length, 'the right image still validates');
  });

  add('use-before limits installing an update, not booting one installed in time', async (env) => {
    const Y2030 = 1893456000;
    const at = (unix: number): Clock => ({ now: () => 0, unixTime: () => unix });
    const withLimit = new Map<CborValue, CborValue>([...(params(VENDOR, CLASS, IMAGE) as Map<CborValue, CborValue>), [4, Y2030]]);
    const e = envelope([20, withLimit, 1, 15, 2, 15, 4, 15], [3, 15]);
    const booted = await verifier(env, at(Y2030 + 86400 * 365 * 70)).validate(e, image(IMAGE));
    equal(booted.sequence, 5, 'an installed image boots after its use-before date');
    const auth = authenticateEnvelope(e, { anchors: [{ name: 'k', role: 'author', type: 'ed25519', key: ed25519.getPublicKey(SECRET) }] }, env.crypto);
    const install = (clock: Clock) => runProcedure(auth, 'validate', {
      identity: { vendorId: VENDOR, classId: CLASS }, clock,
      currentDigest: () => sha256(IMAGE),
      fetch: () => undefined, write: () => undefined, copy: () => undefined, swap: () => undefined, invoke: () => undefined,
    });
    equal((await install(at(Y2030 - 60))).ok, true, 'before the date the update applies');
    const late = await install(at(Y2030 + 60));
    equal(late.ok, false, 'after the date it does not');
    equal(late.error?.code, 'suit-condition-failed', 'typed');
    equal((await install({ now: () => 0, unixTime: () => undefined })).ok, false, 'nor without wall time');
  });
});
