// Shared setup for the update agent tests: a simulated device (NOR chip, provisioning,
// loader with the SUIT verifier, v1 installed and confirmed) and signed update
// directories made with the real authoring tools (xsuit create/sign).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NorChip, MemoryStore } from '../hosts/common/nor-flash';
import { parsePartitionsCsv } from '../hosts/common/partitions';
import { nobleCrypto } from '../modules/crypto/noble';
import { Loader } from '../bootloader/loader';
import { SuitSlotVerifier, type SuitVerifierOptions } from '../bootloader/suit-verifier';
import { bytesSource, stageEnvelope } from '../bootloader/suit-stage';
import { decodeProvisioning, readProvisioning, writeProvisioning } from '../modules/slots/provisioning';
import { DEFAULT_PARTITIONS_CSV, PROVISION_PARTITION } from '../modules/slots/layout';
import { encodeProvisioning } from '../modules/slots/provisioning';
import { main } from '../tools/cli/main';
import { loadPublicKeyFile } from '../tools/keys/load';
import { classId, vendorId } from '../tools/authoring/uuid';

export const VENDOR = 'example.com';

async function cli(args: string[]): Promise<void> {
  let out = '';
  const code = await main(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { out += `${t}\n`; }, isTTY: false });
  if (code !== 0) throw new Error(`xsuit ${args.join(' ')} failed (${code}): ${out}`);
}

/** A firmware image: a JS program for the simulated device, padded to span many sectors. */
export function imageText(name: string, size: number): string {
  const body = `xsuit.log('${name} running'); xsuit.confirm(); '${name}'`;
  return `${body}\n/* ${'x'.repeat(Math.max(0, size - body.length - 8))} */\n`;
}

async function makeEnvelope(dir: string, spec: { name: string; seq: number; image: string; key?: string; cls?: string }): Promise<string> {
  const out = join(dir, `${spec.name}.suit`);
  const unsigned = join(dir, `${spec.name}.unsigned.suit`);
  await cli(['create', '--vendor', VENDOR, '--class', spec.cls ?? CHANNEL, '--seq', String(spec.seq),
    '--image', join(dir, spec.image), '--uri', `coap://updates.example.com/${spec.image}`, '-o', unsigned]);
  await cli(['sign', unsigned, '-k', join(dir, `${spec.key ?? 'release'}.key.pem`), '-o', out]);
  return out;
}

export const CHANNEL = 'xsuit-sim';

export interface UpdateSet {
  dir: string;
  /** the server's update directory: DIR/<channel>/... */
  serveDir: string;
  envelopes: Record<string, Uint8Array>;
  images: Record<string, Uint8Array>;
  provisioning: Uint8Array;
}

/** Big images (so transfers span many sectors and blocks), signed envelopes v1, v2, v3, stranger. */
export async function makeUpdateSet(root: string): Promise<UpdateSet> {
  rmSync(root, { recursive: true, force: true });
  const dir = join(root, 'release');
  mkdirSync(dir, { recursive: true });
  for (const k of ['release', 'stranger']) await cli(['keygen', '--alg', 'ed25519', '--out', join(dir, k), '--force']);
  const images: Record<string, Uint8Array> = {};
  const sizes: Record<string, number> = { v1: 20_000, v2: 150_000, v3: 120_000 };
  for (const [name, size] of Object.entries(sizes)) {
    writeFileSync(join(dir, `${name}.js`), imageText(name, size));
    images[name] = readFileSync(join(dir, `${name}.js`));
  }
  const envelopes: Record<string, Uint8Array> = {};
  for (const spec of [{ name: 'v1', seq: 1, image: 'v1.js' }, { name: 'v2', seq: 2, image: 'v2.js' }, { name: 'v3', seq: 3, image: 'v3.js' },
    { name: 'stranger', seq: 9, image: 'v3.js', key: 'stranger' }, { name: 'foreign', seq: 9, image: 'v3.js', cls: 'another-board' }]) {
    envelopes[spec.name] = readFileSync(await makeEnvelope(dir, spec));
  }
  const serveDir = join(root, 'serve');
  mkdirSync(join(serveDir, CHANNEL), { recursive: true });
  for (const n of ['v1', 'v2', 'v3']) writeFileSync(join(serveDir, CHANNEL, `${n}.js`), images[n]);
  return { dir, serveDir, envelopes, images, provisioning: encodeProvisioning({
    identity: { vendorId: vendorId(VENDOR), classId: classId(vendorId(VENDOR), CHANNEL) },
    trust: { anchors: [loadPublicKeyFile(join(dir, 'release.pub.pem'))], threshold: 1 },
    maxAttempts: 3,
  }) };
}

export function publish(set: UpdateSet, envelope: string): void {
  writeFileSync(join(set.serveDir, CHANNEL, 'manifest.suit'), set.envelopes[envelope]);
}

export interface SimDevice {
  store: MemoryStore;
  chip: NorChip;
  loader: Loader;
  verifier: SuitVerifierOptions;
  /** a fresh power-on over the same flash bytes */
  reboot(): SimDevice;
}

/** A device with v1 installed (staged from its envelope) and confirmed, running from slot A. */
export async function deviceWithV1(set: UpdateSet): Promise<SimDevice> {
  const store = new MemoryStore(4 * 1024 * 1024);
  const chip = new NorChip(store, parsePartitionsCsv(DEFAULT_PARTITIONS_CSV));
  writeProvisioning(chip.open(PROVISION_PARTITION), decodeProvisioning(set.provisioning));
  const d = powerOn(store);
  d.loader.initialise();
  await stageEnvelope(d.loader, d.verifier, set.envelopes.v1, bytesSource(set.images.v1));
  const b = await d.loader.boot();
  if (b.kind !== 'boot' || !b.trial) throw new Error('v1 did not boot on trial');
  await d.loader.confirm();
  return d;
}

export function powerOn(store: MemoryStore): SimDevice {
  const chip = new NorChip(store, parsePartitionsCsv(DEFAULT_PARTITIONS_CSV));
  const p = readProvisioning(chip.open(PROVISION_PARTITION));
  const verifier = { policy: p.trust, identity: p.identity, crypto: nobleCrypto };
  const loader = new Loader({ flash: chip, crypto: nobleCrypto, verifier: new SuitSlotVerifier(verifier), maxAttempts: p.maxAttempts });
  return { store, chip, loader, verifier, reboot: () => powerOn(store) };
}
