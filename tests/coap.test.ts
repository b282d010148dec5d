// CoAP client (modules/coap) in Node against our server and libcoap, through a lossy relay.
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { spawnSync } from 'node:child_process';
import { CoapClient } from '../modules/coap/client';
import { downloadBlockwise } from '../modules/coap/blockwise';
import {
  CON, ACK, GET, CONTENT, OPT_BLOCK2, OPT_URI_PATH, decodeMessage, encodeMessage, readBlock, blockOption, uriOptions,
} from '../modules/coap/message';
import { isXsuitError } from '../modules/errors/errors';
import { nodeNetHost } from '../hosts/node/net';
import { UpdateStore } from '../tools/serve/store';
import { CoapServer } from '../tools/serve/coap-server';
import { UdpRelay, seededRandom } from './e2e-support/udp-relay';
import { freeUdpPort, hasTool, sleep, startChild } from './e2e-support/processes';

const root = join('build', 'test-coap');
const dir = join(root, 'updates');

function randomBytes(n: number, seed: number): Uint8Array {
  const r = seededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

function collect(): { parts: Map<number, Uint8Array>; onBlock: (o: number, b: Uint8Array) => void; bytes(): Uint8Array } {
  const parts = new Map<number, Uint8Array>();
  return {
    parts,
    onBlock: (o, b) => { parts.set(o, b.slice()); },
    bytes() {
      const offsets = Array.from(parts.keys()).sort((a, b) => a - b);
      return Buffer.concat(offsets.map((o) => parts.get(o) as Uint8Array));
    },
  };
}

const payload = randomBytes(300 * 1024 + 77, 7);
const small = randomBytes(64 * 1024 + 1, 8);
let server: CoapServer;
let net: ReturnType<typeof nodeNetHost>;

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(dir, 'cls'), { recursive: true });
  writeFileSync(join(dir, 'cls', 'payload.bin'), payload);
  writeFileSync(join(dir, 'cls', 'small.bin'), small);
  writeFileSync(join(dir, 'cls', 'tiny.bin'), small.subarray(0, 1000));
  writeFileSync(join(dir, 'cls', 'manifest.suit'), 'manifest-1');
  server = new CoapServer(new UpdateStore(dir), new EventEmitter());
  await server.listen(0);
  net = nodeNetHost();
});

afterAll(async () => {
  await server.close();
  net.timers.clearAll();
});

describe('message codec', () => {
  test('round-trips options with extended deltas and lengths', () => {
    const long = new Uint8Array(300).fill(3);
    const m = { type: CON, code: GET, messageId: 0xbeef, token: Uint8Array.of(1, 2, 3), options: [...uriOptions('/a/b?x=1'), { number: 2049, value: long }, blockOption(OPT_BLOCK2, { num: 5000, more: true, szx: 6 })], payload: Uint8Array.of(9, 9) };
    const back = decodeMessage(encodeMessage(m));
    expect(back.messageId).toBe(0xbeef);
    expect(Array.from(back.token)).toEqual([1, 2, 3]);
    expect(back.options.map((o) => o.number)).toEqual([OPT_URI_PATH, OPT_URI_PATH, 15, OPT_BLOCK2, 2049]);
    expect(readBlock(back.options[3].value)).toEqual({ num: 5000, more: true, szx: 6 });
    expect(back.options[4].value.length).toBe(300);
    expect(Array.from(back.payload)).toEqual([9, 9]);
  });
  test('rejects malformed datagrams with a typed error', () => {
    for (const bad of [[0x40], [0x80, 1, 0, 0], [0x49, 1, 0, 0], [0x40, 1, 0, 0, 0xd1], [0x40, 1, 0, 0, 0xff], [0x40, 1, 0, 0, 0x13, 1]]) {
      let err: unknown;
      try { decodeMessage(Uint8Array.from(bad)); } catch (e) { err = e; }
      expect(isXsuitError(err) && err.code).toBe('coap-malformed');
    }
  });
});

describe('block-wise download from xsuit serve', () => {
  test.each([1, 8])('window %i is byte-exact', async (window) => {
    const c = new CoapClient({ net, address: '127.0.0.1', port: server.port });
    const got = collect();
    const r = await downloadBlockwise(c, '/cls/payload.bin', { window, onBlock: got.onBlock });
    c.close();
    expect(r.total).toBe(payload.length);
    expect(Buffer.compare(got.bytes(), payload)).toBe(0);
  });

  test('resumes from a block and honours a smaller block size', async () => {
    const c = new CoapClient({ net, address: '127.0.0.1', port: server.port });
    const got = collect();
    const r = await downloadBlockwise(c, '/cls/payload.bin', { blockSize: 256, startBlock: 40, window: 4, onBlock: got.onBlock });
    c.close();
    expect(Math.min(...got.parts.keys())).toBe(40 * 256);
    expect(r.received).toBe(payload.length - 40 * 256);
    expect(Buffer.compare(got.bytes(), payload.subarray(40 * 256))).toBe(0);
  });

  test.each([1, 4])('16-byte blocks (Block2 value 0 for block 0), window %i', async (window) => {
    const c = new CoapClient({ net, address: '127.0.0.1', port: server.port });
    const got = collect();
    const r = await downloadBlockwise(c, '/cls/tiny.bin', { blockSize: 16, window, onBlock: got.onBlock });
    c.close();
    expect(r.blockSize).toBe(16);
    expect(Buffer.compare(got.bytes(), small.subarray(0, 1000))).toBe(0);
  });

  test('a missing resource fails with coap-status 4.04', async () => {
    const c = new CoapClient({ net, address: '127.0.0.1', port: server.port });
    await expect(downloadBlockwise(c, '/cls/nope.bin', { onBlock: () => undefined })).rejects.toMatchObject({ code: 'coap-status' });
    c.close();
  });

  test.each([[1, 11], [8, 12]])('survives loss, duplication and reordering (window %i, seed %i)', async (window, seed) => {
    const relay = new UdpRelay({ target: { address: '127.0.0.1', port: server.port }, loss: 0.08, duplicate: 0.08, reorder: 0.08, seed });
    const port = await relay.start();
    const c = new CoapClient({ net, address: '127.0.0.1', port, ackTimeout: 60, maxRetransmit: 8 });
    const got = collect();
    await downloadBlockwise(c, '/cls/small.bin', { window, onBlock: got.onBlock });
    const stats = { ...c.stats };
    c.close();
    await relay.close();
    expect(Buffer.compare(got.bytes(), small)).toBe(0);
    expect(relay.stats.dropped).toBeGreaterThan(0);
    expect(relay.stats.duplicated).toBeGreaterThan(0);
    expect(stats.retransmitted).toBeGreaterThan(0);
  });

  test('a cut link fails with the offset to resume from; resuming completes byte-exact', async () => {
    const relay = new UdpRelay({ target: { address: '127.0.0.1', port: server.port } });
    const port = await relay.start();
    const c = new CoapClient({ net, address: '127.0.0.1', port, ackTimeout: 30, maxRetransmit: 2 });
    const got = collect();
    let n = 0;
    const err = await downloadBlockwise(c, '/cls/payload.bin', {
      window: 4,
      onBlock: (o, b) => { got.onBlock(o, b); if (++n === 100) relay.blackhole = true; },
    }).catch((e) => e);
    expect(err.code).toBe('coap-timeout');
    const next = err.detail.nextOffset as number;
    expect(next).toBeGreaterThanOrEqual(100 * 1024);
    expect(next % 1024).toBe(0);
    relay.blackhole = false;
    await downloadBlockwise(c, '/cls/payload.bin', { window: 4, startBlock: next / 1024, onBlock: got.onBlock });
    c.close();
    await relay.close();
    expect(Buffer.compare(got.bytes(), payload)).toBe(0);
  });

  test('server restarted mid-transfer: resume on the new server', async () => {
    const store = new UpdateStore(dir);
    const port = await freeUdpPort();
    let s = new CoapServer(store, new EventEmitter());
    await s.listen(port);
    const c = new CoapClient({ net, address: '127.0.0.1', port, ackTimeout: 50, maxRetransmit: 3 });
    const got = collect();
    let n = 0;
    let restarted: Promise<void> | undefined;
    const err = await downloadBlockwise(c, '/cls/payload.bin', {
      onBlock: (o, b) => { got.onBlock(o, b); if (++n === 50) restarted = s.close(); },
    }).catch((e) => e);
    expect(err.code).toBe('coap-timeout');
    await restarted;
    s = new CoapServer(store, new EventEmitter());
    await s.listen(port);
    await downloadBlockwise(c, '/cls/payload.bin', { startBlock: err.detail.nextOffset / 1024, onBlock: got.onBlock });
    c.close();
    await s.close();
    expect(Buffer.compare(got.bytes(), payload)).toBe(0);
  });
});

describe('observe', () => {
  test('notifies a changed manifest once, ignores stale sequence numbers', async () => {
    const c = new CoapClient({ net, address: '127.0.0.1', port: server.port });
    const seen: string[] = [];
    const obs = c.observe('/cls/manifest.suit', (m) => { if (m.code === CONTENT) seen.push(Buffer.from(m.payload).toString()); });
    for (let i = 0; i < 40 && seen.length < 1; i++) await sleep(25);
    expect(seen).toEqual(['manifest-1']);
    writeFileSync(join(dir, 'cls', 'manifest.suit'), 'manifest-2');
    for (let i = 0; i < 80 && seen.length < 2; i++) await sleep(25);
    expect(seen).toEqual(['manifest-1', 'manifest-2']);
    expect(server.observerCount).toBeGreaterThan(0);
    obs.cancel();
    c.close();
    writeFileSync(join(dir, 'cls', 'manifest.suit'), 'manifest-1');
  });

  test('duplicate confirmable notifications are acknowledged but delivered once', async () => {
    // a hand-made server: answers the registration, then sends one notification twice
    const { createSocket } = await import('node:dgram');
    const fake = createSocket('udp4');
    await new Promise<void>((r) => fake.bind(0, '127.0.0.1', () => r()));
    const acks: number[] = [];
    fake.on('message', (msg, rinfo) => {
      const m = decodeMessage(new Uint8Array(msg));
      if (m.type === ACK) { acks.push(m.messageId); return; }
      const reply = (type: number, mid: number, seq: number, body: string) => fake.send(encodeMessage({
        type, code: CONTENT, messageId: mid, token: m.token, options: [{ number: 6, value: Uint8Array.of(seq) }], payload: Buffer.from(body),
      }), rinfo.port, rinfo.address);
      reply(ACK, m.messageId, 1, 'a');
      setTimeout(() => { reply(CON, 777, 2, 'b'); reply(CON, 777, 2, 'b'); reply(CON, 778, 1, 'stale'); }, 20);
    });
    const c = new CoapClient({ net, address: '127.0.0.1', port: fake.address().port });
    const seen: string[] = [];
    c.observe('/m', (m) => seen.push(Buffer.from(m.payload).toString()));
    await sleep(150);
    c.close();
    fake.close();
    expect(seen).toEqual(['a', 'b']);
    expect(acks.filter((a) => a === 777).length).toBe(2);
    expect(c.stats.duplicates).toBe(1);
  });
});

const libcoap = hasTool('coap-client-notls') && hasTool('coap-server-notls');
(libcoap ? describe : describe.skip)('interop with libcoap', () => {
  test('libcoap coap-client fetches from xsuit serve block-wise, byte-exact', async () => {
    const out = join(root, 'libcoap-out.bin');
    const client = startChild('coap-client-notls', ['-b', '1024', '-o', out, `coap://127.0.0.1:${server.port}/cls/payload.bin`]);
    const status = await new Promise((resolve) => client.proc.once('exit', resolve));
    expect(status).toBe(0);
    expect(Buffer.compare(readFileSync(out), payload)).toBe(0);
  });

  test('our client downloads block-wise from libcoap coap-server', async () => {
    const port = await freeUdpPort();
    const srv = startChild('coap-server-notls', ['-A', '127.0.0.1', '-p', String(port), '-d', '4']);
    try {
      await sleep(300);
      const file = join(root, 'put.bin');
      const body = payload.subarray(0, 100 * 1024 + 5);
      writeFileSync(file, body);
      const put = spawnSync('coap-client-notls', ['-m', 'put', '-b', '1024', '-f', file, `coap://127.0.0.1:${port}/fw`], { timeout: 30000 });
      expect(put.status).toBe(0);
      for (const window of [1, 4]) {
        const c = new CoapClient({ net, address: '127.0.0.1', port });
        const got = collect();
        await downloadBlockwise(c, '/fw', { window, onBlock: got.onBlock });
        c.close();
        expect(Buffer.compare(got.bytes(), body)).toBe(0);
      }
    } finally {
      await srv.stop();
    }
  });
});

describe('response matching', () => {
  test('a forged response from another address (same port, right id and token) is dropped', async () => {
    const { createSocket } = await import('node:dgram');
    const real = createSocket('udp4');
    await new Promise<void>((resolve) => real.bind(0, '127.0.0.1', () => resolve()));
    const port = real.address().port;
    // the attacker sits on another loopback address with the server's port
    const forger = createSocket('udp4');
    await new Promise<void>((resolve) => forger.bind(port, '127.0.0.2', () => resolve()));
    real.on('message', (msg, rinfo) => {
      const m = decodeMessage(new Uint8Array(msg));
      const answer = (text: string): Uint8Array => encodeMessage({ type: ACK, code: CONTENT, messageId: m.messageId, token: m.token, options: [], payload: Buffer.from(text) });
      // the forgery arrives first, with everything right except its source address
      forger.send(answer('forged'), rinfo.port, '127.0.0.1', () => {
        setTimeout(() => real.send(answer('genuine'), rinfo.port, rinfo.address), 30);
      });
    });
    const c = new CoapClient({ net, address: '127.0.0.1', port });
    try {
      const m = await c.request({ method: GET, path: '/x' });
      expect(Buffer.from(m.payload).toString()).toBe('genuine');
      expect(c.stats.foreign).toBe(1);
    } finally {
      c.close();
      real.close();
      forger.close();
    }
  });
});
