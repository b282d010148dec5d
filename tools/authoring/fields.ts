// Reading untrusted JSON with errors that name the offending field, e.g.
// "components[1].image.size: expected a non-negative integer, got \"12k\"".
import { XsuitError } from '../../modules/errors/errors';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Thrown for a malformed description; `field` is the JSON path. */
export function fieldError(field: string, message: string): never {
  throw new XsuitError('description-invalid', `${field}: ${message}`, 0, { field });
}

export function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObject(v: Json | undefined, field: string): JsonObject {
  if (!isObject(v)) fieldError(field, `expected an object, got ${show(v)}`);
  return v;
}

export function asArray(v: Json | undefined, field: string): Json[] {
  if (!Array.isArray(v)) fieldError(field, `expected an array, got ${show(v)}`);
  return v;
}

export function asString(v: Json | undefined, field: string): string {
  if (typeof v !== 'string' || v === '') fieldError(field, `expected a non-empty string, got ${show(v)}`);
  return v;
}

export function asUint(v: Json | undefined, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    fieldError(field, `expected a non-negative integer, got ${show(v)}`);
  }
  return v;
}

export function asBool(v: Json | undefined, field: string): boolean {
  if (typeof v !== 'boolean') fieldError(field, `expected true or false, got ${show(v)}`);
  return v;
}

export function asHex(v: Json | undefined, field: string, length?: number): Uint8Array {
  const s = asString(v, field);
  if (!/^([0-9a-fA-F]{2})+$/.test(s)) fieldError(field, `expected hex bytes, got ${show(v)}`);
  if (length !== undefined && s.length !== 2 * length) fieldError(field, `expected ${length} bytes of hex, got ${s.length / 2}`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** Rejects keys the format does not define, so a typo ("sequense-number") is not silently ignored. */
export function onlyKeys(o: JsonObject, field: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      const where = field ? `${field}.${k}` : k;
      fieldError(where, `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }
}
