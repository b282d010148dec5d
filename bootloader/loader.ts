// The verified-boot loader: the first code that runs at power-on. It decides which slot
// to run, never runs an image that has not just been verified, counts trial attempts
// before it runs a trial image (so a crash counts), reverts when attempts run out, and
// otherwise stays in recovery and says why. Whenever it gives up a trial it marks that
// slot rejected first (slot-header.ts), so the agent never stages that image again. confirm()/reject() are what the running
// image calls; switchTo() is what the update agent calls after staging.
import { XsuitError, isXsuitError } from '../modules/errors/errors';
import { Reason } from '../modules/report/reasons';
import { bytesEqual } from '../modules/bytes/compare';
import type { Crypto, FlashDevice } from '../hosts/hal';
import { BOOT_PARTITION, otherSlot, openSlot, type SlotIndex } from '../modules/slots/layout';
import {
  BootEvent, BootRecord, DEFAULT_MAX_ATTEMPTS, blankBootState, bootEventName, withFloor, type BootEventCode, type BootState,
} from '../modules/slots/boot-record';
import { SlotWriter, type StageRequest } from '../modules/slots/slot-writer';
import { markRejected } from '../modules/slots/slot-header';
import { checkSlot, type SlotCheck } from './check-slot';
import type { EnvelopeVerifier, ValidatedSlot } from './verifier';

export interface LoaderHost {
  flash: FlashDevice;
  crypto: Crypto;
  verifier: EnvelopeVerifier;
  /** trial attempts for a newly switched image (from provisioning) */
  maxAttempts?: number;
}

export type BootDecision =
  | { kind: 'boot'; slot: SlotIndex; trial: boolean; attempt: number; maxAttempts: number; verified: ValidatedSlot; event: string; checks: SlotCheck[] }
  | { kind: 'recovery'; why: string; reason: number; checks: SlotCheck[] };

export class Loader {
  private readonly host: LoaderHost;
  readonly record: BootRecord;

  constructor(host: LoaderHost) {
    this.host = host;
    this.record = new BootRecord(host.flash.open(BOOT_PARTITION));
  }

  get verifier(): EnvelopeVerifier {
    return this.host.verifier;
  }

  /** The current boot state; a never-initialised device reads as blank. */
  state(): BootState {
    return this.record.load() ?? blankBootState(this.host.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  }

  /** Factory reset of the boot record (device init): no image, no floors. */
  initialise(): BootState {
    return this.record.save({ ...blankBootState(this.host.maxAttempts ?? DEFAULT_MAX_ATTEMPTS), lastEvent: BootEvent.initialised });
  }

  private check(state: BootState, slot: SlotIndex, allowDigests?: Uint8Array[]): Promise<SlotCheck> {
    return checkSlot(this.host.flash, this.host.crypto, this.host.verifier, state, slot, { image: true, floorRule: 'boot', allowDigests });
  }

  private save(state: BootState, changes: Partial<BootState>, event: BootEventCode, reason = 0): BootState {
    return this.record.save({ ...state, ...changes, lastEvent: event, lastReason: reason });
  }

  /**
   * A trial of the image in `slot` is given up (reject, revert): mark the slot so the
   * agent never stages it again, before the boot-record write that leaves the trial. A cut
   * in between leaves the trial in the boot record and the slot marked, which is right:
   * we were giving it up, and the next power-on or reject() gives it up again. Only a
   * power cut stops the revert; any other failure to write the marker must not (the
   * marker is what the agent reads, the revert is what keeps the device running).
   */
  private giveUp(slot: SlotIndex | null): void {
    if (slot === null) return;
    try {
      markRejected(openSlot(this.host.flash, slot));
    } catch (e) {
      if (isXsuitError(e) && e.code === 'power-cut') throw e;
    }
  }

  /** One power-on: returns the slot to run (already verified) or the recovery verdict. */
  async boot(): Promise<BootDecision> {
    let state = this.state();
    const checks: SlotCheck[] = [];
    if (state.trial && state.active !== null) {
      const revert = { active: state.confirmedSlot, trial: false, attempts: 0 };
      if (state.attempts >= state.maxAttempts) {
        this.giveUp(state.active);
        state = this.save(state, revert, BootEvent.revertedAttempts, Reason.operationFailed);
      } else {
        const trial = await this.check(state, state.active);
        checks.push(trial);
        if (trial.ok && trial.verified) {
          state = this.save(state, { attempts: state.attempts + 1 }, BootEvent.trialBoot);
          return { kind: 'boot', slot: trial.slot, trial: true, attempt: state.attempts, maxAttempts: state.maxAttempts, verified: trial.verified, event: 'trial-boot', checks };
        }
        this.giveUp(state.active);
        state = this.save(state, revert, BootEvent.revertedInvalid, trial.reason ?? Reason.operationFailed);
      }
    }
    if (state.active === null) {
      return { kind: 'recovery', why: 'no confirmed image to run', reason: Reason.operationFailed, checks };
    }
    const current = await this.check(state, state.active, [state.confirmedDigest]);
    checks.push(current);
    if (current.ok && current.verified) {
      return { kind: 'boot', slot: current.slot, trial: false, attempt: 0, maxAttempts: state.maxAttempts, verified: current.verified, event: bootEventName(state.lastEvent), checks };
    }
    const other = await this.check(state, otherSlot(state.active), [state.fallbackDigest]);
    checks.push(other);
    if (other.ok && other.verified) {
      if (wasConfirmedHere(state, other.verified.imageDigest)) {
        // Make the fallback the confirmed image so staging never targets the slot we run from.
        this.save(state, { active: other.slot, confirmedSlot: other.slot, confirmedDigest: other.verified.imageDigest }, BootEvent.fallback, current.reason ?? 0);
        return { kind: 'boot', slot: other.slot, trial: false, attempt: 0, maxAttempts: state.maxAttempts, verified: other.verified, event: 'fallback', checks };
      }
      // A newer image staged but never switched to: it has passed no health check here, so
      // it runs on trial, with nothing to revert to (the confirmed slot is damaged).
      state = this.save(state, { active: other.slot, trial: true, attempts: 1, confirmedSlot: null }, BootEvent.fallback, current.reason ?? 0);
      return { kind: 'boot', slot: other.slot, trial: true, attempt: 1, maxAttempts: state.maxAttempts, verified: other.verified, event: 'fallback', checks };
    }
    const why = checks.map((c) => `slot ${c.slot === 0 ? 'A' : 'B'}: ${c.code}`).join('; ');
    return { kind: 'recovery', why: `no valid image (${why})`, reason: current.reason ?? Reason.operationFailed, checks };
  }

  /** The running trial image passed its health check: make it the confirmed image and raise the floor. */
  async confirm(): Promise<BootState> {
    const state = this.state();
    if (state.active === null) throw new XsuitError('no-image', 'no image is active', Reason.operationFailed);
    if (!state.trial) return state; // already confirmed: confirming twice changes nothing
    const check = await checkSlot(this.host.flash, this.host.crypto, this.host.verifier, state, state.active, { image: true, floorRule: 'boot' });
    if (!check.ok || !check.verified) {
      throw new XsuitError(check.code ?? 'confirm-failed', `cannot confirm slot ${state.active}: ${check.message}`, check.reason ?? Reason.operationFailed);
    }
    const v = check.verified;
    return this.save(state, {
      trial: false, attempts: 0, confirmedSlot: state.active,
      fallbackDigest: state.confirmedSlot !== null && state.confirmedSlot !== state.active ? state.confirmedDigest : state.fallbackDigest,
      confirmedDigest: v.imageDigest, floors: withFloor(state, v.componentKey, v.sequence),
    }, BootEvent.confirmed);
  }

  /** The running trial image failed its health check: go back to the confirmed image now. */
  reject(): BootState {
    const state = this.state();
    if (!state.trial) throw new XsuitError('not-on-trial', 'only an image on trial can be rejected', Reason.operationFailed);
    this.giveUp(state.active);
    return this.save(state, { active: state.confirmedSlot, trial: false, attempts: 0 }, BootEvent.rejected, Reason.operationFailed);
  }

  /** The slot an update may be staged into; refuses while an image is on trial (its fallback must survive). */
  inactiveSlot(): SlotIndex {
    const state = this.state();
    if (state.trial) throw new XsuitError('trial-pending', 'an image is on trial: confirm or reject it before staging another', Reason.operationFailed);
    return state.active === null ? 0 : otherSlot(state.active);
  }

  /** The partition of a slot (for reading its header or image). */
  slotFlash(slot: SlotIndex) {
    return openSlot(this.host.flash, slot);
  }

  /** Starts writing an update into the inactive slot (nothing outside it is touched). */
  beginStaging(request: StageRequest): SlotWriter {
    return SlotWriter.begin(openSlot(this.host.flash, this.inactiveSlot()), this.host.crypto, request);
  }

  /** Continues an interrupted staging of the inactive slot, if there is one. */
  resumeStaging(): SlotWriter | undefined {
    return SlotWriter.resume(openSlot(this.host.flash, this.inactiveSlot()), this.host.crypto);
  }

  /**
   * Checks the staged slot as the loader will (authentic, newer than the floor, digest)
   * and makes it the active image on trial. One boot-record write.
   */
  async switchTo(slot: SlotIndex): Promise<BootState> {
    const state = this.state();
    if (state.trial) throw new XsuitError('trial-pending', 'an image is already on trial', Reason.operationFailed);
    if (slot === state.active) throw new XsuitError('slot-active', 'cannot switch to the slot that is running', Reason.operationFailed);
    const check = await checkSlot(this.host.flash, this.host.crypto, this.host.verifier, state, slot, { image: true, floorRule: 'stage' });
    if (!check.ok) throw new XsuitError(check.code ?? 'switch-failed', check.message ?? 'staged slot is not valid', check.reason ?? Reason.operationFailed);
    return this.save(state, {
      active: slot, trial: true, attempts: 0, maxAttempts: this.host.maxAttempts ?? state.maxAttempts,
      confirmedSlot: state.trial ? state.confirmedSlot : state.active,
    }, BootEvent.switched);
  }
}

function wasConfirmedHere(state: BootState, digest: Uint8Array): boolean {
  let zero = true;
  for (let i = 0; i < state.fallbackDigest.length; i++) if (state.fallbackDigest[i] !== 0) zero = false;
  return !zero && bytesEqual(state.fallbackDigest, digest);
}
