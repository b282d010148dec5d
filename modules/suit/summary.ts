// The outcome of authenticating an envelope as a plain JSON-able object. `xsuit verify`
// prints it, with the same code running on Node and inside XS (--engine xs).
import { isXsuitError } from '../errors/errors';
import { reasonName } from '../report/reasons';
import { toHex } from '../bytes/hex';
import type { Crypto } from '../../hosts/hal';
import type { TrustPolicy } from '../trust/anchors';
import { ALG_NAMES } from '../trust/anchors';
import { authenticateEnvelope } from './envelope';

export interface VerifySummary {
  ok: boolean;
  /** SUIT report reason number (0 when authentic) */
  reason: number;
  reasonName: string;
  code?: string;
  message?: string;
  sequence?: number;
  tagged?: boolean;
  manifestDigest?: string;
  signers: { name: string; role: string; alg: string; kid?: string }[];
  components: string[][];
  severable?: Record<string, string>;
  integrated?: string[];
}

export function verifySummary(bytes: Uint8Array, policy: TrustPolicy, crypto: Crypto): VerifySummary {
  try {
    const a = authenticateEnvelope(bytes, policy, crypto);
    return {
      ok: true, reason: 0, reasonName: reasonName(0), sequence: a.sequence, tagged: a.tagged,
      manifestDigest: toHex(a.manifestDigest),
      signers: a.signers.map((s) => ({
        name: s.name, role: s.role, alg: ALG_NAMES[s.alg] ?? String(s.alg), ...(s.kid ? { kid: toHex(s.kid) } : {}),
      })),
      components: a.components.map((c) => c.map(toHex)),
      severable: Object.fromEntries(Object.entries(a.severable)),
      integrated: [...a.integrated.keys()],
    };
  } catch (e) {
    if (!isXsuitError(e)) throw e;
    return {
      ok: false, reason: e.reason, reasonName: reasonName(e.reason), code: e.code,
      message: e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : e.message,
      signers: [], components: [],
    };
  }
}
