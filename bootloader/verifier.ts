// What the loader needs from the SUIT processor, kept behind an interface so the boot
// logic is testable on its own; bootloader/suit-verifier.ts is the real one (modules/suit
// + the device's trust store). Two phases so the cheap checks (signature, floor) run
// before the expensive one (hashing the whole image).

export interface AuthenticatedSlot {
  /** suit-manifest-sequence-number, authenticated */
  sequence: number;
  /** first 8 bytes of SHA-256 over the encoded component identifier of the image */
  componentKey: Uint8Array;
}

/** Lazy access to the image in a slot; digest() reads the slot once (one sector of RAM). */
export interface ImageAccess {
  /** the slot (0 = A, 1 = B) holding the image, for manifests that name component slots */
  slot: number;
  size: number;
  digest(): Uint8Array;
}

export interface ValidatedSlot extends AuthenticatedSlot {
  /** SHA-256 of the image in flash, which the signed manifest was checked to require */
  imageDigest: Uint8Array;
  imageSize: number;
}

export interface EnvelopeVerifier {
  /** Signature(s) against the trust store. Throws XsuitError (with a SUIT reason). */
  authenticate(envelope: Uint8Array): AuthenticatedSlot | Promise<AuthenticatedSlot>;
  /**
   * The manifest's conditions for this device (vendor, class, ...) and that the image
   * is the one the manifest names (digest and size). Throws XsuitError otherwise.
   */
  validate(envelope: Uint8Array, image: ImageAccess): ValidatedSlot | Promise<ValidatedSlot>;
}
