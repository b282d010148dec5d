// The SUIT procedures: which manifest sections run, in which order, and the SUIT_Report
// that results. Failures become a result value (ok false + reason), never a throw.
import { XsuitError, isXsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { encodeReport, type SuitRecord, type SuitReport } from '../report/report';
import { DIGEST_ALG_SHA256, Man } from './constants';
import type { AuthenticatedEnvelope } from './envelope';
import { SuitRunner, type ProcedureOptions } from './interpreter';
import type { SuitPlatform } from './platform';

export type SectionName = 'dependency-resolution' | 'payload-fetch' | 'install' | 'validate' | 'load' | 'invoke-only' | 'uninstall';
export type ProcedureName = 'update' | 'invoke' | SectionName;

export const PROCEDURE_SECTIONS: Record<ProcedureName, number[]> = {
  update: [Man.dependencyResolution, Man.payloadFetch, Man.install, Man.validate],
  invoke: [Man.validate, Man.load, Man.invoke],
  'dependency-resolution': [Man.dependencyResolution],
  'payload-fetch': [Man.payloadFetch],
  install: [Man.install],
  validate: [Man.validate],
  load: [Man.load],
  'invoke-only': [Man.invoke],
  uninstall: [Man.uninstall],
};

export interface ProcedureResult {
  ok: boolean;
  reason: number;
  error?: XsuitError;
  /** manifest keys of the sections that ran to completion */
  sectionsRun: number[];
  report: SuitReport;
  reportBytes: Uint8Array;
}

function resultOf(auth: AuthenticatedEnvelope, options: ProcedureOptions, records: SuitRecord[], ran: number[], error?: XsuitError): ProcedureResult {
  const report: SuitReport = {
    reference: { uri: auth.manifest.referenceUri, digest: { alg: DIGEST_ALG_SHA256, bytes: auth.manifestDigest } },
    nonce: options.nonce,
    records,
    result: error
      ? { code: (error.detail?.command as number | undefined) ?? 0, record: error.detail?.record as SuitRecord | undefined, reason: error.reason }
      : true,
  };
  return { ok: !error, reason: error ? error.reason : Reason.ok, error, sectionsRun: ran, report, reportBytes: encodeReport(report) };
}

/** Runs a procedure over an authenticated envelope. Never throws for bad input. */
export async function runProcedure(
  auth: AuthenticatedEnvelope, name: ProcedureName, platform: SuitPlatform, options: ProcedureOptions = {},
): Promise<ProcedureResult> {
  const runner = new SuitRunner(auth, platform, options);
  const ran: number[] = [];
  try {
    const sections = PROCEDURE_SECTIONS[name];
    if (!sections) throw new XsuitError('suit-unknown-procedure', `no procedure ${String(name)}`, Reason.commandUnsupported);
    for (const key of sections) {
      const encoded = auth.manifest.sections.get(key);
      if (!encoded) {
        if (auth.manifest.severedDigests.has(key)) {
          throw new XsuitError('suit-severed-missing', `section ${key} is severed and not in the envelope`, Reason.severingUnsupported);
        }
        continue;
      }
      await runner.runSection(key, encoded);
      ran.push(key);
    }
    return resultOf(auth, options, runner.records, ran);
  } catch (e) {
    const err = isXsuitError(e) ? e : new XsuitError('suit-platform-error', String((e as Error)?.message ?? e), Reason.operationFailed);
    return resultOf(auth, options, runner.records, ran, err);
  }
}
