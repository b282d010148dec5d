// Assertions that run in Node and in XS alike (no node:assert, no jest expect).
import { isXsuitError } from '../../modules/errors/errors';
import { toHex } from '../../modules/bytes/hex';

export { toHex, fromHex } from '../../modules/bytes/hex';

export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `bytes[${v.length}] ${toHex(v.subarray(0, 32))}${v.length > 32 ? '…' : ''}`;
  if (typeof v === 'bigint') return `${v}n`;
  try { return JSON.stringify(v); } catch { return String(v); }
}

export function ok(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

export function equal<T>(actual: T, expected: T, what = 'value'): void {
  if (actual !== expected) throw new CheckFailed(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

export function deepEqual(actual: unknown, expected: unknown, what = 'value'): void {
  if (show(actual) !== show(expected)) throw new CheckFailed(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

export function bytesEqual(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  if (actual.length !== expected.length) throw new CheckFailed(`${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) throw new CheckFailed(`${what}: differ at ${i}: ${actual[i]} != ${expected[i]}`);
  }
}

/** Expects fn to throw an XsuitError with this code; returns it for further checks. */
export function throwsCode(fn: () => unknown, code: string, what = 'call') {
  try {
    fn();
  } catch (e) {
    if (!isXsuitError(e)) throw new CheckFailed(`${what}: expected XsuitError ${code}, got untyped ${String(e)}`);
    if (e.code !== code) throw new CheckFailed(`${what}: expected error ${code}, got ${e.code} (${e.message})`);
    return e;
  }
  throw new CheckFailed(`${what}: expected error ${code}, but it returned`);
}

export async function rejectsCode(fn: () => Promise<unknown>, code: string, what = 'call') {
  try {
    await fn();
  } catch (e) {
    if (!isXsuitError(e)) throw new CheckFailed(`${what}: expected XsuitError ${code}, got untyped ${String(e)}`);
    if (e.code !== code) throw new CheckFailed(`${what}: expected error ${code}, got ${e.code} (${e.message})`);
    return e;
  }
  throw new CheckFailed(`${what}: expected error ${code}, but it resolved`);
}
