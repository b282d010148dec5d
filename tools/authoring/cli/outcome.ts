// How the authoring commands finish: a result printed as text or as one JSON object,
// or a typed failure printed as one line. Input problems (a malformed description, an
// unreadable key or image) exit 2; a refusal (the manifest does not match its digest,
// signing out of turn) exits 1.
import { isXsuitError } from '../../../modules/errors/errors';
import { UsageError, type CliIO } from '../../cli/command';

const INPUT_ERRORS = new Set([
  'description-invalid', 'key-invalid', 'key-exists', 'image-unreadable', 'envelope-invalid', 'report-invalid',
  'hex-odd-length', 'hex-bad-digit',
]);

export interface Outcome {
  /** the --json object (ok: true is added) */
  json: Record<string, unknown>;
  /** the human-readable lines */
  text: string[];
}

export function exitCodeFor(code: string): number {
  return INPUT_ERRORS.has(code) || code.startsWith('cbor-') ? 2 : 1;
}

/** XsuitError messages start with their code; the one-line form drops that prefix. */
function plainMessage(e: Error & { code?: string }): string {
  return e.code && e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : e.message;
}

export async function finish(command: string, json: boolean, io: CliIO, body: () => Promise<Outcome>): Promise<number> {
  try {
    const outcome = await body();
    if (json) io.out(JSON.stringify({ ok: true, ...outcome.json }));
    else for (const line of outcome.text) io.out(line);
    return 0;
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    if (!isXsuitError(e) && !(errno && /^E[A-Z]+$/.test(errno))) throw e;
    const code = isXsuitError(e) ? e.code : 'io-error';
    const message = plainMessage(e as Error);
    if (json) io.out(JSON.stringify({ ok: false, error: { code, message } }));
    io.err(`xsuit ${command}: ${message}`);
    return isXsuitError(e) ? exitCodeFor(code) : 2;
  }
}

/**
 * With --json a script gets one JSON object even for a usage error; the CLI still prints
 * the one-line message on stderr and exits 2.
 */
export async function withJsonUsage(args: string[], io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError && args.includes('--json')) io.out(JSON.stringify({ ok: false, error: { code: 'usage', message: e.message } }));
    throw e;
  }
}
