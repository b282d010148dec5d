// Amplification mitigation for Q-Block2 bursts (RFC 9175 §2.4). One small request makes the
// server send up to MAX_PAYLOADS kilobytes, so a forged source address would turn the server
// into an amplifier against that address. Before bursting to an endpoint, the server checks
// that it receives at its address: an unverified request gets 4.01 with an Echo value, which
// only the real endpoint can send back. Echo = u32 seconds | 8 bytes of HMAC-SHA-256 over
// (seconds, address, port) with a per-process secret: nothing is stored per challenge, and
// a value is good for ECHO_VALID_S seconds. Verified endpoints are remembered (bounded).
import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../../modules/bytes/compare';

export const ECHO_VALID_S = 60;
/** how long an endpoint stays verified after it echoed, ms */
export const VERIFIED_MS = 10 * 60_000;
const VERIFIED_LIMIT = 4096;

export class EchoGate {
  private readonly secret = randomBytes(32);
  private readonly verified = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  private mac(seconds: number, address: string, port: number): Buffer {
    return createHmac('sha256', this.secret).update(`${seconds}|${address}|${port}`).digest().subarray(0, 8);
  }

  /** A fresh Echo value for this endpoint. */
  challenge(address: string, port: number): Uint8Array {
    const seconds = Math.floor(this.clock() / 1000);
    const out = new Uint8Array(12);
    new DataView(out.buffer).setUint32(0, seconds >>> 0);
    out.set(this.mac(seconds, address, port), 4);
    return out;
  }

  /** Whether the endpoint may get a burst; an Echo the server made for it verifies it. */
  admit(address: string, port: number, echo: Uint8Array | undefined): boolean {
    const key = `${address}:${port}`;
    const now = this.clock();
    const until = this.verified.get(key);
    if (until !== undefined && until > now) return true;
    if (!echo || echo.length !== 12) return false;
    const seconds = new DataView(echo.buffer, echo.byteOffset, 12).getUint32(0);
    const age = Math.floor(now / 1000) - seconds;
    if (age < 0 || age > ECHO_VALID_S) return false;
    if (!constantTimeEqual(this.mac(seconds, address, port), echo.subarray(4))) return false;
    this.verified.delete(key);
    this.verified.set(key, now + VERIFIED_MS);
    if (this.verified.size > VERIFIED_LIMIT) this.verified.delete(this.verified.keys().next().value as string);
    return true;
  }
}
