// `xsuit serve` binds where it is told: loopback by default, another address with --listen.
import { join } from 'node:path';
import { CoapTransport } from '../modules/agent/transport';
import { nodeNetHost } from '../hosts/node/net';
import { startUpdateServer } from '../tools/serve/server';
import { CHANNEL, makeUpdateSet, publish } from './agent-support';
import { main } from '../tools/cli/main';

const net = nodeNetHost();
afterAll(() => net.timers.clearAll());

async function fetchAll(address: string, port: number): Promise<number> {
  const t = new CoapTransport({ net, address, port, channel: CHANNEL, device: 'listen-test', ackTimeout: 200, retries: 0 });
  let got = 0;
  try {
    await t.fetch('coap://x/manifest.suit', 0, (_o, bytes) => { got += bytes.length; });
  } finally {
    t.close();
  }
  return got;
}

test('the server answers on the --listen address and not on loopback 127.0.0.1', async () => {
  const set = await makeUpdateSet(join('build', 'test-serve-listen'));
  publish(set, 'v2');
  const server = await startUpdateServer({ dir: set.serveDir, coapPort: 0, listen: '127.0.0.2' });
  try {
    expect(server.mqtt?.host).toBe('127.0.0.2');
    expect(await fetchAll('127.0.0.2', server.coapPort)).toBe(set.envelopes.v2.length);
    await expect(fetchAll('127.0.0.1', server.coapPort)).rejects.toThrow();
  } finally {
    await server.close();
  }
});

test('--listen refuses something that is not an address', async () => {
  let err = '';
  const code = await main(['serve', '--dir', '.', '--listen', 'every-where'], { out: () => undefined, err: (t) => { err += t; }, isTTY: false });
  expect(code).toBe(2);
  expect(err).toMatch(/--listen takes an IP address/);
});
