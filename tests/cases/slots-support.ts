// Shared helpers for the slots / boot record / loader case tables (device code).
// TestTokenVerifier is a test double for the SUIT processor: an HMAC-tagged record of
// (sequence, component, digest, size, vendor, class). It is deliberately NOT SUIT; the
// loader's SUIT-backed verifier is tested with real envelopes in loader-suit.cases.ts.
import { XsuitError } from '../../modules/errors/errors';
import { Reason } from '../../modules/report/reasons';
import { bytesEqual } from '../../modules/bytes/compare';
import type { Crypto, FlashDevice } from '../../hosts/hal';
import type { AuthenticatedSlot, EnvelopeVerifier, ImageAccess, ValidatedSlot } from '../../bootloader/verifier';
import { Loader } from '../../bootloader/loader';

export const SMALL_PARTITIONS = `
# name,     type, subtype, offset,  size
xsuit_boot, data, 0x40,    0x9000,  0x2000
xsuit_prov, data, 0x41,    0xb000,  0x1000
slot_a,     app,  ota_0,   0x10000, 0x20000
slot_b,     app,  ota_1,   0x30000, 0x20000
`;
export const SMALL_CHIP = 0x50000;

export const TEST_KEY = new Uint8Array(32).fill(0x5a);
export const VENDOR = new Uint8Array(16).fill(0xa1);
export const CLASS = new Uint8Array(16).fill(0xc1);
export const COMPONENT = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

const MAGIC = [0x58, 0x54, 0x54, 0x31]; // 'XTT1'
const BODY = 4 + 4 + 8 + 32 + 4 + 16 + 16;

export function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

export interface TokenFields {
  sequence: number;
  image: Uint8Array;
  vendor?: Uint8Array;
  cls?: Uint8Array;
  key?: Uint8Array;
}

export function makeToken(crypto: Crypto, f: TokenFields): Uint8Array {
  const out = new Uint8Array(BODY + 32);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, f.sequence, true);
  out.set(COMPONENT, 8);
  out.set(crypto.sha256().update(f.image).digest(), 16);
  view.setUint32(48, f.image.length, true);
  out.set(f.vendor ?? VENDOR, 52);
  out.set(f.cls ?? CLASS, 68);
  out.set(crypto.hmacSha256(f.key ?? TEST_KEY, out.subarray(0, BODY)), BODY);
  return out;
}

export function tokenDigest(token: Uint8Array): Uint8Array {
  return token.slice(16, 48);
}

export class TestTokenVerifier implements EnvelopeVerifier {
  constructor(private readonly crypto: Crypto) {}

  authenticate(envelope: Uint8Array): AuthenticatedSlot {
    if (envelope.length !== BODY + 32 || MAGIC.some((m, i) => envelope[i] !== m)) {
      throw new XsuitError('token-malformed', 'not a test token', Reason.cborParse);
    }
    const tag = this.crypto.hmacSha256(TEST_KEY, envelope.subarray(0, BODY));
    if (!bytesEqual(tag, envelope.subarray(BODY))) throw new XsuitError('token-unauthorised', 'bad tag', Reason.unauthorised);
    return { sequence: new DataView(envelope.buffer, envelope.byteOffset).getUint32(4, true), componentKey: envelope.slice(8, 16) };
  }

  validate(envelope: Uint8Array, image: ImageAccess): ValidatedSlot {
    const auth = this.authenticate(envelope);
    if (!bytesEqual(envelope.subarray(52, 68), VENDOR)) throw new XsuitError('token-vendor', 'wrong vendor', Reason.conditionFailed);
    if (!bytesEqual(envelope.subarray(68, 84), CLASS)) throw new XsuitError('token-class', 'wrong class', Reason.conditionFailed);
    const size = new DataView(envelope.buffer, envelope.byteOffset).getUint32(48, true);
    if (size !== image.size) throw new XsuitError('token-size', 'image size differs', Reason.conditionFailed);
    const digest = image.digest();
    if (!bytesEqual(digest, envelope.subarray(16, 48))) throw new XsuitError('token-digest', 'image digest differs', Reason.conditionFailed);
    return { ...auth, imageDigest: digest, imageSize: size };
  }
}

export function tokenLoader(device: FlashDevice, crypto: Crypto, maxAttempts = 3): Loader {
  return new Loader({ flash: device, crypto, verifier: new TestTokenVerifier(crypto), maxAttempts });
}

/** Stages `image` authorised by `token` into the inactive slot and switches to it. */
export async function installWithToken(loader: Loader, crypto: Crypto, token: Uint8Array, image: Uint8Array, chunk = 1000): Promise<void> {
  const writer = loader.beginStaging({ envelope: token, imageLength: image.length, imageDigest: tokenDigest(token) });
  for (let at = 0; at < image.length; at += chunk) writer.write(image.subarray(at, Math.min(image.length, at + chunk)));
  writer.finish();
  await loader.switchTo(loader.inactiveSlot());
}
