// RFC 9177 Q-Block2: the planner (which blocks a request asks for), the server's bursts
// on the wire, and the client's downloads and failures. The XS engine runs the same client
// in tests/e2e-xs-transfer.test.ts.
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSocket, type Socket } from 'node:dgram';
import { planQBlock2 } from '../tools/serve/qblock2';
import { EchoGate, ECHO_VALID_S, VERIFIED_MS } from '../tools/serve/echo';
import { UpdateStore } from '../tools/serve/store';
import { CoapServer } from '../tools/serve/coap-server';
import { CoapClient } from '../modules/coap/client';
import { downloadQBlock2 } from '../modules/coap/qblock';
import {
  ACK, BAD_REQUEST, CON, CONTENT, GET, NON, NOT_FOUND, OPT_BLOCK2, OPT_ECHO, OPT_ETAG, OPT_Q_BLOCK2, OPT_SIZE2, UNAUTHORIZED,
  blockOption, decodeMessage, encodeMessage, findOption, readBlock, uintOption, uriOptions, type CoapMessage,
} from '../modules/coap/message';
import { nodeNetHost } from '../hosts/node/net';
import { UdpRelay, seededRandom } from './e2e-support/udp-relay';

const q = (num: number, more: boolean, szx = 6) => blockOption(OPT_Q_BLOCK2, { num, more, szx });

describe('planQBlock2', () => {
  const total = 95 * 1024 + 5; // 96 blocks of 1024
  const plan = (opts: ReturnType<typeof q>[], t = total) => planQBlock2(opts, t, 6, 10);
  test('NUM=0 M=1 opens the transfer with the first set; NUM=0 M=0 is block 0 alone', () => {
    expect(plan([q(0, true)])).toEqual({ ok: true, szx: 6, blocks: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(plan([q(0, false)])).toEqual({ ok: true, szx: 6, blocks: [0] });
  });
  test('Continue (M=1 at a set start) is that set; the last set is cut at the end', () => {
    expect(plan([q(20, true)])).toMatchObject({ blocks: [20, 21, 22, 23, 24, 25, 26, 27, 28, 29] });
    expect(plan([q(90, true)])).toMatchObject({ blocks: [90, 91, 92, 93, 94, 95] });
  });
  test('M=1 inside a set is the rest of that set; M=0 options are single blocks', () => {
    expect(plan([q(27, true)])).toMatchObject({ blocks: [27, 28, 29] });
    expect(plan([q(3, false), q(7, false), q(3, false)])).toMatchObject({ blocks: [3, 7] });
  });
  test('bigger blocks than the server sends are renumbered (RFC 7959 §2.4)', () => {
    // 2 KiB is not a CoAP size, so use 512-byte server blocks against 1024-byte asks
    expect(planQBlock2([q(1, false)], total, 5, 10)).toEqual({ ok: true, szx: 5, blocks: [2] });
  });
  test('refuses past-the-end, mixed sizes and malformed options; one request draws one set at most', () => {
    expect(plan([q(96, false)])).toMatchObject({ ok: false });
    expect(plan([q(1, false, 6), q(2, false, 5)])).toMatchObject({ ok: false });
    expect(plan([{ number: OPT_Q_BLOCK2, value: Uint8Array.of(1, 2, 3, 4) }])).toMatchObject({ ok: false });
    const many = Array.from({ length: 60 }, (_, i) => q(i, false));
    expect(plan(many)).toMatchObject({ ok: true });
    expect((plan(many) as { blocks: number[] }).blocks.length).toBe(10); // one set at most
  });
});

const root = join('build', 'test-qblock2');
const dir = join(root, 'updates');
const payload = (() => {
  const r = seededRandom(31);
  const out = new Uint8Array(100 * 1024 + 7);
  for (let i = 0; i < out.length; i++) out[i] = (r() * 256) | 0;
  return out;
})();
let server: CoapServer;
const net = nodeNetHost();

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(dir, 'cls'), { recursive: true });
  writeFileSync(join(dir, 'cls', 'payload.bin'), payload);
  writeFileSync(join(dir, 'cls', 'manifest.suit'), 'm'); // a channel is a folder with a manifest
  server = new CoapServer(new UpdateStore(dir), new EventEmitter());
  await server.listen(0);
});
afterAll(async () => {
  await server.close();
  net.timers.clearAll();
});

/**
 * Sends one raw request from a fresh socket and collects what comes back for `ms`. A new
 * endpoint asking for a burst first gets 4.01 with an Echo value; with `answerEcho` the
 * request is sent again with that Echo, and only what follows is returned.
 */
async function exchange(m: CoapMessage, ms = 150, answerEcho = true): Promise<CoapMessage[]> {
  const s: Socket = createSocket('udp4');
  let got: CoapMessage[] = [];
  let answered = false;
  s.on('message', (b) => {
    const r = decodeMessage(new Uint8Array(b));
    const echo = findOption(r, OPT_ECHO);
    if (answerEcho && echo && r.code === UNAUTHORIZED && !answered) {
      answered = true;
      got = [];
      s.send(encodeMessage({ ...m, messageId: m.messageId + 1, options: m.options.concat([{ number: OPT_ECHO, value: new Uint8Array(echo) }]) }), server.port, '127.0.0.1');
      return;
    }
    got.push(r);
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  s.send(encodeMessage(m), server.port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, ms));
  s.close();
  return got;
}

const get = (type: number, ...opts: ReturnType<typeof q>[]): CoapMessage => ({
  type, code: GET, messageId: 0x1234, token: Uint8Array.of(9, 8, 7), options: uriOptions('/cls/payload.bin').concat(opts), payload: new Uint8Array(0),
});

describe('amplification check before a burst (RFC 9175 Echo)', () => {
  test('an unverified endpoint asking for a burst gets one small 4.01 with an Echo value', async () => {
    const got = await exchange(get(NON, q(0, true)), 150, false);
    expect(got.map((m) => m.code)).toEqual([UNAUTHORIZED]);
    expect(got[0].payload.length).toBe(0);
    expect(findOption(got[0], OPT_ECHO)?.length).toBe(12);
  });
  test('a burst of at most one Block2 response\'s bytes needs no check (one block, or 16-byte blocks)', async () => {
    const one = await exchange(get(NON, q(4, false)), 150, false);
    expect(one.map((m) => readBlock(findOption(m, OPT_Q_BLOCK2)!).num)).toEqual([4]);
    const small = await exchange(get(NON, q(0, true, 0)), 150, false);
    expect(small.length).toBe(10);
    expect(small.every((m) => m.payload.length === 16)).toBe(true);
  });
  test('with the Echo value the burst follows, without Echo options', async () => {
    const got = await exchange(get(NON, q(0, true)));
    expect(got.length).toBe(10);
    expect(got.every((m) => findOption(m, OPT_ECHO) === undefined)).toBe(true);
  });
  test('echo values are bound to the endpoint and expire; verified endpoints are remembered for a while', () => {
    let now = 1_000_000_000;
    const gate = new EchoGate(() => now);
    const echo = gate.challenge('10.0.0.1', 5683);
    expect(gate.admit('10.0.0.1', 5683, undefined)).toBe(false);
    expect(gate.admit('10.0.0.2', 5683, echo)).toBe(false); // another address
    expect(gate.admit('10.0.0.1', 5684, echo)).toBe(false); // another port
    const tampered = echo.slice();
    tampered[11] ^= 1;
    expect(gate.admit('10.0.0.1', 5683, tampered)).toBe(false);
    now += (ECHO_VALID_S + 2) * 1000;
    expect(gate.admit('10.0.0.1', 5683, echo)).toBe(false); // expired
    const fresh = gate.challenge('10.0.0.1', 5683);
    expect(gate.admit('10.0.0.1', 5683, fresh)).toBe(true);
    expect(gate.admit('10.0.0.1', 5683, undefined)).toBe(true); // remembered
    now += VERIFIED_MS + 1;
    expect(gate.admit('10.0.0.1', 5683, undefined)).toBe(false); // forgotten
    expect(new EchoGate(() => now).admit('10.0.0.1', 5683, gate.challenge('10.0.0.1', 5683))).toBe(false); // other server secret
  });
});

describe('xsuit serve answers Q-Block2', () => {
  test('a NON request gets the first set as NON responses on its token, with ETag and Size2', async () => {
    const got = await exchange(get(NON, q(0, true)));
    expect(got.map((m) => readBlock(findOption(m, OPT_Q_BLOCK2)!).num)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const m of got) {
      expect(m.type).toBe(NON);
      expect(m.code).toBe(CONTENT);
      expect(Array.from(m.token)).toEqual([9, 8, 7]);
      expect(findOption(m, OPT_ETAG)?.length).toBe(8);
      expect(findOption(m, OPT_SIZE2)).toEqual(uintOption(OPT_SIZE2, payload.length).value);
      expect(findOption(m, OPT_BLOCK2)).toBeUndefined();
      const b = readBlock(findOption(m, OPT_Q_BLOCK2)!);
      expect(b.more).toBe(true);
      expect(Buffer.compare(m.payload, payload.subarray(b.num * 1024, b.num * 1024 + 1024))).toBe(0);
    }
  });
  test('the last set ends with M=0 and the short tail', async () => {
    const got = await exchange(get(NON, q(100, true)));
    expect(got.length).toBe(1);
    const b = readBlock(findOption(got[0], OPT_Q_BLOCK2)!);
    expect(b).toEqual({ num: 100, more: false, szx: 6 });
    expect(got[0].payload.length).toBe(7);
  });
  test('a CON request: the first block rides on the ACK, the rest are NON', async () => {
    const got = await exchange(get(CON, q(30, true)));
    expect(got.length).toBe(10);
    expect(got[0].type).toBe(ACK);
    expect(got[0].messageId).toBe(0x1235); // the repeated request, which carried the Echo
    expect(got.slice(1).every((m) => m.type === NON && m.messageId !== 0x1235)).toBe(true);
  });
  test('past the end is 4.00 with a reason; a missing file is 4.04', async () => {
    const bad = await exchange(get(NON, q(500, false)));
    expect(bad.map((m) => m.code)).toEqual([BAD_REQUEST]);
    expect(Buffer.from(bad[0].payload).toString()).toMatch(/past the end/);
    const missing = await exchange({ ...get(NON, q(0, false)), options: uriOptions('/cls/none.bin').concat([q(0, false)]) });
    expect(missing.map((m) => m.code)).toEqual([NOT_FOUND]);
  });
});

test('GET /.well-known/core lists the served files in link format (RFC 6690), with Block2 or Q-Block2', async () => {
  const plain = await exchange({ type: CON, code: GET, messageId: 1, token: Uint8Array.of(1), options: uriOptions('/.well-known/core'), payload: new Uint8Array(0) });
  expect(plain[0].code).toBe(CONTENT);
  expect(Buffer.from(plain[0].payload).toString()).toContain(`</cls/payload.bin>;sz=${payload.length}`);
  expect(findOption(plain[0], 12)).toEqual(uintOption(12, 40).value);
  // libcoap probes Q-Block2 support this way (16-byte blocks): the answer carries Q-Block2
  const probe = await exchange({ type: CON, code: GET, messageId: 2, token: Uint8Array.of(2), options: uriOptions('/.well-known/core').concat([q(0, false, 0)]), payload: new Uint8Array(0) }, 150, false);
  // M=0: block 0 alone, small enough to need no Echo check
  expect(probe.length).toBe(1);
  expect(readBlock(findOption(probe[0], OPT_Q_BLOCK2)!)).toEqual({ num: 0, szx: 0, more: true });
  expect(Buffer.from(probe[0].payload).toString()).toBe(Buffer.from(plain[0].payload.subarray(0, 16)).toString());
});

describe('downloadQBlock2 (Node)', () => {
  test.each([1, 3])('byte-exact with %i sets ahead, one request per set', async (sets) => {
    const c = new CoapClient({ net, address: '127.0.0.1', port: server.port });
    const out = new Uint8Array(payload.length);
    const r = await downloadQBlock2(c, '/cls/payload.bin', { sets, onBlock: (o, b) => out.set(b, o) });
    expect(r.total).toBe(payload.length);
    expect(Buffer.compare(out, payload)).toBe(0);
    expect(c.stats.sent).toBe(12); // 11 sets, and the first request once more with the Echo value
    c.close();
  });

  test('through loss, duplication and reordering', async () => {
    const relay = new UdpRelay({ target: { address: '127.0.0.1', port: server.port }, loss: 0.1, duplicate: 0.1, reorder: 0.1, seed: 21 });
    const port = await relay.start();
    const c = new CoapClient({ net, address: '127.0.0.1', port });
    const out = new Uint8Array(payload.length);
    try {
      await downloadQBlock2(c, '/cls/payload.bin', { sets: 2, timeout: 40, maxRetries: 20, onBlock: (o, b) => out.set(b, o) });
      expect(Buffer.compare(out, payload)).toBe(0);
      expect(relay.stats.dropped).toBeGreaterThan(0);
      expect(c.stats.sent).toBeGreaterThan(12);
    } finally {
      c.close();
      await relay.close();
    }
  });

  test('a cut link fails with the offset to resume from; resuming completes', async () => {
    const relay = new UdpRelay({ target: { address: '127.0.0.1', port: server.port } });
    const port = await relay.start();
    const c = new CoapClient({ net, address: '127.0.0.1', port });
    const out = new Uint8Array(payload.length);
    let n = 0;
    const err = await downloadQBlock2(c, '/cls/payload.bin', {
      sets: 1, timeout: 30, maxRetries: 2,
      onBlock: (o, b) => { out.set(b, o); if (++n === 25) relay.blackhole = true; },
    }).catch((e) => e);
    expect(err.code).toBe('coap-timeout');
    const next = err.detail.nextOffset as number;
    expect(next).toBeGreaterThanOrEqual(25 * 1024);
    relay.blackhole = false;
    await downloadQBlock2(c, '/cls/payload.bin', { startBlock: next / 1024, onBlock: (o, b) => out.set(b, o) });
    c.close();
    await relay.close();
    expect(Buffer.compare(out, payload)).toBe(0);
  });

  test('the server restarts mid-transfer: the new one challenges again, and the download completes', async () => {
    const { freeUdpPort } = await import('./e2e-support/processes');
    const port = await freeUdpPort();
    const store = new UpdateStore(dir);
    let s = new CoapServer(store, new EventEmitter());
    await s.listen(port);
    const c = new CoapClient({ net, address: '127.0.0.1', port });
    const out = new Uint8Array(payload.length);
    let n = 0;
    let restarted: Promise<void> | undefined;
    let second: CoapServer | undefined;
    await downloadQBlock2(c, '/cls/payload.bin', {
      sets: 2, timeout: 40, maxRetries: 30,
      onBlock: (o, b) => {
        out.set(b, o);
        if (++n === 30) {
          const old = s;
          restarted = old.close().then(async () => {
            await new Promise((r) => setTimeout(r, 80));
            second = new CoapServer(store, new EventEmitter());
            await second.listen(port);
            s = second;
          });
        }
      },
    });
    await restarted;
    c.close();
    await s.close();
    expect(Buffer.compare(out, payload)).toBe(0);
    expect(second?.stats.echoChallenges).toBe(1); // a new secret: the client proved itself again
  });

  test('a server without Q-Block2 (answers Block2) is reported as such', async () => {
    const fake = createSocket('udp4');
    await new Promise<void>((resolve) => fake.bind(0, '127.0.0.1', () => resolve()));
    fake.on('message', (b, r) => {
      const m = decodeMessage(new Uint8Array(b));
      fake.send(encodeMessage({ type: m.type === CON ? ACK : NON, code: CONTENT, messageId: m.messageId, token: m.token, options: [blockOption(OPT_BLOCK2, { num: 0, more: true, szx: 6 })], payload: new Uint8Array(1024) }), r.port, r.address);
    });
    const c = new CoapClient({ net, address: '127.0.0.1', port: fake.address().port });
    await expect(downloadQBlock2(c, '/x', { onBlock: () => undefined })).rejects.toMatchObject({ code: 'coap-qblock-unsupported', detail: { nextOffset: 0 } });
    c.close();
    fake.close();
  });

  test('an ETag that changes mid-download fails typed; nothing after the change is delivered', async () => {
    const fake = createSocket('udp4');
    await new Promise<void>((resolve) => fake.bind(0, '127.0.0.1', () => resolve()));
    fake.on('message', (b, r) => {
      const m = decodeMessage(new Uint8Array(b));
      for (let num = 0; num < 10; num++) {
        const options = [{ number: OPT_ETAG, value: Uint8Array.of(num < 5 ? 1 : 2) }, q(num, true), uintOption(OPT_SIZE2, 40 * 1024)];
        fake.send(encodeMessage({ type: NON, code: CONTENT, messageId: num, token: m.token, options, payload: new Uint8Array(1024) }), r.port, r.address);
      }
    });
    const c = new CoapClient({ net, address: '127.0.0.1', port: fake.address().port });
    const seen: number[] = [];
    const err = await downloadQBlock2(c, '/x', { onBlock: (o) => seen.push(o / 1024) }).catch((e) => e);
    expect(err.code).toBe('coap-block');
    expect(err.message).toMatch(/ETag/);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(err.detail.nextOffset).toBe(5 * 1024);
    c.close();
    fake.close();
  });
});
