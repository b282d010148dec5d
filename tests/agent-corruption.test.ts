// A payload corrupted in transit (a man in the middle, a bad file on a mirror, a broker
// client publishing into the data topic) is refused at the digest check, and it must not
// poison the release: the next offer of the same release starts over and installs.
import { join } from 'node:path';
import { UpdateAgent, type AgentEvent } from '../modules/agent/agent';
import { CoapTransport, type UpdateTransport } from '../modules/agent/transport';
import { slotHeader } from '../modules/slots/slot-reader';
import { nodeNetHost } from '../hosts/node/net';
import { startUpdateServer, type UpdateServer } from '../tools/serve/server';
import { CHANNEL, deviceWithV1, makeUpdateSet, publish, type UpdateSet } from './agent-support';

const net = nodeNetHost();
let set: UpdateSet;
let server: UpdateServer;

beforeAll(async () => {
  set = await makeUpdateSet(join('build', 'test-agent-corruption'));
  publish(set, 'v2');
  server = await startUpdateServer({ dir: set.serveDir, coapPort: 0 });
}, 60_000);
afterAll(async () => {
  await server.close();
  net.timers.clearAll();
});

/** Flips one byte of the payload on the first fetch only. */
function corruptOnce(inner: UpdateTransport): UpdateTransport & { corrupted: number } {
  const t = {
    name: inner.name,
    corrupted: 0,
    watch: (cb: (e: Uint8Array) => void) => inner.watch(cb),
    report: (b: Uint8Array) => inner.report(b),
    close: () => inner.close(),
    fetch: (uri: string, offset: number, onChunk: (o: number, b: Uint8Array, total: number) => void) =>
      inner.fetch(uri, offset, (o, bytes, total) => {
        if (t.corrupted === 0 && o === 0) {
          const bad = bytes.slice();
          bad[bad.length >> 1] ^= 0x40;
          t.corrupted++;
          return onChunk(o, bad, total);
        }
        return onChunk(o, bytes, total);
      }),
  };
  return t;
}

test('a corrupted download is refused, forgotten, and the next offer of the same release installs', async () => {
  const d = await deviceWithV1(set);
  const events: AgentEvent[] = [];
  const restarts = { n: 0 };
  const transport = corruptOnce(new CoapTransport({ net, address: '127.0.0.1', port: server.coapPort, channel: CHANNEL, device: 'dev-corrupt' }));
  const agent = new UpdateAgent({ loader: d.loader, verifier: d.verifier, transport, restart: () => { restarts.n++; }, onEvent: (e) => events.push(e) });
  expect(await agent.offer(set.envelopes.v2)).toBe('rejected');
  expect(transport.corrupted).toBe(1);
  expect(events.some((e) => e.type === 'rejected' && (e as { code?: string }).code === 'slot-digest-mismatch')).toBe(true);
  expect(slotHeader(d.loader.slotFlash(1)).state).toBe('empty');
  expect(d.loader.state().active).toBe(0);
  expect(await agent.offer(set.envelopes.v2)).toBe('installed');
  expect(restarts.n).toBe(1);
  const fetches = events.filter((e) => e.type === 'fetching') as { offset: number }[];
  expect(fetches[fetches.length - 1].offset).toBe(0);
  const b = await d.reboot().loader.boot();
  expect(b.kind === 'boot' && b.slot === 1 && b.trial).toBe(true);
  transport.close();
});
