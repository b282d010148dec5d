// The native Crypto backend for Moddable targets (ESP32, ESP32-C3, ESP8266, the lin
// simulator): SHA-256 and HMAC on the SDK's `Digest` (C), ECDSA P-256 on its `ECDSA`
// class over native big-number arithmetic. Moddable has no Ed25519, so that one
// algorithm comes from the portable JS implementation (@noble/curves), imported alone so
// the P-256 JS code is not linked in.
import { Digest } from "crypt";
import ECDSA from "ecdsa";
import Curve from "curve";
import ECPoint from "ecp";
import "./text-encoder";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { Crypto, Sha256 } from "../hal";

const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P256_A = P256_P - 3n;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

// Constructing a Curve builds its generator and field objects: do it once, lazily, so
// importing this module costs nothing on a device that never verifies a P-256 signature.
let p256: Curve | undefined;

class NativeSha256 implements Sha256 {
  private readonly digest_ = new Digest("SHA256");
  update(bytes: Uint8Array): this {
    // Digest reads typed-array views in place (offset and length respected): no copy.
    this.digest_.write(bytes as unknown as ArrayBuffer);
    return this;
  }
  digest(): Uint8Array {
    return new Uint8Array(this.digest_.close());
  }
}

function bigFrom(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = 0; i < bytes.length; i++) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function onCurve(x: bigint, y: bigint): boolean {
  if (x >= P256_P || y >= P256_P) return false;
  return (y * y - (x * x * x + P256_A * x + P256_B)) % P256_P === 0n;
}

/** SEC1 public key (uncompressed 65 bytes, or compressed 33) to a point checked to lie on P-256. */
function p256Point(key: Uint8Array): ECPoint | undefined {
  if (key.length === 65 && key[0] === 4) {
    const x = bigFrom(key.subarray(1, 33));
    const y = bigFrom(key.subarray(33, 65));
    return onCurve(x, y) ? new ECPoint(x, y) : undefined;
  }
  if (key.length === 33 && (key[0] === 2 || key[0] === 3)) {
    const x = bigFrom(key.subarray(1, 33));
    if (x >= P256_P) return undefined;
    // p = 3 mod 4, so a square root is a power (p + 1) / 4.
    let y = modPow((x * x * x + P256_A * x + P256_B) % P256_P, (P256_P + 1n) / 4n, P256_P);
    if ((y & 1n) !== BigInt(key[0] & 1)) y = P256_P - y;
    return onCurve(x, y) ? new ECPoint(x, y) : undefined;
  }
  return undefined;
}

function sha256Of(message: Uint8Array): ArrayBuffer {
  const d = new Digest("SHA256");
  d.write(message as unknown as ArrayBuffer);
  return d.close();
}

function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const block = 64;
  let k = key;
  if (k.length > block) k = new Uint8Array(sha256Of(k));
  const ipad = new Uint8Array(block).fill(0x36);
  const opad = new Uint8Array(block).fill(0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i] ^= k[i];
    opad[i] ^= k[i];
  }
  const inner = new Digest("SHA256");
  inner.write(ipad as unknown as ArrayBuffer);
  inner.write(message as unknown as ArrayBuffer);
  const outer = new Digest("SHA256");
  outer.write(opad as unknown as ArrayBuffer);
  outer.write(inner.close());
  return new Uint8Array(outer.close());
}

export const moddableCrypto: Crypto = {
  sha256: () => new NativeSha256(),
  hmacSha256,
  verifyP256(publicKey, message, signature) {
    if (signature.length !== 64) return false;
    const r = bigFrom(signature.subarray(0, 32));
    const s = bigFrom(signature.subarray(32, 64));
    // The native verifier does not range-check r and s; a zero would make it accept garbage.
    if (r === 0n || s === 0n || r >= P256_N || s >= P256_N) return false;
    const point = p256Point(publicKey);
    if (!point) return false;
    p256 ??= new Curve("secp256r1");
    try {
      return new ECDSA(point, p256, false).verify(sha256Of(message), signature.slice().buffer);
    } catch {
      return false;
    }
  },
  verifyEd25519(publicKey, message, signature) {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    try {
      return ed25519.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
};
