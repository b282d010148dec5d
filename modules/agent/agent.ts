// The update agent: learns of a manifest (Observe, subscription or an explicit offer),
// authenticates it before fetching a single payload byte, streams the payload into the
// inactive slot with the SlotWriter, lets the SUIT processor check the digest, switches
// to the new image on trial and restarts. After a power cut or a lost link it resumes
// from the last written sector of the same image; a different manifest starts over.
// The image's health check later calls confirm() or reject() (on the next boot), which
// also sends the SUIT report.
import { XsuitError, isXsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { encodeReport } from '../report/report';
import { bytesEqual } from '../bytes/compare';
import { authenticateEnvelope, runProcedure, type SuitPlatform, type AuthenticatedEnvelope } from '../suit/index';
import { DIGEST_ALG_SHA256 } from '../suit/constants';
import { floorOf } from '../slots/boot-record';
import { slotHeader } from '../slots/slot-reader';
import type { SlotWriter } from '../slots/slot-writer';
import type { Loader } from '../../bootloader/loader';
import { IMAGE_COMPONENT, componentKey, requireStageable, stagedDigest, watchedIdentity, type SuitVerifierOptions } from '../../bootloader/suit-verifier';
import type { UpdateTransport } from './transport';

export type AgentEvent =
  | { type: 'manifest'; sequence: number; transport: string }
  | { type: 'skipped'; sequence: number; why: 'not-newer' | 'previously-rejected' | 'trial-pending' }
  | { type: 'queued' }
  | { type: 'rejected'; code: string; reason: number; message: string }
  | { type: 'fetching'; uri: string; offset: number; resumed: boolean }
  | { type: 'progress'; offset: number; total: number }
  | { type: 'staged'; sequence: number; bytes: number }
  | { type: 'switched'; slot: number; sequence: number }
  | { type: 'reported'; ok: boolean; reason: number };

export interface AgentOptions {
  loader: Loader;
  verifier: SuitVerifierOptions;
  transport: UpdateTransport;
  /** power-cycles the device after a switch (the new image boots on trial) */
  restart(): void;
  onEvent?(e: AgentEvent): void;
}

export type OfferOutcome = 'installed' | 'skipped' | 'rejected';

export class UpdateAgent {
  private readonly o: AgentOptions;
  private busy = false;
  /** the newest envelope that arrived while another was being handled (latest wins) */
  private pending: Uint8Array | undefined;

  constructor(options: AgentOptions) {
    this.o = options;
  }

  private emit(e: AgentEvent): void {
    if (this.o.onEvent) this.o.onEvent(e);
  }

  /** Watches the transport for manifests and offers each one. */
  async start(): Promise<void> {
    await this.o.transport.watch((envelope) => {
      this.offer(envelope).catch(() => undefined);
    });
  }

  /**
   * Takes one envelope through the whole update. Resolves 'installed' after the switch
   * (restart() has been called), 'skipped' for nothing-to-do, 'rejected' on failure
   * (the report has been sent). An envelope offered while another is being handled is
   * kept (the newest one) and handled right after: a release published during a
   * transfer must not be lost. Such a call resolves 'queued'.
   */
  async offer(envelope: Uint8Array): Promise<OfferOutcome | 'queued'> {
    if (this.busy) {
      this.pending = envelope;
      this.emit({ type: 'queued' });
      return 'queued';
    }
    this.busy = true;
    try {
      let outcome = await this.install(envelope);
      while (this.pending && outcome !== 'installed') {
        const next = this.pending;
        this.pending = undefined;
        outcome = await this.install(next);
      }
      return outcome;
    } finally {
      this.pending = undefined;
      this.busy = false;
    }
  }

  private async install(envelope: Uint8Array): Promise<OfferOutcome> {
    const { loader, verifier } = this.o;
    let auth: AuthenticatedEnvelope;
    try {
      // invariant 1: nothing is fetched or written before this succeeds
      auth = authenticateEnvelope(envelope, verifier.policy, verifier.crypto);
    } catch (e) {
      return this.fail(e, undefined);
    }
    this.emit({ type: 'manifest', sequence: auth.sequence, transport: this.o.transport.name });
    const id = auth.components[IMAGE_COMPONENT];
    if (!id) return this.fail(new XsuitError('suit-no-component', 'the manifest names no component', Reason.componentUnsupported), auth);
    const state = loader.state();
    if (state.trial) {
      this.emit({ type: 'skipped', sequence: auth.sequence, why: 'trial-pending' });
      return 'skipped';
    }
    if (auth.sequence <= floorOf(state, componentKey(verifier.crypto, id))) {
      this.emit({ type: 'skipped', sequence: auth.sequence, why: 'not-newer' });
      return 'skipped';
    }
    const slot = loader.inactiveSlot();
    const { identity, seen, onConditionHeld } = watchedIdentity(verifier.identity);
    let staged: { digest: Uint8Array; length: number } | undefined;
    let previouslyRejected = false;

    const platform: SuitPlatform = {
      identity,
      onConditionHeld,
      clock: verifier.clock,
      currentDigest: stagedDigest(() => staged),
      fetch: async (uri, c, p) => {
        const want = requireStageable(seen, c, p);
        const header = slotHeader(loader.slotFlash(slot));
        const same = header.record !== undefined && header.record.imageLength === want.size && bytesEqual(header.record.imageDigest, want.digest);
        if (same && header.state === 'complete' && header.record) {
          if (header.rejected) {
            // this exact image was switched to, on trial, and given up (the loader marked
            // the slot before it reverted): do not loop on it
            previouslyRejected = true;
            throw new XsuitError('agent-previously-rejected', 'this image already failed on this device', Reason.operationFailed);
          }
          // committed, but power failed before the switch reached the boot record (the
          // header is fresh from staging, so not marked, whatever the boot record's last
          // event says about an earlier image): the slot is whole (switchTo re-checks its
          // digest), so go straight to the switch
          this.emit({ type: 'fetching', uri, offset: want.size, resumed: true });
          staged = { digest: header.record.imageDigest.slice(), length: want.size };
          return;
        }
        let writer: SlotWriter | undefined = same && header.state === 'staging' ? loader.resumeStaging() : undefined;
        const resumed = writer !== undefined;
        if (!writer) writer = loader.beginStaging({ envelope, imageLength: want.size, imageDigest: want.digest });
        const w = writer;
        this.emit({ type: 'fetching', uri, offset: w.offset, resumed });
        let lastStep = -1;
        await this.o.transport.fetch(uri, w.offset, (offset, bytes, total) => {
          if (offset !== w.offset) throw new XsuitError('agent-out-of-order', `chunk at ${offset}, writer at ${w.offset}`, Reason.operationFailed);
          if (total !== want.size) throw new XsuitError('payload-size-mismatch', `server has ${total} bytes, the manifest says ${want.size}`, Reason.operationFailed);
          w.write(bytes);
          const step = Math.floor((w.offset * 20) / Math.max(1, total));
          if (step !== lastStep) {
            lastStep = step;
            this.emit({ type: 'progress', offset: w.offset, total });
          }
        });
        staged = { digest: w.finish(), length: want.size };
      },
      write: () => { throw new XsuitError('suit-effect-refused', 'write directive not supported by the agent', Reason.commandUnsupported); },
      copy: () => { throw new XsuitError('suit-effect-refused', 'copy not supported', Reason.commandUnsupported); },
      swap: () => { throw new XsuitError('suit-effect-refused', 'swap not supported', Reason.commandUnsupported); },
      invoke: () => { throw new XsuitError('suit-effect-refused', 'invoke is the loader\'s job', Reason.commandUnsupported); },
    };

    const result = await runProcedure(auth, 'update', platform, { policy: verifier.policy, crypto: verifier.crypto });
    if (previouslyRejected) {
      this.emit({ type: 'skipped', sequence: auth.sequence, why: 'previously-rejected' });
      return 'skipped';
    }
    if (!result.ok || !staged) {
      const err = result.error ?? new XsuitError('suit-nothing-staged', 'the update procedure wrote no image', result.reason || Reason.operationFailed);
      await this.send(result.reportBytes, false, err.reason);
      this.emit({ type: 'rejected', code: err.code, reason: err.reason, message: err.message });
      return 'rejected';
    }
    this.emit({ type: 'staged', sequence: auth.sequence, bytes: staged.length });
    try {
      // re-verifies the staged slot as the loader will boot it
      await loader.switchTo(slot);
    } catch (e) {
      return this.fail(e, auth);
    }
    this.emit({ type: 'switched', slot, sequence: auth.sequence });
    this.o.restart();
    return 'installed';
  }

  private async fail(e: unknown, auth: AuthenticatedEnvelope | undefined): Promise<OfferOutcome> {
    const err = isXsuitError(e) ? e : new XsuitError('agent-error', String(e), Reason.operationFailed);
    const digest = auth ? auth.manifestDigest : new Uint8Array(32);
    await this.send(encodeReport({ reference: { digest: { alg: DIGEST_ALG_SHA256, bytes: digest } }, records: [], result: { code: 0, reason: err.reason || Reason.operationFailed } }), false, err.reason);
    this.emit({ type: 'rejected', code: err.code, reason: err.reason, message: err.message });
    return 'rejected';
  }

  private async send(bytes: Uint8Array, ok: boolean, reason: number): Promise<void> {
    try {
      await this.o.transport.report(bytes);
      this.emit({ type: 'reported', ok, reason });
    } catch {
      // a report that cannot be sent must not undo the update decision
    }
  }

  /**
   * The running image's health check passed: confirm it (the floor rises) and report
   * success for the manifest that authorised it.
   */
  async confirm(manifestDigest: Uint8Array): Promise<void> {
    await this.o.loader.confirm();
    await this.send(encodeReport({ reference: { digest: { alg: DIGEST_ALG_SHA256, bytes: manifestDigest } }, records: [], result: true }), true, 0);
  }

  /** The health check failed: go back to the confirmed image, report, and restart into it. */
  async reject(manifestDigest: Uint8Array, reason = Reason.operationFailed): Promise<void> {
    this.o.loader.reject();
    await this.send(encodeReport({ reference: { digest: { alg: DIGEST_ALG_SHA256, bytes: manifestDigest } }, records: [], result: { code: 0, reason } }), false, reason);
    this.o.restart();
  }
}
