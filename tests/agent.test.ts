// The update agent (modules/agent) in Node against xsuit serve: CoAP and MQTT, the
// authenticate-before-fetch rule, lost links and power cuts resumed from the last sector,
// a changed manifest starting over, confirm/reject with SUIT reports.
import { join } from 'node:path';
import { UpdateAgent, type AgentEvent } from '../modules/agent/agent';
import { CoapTransport, MqttTransport, payloadName } from '../modules/agent/transport';
import { MqttClient } from '../modules/mqtt/client';
import { slotHeader } from '../modules/slots/slot-reader';
import { BootEvent } from '../modules/slots/boot-record';
import { nodeNetHost } from '../hosts/node/net';
import { startUpdateServer, type UpdateServer } from '../tools/serve/server';
import { UdpRelay } from './e2e-support/udp-relay';
import { freeUdpPort, hasTool, sleep, startChild } from './e2e-support/processes';
import { writeFileSync } from 'node:fs';
import { CHANNEL, deviceWithV1, makeUpdateSet, publish, type SimDevice, type UpdateSet } from './agent-support';

const net = nodeNetHost();
let set: UpdateSet;
let server: UpdateServer;
const progress: { device: string; file: string; offset: number }[] = [];
const reports: { device: string; bytes: Uint8Array }[] = [];

beforeAll(async () => {
  set = await makeUpdateSet(join('build', 'test-agent'));
  publish(set, 'v2');
  server = await startUpdateServer({ dir: set.serveDir, coapPort: 0 });
  server.events.on('progress', (e) => progress.push(e));
  server.events.on('report', (e) => reports.push(e));
}, 60_000);
afterAll(async () => {
  await server.close();
  net.timers.clearAll();
});

function agentFor(d: SimDevice, transport: CoapTransport | MqttTransport, events: AgentEvent[], restarts: { n: number }) {
  return new UpdateAgent({ loader: d.loader, verifier: d.verifier, transport, restart: () => { restarts.n++; }, onEvent: (e) => events.push(e) });
}

const coap = (device: string, port = server.coapPort, extra = {}) =>
  new CoapTransport({ net, address: '127.0.0.1', port, channel: CHANNEL, device, ...extra });

test('payload names come from the manifest URI', () => {
  expect(payloadName('coap://updates.example.com/v2.js')).toBe('v2.js');
  expect(payloadName('/a/b/fw.bin?x=1')).toBe('fw.bin');
  expect(() => payloadName('coap://host')).toThrow();
});

test('v1 → v2 over CoAP Observe: authenticate, stream, switch, trial boot, confirm, report', async () => {
  const d = await deviceWithV1(set);
  const events: AgentEvent[] = [];
  const restarts = { n: 0 };
  const t = coap('dev-a');
  const agent = agentFor(d, t, events, restarts);
  await agent.start();
  for (let i = 0; i < 200 && restarts.n === 0; i++) await sleep(25);
  expect(restarts.n).toBe(1);
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['manifest', 'fetching', 'progress', 'staged', 'switched']));
  const booted = d.reboot();
  const b = await booted.loader.boot();
  expect(b.kind === 'boot' && b.trial && b.slot === 1 && b.verified.sequence === 2).toBe(true);
  const agent2 = agentFor(booted, t, events, restarts);
  const before = reports.length;
  await agent2.confirm(new Uint8Array(32));
  expect(booted.loader.state().trial).toBe(false);
  await sleep(50);
  expect(reports.length).toBe(before + 1);
  expect(reports[reports.length - 1].device).toBe('dev-a');
  // offered again: not newer than the floor
  expect(await agent2.offer(set.envelopes.v2)).toBe('skipped');
  t.close();
});

test.each(['stranger', 'foreign'])('a %s manifest is refused before any payload byte is fetched, and reported', async (name) => {
  const d = await deviceWithV1(set);
  const events: AgentEvent[] = [];
  const t = coap(`dev-${name}`);
  const before = { progress: progress.filter((p) => p.device === `dev-${name}`).length, reports: reports.length };
  const slotBefore = slotHeader(d.loader.slotFlash(1)).state;
  const outcome = await agentFor(d, t, events, { n: 0 }).offer(set.envelopes[name]);
  expect(outcome).toBe('rejected');
  expect(progress.filter((p) => p.device === `dev-${name}`).length).toBe(before.progress);
  expect(slotHeader(d.loader.slotFlash(1)).state).toBe(slotBefore);
  await sleep(50);
  expect(reports.length).toBe(before.reports + 1);
  t.close();
});

test('a lost link fails the offer; the next offer resumes from the last written sector', async () => {
  const d = await deviceWithV1(set);
  const relay = new UdpRelay({ target: { address: '127.0.0.1', port: server.coapPort } });
  const port = await relay.start();
  const t = coap('dev-link', port, { ackTimeout: 40, retries: 0, window: 4 });
  const events: AgentEvent[] = [];
  const restarts = { n: 0 };
  const agent = agentFor(d, t, events, restarts);
  const cut = setInterval(() => {
    if (events.some((e) => e.type === 'progress' && e.offset > 60_000)) relay.blackhole = true;
  }, 1);
  expect(await agent.offer(set.envelopes.v2)).toBe('rejected');
  clearInterval(cut);
  expect(slotHeader(d.loader.slotFlash(1)).state).toBe('staging');
  relay.blackhole = false;
  events.length = 0;
  expect(await agent.offer(set.envelopes.v2)).toBe('installed');
  const fetching = events.find((e) => e.type === 'fetching') as Extract<AgentEvent, { type: 'fetching' }>;
  expect(fetching.resumed).toBe(true);
  expect(fetching.offset).toBeGreaterThan(40_000);
  expect(fetching.offset % 4096).toBe(0);
  const b = await d.reboot().loader.boot();
  expect(b.kind === 'boot' && b.trial && b.verified.sequence === 2).toBe(true);
  t.close();
  await relay.close();
});

test('Q-Block2: installs, and a lost link resumes from the last written sector', async () => {
  const d = await deviceWithV1(set);
  const relay = new UdpRelay({ target: { address: '127.0.0.1', port: server.coapPort } });
  const port = await relay.start();
  const t = coap('dev-qblock', port, { ackTimeout: 40, retries: 0, qblockSets: 2 });
  const events: AgentEvent[] = [];
  const agent = agentFor(d, t, events, { n: 0 });
  const cut = setInterval(() => {
    if (events.some((e) => e.type === 'progress' && e.offset > 60_000)) relay.blackhole = true;
  }, 1);
  expect(await agent.offer(set.envelopes.v2)).toBe('rejected');
  clearInterval(cut);
  relay.blackhole = false;
  events.length = 0;
  const servedBefore = progress.filter((p) => p.device === 'dev-qblock').length;
  expect(await agent.offer(set.envelopes.v2)).toBe('installed');
  const fetching = events.find((e) => e.type === 'fetching') as Extract<AgentEvent, { type: 'fetching' }>;
  expect(fetching).toMatchObject({ resumed: true });
  expect(fetching.offset % 4096).toBe(0);
  // the server saw the resumed part only
  const served = progress.filter((p) => p.device === 'dev-qblock').slice(servedBefore);
  expect(Math.min(...served.map((p) => p.offset))).toBe(fetching.offset);
  const b = await d.reboot().loader.boot();
  expect(b.kind === 'boot' && b.trial && b.verified.sequence === 2).toBe(true);
  t.close();
  await relay.close();
});

(hasTool('coap-server-notls') ? test : test.skip)('Q-Block2 against libcoap coap-server (no Q-Block): the transport falls back to Block2', async () => {
  const port = await freeUdpPort();
  const srv = startChild('coap-server-notls', ['-A', '127.0.0.1', '-p', String(port), '-d', '4']);
  try {
    await sleep(300);
    const body = new Uint8Array(70 * 1024 + 3).map((_, i) => (i * 13) & 255);
    const file = join('build', 'test-agent', 'qblock-fallback.bin');
    writeFileSync(file, body);
    const put = startChild('coap-client-notls', ['-m', 'put', '-b', '1024', '-f', file, `coap://127.0.0.1:${port}/${CHANNEL}/fw.bin`]);
    expect(await new Promise((r) => put.proc.once('exit', r))).toBe(0);
    const t = coap('dev-fallback', port, { qblockSets: 2 });
    const got = new Uint8Array(body.length);
    await t.fetch('coap://server/fw.bin', 0, (o, b) => got.set(b, o));
    expect(Buffer.compare(got, body)).toBe(0);
    t.close();
  } finally {
    await srv.stop();
  }
});

test('a power cut mid-download resumes after reboot; a changed manifest starts over', async () => {
  const d = await deviceWithV1(set);
  const t = coap('dev-cut');
  const events: AgentEvent[] = [];
  d.chip.cutAt(20, 3);
  expect(await agentFor(d, t, events, { n: 0 }).offer(set.envelopes.v2)).toBe('rejected');
  expect(events.some((e) => e.type === 'rejected' && e.code === 'power-cut')).toBe(true);
  // reboot: same manifest resumes
  let d2 = d.reboot();
  await d2.loader.boot();
  events.length = 0;
  d2.chip.cutAt(30, 4);
  expect(await agentFor(d2, t, events, { n: 0 }).offer(set.envelopes.v2)).toBe('rejected');
  const first = events.find((e) => e.type === 'fetching') as Extract<AgentEvent, { type: 'fetching' }>;
  expect(first.resumed).toBe(true);
  // reboot: a different manifest (v3) starts from zero, and installs
  d2 = d2.reboot();
  await d2.loader.boot();
  events.length = 0;
  const restarts = { n: 0 };
  expect(await agentFor(d2, t, events, restarts).offer(set.envelopes.v3)).toBe('installed');
  const f3 = events.find((e) => e.type === 'fetching') as Extract<AgentEvent, { type: 'fetching' }>;
  expect(f3).toMatchObject({ resumed: false, offset: 0 });
  const b = await d2.reboot().loader.boot();
  expect(b.kind === 'boot' && b.trial && b.verified.sequence === 3).toBe(true);
  t.close();
});

/**
 * v1 confirmed in slot A; v2 installed into B by the agent, booted on trial and given up:
 * by the image's health check (agent.reject) or by the loader after the attempts ran out.
 */
async function deviceWithRejectedV2(t: CoapTransport, how: 'reject' | 'revert'): Promise<SimDevice> {
  const d = await deviceWithV1(set);
  expect(await agentFor(d, t, [], { n: 0 }).offer(set.envelopes.v2)).toBe('installed');
  let on = d.reboot();
  const b = await on.loader.boot();
  expect(b.kind === 'boot' && b.trial && b.slot === 1 && b.attempt === 1).toBe(true);
  if (how === 'reject') await agentFor(on, t, [], { n: 0 }).reject(new Uint8Array(32));
  else {
    for (let attempt = 2; attempt <= on.loader.state().maxAttempts; attempt++) {
      on = on.reboot();
      const again = await on.loader.boot(); // never confirms: its watchdog reboots it
      expect(again.kind === 'boot' && again.trial && again.attempt === attempt).toBe(true);
    }
  }
  on = on.reboot();
  const back = await on.loader.boot();
  expect(back.kind === 'boot' && back.slot === 0 && !back.trial).toBe(true);
  expect(on.loader.state().lastEvent).toBe(how === 'reject' ? BootEvent.rejected : BootEvent.revertedAttempts);
  return on;
}

test.each(['reject', 'revert'] as const)('v2 given up on trial (%s), then v3 staged over it and a cut between the commit and the switch: the next offer of v3 switches to it; v2 stays skipped', async (how) => {
  const t = coap(`dev-rs-${how}`);
  // v2 itself is remembered as given up: the loader marked its slot
  const probe = await deviceWithRejectedV2(t, how);
  expect(slotHeader(probe.loader.slotFlash(1))).toMatchObject({ state: 'complete', rejected: true });
  const skipped: AgentEvent[] = [];
  expect(await agentFor(probe, t, skipped, { n: 0 }).offer(set.envelopes.v2)).toBe('skipped');
  expect(skipped).toContainEqual(expect.objectContaining({ type: 'skipped', why: 'previously-rejected' }));
  // count the flash mutations of the v3 offer from that state; the last two are the
  // boot-record erase and write of the switch
  probe.chip.resetCounts();
  expect(await agentFor(probe, t, [], { n: 0 }).offer(set.envelopes.v3)).toBe('installed');
  const total = probe.chip.counts().mutations;
  for (const cutAt of [total, total - 1]) {
    const d = await deviceWithRejectedV2(t, how);
    d.chip.cutAt(cutAt, 5);
    const events: AgentEvent[] = [];
    expect(await agentFor(d, t, events, { n: 0 }).offer(set.envelopes.v3)).toBe('rejected');
    expect(events.some((e) => e.type === 'staged')).toBe(true);
    const rebooted = d.reboot();
    const b = await rebooted.loader.boot();
    expect(b.kind === 'boot' && b.slot === 0 && !b.trial).toBe(true); // v1 still runs
    // the boot record still says v2 was given up, but slot B now holds a fresh, unmarked v3
    expect(rebooted.loader.state().lastEvent).toBe(how === 'reject' ? BootEvent.rejected : BootEvent.revertedAttempts);
    expect(slotHeader(rebooted.loader.slotFlash(1))).toMatchObject({ state: 'complete', rejected: false });
    events.length = 0;
    const restarts = { n: 0 };
    expect(await agentFor(rebooted, t, events, restarts).offer(set.envelopes.v3)).toBe('installed');
    expect(events.find((e) => e.type === 'fetching')).toMatchObject({ resumed: true, offset: set.images.v3.length });
    expect(restarts.n).toBe(1);
    const b2 = await rebooted.reboot().loader.boot();
    expect(b2.kind === 'boot' && b2.slot === 1 && b2.trial && b2.verified.sequence === 3).toBe(true);
  }
  t.close();
});

test('over MQTT: retained manifest, fetch by offset; a rejected image is not retried', async () => {
  const d = await deviceWithV1(set);
  const client = new MqttClient({ net, address: '127.0.0.1', port: server.mqtt!.port, clientId: 'dev-m' });
  const t = new MqttTransport(client, net, CHANNEL, 'dev-m');
  const events: AgentEvent[] = [];
  const restarts = { n: 0 };
  await agentFor(d, t, events, restarts).start();
  for (let i = 0; i < 200 && restarts.n === 0; i++) await sleep(25);
  expect(restarts.n).toBe(1);
  const booted = d.reboot();
  const b = await booted.loader.boot();
  expect(b.kind === 'boot' && b.trial).toBe(true);
  const agent = agentFor(booted, t, events, restarts);
  const before = reports.length;
  await agent.reject(new Uint8Array(32));
  expect(restarts.n).toBe(2);
  for (let i = 0; i < 40 && reports.length === before; i++) await sleep(25);
  expect(reports.length).toBe(before + 1);
  const reverted = booted.reboot();
  const b2 = await reverted.loader.boot();
  expect(b2.kind === 'boot' && !b2.trial && b2.slot === 0).toBe(true);
  events.length = 0;
  expect(await agentFor(reverted, t, events, restarts).offer(set.envelopes.v2)).toBe('skipped');
  expect(events).toContainEqual(expect.objectContaining({ type: 'skipped', why: 'previously-rejected' }));
  t.close();
});

test('a manifest that arrives while another is being handled is queued and handled next', async () => {
  const d = await deviceWithV1(set);
  const t = coap('dev-q');
  const events: AgentEvent[] = [];
  const restarts = { n: 0 };
  const agent = agentFor(d, t, events, restarts);
  const first = agent.offer(set.envelopes.v1);
  expect(await agent.offer(set.envelopes.v3)).toBe('queued');
  expect(await first).toBe('installed');
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['queued', 'skipped', 'switched']));
  expect(events.find((e) => e.type === 'switched')).toMatchObject({ sequence: 3 });
  expect(restarts.n).toBe(1);
  t.close();
});

test('a power cut between the slot commit and the switch: the next offer switches to the whole slot instead of skipping it', async () => {
  // count the flash mutations of a complete offer, then cut at the last one (the boot-record write of the switch)
  const probe = await deviceWithV1(set);
  const t = coap('dev-sw');
  probe.chip.resetCounts();
  expect(await agentFor(probe, t, [], { n: 0 }).offer(set.envelopes.v2)).toBe('installed');
  const total = probe.chip.counts().mutations;
  for (const cutAt of [total, total - 1]) {
    const d = await deviceWithV1(set);
    d.chip.cutAt(cutAt, 5);
    const events: AgentEvent[] = [];
    expect(await agentFor(d, t, events, { n: 0 }).offer(set.envelopes.v2)).toBe('rejected');
    expect(events.some((e) => e.type === 'staged')).toBe(true);
    const rebooted = d.reboot();
    const b = await rebooted.loader.boot();
    expect(b.kind === 'boot' && b.slot === 0 && !b.trial).toBe(true); // v1 still runs
    events.length = 0;
    const restarts = { n: 0 };
    expect(await agentFor(rebooted, t, events, restarts).offer(set.envelopes.v2)).toBe('installed');
    expect(events.find((e) => e.type === 'fetching')).toMatchObject({ resumed: true });
    const b2 = await rebooted.reboot().loader.boot();
    expect(b2.kind === 'boot' && b2.slot === 1 && b2.trial && b2.verified.sequence === 2).toBe(true);
  }
  t.close();
});
