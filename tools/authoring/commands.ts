// Hand-written command sequences in a description ("sequences": {"install": [...]}):
// each step is a one-key object, {"fetch": 2}, {"override-parameters": {...}},
// {"try-each": [[steps], [steps]]}. Names are the draft's, with or without their
// condition-/directive- prefix; numbers work too for anything newer than this table.
import type { CborValue } from '../../modules/cbor/index';
import { COMMANDS, PARAMETERS, commandNumber } from './labels';
import { asArray, asObject, asString, fieldError, show, type Json, type JsonObject } from './fields';
import { cbor, epochSeconds, genericValue, imageInfo, suitDigest, versionRequirement, type ImageLoader } from './values';
import { classId, vendorId } from './uuid';

export interface SequenceContext {
  /** the description's vendor ID, so a class given by name can be derived from it */
  vendor?: Uint8Array;
  load: ImageLoader;
}

function parameterNumber(name: string, field: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const n = PARAMETERS[name];
  if (n === undefined) fieldError(field, `unknown parameter (known: ${Object.keys(PARAMETERS).join(', ')})`);
  return n;
}

/** A SUIT_Parameters map; typed parameters accept the friendly forms (names, files, dates). */
export async function parameters(o: JsonObject, field: string, ctx: SequenceContext): Promise<Map<CborValue, CborValue>> {
  const out = new Map<CborValue, CborValue>();
  let vendor = ctx.vendor;
  for (const [name, v] of Object.entries(o)) {
    const f = `${field}.${name}`;
    const key = parameterNumber(name, f);
    switch (key) {
      case PARAMETERS['vendor-id']:
        vendor = vendorId(asString(v, f));
        out.set(key, vendor);
        break;
      case PARAMETERS['class-id']:
        if (!vendor) fieldError(f, 'a class given by name needs a vendor first');
        out.set(key, classId(vendor, asString(v, f)));
        break;
      case PARAMETERS['image-digest']:
        out.set(key, cbor(suitDigest((await imageInfo(v, f, ctx.load)).digest)));
        break;
      case PARAMETERS.version:
        out.set(key, versionRequirement(asString(v, f), f));
        break;
      case PARAMETERS['use-before']:
        out.set(key, epochSeconds(v, f));
        break;
      default:
        out.set(key, genericValue(v, f));
    }
  }
  return out;
}

/** Steps -> the flat [command, argument, command, argument, ...] list of a SUIT_Command_Sequence. */
export async function commandSequence(v: Json | undefined, field: string, ctx: SequenceContext): Promise<CborValue[]> {
  const out: CborValue[] = [];
  const steps = asArray(v, field);
  for (let i = 0; i < steps.length; i++) {
    const f = `${field}[${i}]`;
    const step = asObject(steps[i], f);
    const names = Object.keys(step);
    if (names.length !== 1) fieldError(f, `a step is an object with exactly one command, got ${show(step)}`);
    const name = names[0];
    const cf = `${f}.${name}`;
    const number = /^\d+$/.test(name) ? Number(name) : commandNumber(name);
    if (number === undefined) fieldError(cf, `unknown command (known: ${Object.keys(COMMANDS).join(', ')})`);
    const arg = step[name];
    out.push(number);
    if (number === COMMANDS['directive-override-parameters'] || number === COMMANDS['directive-set-parameters']) {
      out.push(await parameters(asObject(arg, cf), cf, ctx));
    } else if (number === COMMANDS['directive-try-each']) {
      const options = asArray(arg, cf);
      const wrapped: CborValue[] = [];
      for (let k = 0; k < options.length; k++) wrapped.push(cbor(await commandSequence(options[k], `${cf}[${k}]`, ctx)));
      out.push(wrapped);
    } else if (number === COMMANDS['directive-run-sequence']) {
      out.push(cbor(await commandSequence(arg, cf, ctx)));
    } else {
      out.push(genericValue(arg, cf));
    }
  }
  return out;
}
