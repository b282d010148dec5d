// MQTT client and update channel (modules/mqtt) in Node, against mosquitto and the
// embedded aedes broker; broker restarted mid-session and mid-transfer.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MqttClient } from '../modules/mqtt/client';
import { MqttUpdateChannel } from '../modules/mqtt/update-channel';
import { PacketReader, encodePublish, decodePublish, encodeConnect, CONNECT } from '../modules/mqtt/packet';
import { isXsuitError } from '../modules/errors/errors';
import { nodeNetHost } from '../hosts/node/net';
import { startUpdateServer, type UpdateServer } from '../tools/serve/server';
import { seededRandom } from './e2e-support/udp-relay';
import { freeTcpPort, hasTool, sleep, startChild, startMosquitto, type Child } from './e2e-support/processes';

const root = join('build', 'test-mqtt');
const dir = join(root, 'updates');
const net = nodeNetHost();
afterAll(() => net.timers.clearAll());

function randomBytes(n: number, seed: number): Uint8Array {
  const r = seededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const payload = randomBytes(200 * 1024 + 3, 21);
beforeAll(() => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(dir, 'cls'), { recursive: true });
  writeFileSync(join(dir, 'cls', 'payload.bin'), payload);
  writeFileSync(join(dir, 'cls', 'manifest.suit'), 'envelope-v1');
});

describe('packet codec', () => {
  test('splits a stream fed byte by byte and round-trips PUBLISH', () => {
    const big = randomBytes(20000, 3);
    const bytes = Buffer.concat([encodePublish({ topic: 'a/b', payload: big, qos: 1, retain: true, dup: false, packetId: 7 }), encodeConnect({ clientId: 'x', keepAlive: 5, cleanSession: true })]);
    const r = new PacketReader(65536);
    const packets = [];
    for (const b of bytes) { r.push(Uint8Array.of(b)); for (let p = r.next(); p; p = r.next()) packets.push(p); }
    expect(packets.length).toBe(2);
    const pub = decodePublish(packets[0]);
    expect(pub).toMatchObject({ topic: 'a/b', qos: 1, retain: true, packetId: 7 });
    expect(Buffer.compare(pub.payload, big)).toBe(0);
    expect(packets[1].type).toBe(CONNECT);
  });
  test('bounds packet size and length encoding with typed errors', () => {
    const r = new PacketReader(100);
    r.push(Uint8Array.of(0x30, 0xff, 0x01));
    let err: unknown;
    try { r.next(); } catch (e) { err = e; }
    expect(isXsuitError(err) && err.code).toBe('mqtt-too-large');
    const r2 = new PacketReader(1 << 30);
    r2.push(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01));
    try { r2.next(); err = undefined; } catch (e) { err = e; }
    expect(isXsuitError(err) && err.code).toBe('mqtt-malformed');
  });
});

const mosq = hasTool('mosquitto') && hasTool('mosquitto_sub') && hasTool('mosquitto_pub');
(mosq ? describe : describe.skip)('against mosquitto', () => {
  let port: number;
  let broker: Child;
  beforeAll(async () => {
    port = await freeTcpPort();
    broker = await startMosquitto(port);
  });
  afterAll(async () => { await broker.stop(); });

  test('QoS 0 and 1 both ways with mosquitto_pub / mosquitto_sub; retained; ping', async () => {
    const c = new MqttClient({ net, address: '127.0.0.1', port, clientId: 'dev-1', username: 'dev', password: Buffer.from('secret'), keepAlive: 2 });
    await c.connect();
    const got: string[] = [];
    c.onMessage = (t, p, retained) => got.push(`${t}=${Buffer.from(p)}${retained ? '(r)' : ''}`);
    expect(await c.subscribe('t/in', 1)).toBe(1);
    const sub = startChild('mosquitto_sub', ['-p', String(port), '-t', 't/out', '-C', '2', '-q', '1']);
    await sleep(300);
    await c.publish('t/out', Buffer.from('zero'), { qos: 0 });
    await c.publish('t/out', Buffer.from('one'), { qos: 1 });
    await new Promise((r) => sub.proc.once('exit', r));
    expect(sub.output().trim().split('\n')).toEqual(['zero', 'one']);
    const pub = startChild('mosquitto_pub', ['-p', String(port), '-t', 't/in', '-m', 'hello', '-q', '1']);
    await new Promise((r) => pub.proc.once('exit', r));
    await until(() => got.length === 1);
    expect(got).toEqual(['t/in=hello']);
    await c.publish('t/ret', Buffer.from('kept'), { qos: 1, retain: true });
    await c.subscribe('t/ret', 0);
    await until(() => got.length === 2);
    expect(got[1]).toBe('t/ret=kept(r)');
    const pings = c.stats.pings;
    await sleep(2300);
    expect(c.stats.pings).toBeGreaterThan(pings);
    expect(c.isConnected).toBe(true);
    c.close();
  });

  test('reconnects after a broker restart, resubscribes and delivers a QoS 1 publish', async () => {
    const port2 = await freeTcpPort();
    let b = await startMosquitto(port2);
    const c = new MqttClient({ net, address: '127.0.0.1', port: port2, clientId: 'dev-2', reconnectDelay: 100 });
    await c.connect();
    const got: string[] = [];
    c.onMessage = (t, p) => got.push(Buffer.from(p).toString());
    await c.subscribe('r/x', 1);
    await b.stop();
    await until(() => !c.isConnected);
    const pending = c.publish('r/x', Buffer.from('after'), { qos: 1 });
    b = await startMosquitto(port2);
    await pending;
    await until(() => got.includes('after'));
    expect(c.stats.connects).toBeGreaterThanOrEqual(2);
    c.close();
    await b.stop();
  });

  test('update channel via xsuit serve --mqtt: retained manifest, fetch by offset, broker restarted mid-transfer, report', async () => {
    const port3 = await freeTcpPort();
    let b = await startMosquitto(port3);
    const server = await startUpdateServer({ dir, coapPort: 0, mqttUrl: `mqtt://127.0.0.1:${port3}` });
    const reports: string[] = [];
    server.events.on('report', (e) => reports.push(`${e.device}:${Buffer.from(e.bytes)}`));
    const c = new MqttClient({ net, address: '127.0.0.1', port: port3, clientId: 'dev-3', reconnectDelay: 100 });
    await c.connect();
    const ch = new MqttUpdateChannel(c, net, 'cls', 'dev-3');
    const manifests: string[] = [];
    await ch.watchManifest((m) => manifests.push(Buffer.from(m).toString()));
    await until(() => manifests.length === 1);
    expect(manifests[0]).toBe('envelope-v1');
    const out = new Uint8Array(payload.length);
    let restarted = false;
    let restart: Promise<void> | undefined;
    const total = await ch.fetch('payload.bin', {
      window: 16 * 1024, stallMs: 500,
      onChunk: (o, bytes) => {
        out.set(bytes, o);
        if (!restarted && o >= 64 * 1024) {
          restarted = true;
          restart = b.stop().then(async () => { b = await startMosquitto(port3); });
        }
      },
    });
    await restart;
    expect(total).toBe(payload.length);
    expect(Buffer.compare(out, payload)).toBe(0);
    expect(c.stats.connects).toBeGreaterThanOrEqual(2);
    await ch.report(Buffer.from('ok'));
    await until(() => reports.length === 1);
    expect(reports).toEqual(['dev-3:ok']);
    c.close();
    await server.close();
    await b.stop();
  });
});

describe('embedded broker (no --mqtt)', () => {
  let server: UpdateServer;
  beforeAll(async () => { server = await startUpdateServer({ dir, coapPort: 0 }); });
  afterAll(async () => { await server.close(); });

  test('a device fetches from an offset (resume) and sees manifest changes', async () => {
    expect(server.mqtt?.embedded).toBe(true);
    const c = new MqttClient({ net, address: '127.0.0.1', port: server.mqtt!.port, clientId: 'dev-4' });
    await c.connect();
    const ch = new MqttUpdateChannel(c, net, 'cls', 'dev-4');
    const manifests: string[] = [];
    await ch.watchManifest((m) => manifests.push(Buffer.from(m).toString()));
    await until(() => manifests.length === 1);
    const start = 150 * 1024;
    const out = new Uint8Array(payload.length);
    const offsets: number[] = [];
    await ch.fetch('payload.bin', { offset: start, onChunk: (o, bytes) => { offsets.push(o); out.set(bytes, o); } });
    expect(offsets[0]).toBe(start);
    expect(Buffer.compare(out.subarray(start), payload.subarray(start))).toBe(0);
    writeFileSync(join(dir, 'cls', 'manifest.suit'), 'envelope-v2');
    await until(() => manifests.length === 2);
    expect(manifests[1]).toBe('envelope-v2');
    writeFileSync(join(dir, 'cls', 'manifest.suit'), 'envelope-v1');
    c.close();
  });

  test('a refused or unreachable fetch target stalls into a typed error with the resume offset', async () => {
    const c = new MqttClient({ net, address: '127.0.0.1', port: server.mqtt!.port, clientId: 'dev-5' });
    await c.connect();
    const ch = new MqttUpdateChannel(c, net, 'cls', 'dev-5');
    const err = await ch.fetch('missing.bin', { stallMs: 50, maxStalls: 2, onChunk: () => undefined }).catch((e) => e);
    expect(err.code).toBe('mqtt-fetch-stalled');
    expect(err.detail.nextOffset).toBe(0);
    c.close();
  });
});

test('credentials: a broker that checks them accepts the right ones and refuses others with a typed error', async () => {
  const { Aedes } = await import('aedes');
  const { createServer } = await import('node:net');
  const broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => done(null, username === 'fleet' && Buffer.from(password ?? '').toString() === 's3cret'),
  });
  const srv = createServer(broker.handle);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  try {
    const good = new MqttClient({ net, address: '127.0.0.1', port, clientId: 'cred-ok', username: 'fleet', password: Buffer.from('s3cret') });
    await good.connect();
    expect(good.isConnected).toBe(true);
    good.close();
    const bad = new MqttClient({ net, address: '127.0.0.1', port, clientId: 'cred-bad', username: 'fleet', password: Buffer.from('guess') });
    const err = await bad.connect().catch((e) => e);
    expect(err.code).toBe('mqtt-refused');
    expect([4, 5]).toContain(err.detail.returnCode);
    bad.close();
  } finally {
    await new Promise<void>((r) => { srv.close(() => r()); broker.close(); });
  }
});
