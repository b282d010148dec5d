// One slot, checked the way the loader must before it runs anything from it: the slot is
// complete, its stored envelope authenticates, its sequence is not below the floor (with
// one exception, see below), and the image in flash hashes to the signed digest.
import { XsuitError, isXsuitError } from '../modules/errors/errors';
import { Reason } from '../modules/report/reasons';
import { bytesEqual } from '../modules/bytes/compare';
import type { Crypto, FlashDevice } from '../hosts/hal';
import { openSlot, type SlotIndex } from '../modules/slots/layout';
import { hashImage, readEnvelope, slotHeader } from '../modules/slots/slot-reader';
import { floorOf, type BootState } from '../modules/slots/boot-record';
import type { AuthenticatedSlot, EnvelopeVerifier, ValidatedSlot } from './verifier';

export interface SlotCheck {
  slot: SlotIndex;
  ok: boolean;
  /** set when ok: what was authenticated (and, with `image`, validated against the slot) */
  verified?: ValidatedSlot;
  /** why not, when !ok: an XsuitError code and SUIT reason */
  code?: string;
  reason?: number;
  message?: string;
}

export interface CheckOptions {
  /** also run the manifest's conditions against the image (digest, size, identity) */
  image: boolean;
  /** 'boot': sequence >= floor; 'stage': sequence > floor (a new image must be newer) */
  floorRule: 'boot' | 'stage';
  /**
   * Images this device itself confirmed may boot below the floor, and only when their
   * digest is one the boot record remembers (the confirmed image and the one confirmed
   * before it): when the current image is damaged the device falls back to the image it
   * ran before instead of bricking. Any other image below the floor is refused.
   */
  allowDigests?: Uint8Array[];
}

function zero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

export async function checkSlot(
  device: FlashDevice, crypto: Crypto, verifier: EnvelopeVerifier, state: BootState, slot: SlotIndex, options: CheckOptions,
): Promise<SlotCheck> {
  try {
    const flash = openSlot(device, slot);
    const header = slotHeader(flash);
    const envelope = readEnvelope(flash, header);
    const auth: AuthenticatedSlot = await verifier.authenticate(envelope);
    const floor = floorOf(state, auth.componentKey);
    const belowFloor = options.floorRule === 'stage' ? auth.sequence <= floor : auth.sequence < floor;
    let verified: ValidatedSlot = { ...auth, imageDigest: header.record ? header.record.imageDigest : new Uint8Array(32), imageSize: header.record ? header.record.imageLength : 0 };
    if (options.image || (belowFloor && options.allowDigests)) {
      const size = header.record ? header.record.imageLength : 0;
      verified = await verifier.validate(envelope, { slot, size, digest: () => hashImage(flash, crypto, header) });
    }
    if (belowFloor) {
      const isFallback = (options.allowDigests ?? []).some((d) => !zero(d) && bytesEqual(d, verified.imageDigest));
      if (!isFallback) {
        throw new XsuitError('rollback', `sequence ${auth.sequence} is ${options.floorRule === 'stage' ? 'not above' : 'below'} the floor ${floor}`,
          Reason.conditionFailed, { sequence: auth.sequence, floor });
      }
    }
    return { slot, ok: true, verified };
  } catch (e) {
    if (!isXsuitError(e)) throw e;
    if (e.code === 'power-cut') throw e;
    return { slot, ok: false, code: e.code, reason: e.reason, message: e.message };
  }
}
