// `xsuit create`: an unsigned SUIT envelope from flags or a JSON description.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { CliCommand, CliIO } from '../command';
import { UsageError } from '../command';
import { parseArgs, single, uintOption, type ParsedArgs } from '../../authoring/cli/args';
import { finish, withJsonUsage } from '../../authoring/cli/outcome';
import { progressBar } from '../../authoring/cli/progress';
import { fieldError, type Json, type JsonObject } from '../../authoring/fields';
import { parseDescription } from '../../authoring/description';
import { buildEnvelope } from '../../authoring/manifest';
import { hashImageFile } from '../../authoring/image';
import { formatUuid } from '../../authoring/uuid';
import type { ImageLoader } from '../../authoring/values';
import { XsuitError, isXsuitError } from '../../../modules/errors/errors';

const MANIFEST_FLAGS = [
  'vendor', 'class', 'seq', 'image', 'uri', 'slot', 'version', 'requires-version', 'use-before', 'text',
  'component-id', 'integrated', 'no-invoke',
];

/** Hashes images relative to `baseDir`, drawing a progress bar for big ones on a terminal. */
function imageLoader(baseDir: string, io: CliIO): ImageLoader {
  const sink = io.isTTY && process.stderr.isTTY ? { write: (t: string) => process.stderr.write(t) } : undefined;
  return async (path, field, keepBytes) => {
    const full = resolve(baseDir, path);
    let bar: ((done: number) => void) | undefined;
    let sized = false;
    return hashImageFile(full, {
      keepBytes,
      onProgress: (done, total) => {
        if (!sized) {
          sized = true;
          bar = progressBar(sink, `hashing ${basename(path)}`, total);
        }
        bar?.(done);
      },
    }).catch((e: unknown) => {
      if (isXsuitError(e)) throw new XsuitError(e.code, `${field}: ${e.message.replace(`${e.code}: `, '')}`);
      throw e;
    });
  };
}

/** The description the flags stand for, so flags and JSON go through one builder. */
export function descriptionFromFlags(p: ParsedArgs): JsonObject {
  const seq = uintOption(p, 'seq');
  if (seq === undefined) throw new UsageError('--seq is required (the sequence number: higher than the one devices run)');
  const vendor = single(p, 'vendor');
  const cls = single(p, 'class');
  if (!vendor || !cls) {
    throw new UsageError(`--${vendor ? 'class' : 'vendor'} is required (devices only accept manifests for their vendor and class)`);
  }
  const images = p.values.get('image') ?? [];
  const uris = p.values.get('uri') ?? [];
  const slot = single(p, 'slot');
  const component: JsonObject = { invoke: !p.switches.has('no-invoke') };
  const id = single(p, 'component-id');
  if (id !== undefined) component.id = id.split('/');
  if (slot === undefined) {
    if (images.length > 1 || uris.length > 1) throw new UsageError('--image and --uri may be repeated only with --slot ab (one per slot)');
    if (images[0]) component.image = images[0];
    if (uris[0]) component.uri = uris[0];
    if (p.switches.has('integrated')) {
      if (!images[0]) throw new UsageError('--integrated needs --image (the file to carry in the envelope)');
      if (uris[0]) throw new UsageError('--integrated and --uri exclude each other (the payload travels in the envelope)');
      component.integrated = `#${basename(images[0])}`;
    }
  } else {
    const slots = slot === 'ab' ? ['a', 'b'] : slot === 'a' || slot === 'b' ? [slot] : undefined;
    if (!slots) throw new UsageError(`--slot: expected a, b or ab, got '${slot}'`);
    if (p.switches.has('integrated')) throw new UsageError('--integrated cannot be combined with --slot');
    if (images.length > slots.length || uris.length > slots.length) {
      throw new UsageError(`--slot ${slot} takes at most ${slots.length} --image and --uri (one per slot, in slot order)`);
    }
    component.slots = slots.map((s, i) => {
      const entry: JsonObject = { slot: s };
      const image = images[i] ?? images[0];
      const uri = uris[i] ?? uris[0];
      if (image) entry.image = image;
      if (uri) entry.uri = uri;
      return entry;
    });
  }
  const d: JsonObject = { 'sequence-number': seq, vendor, class: cls, components: [component] };
  const copy: Array<[string, string]> = [['version', 'version'], ['requires-version', 'requires-version'], ['use-before', 'use-before'], ['text', 'text']];
  for (const [flag, key] of copy) {
    const v = single(p, flag);
    if (v !== undefined) d[key] = v;
  }
  return d;
}

const FIELD_FLAGS: Array<[RegExp, string]> = [
  [/^sequence-number\b/, '--seq'],
  [/^(vendor|class|version|requires-version|use-before|text)(?=:|$)/, ''],
  [/^components\[0\]\.(slots\[\d+\]\.)?image(\.file)?\b/, '--image'],
  [/^components\[0\]\.(slots\[\d+\]\.)?uri\b/, '--uri'],
  [/^components\[0\]\.slots\[\d+\]\.slot\b/, '--slot'],
  [/^components\[0\]\.id(\[\d+\])?/, '--component-id'],
];

/** With flags, an error names the flag (--use-before) rather than the description field it became. */
export function flagError(e: unknown): unknown {
  if (!isXsuitError(e)) return e;
  const message = e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : e.message;
  for (const [pattern, flag] of FIELD_FLAGS) {
    const m = pattern.exec(message);
    if (m) return new XsuitError(e.code, `${flag || `--${m[1]}`}${message.slice(m[0].length)}`, e.reason, e.detail);
  }
  return e;
}

function readDescription(path: string): Json {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    return fieldError('(description)', `${basename(path)} is not valid JSON (${(e as Error).message})`);
  }
}

export const command: CliCommand = {
  name: 'create',
  summary: 'write an unsigned SUIT envelope from flags or a JSON description',
  usage: `usage: xsuit create --vendor V --class C --seq N [--image FILE] [--uri URL] -o OUT [options]
       xsuit create --description FILE.json -o OUT [--json]

Builds an unsigned SUIT envelope (tag 107); sign it with \`xsuit sign\`. The same input
always gives the same bytes. Vendor and class are UUIDs, or names turned into UUIDv5 as the
SUIT manifest draft recommends: vendor = uuid5(DNS, domain), class = uuid5(vendor, name).

options:
  --vendor V            vendor domain (example.com) or UUID
  --class C             class name (esp32-c3-devkit) or UUID
  --seq N               sequence number; devices refuse one not above what they run
  --image FILE          the firmware image: its SHA-256 and size go into the manifest
  --uri URL             where devices fetch the image (install sequence)
  --integrated          carry the image inside the envelope instead of --uri
  --slot a|b|ab         A/B: the image is for slot a, slot b, or either (try-each; give
                        --image/--uri twice for per-slot images: first a, then b)
  --version X.Y.Z       declare the version this manifest installs (set-version)
  --requires-version R  only install over a running version matching R, e.g. '>=1.2.0'
  --use-before DATE     reject the manifest after DATE (ISO 8601 or epoch seconds)
  --text TEXT           manifest description text (en-US)
  --component-id HEX    component identifier, '/'-separated hex parts (default 00)
  --no-invoke           leave out the invoke sequence
  -d, --description F   build from a JSON description instead (docs/guide.md); image
                        paths in it are relative to the description file
  -o, --out FILE        where to write the envelope
  --json                print one JSON object

example:
  xsuit create --vendor example.com --class esp32-c3-devkit --seq 7 \\
    --image build/app.bin --uri coap://updates.example.com/app-7.bin -o app-7.suit`,
  run(args, io) {
    return withJsonUsage(args, io, async () => {
      const p = parseArgs(args, [
        { name: 'description', short: 'd', value: true }, { name: 'out', short: 'o', value: true }, { name: 'json' },
        { name: 'vendor', value: true }, { name: 'class', value: true }, { name: 'seq', value: true },
        { name: 'image', value: true, repeat: true }, { name: 'uri', value: true, repeat: true },
        { name: 'slot', value: true }, { name: 'version', value: true }, { name: 'requires-version', value: true },
        { name: 'use-before', value: true }, { name: 'text', value: true }, { name: 'component-id', value: true },
        { name: 'integrated' }, { name: 'no-invoke' },
      ], 'create');
      if (p.positional.length > 0) throw new UsageError(`unexpected argument '${p.positional[0]}'`);
      const out = single(p, 'out');
      if (!out) throw new UsageError('-o/--out is required (the envelope is binary)');
      const descPath = single(p, 'description');
      if (descPath !== undefined) {
        const mixed = MANIFEST_FLAGS.find((f) => p.values.has(f) || p.switches.has(f));
        if (mixed) throw new UsageError(`--${mixed} cannot be combined with --description (put it in the description)`);
      }
      const description = descPath === undefined ? descriptionFromFlags(p) : undefined;
      return finish('create', p.switches.has('json'), io, async () => {
        const json = description ?? readDescription(descPath!);
        const baseDir = descPath === undefined ? process.cwd() : dirname(resolve(descPath));
        const spec = await parseDescription(json, imageLoader(baseDir, io)).catch((e: unknown) => {
          throw description ? flagError(e) : e;
        });
        const built = buildEnvelope(spec);
        writeFileSync(out, built.envelope);
        const first = spec.components[0];
        const digestHex = Buffer.from(built.digest).toString('hex');
        return {
          json: {
            out, size: built.envelope.length, manifestSize: built.manifest.length, manifestDigest: digestHex,
            sequenceNumber: spec.sequenceNumber, components: spec.components.length,
            vendorId: first.vendor ? formatUuid(first.vendor) : null, classId: first.cls ? formatUuid(first.cls) : null,
            integrated: [...spec.integrated.keys()], severed: spec.severable,
          },
          text: [
            `wrote ${out} (${built.envelope.length} bytes, unsigned; next: xsuit sign ${out} -k KEY -o SIGNED)`,
            `  sequence ${spec.sequenceNumber}, ${spec.components.length} component${spec.components.length > 1 ? 's' : ''}, manifest digest ${digestHex}`,
            ...(first.vendor ? [`  vendor ${formatUuid(first.vendor)}`] : []),
            ...(first.cls ? [`  class  ${formatUuid(first.cls)}`] : []),
          ],
        };
      });
    });
  },
};
