// The portable Crypto backend (hosts/hal.ts) on @noble/hashes and @noble/curves: pure
// JS, so it runs unchanged on Node, xsnap and a board without native crypto. Native
// backends (Moddable's Digest/ECDSA) implement the same interface.
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Crypto, Sha256 } from '../../hosts/hal';

class NobleSha256 implements Sha256 {
  private readonly h = sha256.create();
  update(bytes: Uint8Array): this {
    this.h.update(bytes);
    return this;
  }
  digest(): Uint8Array {
    return this.h.digest();
  }
}

export const nobleCrypto: Crypto = {
  sha256: () => new NobleSha256(),
  hmacSha256: (key, message) => hmac(sha256, key, message),
  verifyP256(publicKey, message, signature) {
    if (signature.length !== 64) return false;
    try {
      // COSE does not require low-S signatures; the message is hashed with SHA-256 here.
      return p256.verify(signature, message, publicKey, { lowS: false, prehash: true });
    } catch {
      return false; // malformed key or signature encoding: simply not valid
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
