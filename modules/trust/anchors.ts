// The trust store: which keys may authorise an update, in which role, and how many
// distinct signers a manifest needs (k of n). Pure data; modules/cose does the math.

export type KeyType = 'p256' | 'ed25519' | 'hmac256';
export type Role = 'author' | 'operator';

export interface TrustAnchor {
  /** human-readable name for reports and CLI output */
  name: string;
  /** COSE key id; when both the anchor and a COSE header carry one they must match */
  kid?: Uint8Array;
  role: Role;
  type: KeyType;
  /** p256: SEC1 point (65 or 33 bytes); ed25519: 32 bytes; hmac256: the secret */
  key: Uint8Array;
}

export interface TrustPolicy {
  anchors: TrustAnchor[];
  /** distinct trusted signers required (default 1) */
  threshold?: number;
  /** roles that count toward the threshold (default: all) */
  roles?: Role[];
}

/** COSE algorithm numbers and the key type each one needs. */
export const ALG_KEY_TYPE: Record<number, KeyType> = {
  [-7]: 'p256', // ES256
  [-9]: 'p256', // ESP256
  [-8]: 'ed25519', // EdDSA (only Ed25519 keys are supported)
  [-19]: 'ed25519', // Ed25519
  5: 'hmac256', // HMAC 256/256
};

export const ALG_NAMES: Record<number, string> = {
  [-7]: 'ES256', [-9]: 'ESP256', [-8]: 'EdDSA', [-19]: 'Ed25519', 5: 'HMAC-256',
};
