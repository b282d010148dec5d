// Transfer benchmark, one run, ratios only (DESIGN.md "Measuring"):
//   CoAP: 1 MiB at block size 1024 from `xsuit serve`, fetched by our client in the real
//   XS engine (stop-and-wait and pipelined) and by libcoap's coap-client, on loopback and
//   through a relay that adds a 50 ms round trip.
//   The server is the `xsuit serve` command in its own process, as it is deployed, and both
//   clients fetch from that one process. (Run inside this process, the server shared a
//   thread with the Node host that carries our XS client's datagrams, while libcoap's
//   client had a process of its own: the setup, not the clients, decided the ratio.)
//   MQTT: the same payload through mosquitto, by our XS client over the update channel
//   versus mosquitto_sub receiving it raw as one message.
// Loopback figures are the median of --repeat runs (default 5); the 50 ms ones run once.
// Our client runs three ways: stop-and-wait Block2, pipelined Block2 (a window of CON
// requests), and RFC 9177 Q-Block2 (one NON request per set of blocks, --sets ahead).
// Usage: npm run bench:transfer [-- --size BYTES] [--window N] [--sets N] [--repeat N] [--json]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MqttClient } from '../modules/mqtt/client';
import { nodeNetHost } from '../hosts/node/net';
import { UdpRelay, seededRandom } from '../tests/e2e-support/udp-relay';
import { freeTcpPort, freeUdpPort, hasTool, startChild, startMosquitto, sleep } from '../tests/e2e-support/processes';
import { xsFetch } from '../tests/e2e-support/xs-fetch';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SIZE = opt('--size', 1024 * 1024);
const WINDOW = opt('--window', 32);
/** RFC 9177 Q-Block2: sets of MAX_PAYLOADS (10) blocks requested ahead */
const SETS = opt('--sets', 8);
const json = args.includes('--json');
/** loopback runs are short and noisy: each is repeated and the median kept (both peers alike) */
const REPEAT = opt('--repeat', 5);
const log = (s: string): void => { if (!json) process.stdout.write(`${s}\n`); };

const root = join('build', 'bench-transfer');
const dir = join(root, 'updates');
rmSync(root, { recursive: true, force: true });
mkdirSync(join(dir, 'cls'), { recursive: true });
const rand = seededRandom(2024);
const payload = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) payload[i] = (rand() * 256) | 0;
writeFileSync(join(dir, 'cls', 'payload.bin'), payload);
writeFileSync(join(dir, 'cls', 'manifest.suit'), 'bench');

/** `xsuit serve` in its own process; resolves once it says it is listening. */
async function startServeCommand(): Promise<{ coapPort: number; close(): Promise<void> }> {
  const argv = ['tools/bin/xsuit.mjs', 'serve', '--dir', dir, '--coap', String(await freeUdpPort()), '--json'];
  argv.push(...(mosquitto ? ['--mqtt', `mqtt://127.0.0.1:${mosquittoPort}`] : ['--broker-port', String(await freeTcpPort())]));
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const lines = createInterface({ input: proc.stdout! });
  const coapPort = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`xsuit serve exited ${code} before listening`)));
    lines.on('line', (line) => {
      const e = JSON.parse(line) as { event: string; coap?: number };
      if (e.event === 'listening' && e.coap) resolve(e.coap);
    });
  });
  return { coapPort, close: async () => { proc.kill('SIGTERM'); await exited; } };
}

async function timeChild(cmd: string, argv: string[]): Promise<number> {
  const t0 = performance.now();
  const c = startChild(cmd, argv);
  const code = await new Promise((resolve) => c.proc.once('exit', resolve));
  if (code !== 0) throw new Error(`${cmd} exited ${code}: ${c.output()}`);
  return performance.now() - t0;
}

async function median(times: number, run: () => Promise<number>): Promise<number> {
  const all: number[] = [];
  for (let i = 0; i < times; i++) all.push(await run());
  all.sort((a, b) => a - b);
  return all[Math.floor(all.length / 2)];
}

async function ours(port: number, window: number, qblockSets?: number): Promise<number> {
  const r = await xsFetch({ transport: 'coap', port, path: '/cls/payload.bin', window, qblockSets, returnBytes: false }, 600_000);
  if (r.result.received !== SIZE) throw new Error(`XS client received ${r.result.received} of ${SIZE}`);
  return r.ms;
}

const results: Record<string, number> = {};
const ratios: Record<string, number> = {};
const haveLibcoap = hasTool('coap-client-notls');
const haveMosquitto = hasTool('mosquitto') && hasTool('mosquitto_sub');

// ---- CoAP
let mosquittoPort = 0;
let mosquitto: Awaited<ReturnType<typeof startMosquitto>> | undefined;
if (haveMosquitto) {
  mosquittoPort = await freeTcpPort();
  mosquitto = await startMosquitto(mosquittoPort);
}
const server = await startServeCommand();
try {
  await ours(server.coapPort, 1); // warm-up: bundle, JIT of the server
  for (const [label, delayMs] of [['loopback', 0], ['rtt50', 25]] as const) {
    const relay = delayMs ? new UdpRelay({ target: { address: '127.0.0.1', port: server.coapPort }, delayMs }) : undefined;
    const port = relay ? await relay.start() : server.coapPort;
    const times = delayMs ? 1 : REPEAT;
    try {
      if (haveLibcoap) {
        results[`${label}.libcoap_ms`] = await median(times, () => timeChild('coap-client-notls', ['-b', '1024', '-o', '/dev/null', '-B', '600', `coap://127.0.0.1:${port}/cls/payload.bin`]));
        log(`${label}: libcoap coap-client ${results[`${label}.libcoap_ms`].toFixed(0)} ms`);
      }
      results[`${label}.xs_stop_and_wait_ms`] = await median(times, () => ours(port, 1));
      log(`${label}: xsuit (XS) stop-and-wait ${results[`${label}.xs_stop_and_wait_ms`].toFixed(0)} ms`);
      results[`${label}.xs_pipelined_ms`] = await median(times, () => ours(port, WINDOW));
      log(`${label}: xsuit (XS) pipelined window ${WINDOW} ${results[`${label}.xs_pipelined_ms`].toFixed(0)} ms`);
      results[`${label}.xs_qblock2_ms`] = await median(times, () => ours(port, 1, SETS));
      log(`${label}: xsuit (XS) Q-Block2, ${SETS} sets ahead ${results[`${label}.xs_qblock2_ms`].toFixed(0)} ms`);
    } finally {
      await relay?.close();
    }
    if (haveLibcoap) {
      ratios[`${label}.stop_and_wait_vs_libcoap`] = results[`${label}.libcoap_ms`] / results[`${label}.xs_stop_and_wait_ms`];
      ratios[`${label}.pipelined_vs_libcoap`] = results[`${label}.libcoap_ms`] / results[`${label}.xs_pipelined_ms`];
      ratios[`${label}.qblock2_vs_libcoap`] = results[`${label}.libcoap_ms`] / results[`${label}.xs_qblock2_ms`];
    }
    ratios[`${label}.pipelined_vs_stop_and_wait`] = results[`${label}.xs_stop_and_wait_ms`] / results[`${label}.xs_pipelined_ms`];
    ratios[`${label}.qblock2_vs_stop_and_wait`] = results[`${label}.xs_stop_and_wait_ms`] / results[`${label}.xs_qblock2_ms`];
  }

  // ---- MQTT
  if (mosquitto) {
    const r = await xsFetch({ transport: 'mqtt', port: mosquittoPort, path: 'payload.bin', channel: 'cls', returnBytes: false }, 600_000);
    if (r.result.received !== SIZE) throw new Error('MQTT transfer incomplete');
    results['mqtt.xs_update_channel_ms'] = r.ms;
    const net = nodeNetHost();
    const pub = new MqttClient({ net, address: '127.0.0.1', port: mosquittoPort, clientId: 'bench-pub' });
    await pub.connect();
    const sub = startChild('mosquitto_sub', ['-p', String(mosquittoPort), '-t', 'bench/raw', '-C', '1', '-N']);
    await sleep(300); // let mosquitto_sub subscribe
    const t0 = performance.now();
    await pub.publish('bench/raw', payload, { qos: 0 });
    await new Promise((resolve) => sub.proc.once('exit', resolve));
    results['mqtt.mosquitto_sub_raw_ms'] = performance.now() - t0;
    pub.close();
    net.timers.clearAll();
    ratios['mqtt.update_channel_vs_mosquitto_sub_raw'] = results['mqtt.mosquitto_sub_raw_ms'] / results['mqtt.xs_update_channel_ms'];
    log(`mqtt: xsuit (XS) update channel ${r.ms.toFixed(0)} ms, mosquitto_sub raw ${results['mqtt.mosquitto_sub_raw_ms'].toFixed(0)} ms`);
  }
} finally {
  await server.close();
  await mosquitto?.stop();
}

const summary = { bytes: SIZE, blockSize: 1024, window: WINDOW, qblockSets: SETS, ratios, results, peers: { libcoap: haveLibcoap, mosquitto: haveMosquitto } };
if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  log('\nratios (> 1 means xsuit is faster; peers in the same run):');
  for (const [k, v] of Object.entries(ratios)) log(`  ${k.padEnd(45)} ${v.toFixed(2)}x`);
}
