// Runs SUIT command sequences (draft-ietf-suit-manifest-34 s8.4 plus update-management
// and trust-domains commands) against a platform. Conditions read, directives act,
// and every effect goes through a SuitPlatform callback.
import { XsuitError, isXsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import type { CborValue } from '../cbor/index';
import { bytesEqual, constantTimeEqual } from '../bytes/compare';
import type { SuitRecord } from '../report/report';
import type { TrustPolicy } from '../trust/anchors';
import type { Crypto } from '../../hosts/hal';
import { Cmd, DIGEST_ALG_SHA256 } from './constants';

import { parseSequence, type Command } from './sequence';
import { paramsView, setParams, versionMatches, type ParamStore } from './params';
import { authenticateEnvelope, parseEnvelope, type AuthenticatedEnvelope } from './envelope';
import type { ComponentRef, SuitParams, SuitPlatform } from './platform';

// commands whose success the platform may want to know of (onConditionHeld)
const CONDITIONS = new Set<number>([
  Cmd.vendorId, Cmd.classId, Cmd.imageMatch, Cmd.useBefore, Cmd.componentSlot, Cmd.checkContent,
  Cmd.dependencyIntegrity, Cmd.isDependency, Cmd.deviceId, Cmd.imageNotMatch, Cmd.minimumBattery,
  Cmd.updateAuthorized, Cmd.version,
]);

export interface ProcedureOptions {
  /** trust policy for dependency manifests (process-dependency, dependency-integrity) */
  policy?: TrustPolicy;
  crypto?: Crypto;
  nonce?: Uint8Array;
  /** deepest dependency nesting (default 4) */
  maxDependencyDepth?: number;
}

const REPORT_SUCCESS = 1;
const REPORT_FAILURE = 2;
/** commands whose argument is data, not a reporting policy */
const DATA_ARG = new Set<number>([
  Cmd.setComponentIndex, Cmd.tryEach, Cmd.overrideParameters, Cmd.setParameters,
  Cmd.runSequence, Cmd.overrideMultiple, Cmd.copyParams,
]);

function conditionFailed(what: string): never {
  throw new XsuitError('suit-condition-failed', what, Reason.conditionFailed);
}
function unsupported(what: string): never {
  throw new XsuitError('suit-command-unsupported', what, Reason.commandUnsupported);
}
function missing(name: string): never {
  throw new XsuitError('suit-parameter-missing', `parameter ${name} is not set`, Reason.parameterUnsupported);
}
function operationFailed(what: string): never {
  throw new XsuitError('suit-operation-failed', what, Reason.operationFailed);
}

export class SuitRunner {
  readonly records: SuitRecord[];
  private readonly dependencyEnvelopes = new Map<number, Uint8Array>();
  private section = 0;
  private selected: number[] = [0];
  private params: ParamStore = new Map();

  constructor(
    readonly auth: AuthenticatedEnvelope,
    private readonly platform: SuitPlatform,
    private readonly options: ProcedureOptions,
    readonly manifestId: number[] = [],
    private readonly depth = 0,
    records?: SuitRecord[],
  ) {
    this.records = records ?? [];
  }

  /** Resets the parameters, runs the shared sequence and then section `key` (if present). */
  async runSection(key: number, encoded: Uint8Array): Promise<void> {
    this.section = key;
    this.selected = [0];
    this.params = new Map();
    const shared = this.auth.manifest.shared;
    const sharedCmds = shared ? parseSequence(shared) : [];
    const cmds = parseSequence(encoded);
    // soft-failure exists only inside try-each and run-sequence: a section never ends
    // "quietly", whatever the soft-failure parameter says
    await this.runCommands(sharedCmds, null);
    await this.runCommands(cmds, null);
  }

  ref(index: number): ComponentRef {
    const m = this.auth.manifest;
    const dep = m.dependencies.get(index);
    if (dep) return { index, id: dep.prefix ?? [], dependency: true };
    if (index >= 0 && index < m.components.length) return { index, id: m.components[index], dependency: false };
    throw new XsuitError('suit-component-index', `component index ${index} does not exist`, Reason.componentUnsupported);
  }

  private view(index: number): SuitParams {
    return paramsView(this.params.get(index) ?? new Map());
  }

  /**
   * Runs commands; returns false when a condition failed under soft-failure.
   * `softDefault` null: soft failure is not allowed here (a section's top level).
   */
  private async runCommands(cmds: Command[], softDefault: boolean | null): Promise<boolean> {
    for (const cmd of cmds) {
      try {
        await this.exec(cmd);
      } catch (e) {
        const soft = softDefault !== null && (this.view(this.selected[0] ?? 0).softFailure ?? softDefault);
        if (soft && isXsuitError(e) && e.reason === Reason.conditionFailed) return false;
        throw e;
      }
    }
    return true;
  }

  private record(cmd: Command, index: number): SuitRecord {
    return {
      manifestId: this.manifestId, section: this.section, offset: cmd.offset, componentIndex: index,
      properties: new Map(this.params.get(index) ?? []),
    };
  }

  private async exec(cmd: Command): Promise<void> {
    const a = cmd.arg;
    switch (cmd.op) {
      case Cmd.setComponentIndex: return this.setIndex(a);
      case Cmd.overrideParameters:
      case Cmd.setParameters:
        for (const i of this.selected) setParams(this.params, i, a, cmd.op === Cmd.overrideParameters);
        return;
      case Cmd.overrideMultiple:
        if (!(a instanceof Map)) throw new XsuitError('suit-malformed', 'override-multiple argument is not a map', Reason.cborParse);
        for (const [i, values] of a) {
          if (typeof i !== 'number') throw new XsuitError('suit-malformed', 'override-multiple index', Reason.cborParse);
          this.ref(i);
          setParams(this.params, i, values, true);
        }
        return;
      case Cmd.copyParams: return this.copyParams(a);
      case Cmd.tryEach: {
        for (const option of cmd.nested ?? []) {
          if (option === null) return; // a final nil: try-each succeeds even if all failed
          if (await this.runCommands(option, true)) return;
        }
        return conditionFailed('no try-each option succeeded');
      }
      case Cmd.runSequence:
        await this.runCommands((cmd.nested ?? [])[0] ?? [], false);
        return;
    }
    const policy = typeof a === 'number' && !DATA_ARG.has(cmd.op) ? a : 0;
    for (const index of this.selected) {
      try {
        await this.apply(cmd.op, this.ref(index));
      } catch (e) {
        const err = isXsuitError(e) ? e : new XsuitError('suit-platform-error', String((e as Error)?.message ?? e), Reason.operationFailed);
        const rec = this.record(cmd, index);
        if (policy & REPORT_FAILURE) this.records.push(rec);
        throw new XsuitError(err.code, err.message.replace(/^[a-z0-9-]+: /, ''), err.reason, {
          ...(err.detail ?? {}), command: cmd.op, record: (err.detail?.record as SuitRecord | undefined) ?? rec,
        });
      }
      if (CONDITIONS.has(cmd.op)) this.platform.onConditionHeld?.(cmd.op, this.ref(index));
      if (policy & REPORT_SUCCESS) this.records.push(this.record(cmd, index));
    }
  }

  private setIndex(a: CborValue): void {
    const m = this.auth.manifest;
    if (a === true) this.selected = m.components.map((_, i) => i);
    else if (typeof a === 'number') this.selected = [a];
    else if (Array.isArray(a) && a.length > 0 && a.every((x) => typeof x === 'number')) this.selected = a as number[];
    else throw new XsuitError('suit-malformed', 'set-component-index argument', Reason.cborParse);
    for (const i of this.selected) this.ref(i);
  }

  private copyParams(a: CborValue): void {
    if (!(a instanceof Map)) throw new XsuitError('suit-malformed', 'copy-params argument is not a map', Reason.cborParse);
    for (const [src, labels] of a) {
      if (typeof src !== 'number' || !Array.isArray(labels)) throw new XsuitError('suit-malformed', 'copy-params entry', Reason.cborParse);
      this.ref(src);
      const from = this.params.get(src) ?? new Map();
      for (const dst of this.selected) {
        const values = new Map<CborValue, CborValue>();
        for (const l of labels) if (typeof l === 'number' && from.has(l)) values.set(l, from.get(l));
        setParams(this.params, dst, values, true);
      }
    }
  }

  private dependencyBytes(c: ComponentRef, p: SuitParams): Uint8Array | undefined {
    return this.dependencyEnvelopes.get(c.index) ?? (p.uri?.startsWith('#') ? this.auth.integrated.get(p.uri) : undefined);
  }

  private needTrust(): { policy: TrustPolicy; crypto: Crypto } {
    const { policy, crypto } = this.options;
    if (!policy || !crypto) throw new XsuitError('suit-no-policy', 'dependencies need options.policy and options.crypto', Reason.unauthorised);
    return { policy, crypto };
  }

  private async digestMatches(c: ComponentRef, p: SuitParams): Promise<boolean> {
    const want = p.imageDigest ?? missing('image-digest');
    if (want.alg !== DIGEST_ALG_SHA256) throw new XsuitError('suit-digest-alg', `digest algorithm ${want.alg}`, Reason.algUnsupported);
    let have: Uint8Array | undefined;
    if (c.dependency) {
      const bytes = this.dependencyBytes(c, p);
      have = bytes && parseEnvelope(bytes, this.needTrust().crypto).computedDigest;
    } else {
      have = await this.platform.currentDigest(c, want.alg, p.imageSize);
    }
    return have !== undefined && constantTimeEqual(have, want.bytes);
  }

  private async apply(op: number, c: ComponentRef): Promise<void> {
    const pf = this.platform;
    const p = this.view(c.index);
    switch (op) {
      case Cmd.vendorId:
        if (!bytesEqual(p.vendorId ?? missing('vendor-id'), pf.identity.vendorId)) conditionFailed('vendor identifier differs');
        return;
      case Cmd.classId:
        if (!bytesEqual(p.classId ?? missing('class-id'), pf.identity.classId)) conditionFailed('class identifier differs');
        return;
      case Cmd.deviceId: {
        const id = p.deviceId ?? missing('device-id');
        if (!pf.identity.deviceId || !bytesEqual(id, pf.identity.deviceId)) conditionFailed('device identifier differs');
        return;
      }
      case Cmd.imageMatch:
        if (!(await this.digestMatches(c, p))) conditionFailed(`image digest of component ${c.index} does not match`);
        return;
      case Cmd.imageNotMatch:
        if (await this.digestMatches(c, p)) conditionFailed(`image digest of component ${c.index} matches`);
        return;
      case Cmd.componentSlot: {
        const slot = p.componentSlot ?? missing('component-slot');
        if (!pf.checkSlot) return unsupported('platform has no component slots');
        if (!(await pf.checkSlot(c, slot))) conditionFailed(`slot ${slot} is not usable`);
        return;
      }
      case Cmd.checkContent: {
        const want = p.content ?? missing('content');
        if (!pf.readContent) return unsupported('platform cannot read content');
        const have = await pf.readContent(c, want.length);
        if (!have || !constantTimeEqual(have, want)) conditionFailed('content differs');
        return;
      }
      case Cmd.abort: return conditionFailed('abort');
      case Cmd.useBefore: {
        const limit = p.useBefore ?? missing('use-before');
        // use-before limits when an update may be applied; an image that was installed in
        // time keeps booting after the date.
        if (pf.verifyingInstalled) return;
        const now = pf.clock?.unixTime();
        if (now === undefined || now >= limit) conditionFailed('manifest is past its use-before time (or no wall time)');
        return;
      }
      case Cmd.minimumBattery: {
        const min = p.minimumBattery ?? missing('minimum-battery');
        if (!pf.batteryLevel) return unsupported('platform reports no battery level');
        if (pf.batteryLevel() < min) conditionFailed('battery below the minimum');
        return;
      }
      case Cmd.updateAuthorized:
        if (!pf.updateAuthorized) return unsupported('platform has no update authorisation');
        if (!(await pf.updateAuthorized(p.updatePriority))) conditionFailed('update not authorised');
        return;
      case Cmd.version: {
        const want = p.version ?? missing('version');
        if (!pf.currentVersion) return unsupported('platform reports no versions');
        const cur = pf.currentVersion(c);
        if (!cur || !versionMatches(cur, want)) conditionFailed('version does not match');
        return;
      }
      case Cmd.isDependency:
        if (!c.dependency) conditionFailed(`component ${c.index} is not a dependency`);
        return;
      case Cmd.dependencyIntegrity: return this.dependencyIntegrity(c, p);
      case Cmd.processDependency: return this.processDependency(c, p);
      case Cmd.fetch: return this.fetch(c, p);
      case Cmd.write: return pf.write(c, p.content ?? missing('content'), p);
      case Cmd.copy: return pf.copy(c, this.ref(p.sourceComponent ?? missing('source-component')), p);
      case Cmd.swap: return pf.swap(c, this.ref(p.sourceComponent ?? missing('source-component')), p);
      case Cmd.invoke: return pf.invoke(c, p.invokeArgs, p);
      case Cmd.unlink:
        if (!pf.unlink) return unsupported('platform cannot unlink');
        return pf.unlink(c);
      case Cmd.wait:
        if (!pf.wait) return unsupported('platform cannot wait');
        if (!(await pf.wait(p.waitInfo ?? missing('wait-info')))) operationFailed('wait condition not met');
        return;
      default:
        return unsupported(`command ${op}`);
    }
  }

  private async fetch(c: ComponentRef, p: SuitParams): Promise<void> {
    const uri = p.uri ?? missing('uri');
    const integrated = uri.startsWith('#') ? this.auth.integrated.get(uri) : undefined;
    if (uri.startsWith('#') && !integrated) operationFailed(`integrated payload ${uri} is not in the envelope`);
    if (c.dependency) {
      const bytes = integrated ?? (await this.platform.fetch(uri, c, p));
      if (!(bytes instanceof Uint8Array)) operationFailed(`fetching dependency ${uri} returned no envelope`);
      this.dependencyEnvelopes.set(c.index, bytes);
    } else if (integrated) {
      await this.platform.write(c, integrated, p);
    } else {
      await this.platform.fetch(uri, c, p);
    }
  }

  private dependency(c: ComponentRef, p: SuitParams): AuthenticatedEnvelope {
    if (!c.dependency) throw new XsuitError('suit-not-dependency', `component ${c.index} is not a dependency`, Reason.componentUnsupported);
    const bytes = this.dependencyBytes(c, p) ?? operationFailed(`dependency ${c.index} has not been fetched`);
    const { policy, crypto } = this.needTrust();
    return authenticateEnvelope(bytes, policy, crypto);
  }

  private dependencyIntegrity(c: ComponentRef, p: SuitParams): void {
    const want = p.imageDigest ?? missing('image-digest');
    const dep = this.dependency(c, p);
    if (want.alg !== DIGEST_ALG_SHA256 || !constantTimeEqual(dep.manifestDigest, want.bytes)) {
      conditionFailed(`dependency ${c.index} digest does not match`);
    }
  }

  private async processDependency(c: ComponentRef, p: SuitParams): Promise<void> {
    const max = this.options.maxDependencyDepth ?? 4;
    if (this.depth + 1 > max) throw new XsuitError('suit-dependency-depth', `dependencies nest deeper than ${max}`, Reason.operationFailed);
    const dep = this.dependency(c, p);
    const encoded = dep.manifest.sections.get(this.section);
    if (!encoded) return;
    const sub = new SuitRunner(dep, this.platform, this.options, [...this.manifestId, c.index], this.depth + 1, this.records);
    await sub.runSection(this.section, encoded);
  }
}
