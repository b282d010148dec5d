// SUIT parameters per component index and their typed view for the platform.
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { decode, type CborValue } from '../cbor/index';
import { Param } from './constants';
import { parseDigest } from './manifest';
import type { SuitParams } from './platform';

export type ParamStore = Map<number, Map<number, CborValue>>;

function wrong(label: number, what: string): never {
  throw new XsuitError('suit-parameter-type', `parameter ${label} is not ${what}`, Reason.parameterUnsupported, { parameter: label });
}

function bytes(raw: Map<number, CborValue>, label: number): Uint8Array | undefined {
  const v = raw.get(label);
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) wrong(label, 'a bstr');
  return v;
}

function uint(raw: Map<number, CborValue>, label: number): number | undefined {
  const v = raw.get(label);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) wrong(label, 'an integer');
  return v;
}

/** Possibly bstr-wrapped (".cbor") parameter values are decoded here. */
function unwrap(v: CborValue): CborValue {
  return v instanceof Uint8Array ? decode(v, { maxDepth: 8 }) : v;
}

export function paramsView(raw: Map<number, CborValue>): SuitParams {
  const p: SuitParams = { raw };
  p.vendorId = bytes(raw, Param.vendorId);
  p.classId = bytes(raw, Param.classId);
  p.deviceId = bytes(raw, Param.deviceId);
  const digest = raw.get(Param.imageDigest);
  if (digest !== undefined) p.imageDigest = parseDigest(unwrap(digest), 'image-digest');
  p.imageSize = uint(raw, Param.imageSize);
  p.componentSlot = uint(raw, Param.componentSlot);
  const uri = raw.get(Param.uri);
  if (uri !== undefined && typeof uri !== 'string') wrong(Param.uri, 'text');
  p.uri = uri as string | undefined;
  p.sourceComponent = uint(raw, Param.sourceComponent);
  p.content = bytes(raw, Param.content);
  p.invokeArgs = bytes(raw, Param.invokeArgs);
  p.encryptionInfo = bytes(raw, Param.encryptionInfo);
  const version = raw.get(Param.version);
  if (version !== undefined) {
    const v = unwrap(version);
    if (!Array.isArray(v) || typeof v[0] !== 'number' || !Array.isArray(v[1]) || !v[1].every((x) => typeof x === 'number')) {
      wrong(Param.version, 'a version match [comparison, [+int]]');
    }
    p.version = { comparison: v[0], parts: v[1] as number[] };
  }
  p.useBefore = uint(raw, Param.useBefore);
  p.minimumBattery = uint(raw, Param.minimumBattery);
  p.updatePriority = uint(raw, Param.updatePriority);
  p.waitInfo = raw.has(Param.waitInfo) ? unwrap(raw.get(Param.waitInfo)) : undefined;
  for (const [label, key] of [[Param.strictOrder, 'strictOrder'], [Param.softFailure, 'softFailure']] as const) {
    const b = raw.get(label);
    if (b !== undefined && typeof b !== 'boolean') wrong(label, 'a bool');
    if (b !== undefined) p[key] = b as boolean;
  }
  return p;
}

/** Applies a parameter map to one index; `override` false keeps values already set. */
export function setParams(store: ParamStore, index: number, values: CborValue, override: boolean): void {
  if (!(values instanceof Map)) throw new XsuitError('suit-malformed', 'parameters are not a map', Reason.cborParse);
  let target = store.get(index);
  if (!target) store.set(index, (target = new Map()));
  for (const [k, v] of values) {
    if (typeof k !== 'number') throw new XsuitError('suit-malformed', 'parameter label is not an integer', Reason.cborParse);
    if (override || !target.has(k)) target.set(k, v);
  }
}

/** Compares a version against a SUIT version match (update-management comparison types). */
export function versionMatches(current: number[], want: { comparison: number; parts: number[] }): boolean {
  let cmp = 0;
  const n = Math.max(current.length, want.parts.length);
  for (let i = 0; i < n && cmp === 0; i++) {
    const a = current[i] ?? 0;
    const b = want.parts[i] ?? 0;
    cmp = a < b ? -1 : a > b ? 1 : 0;
  }
  switch (want.comparison) {
    case 1: return cmp > 0; // greater
    case 2: return cmp >= 0; // greater-equal
    case 3: return cmp === 0; // equal
    case 4: return cmp <= 0; // lesser-equal
    case 5: return cmp < 0; // lesser
    default: return wrong(Param.version, `a known comparison (got ${want.comparison})`);
  }
}
