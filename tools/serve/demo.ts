// `xsuit demo`: the whole story on one machine with no setup. Makes keys (if none),
// builds firmware v1, v2 and a faulty v3 (src/demo/firmware.ts) and signs a manifest for
// each, starts the update server (CoAP + embedded MQTT broker), flashes a simulated
// device with v1 at the "factory", then powers it on in the real XS engine again and
// again: v1 updates to v2 over CoAP and confirms it, v3 is offered over MQTT, fails its
// health check on the trial boot and the device reverts to v2.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../cli/main';
import { bundleDevice, REPO_ROOT } from '../build/bundle';
import { classId, vendorId } from '../authoring/uuid';
import { loadPublicKeyFile } from '../keys/load';
import { MemoryStore, NorChip } from '../../hosts/common/nor-flash';
import { parsePartitionsCsv } from '../../hosts/common/partitions';
import { XsSimulatedDevice, type DeviceEvent } from '../../hosts/xs/net-device';
import { nobleCrypto } from '../../modules/crypto/noble';
import { readProvisioning, writeProvisioning } from '../../modules/slots/provisioning';
import { DEFAULT_PARTITIONS_CSV, PROVISION_PARTITION } from '../../modules/slots/layout';
import { Loader } from '../../bootloader/loader';
import { SuitSlotVerifier } from '../../bootloader/suit-verifier';
import { bytesSource, stageEnvelope } from '../../bootloader/suit-stage';
import { startUpdateServer } from './server';

export const DEMO_VENDOR = 'example.com';
export const DEMO_CLASS = 'xsuit-demo';
const DEVICE_ID = 'demo-device-1';

export interface DemoOptions {
  /** working directory (keys, firmware, manifests, update dir); default build/demo */
  dir: string;
  /** print one line (human text or a JSON event) */
  out(line: string): void;
  json: boolean;
  /** give up after this long (ms) */
  timeoutMs?: number;
  coapPort?: number;
}

export interface DemoSummary {
  updated: number | null;
  reverted: boolean;
  finalVersion: number | null;
  boots: number;
  reports: { ok: number; failed: number };
  transports: { v2: string; v3: string };
  seconds: number;
}

async function cli(args: string[]): Promise<void> {
  let text = '';
  const code = await main(args, { out: (t) => { text += `${t}\n`; }, err: (t) => { text += `${t}\n`; }, isTTY: false });
  if (code !== 0) throw new Error(`xsuit ${args.join(' ')} failed (exit ${code}): ${text.trim()}`);
}

/** A deterministic stand-in for the app's bitmap assets, so images span many flash sectors and CoAP blocks. */
function splash(version: number): string {
  let x = 0x2545f491 ^ version;
  let out = '';
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 48 * 1024 + version * 4096; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out += alphabet[(x >>> 0) % 64];
  }
  return out;
}

/** Builds the three firmware images and their signed manifests; returns file paths. */
export async function buildRelease(dir: string, say: (s: string) => void): Promise<{ image: string[]; suit: string[] }> {
  const keys = join(dir, 'keys');
  mkdirSync(keys, { recursive: true });
  if (existsSync(join(keys, 'release.key.pem'))) say(`keys: using ${join(keys, 'release.key.pem')}`);
  else {
    await cli(['keygen', '--alg', 'ed25519', '--out', join(keys, 'release')]);
    say(`keys: made ${join(keys, 'release.key.pem')} (Ed25519)`);
  }
  const rel = join(dir, 'release');
  mkdirSync(rel, { recursive: true });
  const image: string[] = [];
  const suit: string[] = [];
  for (const v of [1, 2, 3]) {
    const js = await bundleDevice({
      entry: join(REPO_ROOT, 'src/demo/firmware.ts'),
      define: { VERSION: String(v), SPLASH: JSON.stringify(splash(v)), SENSOR_REGISTER: v === 3 ? '7' : '5', UPDATE_TRANSPORT: JSON.stringify(v === 1 ? 'coap' : 'mqtt') },
    });
    const file = join(rel, `app-v${v}.js`);
    writeFileSync(file, js);
    const unsigned = join(rel, `app-v${v}.unsigned.suit`);
    const signed = join(rel, `app-v${v}.suit`);
    await cli(['create', '--vendor', DEMO_VENDOR, '--class', DEMO_CLASS, '--seq', String(v), '--image', file,
      '--uri', `coap://updates.example.com/app-v${v}.js`, '-o', unsigned]);
    await cli(['sign', unsigned, '-k', join(keys, 'release.key.pem'), '-o', signed]);
    image.push(file);
    suit.push(signed);
  }
  say(`firmware: built app-v1.js, app-v2.js, app-v3.js (v3 reads the wrong sensor register) and signed manifests seq 1-3 in ${rel}`);
  return { image, suit };
}

/** The factory: provisioning (identity, trust anchor) and v1 installed and confirmed. */
export async function factoryDevice(dir: string, v1: { image: string; suit: string }): Promise<NorChip> {
  const chip = new NorChip(new MemoryStore(4 * 1024 * 1024), parsePartitionsCsv(DEFAULT_PARTITIONS_CSV));
  const vendor = vendorId(DEMO_VENDOR);
  writeProvisioning(chip.open(PROVISION_PARTITION), {
    identity: { vendorId: vendor, classId: classId(vendor, DEMO_CLASS) },
    trust: { anchors: [loadPublicKeyFile(join(dir, 'keys', 'release.pub.pem'))], threshold: 1 },
    maxAttempts: 3,
  });
  const prov = readProvisioning(chip.open(PROVISION_PARTITION));
  const verifier = { policy: prov.trust, identity: prov.identity, crypto: nobleCrypto };
  const loader = new Loader({ flash: chip, crypto: nobleCrypto, verifier: new SuitSlotVerifier(verifier), maxAttempts: prov.maxAttempts });
  loader.initialise();
  await stageEnvelope(loader, verifier, readFileSync(v1.suit), bytesSource(readFileSync(v1.image)));
  await loader.boot();
  await loader.confirm();
  return chip;
}

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  const say = (text: string, event?: Record<string, unknown>): void => {
    if (o.json) { if (event) o.out(JSON.stringify(event)); } else o.out(text);
  };
  mkdirSync(o.dir, { recursive: true });
  const release = await buildRelease(o.dir, (s) => say(s, { event: 'build', text: s }));
  const updates = join(o.dir, 'updates');
  const channelDir = join(updates, DEMO_CLASS);
  mkdirSync(channelDir, { recursive: true });
  for (const v of [2, 3]) writeFileSync(join(channelDir, `app-v${v}.js`), readFileSync(release.image[v - 1]));
  writeFileSync(join(channelDir, 'manifest.suit'), readFileSync(release.suit[1]));

  const server = await startUpdateServer({ dir: updates, coapPort: o.coapPort ?? 0, brokerPort: 0 });
  const reports = { ok: 0, failed: 0 };
  server.events.on('report', (e: { bytes: Uint8Array; transport: string }) => {
    // SUIT_Report: result (key 4) is `true` (0xf5) on success
    const ok = Buffer.from(e.bytes).includes(Buffer.from([0x04, 0xf5]));
    if (ok) reports.ok++; else reports.failed++;
    say(`server: ${ok ? 'success' : 'failure'} report from ${DEVICE_ID} over ${e.transport}`, { event: 'report', ok, transport: e.transport });
  });
  say(`server: coap://127.0.0.1:${server.coapPort}/${DEMO_CLASS}/manifest.suit (Observe) and mqtt://127.0.0.1:${server.mqtt?.port} (embedded broker), offering v2`,
    { event: 'serve', coap: server.coapPort, mqtt: server.mqtt?.port });

  const chip = await factoryDevice(o.dir, { image: release.image[0], suit: release.suit[0] });
  say('device: factory-flashed with v1 (confirmed); powering on in XS', { event: 'factory', version: 1 });

  const summary: DemoSummary = { updated: null, reverted: false, finalVersion: null, boots: 0, reports, transports: { v2: '', v3: '' }, seconds: 0 };
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  let finished = false;
  let sawHealthFailure = false;
  let lastTransport = '';
  let stop: () => void = () => undefined;
  const onEvent = (e: DeviceEvent): void => {
    if (e.type === 'log') say(`device: ${e.text}`, { event: 'log', text: e.text });
    else if (e.type === 'progress') {
      const pct = Math.round(((e.offset as number) / Math.max(1, e.total as number)) * 100);
      if (pct === 100 || pct === 50) say(`agent: ${pct}% of ${e.total} bytes`, { event: 'progress', offset: e.offset, total: e.total });
    } else {
      say(`agent: ${describe(e)}`, { event: 'agent', ...e });
    }
    // the transport that delivered each release (the first time the agent fetched it)
    if (e.type === 'manifest') lastTransport = String(e.transport);
    if (e.type === 'fetching') {
      const v = /app-v(\d)/.exec(String(e.uri));
      if (v && v[1] === '2' && !summary.transports.v2) summary.transports.v2 = lastTransport;
      if (v && v[1] === '3' && !summary.transports.v3) summary.transports.v3 = lastTransport;
    }
    if (e.type === 'confirmed') {
      summary.updated = e.sequence as number;
      if (e.sequence === 2) {
        // v2 is in: now offer the next release to the fleet (MQTT retained + CoAP Observe)
        writeFileSync(join(channelDir, 'manifest.suit'), readFileSync(release.suit[2]));
        say('server: publishing v3', { event: 'publish', version: 3 });
      }
    }
    if (e.type === 'health-failed') sawHealthFailure = true;
    if (e.type === 'skipped' && e.why === 'previously-rejected') { finished = true; stop(); }
  };
  const device = new XsSimulatedDevice(chip, { device: DEVICE_ID, channel: DEMO_CLASS, coapPort: server.coapPort, mqttPort: server.mqtt?.port ?? 0 }, onEvent);
  try {
    while (!finished) {
      if (Date.now() > deadline || device.boots >= 8) throw new Error('the demo did not reach its end state in time');
      const stopped = new Promise<void>((resolve) => { stop = resolve; });
      const b = await device.powerOn(Math.max(1, deadline - Date.now()));
      summary.boots = device.boots;
      if (b.kind !== 'boot') throw new Error(`device went to recovery: ${b.why}`);
      summary.finalVersion = b.sequence ?? null;
      if (sawHealthFailure && !b.trial) summary.reverted = true;
      say(`device: power-on ${device.boots}: loader verified slot ${b.slot}, v${b.sequence}${b.trial ? ' on trial' : ''}`,
        { event: 'boot', n: device.boots, slot: b.slot, version: b.sequence, trial: b.trial });
      if (!finished) await Promise.race([device.untilRestart(Math.max(1, deadline - Date.now())), stopped]);
    }
  } finally {
    await device.powerOff();
    await server.close();
  }
  summary.seconds = Math.round((performance.now() - started) / 100) / 10;
  return summary;
}

function describe(e: Record<string, unknown>): string {
  switch (e.type) {
    case 'manifest': return `manifest seq ${e.sequence} over ${e.transport}: signature and identity verified`;
    case 'fetching': return `fetching ${e.uri}${e.resumed ? ` (resuming at ${e.offset})` : ''}`;
    case 'staged': return `staged ${e.bytes} bytes, digest matches the manifest`;
    case 'switched': return `switched to slot ${e.slot === 0 ? 'A' : 'B'} on trial; restarting`;
    case 'confirmed': return `health check passed: v${e.sequence} confirmed`;
    case 'health-failed': return `health check FAILED (${e.detail}): rejecting v${e.sequence}`;
    case 'skipped': return `manifest seq ${e.sequence} skipped (${e.why})`;
    case 'rejected': return `update refused: ${e.code} (reason ${e.reason})`;
    case 'reported': return `SUIT report sent (${e.ok ? 'success' : `reason ${e.reason}`})`;
    case 'watching': return `watching for updates over ${e.transport}`;
    case 'queued': return 'a newer manifest arrived while busy: queued';
    default: return JSON.stringify(e);
  }
}
