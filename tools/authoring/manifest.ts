// ManifestSpec -> SUIT envelope bytes. The generated sequences follow the draft's
// templates (Appendix A/B of draft-ietf-suit-manifest): compatibility check in the
// shared sequence, image-match in validate, fetch + image-match in install, invoke.
// With one component no set-component-index is emitted, exactly as the examples do,
// so a description of draft example 0, 1 or 3 reproduces its manifest byte for byte.
import { createHash } from 'node:crypto';
import { CborTag, encode, type CborValue } from '../../modules/cbor/index';
import { COMMANDS as C, EnvelopeKey, ManifestKey, PARAMETERS as P, Policy, SEQUENCES, SEVERABLE } from './labels';
import { cbor, suitDigest } from './values';
import { fieldError } from './fields';
import type { ComponentSpec, ManifestSpec } from './description';

type Seq = CborValue[];
type Params = Map<CborValue, CborValue>;

export const SUIT_ENVELOPE_TAG = 107;

export function sha256(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(bytes).digest());
}

/** The SUIT_Digest the authentication wrapper holds: SHA-256 over the manifest *as a bstr*, header included. */
export function manifestDigest(manifestBytes: Uint8Array): Uint8Array {
  return sha256(encode(manifestBytes));
}

function selectComponent(seq: Seq, spec: ManifestSpec, index: number): void {
  if (spec.components.length > 1) seq.push(C['directive-set-component-index'], index);
}

function imageParams(p: Params, image: { digest: Uint8Array; size: number }): void {
  p.set(P['image-digest'], cbor(suitDigest(image.digest)));
  p.set(P['image-size'], image.size);
}

/** One try-each option: "if the slot being written is N, then ...". */
function slotOption(slot: number, then: Params | undefined): Uint8Array {
  const option: Seq = [C['directive-override-parameters'], new Map([[P['component-slot'], slot]]), C['condition-component-slot'], Policy.slotCheck];
  if (then && then.size > 0) option.push(C['directive-override-parameters'], then);
  return cbor(option);
}

function sharedSequence(spec: ManifestSpec): Seq {
  const seq: Seq = [];
  spec.components.forEach((c, i) => {
    const part: Seq = [];
    const p: Params = new Map();
    if (c.vendor) p.set(P['vendor-id'], c.vendor);
    if (c.cls) p.set(P['class-id'], c.cls);
    if (c.image && !c.slots) imageParams(p, c.image);
    if (i === 0 && spec.useBefore !== undefined) p.set(P['use-before'], spec.useBefore);
    if (i === 0 && spec.requiresVersion) p.set(P.version, spec.requiresVersion);
    if (p.size > 0) part.push(C['directive-override-parameters'], p);
    if (c.slots && c.slots.some((s) => s.image)) {
      part.push(C['directive-try-each'], c.slots.map((s) => {
        const then: Params = new Map();
        if (s.image) imageParams(then, s.image);
        return slotOption(s.slot, then);
      }));
    }
    if (c.vendor) part.push(C['condition-vendor-identifier'], Policy.condition);
    if (c.cls) part.push(C['condition-class-identifier'], Policy.condition);
    if (i === 0 && spec.requiresVersion) part.push(C['condition-version'], Policy.condition);
    if (i === 0 && spec.useBefore !== undefined) part.push(C['condition-use-before'], Policy.condition);
    // A component with nothing to set or check needs no set-component-index either.
    if (part.length === 0) return;
    selectComponent(seq, spec, i);
    seq.push(...part);
  });
  return seq;
}

function hasImage(c: ComponentSpec): boolean {
  return Boolean(c.image || c.slots?.some((s) => s.image));
}

function hasSource(c: ComponentSpec): boolean {
  return Boolean(c.uri || c.slots?.some((s) => s.uri));
}

function validateSequence(spec: ManifestSpec): Seq {
  const seq: Seq = [];
  spec.components.forEach((c, i) => {
    if (!hasImage(c)) return;
    selectComponent(seq, spec, i);
    seq.push(C['condition-image-match'], Policy.condition);
  });
  return seq;
}

function installSequence(spec: ManifestSpec): Seq {
  const seq: Seq = [];
  spec.components.forEach((c, i) => {
    if (!hasSource(c)) return;
    selectComponent(seq, spec, i);
    if (c.slots) {
      seq.push(C['directive-try-each'], c.slots.map((s) => slotOption(s.slot, s.uri ? new Map([[P.uri, s.uri]]) : undefined)));
    } else {
      seq.push(C['directive-override-parameters'], new Map([[P.uri, c.uri!]]));
    }
    seq.push(C['directive-fetch'], Policy.action);
    if (hasImage(c)) seq.push(C['condition-image-match'], Policy.condition);
  });
  return seq;
}

function invokeSequence(spec: ManifestSpec): Seq {
  const seq: Seq = [];
  spec.components.forEach((c, i) => {
    if (!c.invoke) return;
    selectComponent(seq, spec, i);
    seq.push(C['directive-invoke'], Policy.action);
  });
  return seq;
}

function textMember(spec: ManifestSpec): Uint8Array | undefined {
  const lmap: Map<CborValue, CborValue> = new Map(spec.text ?? []);
  for (const c of spec.components) if (c.text) lmap.set(c.id, new Map(c.text));
  if (lmap.size === 0) return undefined;
  return cbor(new Map([[spec.language, lmap]]));
}

export interface BuiltEnvelope {
  /** the tagged SUIT_Envelope, unsigned (authentication wrapper = digest only) */
  envelope: Uint8Array;
  /** the manifest map's encoding: the content of envelope key 3 */
  manifest: Uint8Array;
  digest: Uint8Array;
}

export function buildEnvelope(spec: ManifestSpec): BuiltEnvelope {
  const generated: Record<string, Seq> = {
    shared: sharedSequence(spec),
    validate: validateSequence(spec),
    install: installSequence(spec),
    invoke: invokeSequence(spec),
  };
  const sequence = (name: string): Seq | undefined => spec.sequences.get(name) ?? generated[name];

  const common = new Map<CborValue, CborValue>([[2, spec.components.map((c) => c.id)]]);
  const shared = sequence('shared');
  if (shared && shared.length > 0) common.set(4, cbor(shared));

  const manifest = new Map<CborValue, CborValue>([
    [ManifestKey.version, spec.manifestVersion],
    [ManifestKey.sequenceNumber, spec.sequenceNumber],
    [ManifestKey.common, cbor(common)],
  ]);
  if (spec.referenceUri) manifest.set(ManifestKey.referenceUri, spec.referenceUri);
  if (spec.setVersion) manifest.set(ManifestKey.setVersion, cbor(spec.setVersion));

  const members = new Map<number, Uint8Array>();
  for (const name of Object.keys(SEQUENCES)) {
    const seq = sequence(name);
    if (seq && seq.length > 0) members.set(SEQUENCES[name], cbor(seq));
  }
  const text = textMember(spec);
  if (text) members.set(ManifestKey.text, text);

  const envelope = new Map<CborValue, CborValue>();
  for (const [key, bytes] of members) {
    const severed = spec.severable.some((name) => SEVERABLE[name] === key);
    manifest.set(key, severed ? suitDigest(sha256(encode(bytes))) : bytes);
    if (severed) envelope.set(key, bytes);
  }
  for (const name of spec.severable) {
    if (!members.has(SEVERABLE[name])) fieldError('severable', `the manifest has no ${name} member to sever`);
  }

  const manifestBytes = cbor(manifest);
  const digest = manifestDigest(manifestBytes);
  envelope.set(EnvelopeKey.authentication, cbor([cbor(suitDigest(digest))]));
  envelope.set(EnvelopeKey.manifest, manifestBytes);
  for (const [key, bytes] of spec.integrated) envelope.set(key, bytes);
  return { envelope: cbor(new CborTag(SUIT_ENVELOPE_TAG, envelope)), manifest: manifestBytes, digest };
}
