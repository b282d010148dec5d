// Runs inside XS: exposes a case table to the Node runner through globalThis.__xsuitCases.
// run(i) starts a case; its promise jobs finish within the same crank (xsnap drains the
// job queue), and take() collects the outcome in a second crank.
import { isXsuitError } from '../../modules/errors/errors';
import type { CaseEnv, CaseTable } from './device-case';
import { encodeWire } from '../../hosts/xs/device/wire';

const reply = (value: unknown): ArrayBuffer => encodeWire(value).buffer as ArrayBuffer;

interface Outcome {
  ok: boolean;
  error?: string;
}

export function exposeCaseTable(table: CaseTable, env: CaseEnv): void {
  let outcome: Outcome | undefined;
  const describe = (e: unknown): string => {
    if (isXsuitError(e)) return `XsuitError ${e.message}`;
    if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ''}`;
    return String(e);
  };
  (globalThis as Record<string, unknown>).__xsuitCases = {
    names: () => reply(table.cases.map((c) => c.name)),
    run: (i: number) => {
      outcome = undefined;
      try {
        Promise.resolve(table.cases[i].run(env)).then(
          () => { outcome = { ok: true }; },
          (e: unknown) => { outcome = { ok: false, error: describe(e) }; },
        );
      } catch (e) {
        outcome = { ok: false, error: describe(e) };
      }
    },
    take: () => reply(outcome ?? { ok: false, error: 'the case did not finish: it awaits something that never settles in XS' }),
  };
}
