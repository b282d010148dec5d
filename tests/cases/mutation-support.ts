// Shared by the mutation tables: judging one mutant (typed rejection, or proof that
// it means exactly what the original means) and tallying the outcomes.
import type { CaseEnv } from '../harness/device-case';
import { CheckFailed } from '../harness/check';
import { isXsuitError } from '../../modules/errors/errors';
import { authenticateEnvelope, type AuthenticatedEnvelope } from '../../modules/suit/index';
import type { TrustPolicy } from '../../modules/trust/anchors';
import type { Crypto } from '../../hosts/hal';
import { bytesEqual } from '../../modules/bytes/compare';
import { toHex } from '../../modules/bytes/hex';
import { anchorFor, vector } from './vectors-support';

export interface Tally { rejected: number; sameMeaning: number; codes: Record<string, number> }

export function sameMeaning(a: AuthenticatedEnvelope, b: AuthenticatedEnvelope): boolean {
  if (!bytesEqual(a.manifestBytes, b.manifestBytes) || a.integrated.size !== b.integrated.size) return false;
  for (const [k, v] of a.integrated) { const w = b.integrated.get(k); if (!w || !bytesEqual(v, w)) return false; }
  for (const [k, v] of a.manifest.sections) { const w = b.manifest.sections.get(k); if (!w || !bytesEqual(v, w)) return false; }
  return a.manifest.sections.size === b.manifest.sections.size && JSON.stringify(a.severable) === JSON.stringify(b.severable);
}

export function judge(mutant: Uint8Array, policy: TrustPolicy, env: CaseEnv, original: AuthenticatedEnvelope, what: string, t: Tally): void {
  try {
    const a = authenticateEnvelope(mutant, policy, env.crypto);
    if (!sameMeaning(a, original)) throw new CheckFailed(`${what}: accepted with a different meaning`);
    t.sameMeaning++;
  } catch (e) {
    if (e instanceof CheckFailed) throw e;
    if (!isXsuitError(e)) throw new CheckFailed(`${what}: untyped ${String(e)}`);
    if (!(e.reason > 0)) throw new CheckFailed(`${what}: error ${e.code} has no SUIT reason`);
    t.rejected++;
    t.codes[e.code] = (t.codes[e.code] ?? 0) + 1;
  }
}

/**
 * Signature checks are pure functions of (key, message, signature); most mutants leave
 * all three unchanged (a flipped byte in a severable member, say), so caching verdicts
 * keeps the XS sweep fast without changing any decision the processor makes.
 */
export function memoCrypto(inner: Crypto): Crypto {
  const verdicts = new Map<string, boolean>();
  const memo = (kind: string, f: (k: Uint8Array, m: Uint8Array, s: Uint8Array) => boolean) => (k: Uint8Array, m: Uint8Array, s: Uint8Array) => {
    const id = `${kind}${toHex(k)}.${toHex(m)}.${toHex(s)}`;
    let v = verdicts.get(id);
    if (v === undefined) verdicts.set(id, (v = f(k, m, s)));
    return v;
  };
  return { ...inner, verifyP256: memo('p', inner.verifyP256), verifyEd25519: memo('e', inner.verifyEd25519) };
}

export function setup(env: CaseEnv, file: string, key: string) {
  const bytes = vector(env, file);
  const policy = { anchors: [anchorFor(env, key)] };
  const cenv = { ...env, crypto: memoCrypto(env.crypto) } as CaseEnv;
  return { env: cenv, bytes, policy, original: authenticateEnvelope(bytes, policy, env.crypto), tally: { rejected: 0, sameMeaning: 0, codes: {} } as Tally };
}

export function summary(env: CaseEnv, what: string, t: Tally): void {
  env.log(`${what}: ${t.rejected} rejected, ${t.sameMeaning} accepted with identical meaning; ${Object.entries(t.codes).map(([k, v]) => `${k}×${v}`).join(' ')}`);
}

