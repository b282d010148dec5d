// The Node side of the Moddable update run, done as a release engineer and a factory
// would with the `xsuit` CLI: a P-256 key (so the device verifies with Moddable's native
// ECDSA), firmware v1 and v2 with signed manifests, a chip-image file provisioned with
// v1 installed and confirmed, and an update directory offering v2 for `xsuit serve`.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../tools/cli/main';

export const CHANNEL = 'xsuit-moddable';
export const VENDOR = 'example.com';

export interface Release {
  dir: string;
  chip: string;
  updates: string;
}

async function cli(args: string[]): Promise<string> {
  let text = '';
  const io = { out: (t: string) => { text += `${t}\n`; }, err: (t: string) => { text += `${t}\n`; }, isTTY: false };
  const code = await main(args, io);
  if (code !== 0) throw new Error(`xsuit ${args.join(' ')} exited ${code}: ${text.trim()}`);
  return text;
}

/** A firmware image whose first line says what it is (the example app prints it). */
export function firmwareImage(version: number, size = 24000): Uint8Array {
  const image = new Uint8Array(size);
  const banner = new TextEncoder().encode(`xsuit moddable example firmware v${version}\n`);
  image.set(banner, 0);
  for (let i = banner.length; i < size; i++) image[i] = (i * 7 * version + (i >> 8)) & 0xff;
  return image;
}

export async function prepareRelease(dir: string, imageSize = 24000): Promise<Release> {
  rmSync(dir, { recursive: true, force: true });
  const updates = join(dir, 'updates');
  mkdirSync(join(updates, CHANNEL), { recursive: true });
  await cli(['keygen', '--alg', 'es256', '--out', join(dir, 'release')]);
  for (const v of [1, 2]) {
    const image = join(dir, `app-v${v}.bin`);
    writeFileSync(image, firmwareImage(v, imageSize));
    await cli(['create', '--vendor', VENDOR, '--class', CHANNEL, '--seq', String(v), '--image', image,
      '--uri', `coap://updates.example.com/app-v${v}.bin`, '-o', join(dir, `v${v}.unsigned.suit`)]);
    await cli(['sign', join(dir, `v${v}.unsigned.suit`), '-k', join(dir, 'release.key.pem'), '-o', join(dir, `v${v}.suit`)]);
  }
  const chip = join(dir, 'chip.bin');
  await cli(['device', 'init', '--flash', chip, '--trust', join(dir, 'release.pub.pem'), '--vendor', VENDOR, '--class', CHANNEL]);
  await cli(['device', 'install', '--flash', chip, join(dir, 'v1.suit'), join(dir, 'app-v1.bin')]);
  await cli(['device', 'confirm', '--flash', chip]);
  copyFileSync(join(dir, 'v2.suit'), join(updates, CHANNEL, 'manifest.suit'));
  copyFileSync(join(dir, 'app-v2.bin'), join(updates, CHANNEL, 'app-v2.bin'));
  return { dir, chip, updates };
}

/** `xsuit device status --json` of the chip file, after the simulator has run. */
export async function chipStatus(chip: string): Promise<Record<string, unknown>> {
  return JSON.parse(await cli(['device', 'status', '--flash', chip, '--json'])) as Record<string, unknown>;
}

/** Replaces the offered v2 manifest with one signed by a key the device does not trust. */
export async function offerRogueManifest(release: Release): Promise<void> {
  await cli(['keygen', '--alg', 'es256', '--out', join(release.dir, 'rogue')]);
  await cli(['sign', join(release.dir, 'v2.unsigned.suit'), '-k', join(release.dir, 'rogue.key.pem'), '-o', join(release.dir, 'v2.rogue.suit')]);
  copyFileSync(join(release.dir, 'v2.rogue.suit'), join(release.updates, CHANNEL, 'manifest.suit'));
}
