// The JSON manifest description (docs/guide.md, "Describing a manifest"): what a
// release engineer writes instead of CBOR. parseDescription checks every field, reads
// and hashes the images it names, and returns a ManifestSpec that buildEnvelope turns
// into bytes. Errors name the field: "components[0].slots[1].uri: expected ...".
import type { CborValue } from '../../modules/cbor/index';
import { COMPONENT_TEXT_KEYS, SEQUENCES, SEVERABLE, TEXT_KEYS } from './labels';
import {
  asArray, asBool, asObject, asString, asUint, fieldError, onlyKeys, show, type Json, type JsonObject,
} from './fields';
import { componentId, epochSeconds, imageInfo, versionParts, versionRequirement, type ImageInfo, type ImageLoader } from './values';
import { commandSequence } from './commands';
import { classId, parseUuid, vendorId } from './uuid';

export interface SlotSpec {
  slot: number;
  image?: ImageInfo;
  uri?: string;
}

export interface ComponentSpec {
  id: Uint8Array[];
  vendor?: Uint8Array;
  cls?: Uint8Array;
  image?: ImageInfo;
  uri?: string;
  slots?: SlotSpec[];
  invoke: boolean;
  text?: Map<number, string>;
}

export interface ManifestSpec {
  manifestVersion: number;
  sequenceNumber: number;
  referenceUri?: string;
  setVersion?: number[];
  /** encoded suit-parameter-version value */
  requiresVersion?: Uint8Array;
  useBefore?: number;
  components: ComponentSpec[];
  language: string;
  text?: Map<number, string>;
  /** names from SEVERABLE whose bytes go in the envelope, with only a digest in the manifest */
  severable: string[];
  /** hand-written sequences replacing the generated ones: shared, validate, install, ... */
  sequences: Map<string, CborValue[]>;
  /** envelope members "#name" -> payload bytes */
  integrated: Map<string, Uint8Array>;
}

const TOP_KEYS = [
  '$schema', 'manifest-version', 'sequence-number', 'vendor', 'class', 'reference-uri', 'version',
  'requires-version', 'use-before', 'language', 'text', 'severable', 'components', 'sequences', 'integrated-payloads',
] as const;
const COMPONENT_KEYS = ['id', 'vendor', 'class', 'image', 'uri', 'integrated', 'slots', 'invoke', 'text'] as const;
const SLOT_KEYS = ['slot', 'image', 'uri'] as const;

function slotNumber(v: Json | undefined, field: string): number {
  if (v === 'a' || v === 'A') return 0;
  if (v === 'b' || v === 'B') return 1;
  return asUint(v, field);
}

function textMap(v: Json | undefined, field: string, keys: Record<string, number>): Map<number, string> {
  const o = asObject(v, field);
  onlyKeys(o, field, Object.keys(keys));
  const out = new Map<number, string>();
  for (const [k, x] of Object.entries(o)) out.set(keys[k], asString(x, `${field}.${k}`));
  return out;
}

function integratedKey(v: Json | undefined, field: string): string {
  const key = asString(v, field);
  if (!key.startsWith('#') || key.length < 2) fieldError(field, `an integrated payload's name starts with "#", got ${show(v)}`);
  return key;
}

async function parseComponent(
  o: JsonObject, field: string, index: number, total: number, top: JsonObject, spec: ManifestSpec, load: ImageLoader,
): Promise<ComponentSpec> {
  onlyKeys(o, field, COMPONENT_KEYS);
  if (o.id === undefined && total > 1) fieldError(`${field}.id`, 'required when there is more than one component');
  const id = o.id === undefined ? [new Uint8Array([0])] : componentId(o.id, `${field}.id`);
  // The description-wide vendor and class identify the first component unless it names its own.
  const vendorText = o.vendor ?? (index === 0 ? top.vendor : undefined);
  const classText = o.class ?? (index === 0 ? top.class : undefined);
  const vendorField = o.vendor !== undefined ? `${field}.vendor` : 'vendor';
  const vendor = vendorText === undefined ? undefined : vendorId(asString(vendorText, vendorField));
  let cls: Uint8Array | undefined;
  if (classText !== undefined) {
    const f = o.class !== undefined ? `${field}.class` : 'class';
    const text = asString(classText, f);
    // A class name is scoped by the vendor: this component's, else the description's.
    const ns = vendor ?? (top.vendor !== undefined ? vendorId(asString(top.vendor, 'vendor')) : undefined);
    const literal = parseUuid(text);
    if (!literal && !ns) fieldError(f, 'a class given by name needs a vendor');
    cls = literal ?? classId(ns!, text);
  }
  const integrated = o.integrated === undefined ? undefined : integratedKey(o.integrated, `${field}.integrated`);
  const c: ComponentSpec = { id, vendor, cls, invoke: o.invoke === undefined ? true : asBool(o.invoke, `${field}.invoke`) };
  if (o.image !== undefined) c.image = await imageInfo(o.image, `${field}.image`, load, integrated !== undefined);
  if (o.uri !== undefined) c.uri = asString(o.uri, `${field}.uri`);
  if (integrated !== undefined) {
    if (!c.image?.bytes) fieldError(`${field}.integrated`, 'needs "image" naming the file to carry');
    if (c.uri !== undefined) fieldError(`${field}.uri`, 'an integrated payload is fetched from the envelope; drop "uri"');
    if (spec.integrated.has(integrated)) fieldError(`${field}.integrated`, `${show(integrated)} is used twice`);
    spec.integrated.set(integrated, c.image.bytes);
    c.uri = integrated;
  }
  if (o.slots !== undefined) {
    if (o.image !== undefined || o.uri !== undefined) fieldError(`${field}.slots`, 'give "image" and "uri" per slot, not for the whole component');
    const slots = asArray(o.slots, `${field}.slots`);
    if (slots.length === 0) fieldError(`${field}.slots`, 'needs at least one slot');
    c.slots = [];
    for (let k = 0; k < slots.length; k++) {
      const sf = `${field}.slots[${k}]`;
      const s = asObject(slots[k], sf);
      onlyKeys(s, sf, SLOT_KEYS);
      const slot: SlotSpec = { slot: slotNumber(s.slot, `${sf}.slot`) };
      if (s.image !== undefined) slot.image = await imageInfo(s.image, `${sf}.image`, load);
      if (s.uri !== undefined) slot.uri = asString(s.uri, `${sf}.uri`);
      c.slots.push(slot);
    }
  }
  if (o.text !== undefined) c.text = textMap(o.text, `${field}.text`, COMPONENT_TEXT_KEYS);
  // A fetched payload without a digest would be installed unauthenticated.
  if (c.uri !== undefined && !c.image) fieldError(`${field}.image`, 'required with "uri": without a digest the fetched image would not be authenticated');
  c.slots?.forEach((s, k) => {
    if (s.uri !== undefined && !s.image) fieldError(`${field}.slots[${k}].image`, 'required with "uri": without a digest the fetched image would not be authenticated');
  });
  return c;
}

/** Validates a parsed JSON description and resolves its images. */
export async function parseDescription(json: Json, load: ImageLoader): Promise<ManifestSpec> {
  const top = asObject(json, '(description)');
  onlyKeys(top, '', TOP_KEYS);
  if (top['sequence-number'] === undefined) fieldError('sequence-number', 'required (the anti-rollback counter)');
  const spec: ManifestSpec = {
    manifestVersion: top['manifest-version'] === undefined ? 1 : asUint(top['manifest-version'], 'manifest-version'),
    sequenceNumber: asUint(top['sequence-number'], 'sequence-number'),
    components: [],
    language: top.language === undefined ? 'en-US' : asString(top.language, 'language'),
    severable: [],
    sequences: new Map(),
    integrated: new Map(),
  };
  if (spec.manifestVersion !== 1) fieldError('manifest-version', `only version 1 exists, got ${spec.manifestVersion}`);
  if (top['reference-uri'] !== undefined) spec.referenceUri = asString(top['reference-uri'], 'reference-uri');
  if (top.version !== undefined) spec.setVersion = versionParts(asString(top.version, 'version'), 'version');
  if (top['requires-version'] !== undefined) {
    spec.requiresVersion = versionRequirement(asString(top['requires-version'], 'requires-version'), 'requires-version');
  }
  if (top['use-before'] !== undefined) spec.useBefore = epochSeconds(top['use-before'], 'use-before');
  if (top.text !== undefined) {
    spec.text = typeof top.text === 'string' ? new Map([[TEXT_KEYS['manifest-description'], top.text]]) : textMap(top.text, 'text', TEXT_KEYS);
  }
  if (top.severable !== undefined) {
    spec.severable = asArray(top.severable, 'severable').map((s, i) => {
      const name = asString(s, `severable[${i}]`);
      if (!(name in SEVERABLE)) fieldError(`severable[${i}]`, `not severable (severable: ${Object.keys(SEVERABLE).join(', ')})`);
      return name;
    });
  }
  const components = top.components === undefined ? [{}] : asArray(top.components, 'components');
  if (components.length === 0) fieldError('components', 'needs at least one component');
  for (let i = 0; i < components.length; i++) {
    const f = `components[${i}]`;
    spec.components.push(await parseComponent(asObject(components[i], f), f, i, components.length, top, spec, load));
  }
  if (top['integrated-payloads'] !== undefined) {
    const o = asObject(top['integrated-payloads'], 'integrated-payloads');
    for (const [k, v] of Object.entries(o)) {
      const f = `integrated-payloads.${k}`;
      const key = integratedKey(k, f);
      if (spec.integrated.has(key)) fieldError(f, `${show(key)} is used twice`);
      spec.integrated.set(key, (await imageInfo(v, f, load, true)).bytes!);
    }
  }
  if (top.sequences !== undefined) {
    const o = asObject(top.sequences, 'sequences');
    onlyKeys(o, 'sequences', ['shared', ...Object.keys(SEQUENCES)]);
    const vendor = top.vendor === undefined ? undefined : vendorId(asString(top.vendor, 'vendor'));
    for (const [name, steps] of Object.entries(o)) {
      spec.sequences.set(name, await commandSequence(steps, `sequences.${name}`, { vendor, load }));
    }
  }
  return spec;
}
