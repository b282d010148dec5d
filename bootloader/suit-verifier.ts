// The loader's verifier backed by the real SUIT processor (modules/suit) and the
// device's trust store: authenticateEnvelope for the signatures, then the manifest's own
// validate procedure for the device conditions and the image digest. The slot holds the
// image of component 0. Nothing here parses SUIT itself.
import { XsuitError } from '../modules/errors/errors';
import { Reason } from '../modules/report/reasons';
import { encode } from '../modules/cbor/index';
import { authenticateEnvelope, runProcedure, type AuthenticatedEnvelope, type SuitPlatform } from '../modules/suit/index';
import type { ComponentRef } from '../modules/suit/platform';
import { Cmd, DIGEST_ALG_SHA256 } from '../modules/suit/constants';
import type { Clock, Crypto, DeviceIdentity } from '../hosts/hal';
import type { TrustPolicy } from '../modules/trust/anchors';
import { COMPONENT_KEY_BYTES } from '../modules/slots/boot-record';
import type { AuthenticatedSlot, EnvelopeVerifier, ImageAccess, ValidatedSlot } from './verifier';

export const IMAGE_COMPONENT = 0;

export interface SuitVerifierOptions {
  policy: TrustPolicy;
  identity: DeviceIdentity;
  crypto: Crypto;
  clock?: Clock;
}

/** Floor key of a component: SHA-256 of its encoded SUIT_Component_Identifier, truncated. */
export function componentKey(crypto: Crypto, id: Uint8Array[]): Uint8Array {
  return crypto.sha256().update(encode(id)).digest().slice(0, COMPONENT_KEY_BYTES);
}

/**
 * Tracks which identity conditions HELD for this device while a procedure runs. Reading
 * the identity is not enough: a trusted manifest may wrap a failing vendor check in
 * try-each with an empty fallback, and that must not count as checked.
 */
export function watchedIdentity(identity: DeviceIdentity): { identity: DeviceIdentity; seen: Set<string>; onConditionHeld: (op: number, c: ComponentRef) => void } {
  const seen = new Set<string>();
  return {
    identity,
    seen,
    onConditionHeld: (op, c) => {
      if (c.dependency) return;
      if (op === Cmd.vendorId) seen.add('vendor');
      else if (op === Cmd.classId) seen.add('class');
      else if (op === Cmd.deviceId) seen.add('device');
      else if (op === Cmd.imageMatch && c.index === IMAGE_COMPONENT) seen.add('image');
    },
  };
}

export function requireIdentityChecked(seen: Set<string>): void {
  if (!seen.has('vendor') || !seen.has('class')) {
    throw new XsuitError('suit-identity-unchecked', 'the manifest does not establish that this device\'s vendor and class match before it acts',
      Reason.conditionFailed);
  }
}

/**
 * The currentDigest callback for an image just staged: only component 0, only at the
 * staged size, and nothing before the payload has been written.
 */
export function stagedDigest(staged: () => { digest: Uint8Array; length: number } | undefined) {
  return (c: ComponentRef, _alg: number, size: number | undefined): Uint8Array | undefined => {
    const s = staged();
    if (c.dependency || c.index !== IMAGE_COMPONENT || !s) return undefined;
    if (size !== undefined && size !== s.length) return undefined;
    return s.digest;
  };
}

/**
 * What must hold before any payload byte is written into the inactive slot: this
 * device's vendor and class conditions held, the target is the image component, and the
 * manifest has fixed the image's SHA-256 digest and size. Returns those two.
 */
export function requireStageable(
  seen: Set<string>, c: { index: number; dependency: boolean }, p: { imageDigest?: { alg: number; bytes: Uint8Array }; imageSize?: number },
): { digest: Uint8Array; size: number } {
  requireIdentityChecked(seen);
  if (c.dependency || c.index !== IMAGE_COMPONENT) {
    throw new XsuitError('suit-component-unsupported', `this device stores only component ${IMAGE_COMPONENT}`, Reason.componentUnsupported);
  }
  const digest = p.imageDigest;
  if (!digest || digest.alg !== DIGEST_ALG_SHA256 || p.imageSize === undefined) {
    throw new XsuitError('suit-no-image-digest', 'the manifest must give the image digest (SHA-256) and size before fetching', Reason.parameterUnsupported);
  }
  return { digest: digest.bytes, size: p.imageSize };
}

function noEffect(what: string): never {
  throw new XsuitError('suit-effect-refused', `${what} is not allowed while validating a slot`, Reason.commandUnsupported);
}

export class SuitSlotVerifier implements EnvelopeVerifier {
  private readonly options: SuitVerifierOptions;
  constructor(options: SuitVerifierOptions) {
    this.options = options;
  }

  private last: { bytes: Uint8Array; auth: AuthenticatedEnvelope } | undefined;

  /** The loader passes the same bytes to authenticate() then validate(): verify the signature once. */
  private auth(envelope: Uint8Array): AuthenticatedEnvelope {
    if (this.last && this.last.bytes === envelope) return this.last.auth;
    const auth = authenticateEnvelope(envelope, this.options.policy, this.options.crypto);
    this.last = { bytes: envelope, auth };
    return auth;
  }

  authenticate(envelope: Uint8Array): AuthenticatedSlot {
    const auth = this.auth(envelope);
    const id = auth.components[IMAGE_COMPONENT];
    if (!id) throw new XsuitError('suit-no-component', 'the manifest names no component', Reason.componentUnsupported);
    return { sequence: auth.sequence, componentKey: componentKey(this.options.crypto, id) };
  }

  async validate(envelope: Uint8Array, image: ImageAccess): Promise<ValidatedSlot> {
    const auth = this.auth(envelope);
    const id = auth.components[IMAGE_COMPONENT];
    if (!id) throw new XsuitError('suit-no-component', 'the manifest names no component', Reason.componentUnsupported);
    const { identity, seen, onConditionHeld } = watchedIdentity(this.options.identity);
    let checked: Uint8Array | undefined;
    const platform: SuitPlatform = {
      identity,
      onConditionHeld,
      verifyingInstalled: true,
      clock: this.options.clock,
      currentDigest: (c, _alg, size) => {
        if (c.dependency || c.index !== IMAGE_COMPONENT) return undefined;
        if (size !== undefined && size !== image.size) return undefined;
        checked = image.digest();
        return checked;
      },
      // A/B manifests (try-each over component-slot) pick the option for the slot being checked
      checkSlot: (c, slot) => !c.dependency && c.index === IMAGE_COMPONENT && slot === image.slot,
      fetch: () => noEffect('fetch'),
      write: () => noEffect('write'),
      copy: () => noEffect('copy'),
      swap: () => noEffect('swap'),
      invoke: () => noEffect('invoke'),
    };
    const result = await runProcedure(auth, 'validate', platform, { policy: this.options.policy, crypto: this.options.crypto });
    if (!result.ok) throw result.error ?? new XsuitError('suit-validate-failed', 'validate failed', result.reason);
    requireIdentityChecked(seen);
    if (!checked || !seen.has('image')) {
      throw new XsuitError('suit-image-unchecked', 'the manifest\'s validate sequence does not check the image digest', Reason.conditionFailed);
    }
    return { sequence: auth.sequence, componentKey: componentKey(this.options.crypto, id), imageDigest: checked, imageSize: image.size };
  }
}
