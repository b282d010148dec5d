// Parses an authenticated SUIT_Manifest map into the fields the processor needs.
// Command sequences stay encoded (bstr views) and are decoded only when they run.
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { decode, type CborValue } from '../cbor/index';
import { Common, Man, SEVERABLE } from './constants';

export interface SuitDigest {
  alg: number;
  bytes: Uint8Array;
}

export interface SuitManifest {
  version: number;
  sequence: number;
  referenceUri?: string;
  components: Uint8Array[][];
  dependencies: Map<number, { prefix?: Uint8Array[] }>;
  manifestComponentId?: Uint8Array[];
  shared?: Uint8Array;
  /** encoded sequences by manifest key (inline ones, and severed ones found in the envelope) */
  sections: Map<number, Uint8Array>;
  /** manifest keys whose member is severed (a digest), with that digest */
  severedDigests: Map<number, SuitDigest>;
  text?: Map<CborValue, CborValue>;
  raw: Map<CborValue, CborValue>;
}

export function malformed(what: string): never {
  throw new XsuitError('suit-malformed', what, Reason.cborParse);
}

export function parseDigest(v: CborValue, what: string): SuitDigest {
  if (!Array.isArray(v) || v.length < 2 || typeof v[0] !== 'number' || !(v[1] instanceof Uint8Array)) {
    malformed(`${what} is not a SUIT_Digest`);
  }
  return { alg: v[0], bytes: v[1] };
}

export function parseComponentId(v: CborValue, what: string): Uint8Array[] {
  if (!Array.isArray(v) || v.length === 0) malformed(`${what} is not a component identifier`);
  for (const part of v) if (!(part instanceof Uint8Array)) malformed(`${what} has a non-bstr element`);
  return v as Uint8Array[];
}

function asMap(v: CborValue, what: string): Map<CborValue, CborValue> {
  if (!(v instanceof Map)) malformed(`${what} is not a map`);
  return v;
}

function parseCommon(bytes: Uint8Array, m: SuitManifest): void {
  const common = asMap(decode(bytes), 'common');
  const comps = common.get(Common.components);
  if (!Array.isArray(comps) || comps.length === 0) malformed('common has no components');
  m.components = comps.map((c, i) => parseComponentId(c, `component ${i}`));
  const deps = common.get(Common.dependencies);
  if (deps !== undefined) {
    for (const [k, v] of asMap(deps, 'dependencies')) {
      // trust-domains: a dependency takes a component index of its own (often past the end
      // of the component list); commands address both through one index space.
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 255) malformed('dependency index is not a small uint');
      const meta = asMap(v, 'dependency metadata');
      const prefix = meta.get(1);
      m.dependencies.set(k, prefix === undefined ? {} : { prefix: parseComponentId(prefix, 'dependency prefix') });
    }
  }
  const shared = common.get(Common.shared);
  if (shared !== undefined) {
    if (!(shared instanceof Uint8Array)) malformed('shared sequence is not a bstr');
    m.shared = shared;
  }
}

/** Decodes the manifest bstr content. Severed members are resolved by the envelope. */
export function parseManifest(bytes: Uint8Array): SuitManifest {
  const raw = asMap(decode(bytes), 'manifest');
  const version = raw.get(Man.version);
  if (version !== 1) throw new XsuitError('suit-manifest-version', `manifest version ${String(version)} is not 1`, Reason.cborParse);
  const sequence = raw.get(Man.sequence);
  if (typeof sequence !== 'number' || sequence < 0) malformed('manifest-sequence-number is not a uint below 2^53');
  const m: SuitManifest = {
    version, sequence, components: [], dependencies: new Map(), sections: new Map(),
    severedDigests: new Map(), raw,
  };
  const common = raw.get(Man.common);
  if (!(common instanceof Uint8Array)) malformed('manifest has no common bstr');
  parseCommon(common, m);
  const uri = raw.get(Man.referenceUri);
  if (uri !== undefined) {
    if (typeof uri !== 'string') malformed('reference-uri is not text');
    m.referenceUri = uri;
  }
  const cid = raw.get(Man.componentId);
  if (cid !== undefined) m.manifestComponentId = parseComponentId(cid, 'manifest-component-id');
  for (const key of [Man.validate, Man.load, Man.invoke, ...SEVERABLE]) {
    const v = raw.get(key);
    if (v === undefined) continue;
    if (v instanceof Uint8Array) m.sections.set(key, v);
    else if ((SEVERABLE as number[]).includes(key)) m.severedDigests.set(key, parseDigest(v, `severed member ${key}`));
    else malformed(`manifest member ${key} is not a bstr`);
  }
  const text = m.sections.get(Man.text);
  if (text) m.text = asMap(decode(text), 'text');
  return m;
}
