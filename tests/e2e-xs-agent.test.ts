// The update agent on a simulated device running in the real XS engine, under faults:
// the CoAP server restarted mid-transfer, power cut mid-transfer (the partial image is
// never booted; the same image resumes), and the MQTT broker (mosquitto) restarted
// mid-transfer of an update that then fails its health check and reverts.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRelease, factoryDevice, DEMO_CLASS } from '../tools/serve/demo';
import { startUpdateServer, type UpdateServer } from '../tools/serve/server';
import { XsSimulatedDevice, type DeviceEvent } from '../hosts/xs/net-device';
import { freeTcpPort, freeUdpPort, hasTool, sleep, startMosquitto } from './e2e-support/processes';

const root = join('build', 'test-e2e-xs-agent');
let release: { image: string[]; suit: string[] };

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  release = await buildRelease(root, () => undefined);
}, 120_000);

function updateDir(name: string, manifest: number): string {
  const dir = join(root, name);
  mkdirSync(join(dir, DEMO_CLASS), { recursive: true });
  for (const v of [2, 3]) writeFileSync(join(dir, DEMO_CLASS, `app-v${v}.js`), readFileSync(release.image[v - 1]));
  writeFileSync(join(dir, DEMO_CLASS, 'manifest.suit'), readFileSync(release.suit[manifest - 1]));
  return dir;
}

const v1 = () => factoryDevice(root, { image: release.image[0], suit: release.suit[0] });
const progressed = (events: DeviceEvent[], fraction: number) =>
  events.some((e) => e.type === 'progress' && (e.offset as number) >= fraction * (e.total as number) && (e.offset as number) < (e.total as number));

async function until(cond: () => boolean, what: string, events: DeviceEvent[], ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not reached in ${ms} ms; device events:\n${events.map((e) => JSON.stringify(e)).join('\n')}`);
    await sleep(2);
  }
}

test('CoAP server restarted mid-transfer: the XS agent retries from its offset and installs v2', async () => {
  const dir = updateDir('coap-restart', 2);
  const port = await freeUdpPort();
  const brokerPort = await freeTcpPort();
  let server: UpdateServer = await startUpdateServer({ dir, coapPort: port, brokerPort });
  const events: DeviceEvent[] = [];
  const device = new XsSimulatedDevice(await v1(), { device: 'xs-a', channel: DEMO_CLASS, coapPort: port, mqttPort: brokerPort, ackTimeout: 100 }, (e) => events.push(e));
  try {
    expect(await device.powerOn()).toMatchObject({ slot: 'A', sequence: 1, trial: false });
    await until(() => progressed(events, 0.25), 'a quarter downloaded', events);
    await server.close();
    expect(events.some((e) => e.type === 'staged')).toBe(false); // the outage really is mid-transfer
    await sleep(600);
    server = await startUpdateServer({ dir, coapPort: port, brokerPort });
    await device.untilRestart();
    const fetches = events.filter((e) => e.type === 'fetching');
    expect(fetches.length).toBe(1); // one fetch that survived the outage, not a restart from zero
    expect(await device.powerOn()).toMatchObject({ slot: 'B', sequence: 2, trial: true });
    await until(() => events.some((e) => e.type === 'confirmed' && e.sequence === 2), 'v2 confirmed', events);
  } finally {
    await device.powerOff();
    await server.close();
  }
}, 120_000);

test('power cut mid-transfer: the partial image never boots; the same image resumes from its last sector', async () => {
  const dir = updateDir('power-cut', 2);
  const server = await startUpdateServer({ dir, coapPort: 0 });
  const events: DeviceEvent[] = [];
  const device = new XsSimulatedDevice(await v1(), { device: 'xs-b', channel: DEMO_CLASS, coapPort: server.coapPort, mqttPort: server.mqtt!.port }, (e) => events.push(e));
  try {
    await device.powerOn();
    await until(() => progressed(events, 0.4), '40% downloaded', events);
    await device.powerOff();
    events.length = 0;
    expect(await device.powerOn()).toMatchObject({ slot: 'A', sequence: 1, trial: false });
    await device.untilRestart();
    const fetching = events.find((e) => e.type === 'fetching');
    expect(fetching).toMatchObject({ resumed: true });
    expect(fetching!.offset as number).toBeGreaterThan(0);
    expect(await device.powerOn()).toMatchObject({ slot: 'B', sequence: 2, trial: true });
  } finally {
    await device.powerOff();
    await server.close();
  }
}, 120_000);

(hasTool('mosquitto') ? test : test.skip)('mosquitto restarted mid-transfer of v3 over MQTT: completes, fails its health check, reverts to v2', async () => {
  const dir = updateDir('broker-restart', 2);
  const mport = await freeTcpPort();
  let broker = await startMosquitto(mport);
  const server = await startUpdateServer({ dir, coapPort: 0, mqttUrl: `mqtt://127.0.0.1:${mport}` });
  const events: DeviceEvent[] = [];
  const device = new XsSimulatedDevice(await v1(), { device: 'xs-c', channel: DEMO_CLASS, coapPort: server.coapPort, mqttPort: mport }, (e) => events.push(e));
  try {
    await device.powerOn();
    await device.untilRestart(); // v1 → v2 over CoAP
    expect(await device.powerOn()).toMatchObject({ slot: 'B', sequence: 2, trial: true });
    await until(() => events.some((e) => e.type === 'confirmed' && e.sequence === 2), 'v2 confirmed', events);
    events.length = 0;
    writeFileSync(join(dir, DEMO_CLASS, 'manifest.suit'), readFileSync(release.suit[2]));
    await until(() => progressed(events, 0.2), '20% of v3 downloaded', events);
    await broker.stop();
    expect(events.some((e) => e.type === 'staged')).toBe(false); // the outage really is mid-transfer
    await sleep(300);
    broker = await startMosquitto(mport);
    await device.untilRestart();
    expect(events.filter((e) => e.type === 'fetching').length).toBe(1);
    expect(events.some((e) => e.type === 'staged')).toBe(true);
    expect(await device.powerOn()).toMatchObject({ slot: 'A', sequence: 3, trial: true });
    await device.untilRestart(); // health check fails → reject → restart
    expect(events.some((e) => e.type === 'health-failed')).toBe(true);
    expect(await device.powerOn()).toMatchObject({ slot: 'B', sequence: 2, trial: false });
  } finally {
    await device.powerOff();
    await server.close();
    await broker.stop();
  }
}, 120_000);
