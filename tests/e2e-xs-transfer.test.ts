// The device transports running in the real XS engine (xsnap): CoAP block-wise,
// pipelined, through a lossy relay, resumed, from libcoap's coap-server; MQTT update
// channel via the embedded broker.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startUpdateServer, type UpdateServer } from '../tools/serve/server';
import { UdpRelay, seededRandom } from './e2e-support/udp-relay';
import { xsFetch } from './e2e-support/xs-fetch';
import { freeUdpPort, hasTool, sleep, startChild } from './e2e-support/processes';

const root = join('build', 'test-e2e-xs');
const dir = join(root, 'updates');
const payload = (() => {
  const r = seededRandom(99);
  const out = new Uint8Array(256 * 1024 + 11);
  for (let i = 0; i < out.length; i++) out[i] = (r() * 256) | 0;
  return out;
})();
let server: UpdateServer;

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(dir, 'cls'), { recursive: true });
  writeFileSync(join(dir, 'cls', 'payload.bin'), payload);
  writeFileSync(join(dir, 'cls', 'small.bin'), payload.subarray(0, 48 * 1024));
  writeFileSync(join(dir, 'cls', 'manifest.suit'), 'm');
  server = await startUpdateServer({ dir, coapPort: 0 });
});
afterAll(async () => { await server.close(); });

test.each([1, 8, 64])('XS CoAP download, window %i, byte-exact', async (window) => {
  const r = await xsFetch({ transport: 'coap', port: server.coapPort, path: '/cls/payload.bin', window });
  expect(r.result.total).toBe(payload.length);
  expect(Buffer.compare(r.bytes, payload)).toBe(0);
  console.log(`XS coap window ${window}: ${r.cranks} cranks, compute ${r.compute}`);
});

test('XS CoAP download resumes from a block', async () => {
  const r = await xsFetch({ transport: 'coap', port: server.coapPort, path: '/cls/payload.bin', window: 4, startBlock: 200 });
  expect(r.result.received).toBe(payload.length - 200 * 1024);
  expect(Buffer.compare(r.bytes.subarray(200 * 1024), payload.subarray(200 * 1024))).toBe(0);
});

test('XS CoAP through loss, duplication and reordering', async () => {
  const relay = new UdpRelay({ target: { address: '127.0.0.1', port: server.coapPort }, loss: 0.08, duplicate: 0.08, reorder: 0.08, seed: 5 });
  const port = await relay.start();
  try {
    const r = await xsFetch({ transport: 'coap', port, path: '/cls/small.bin', window: 8, ackTimeout: 60, maxRetransmit: 8 });
    expect(Buffer.compare(r.bytes, payload.subarray(0, 48 * 1024))).toBe(0);
    expect(r.result.stats?.retransmitted).toBeGreaterThan(0);
    expect(relay.stats.dropped + relay.stats.duplicated).toBeGreaterThan(0);
  } finally {
    await relay.close();
  }
});

test.each([1, 8])('XS CoAP Q-Block2 (RFC 9177), %i sets ahead, byte-exact', async (sets) => {
  const r = await xsFetch({ transport: 'coap', port: server.coapPort, path: '/cls/payload.bin', qblockSets: sets });
  expect(r.result.total).toBe(payload.length);
  expect(Buffer.compare(r.bytes, payload)).toBe(0);
  // one request per set of 10 blocks, not one per block, plus the first one repeated with
  // the server's Echo value (return-routability check before the first burst)
  expect(r.result.stats?.sent).toBe(Math.ceil(Math.ceil(payload.length / 1024) / 10) + 1);
  console.log(`XS coap Q-Block2 sets ${sets}: ${r.cranks} cranks, compute ${r.compute}`);
});

test('XS CoAP Q-Block2 resumes from a block inside a set', async () => {
  const r = await xsFetch({ transport: 'coap', port: server.coapPort, path: '/cls/payload.bin', qblockSets: 2, startBlock: 205 });
  expect(r.result.received).toBe(payload.length - 205 * 1024);
  expect(Buffer.compare(r.bytes.subarray(205 * 1024), payload.subarray(205 * 1024))).toBe(0);
});

test('XS CoAP Q-Block2 through loss, duplication and reordering', async () => {
  const relay = new UdpRelay({ target: { address: '127.0.0.1', port: server.coapPort }, loss: 0.08, duplicate: 0.08, reorder: 0.08, seed: 6 });
  const port = await relay.start();
  try {
    const r = await xsFetch({ transport: 'coap', port, path: '/cls/small.bin', qblockSets: 2, ackTimeout: 60 });
    expect(Buffer.compare(r.bytes, payload.subarray(0, 48 * 1024))).toBe(0);
    // 48 blocks are 5 sets (+1 for the Echo round): anything beyond asked again for lost blocks
    expect(r.result.stats?.sent).toBeGreaterThan(6);
    expect(relay.stats.dropped).toBeGreaterThan(0);
  } finally {
    await relay.close();
  }
});

test('XS CoAP: a missing resource fails with a typed error', async () => {
  await expect(xsFetch({ transport: 'coap', port: server.coapPort, path: '/cls/none.bin' })).rejects.toMatchObject({ code: 'coap-status' });
});

test('XS MQTT update channel via the embedded broker, byte-exact', async () => {
  const r = await xsFetch({ transport: 'mqtt', port: server.mqtt!.port, path: 'payload.bin', channel: 'cls' });
  expect(r.result.total).toBe(payload.length);
  expect(Buffer.compare(r.bytes, payload)).toBe(0);
});

(hasTool('coap-server-notls') ? test : test.skip)('XS CoAP client downloads block-wise from libcoap coap-server', async () => {
  const port = await freeUdpPort();
  const srv = startChild('coap-server-notls', ['-A', '127.0.0.1', '-p', String(port), '-d', '4']);
  try {
    await sleep(300);
    const file = join(root, 'put.bin');
    const body = payload.subarray(0, 90 * 1024 + 17);
    writeFileSync(file, body);
    const put = startChild('coap-client-notls', ['-m', 'put', '-b', '1024', '-f', file, `coap://127.0.0.1:${port}/fw`]);
    expect(await new Promise((r) => put.proc.once('exit', r))).toBe(0);
    for (const window of [1, 4]) {
      const r = await xsFetch({ transport: 'coap', port, path: '/fw', window });
      expect(Buffer.compare(r.bytes, body)).toBe(0);
    }
    // Debian's libcoap is built without Q-Block: it resets the request (unknown critical
    // option), and the client says so at once instead of timing out
    const t0 = Date.now();
    await expect(xsFetch({ transport: 'coap', port, path: '/fw', qblockSets: 2 })).rejects.toMatchObject({ code: 'coap-qblock-unsupported' });
    expect(Date.now() - t0).toBeLessThan(1500);
  } finally {
    await srv.stop();
  }
});

// Q-Block2 against libcoap built with Q-Block (Debian's libcoap3-bin is built without it).
// Local only, like the Moddable tests: LIBCOAP_QBLOCK names a directory holding coap-client
// and coap-server built from libcoap with -DENABLE_Q_BLOCK=ON (DEVELOPERS.md).
const qlib = process.env.LIBCOAP_QBLOCK;
(qlib ? describe : describe.skip)('Q-Block2 against libcoap with Q-Block (LIBCOAP_QBLOCK)', () => {
  test('libcoap coap-client -L 5 fetches from xsuit serve with Q-Block2, answering the Echo check', async () => {
    const out = join(root, 'qlib-out.bin');
    const before = server.coap.stats.requests;
    const challenges = server.coap.stats.echoChallenges;
    const c = startChild(join(qlib as string, 'coap-client'), ['-L', '5', '-b', '1024', '-o', out, `coap://127.0.0.1:${server.coapPort}/cls/payload.bin`]);
    expect(await new Promise((r) => c.proc.once('exit', r))).toBe(0);
    expect(Buffer.compare(readFileSync(out), payload)).toBe(0);
    // Block2 would take one request per block (258); Q-Block2 one per set, plus the probe and the Echo round
    expect(server.coap.stats.requests - before).toBeLessThan(40);
    expect(server.coap.stats.echoChallenges - challenges).toBe(1);
  });

  test('our XS client fetches from libcoap coap-server -L 5 with Q-Block2', async () => {
    const port = await freeUdpPort();
    const srv = startChild(join(qlib as string, 'coap-server'), ['-A', '127.0.0.1', '-p', String(port), '-d', '4', '-L', '5']);
    try {
      await sleep(300);
      const file = join(root, 'qlib-put.bin');
      writeFileSync(file, payload);
      const put = startChild(join(qlib as string, 'coap-client'), ['-m', 'put', '-b', '1024', '-f', file, `coap://127.0.0.1:${port}/fw`]);
      expect(await new Promise((r) => put.proc.once('exit', r))).toBe(0);
      const r = await xsFetch({ transport: 'coap', port, path: '/fw', qblockSets: 2, ackTimeout: 500 });
      expect(Buffer.compare(r.bytes, payload)).toBe(0);
      expect(r.result.stats?.sent).toBe(Math.ceil(Math.ceil(payload.length / 1024) / 10));
    } finally {
      await srv.stop();
    }
  });
});
