// Test fixtures for the simulated device, made with the real authoring tools (`xsuit
// keygen`, `create`, `sign`, run in-process): keys, firmware images that are small JS
// programs, signed envelopes, and the provisioning blob a device gets at `device init`.
// Written under build/fixtures/device/ (git-ignored) and regenerated when missing.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../tools/cli/main';
import type { CliIO } from '../../tools/cli/command';
import { REPO_ROOT } from '../../tools/build/bundle';
import { provisioningFor } from './device';

export const FIXTURE_DIR = 'build/fixtures/device';
import { DEFAULT_CLASS as CLASS, DEFAULT_VENDOR as VENDOR } from './device';

/** A firmware image: a JS program run in a fresh XS machine with the `xsuit` device API. */
export function imageProgram(name: string, behaviour: 'confirm' | 'sick' | 'reject', padTo = 6000): string {
  const body = behaviour === 'confirm'
    ? `xsuit.log('${name} running'); xsuit.confirm(); '${name}'`
    : behaviour === 'reject'
      ? `xsuit.log('${name} health check failed'); xsuit.reject(); '${name}'`
      : `xsuit.log('${name} running, health check failing'); '${name}'`;
  const pad = Math.max(0, padTo - body.length - 8);
  // padding makes the image span several flash sectors, like real firmware
  return `${body}\n/* ${'x'.repeat(pad)} */\n`;
}

async function cli(args: string[]): Promise<void> {
  let out = '';
  const io: CliIO = { out: (t) => { out += `${t}\n`; }, err: (t) => { out += `${t}\n`; }, isTTY: false };
  const code = await main(args, io);
  if (code !== 0) throw new Error(`xsuit ${args.join(' ')} failed (${code}): ${out}`);
}

export interface EnvelopeSpec {
  name: string;
  seq: number;
  image: string;
  key?: string;
  cls?: string;
  /** A/B manifest: try-each over component-slot a and b */
  slots?: boolean;
}

/** Creates `name`.suit signed by `key` for the image file `image` (both in dir). */
export async function makeEnvelope(dir: string, spec: EnvelopeSpec): Promise<string> {
  const out = join(dir, `${spec.name}.suit`);
  const unsigned = join(dir, `${spec.name}.unsigned.suit`);
  await cli(['create', '--vendor', VENDOR, '--class', spec.cls ?? CLASS, '--seq', String(spec.seq),
    '--image', join(dir, spec.image), '--uri', `coap://updates.example.com/${spec.image}`, ...(spec.slots ? ['--slot', 'ab'] : []), '-o', unsigned]);
  await cli(['sign', unsigned, '-k', join(dir, `${spec.key ?? 'release'}.key.pem`), '-o', out]);
  return out;
}

const IMAGES: Array<[string, string]> = [
  ['v1.js', imageProgram('v1', 'confirm')],
  ['v2.js', imageProgram('v2', 'confirm', 9000)],
  ['v2-sick.js', imageProgram('v2-sick', 'sick', 7000)],
  ['v2-rejects.js', imageProgram('v2-rejects', 'reject', 5000)],
  ['v3.js', imageProgram('v3', 'confirm', 5000)],
];

const ENVELOPES: EnvelopeSpec[] = [
  { name: 'v1', seq: 1, image: 'v1.js' },
  { name: 'v2', seq: 2, image: 'v2.js' },
  { name: 'v2-sick', seq: 2, image: 'v2-sick.js' },
  { name: 'v2-rejects', seq: 2, image: 'v2-rejects.js' },
  { name: 'v3', seq: 3, image: 'v3.js' },
  { name: 'v3-ab', seq: 3, image: 'v3.js', slots: true },
  { name: 'foreign', seq: 9, image: 'v3.js', cls: 'another-board' },
  { name: 'stranger', seq: 9, image: 'v3.js', key: 'stranger' },
];

const pending = new Map<string, Promise<string>>();

/** Makes every fixture once per process (default: build/fixtures/device); returns the directory. */
export function deviceFixtures(dir = join(REPO_ROOT, FIXTURE_DIR)): Promise<string> {
  let p = pending.get(dir);
  if (!p) {
    p = build(dir);
    pending.set(dir, p);
  }
  return p;
}

const DONE = 'done-2.json';

/**
 * Builds into a private directory and renames it into place, so jest workers that ask at
 * the same time never see (or sign with) each other's half-written keys.
 */
async function build(dir: string): Promise<string> {
  if (existsSync(join(dir, DONE))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await buildInto(tmp);
  try {
    renameSync(tmp, dir);
  } catch {
    if (existsSync(join(dir, DONE))) {
      rmSync(tmp, { recursive: true, force: true });
      return dir;
    }
    rmSync(dir, { recursive: true, force: true }); // a stale, unfinished directory
    renameSync(tmp, dir);
  }
  return dir;
}

async function buildInto(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const k of ['release', 'stranger']) await cli(['keygen', '--alg', 'ed25519', '--out', join(dir, k), '--force']);
  for (const [name, text] of IMAGES) writeFileSync(join(dir, name), text);
  const v2 = readFileSync(join(dir, 'v2.js'));
  v2[100] ^= 0x01; // one flipped bit: the payload no longer matches v2.suit
  writeFileSync(join(dir, 'v2-tampered.js'), v2);
  for (const e of ENVELOPES) await makeEnvelope(dir, e);
  writeFileSync(join(dir, 'provision.cbor'), provisioningFor([join(dir, 'release.pub.pem')]));
  writeFileSync(join(dir, DONE), JSON.stringify({ images: IMAGES.map((i) => i[0]), envelopes: ENVELOPES.map((e) => e.name) }));
}
