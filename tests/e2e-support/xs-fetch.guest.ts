// Device program for the XS transfer tests and benchmarks: downloads a file over CoAP
// (block-wise, optionally pipelined) or MQTT (update channel) and hands the bytes, or
// just their count, back to the parent.
import { CoapClient } from '../../modules/coap/client';
import { downloadBlockwise } from '../../modules/coap/blockwise';
import { downloadQBlock2 } from '../../modules/coap/qblock';
import { MqttClient } from '../../modules/mqtt/client';
import { MqttUpdateChannel } from '../../modules/mqtt/update-channel';
import { hostCall } from '../../hosts/xs/device/host-call';
import { xsNetHost, seedNetRandom } from '../../hosts/xs/net-guest';
import { isXsuitError } from '../../modules/errors/errors';

/** What the parent passes to xsFetch(); the parent fills in returnBytes and seed. */
export interface FetchParams {
  transport: 'coap' | 'mqtt';
  port: number;
  path: string;
  window?: number;
  /** RFC 9177 Q-Block2 instead of RFC 7959 Block2: sets requested ahead (window is then unused) */
  qblockSets?: number;
  blockSize?: number;
  startBlock?: number;
  ackTimeout?: number;
  maxRetransmit?: number;
  /** return the bytes (tests) or only the count (benchmarks) */
  returnBytes: boolean;
  seed: number;
  channel?: string;
  /** MQTT: bytes per fetch request window */
  mqttWindow?: number;
}

function fail(e: unknown): void {
  if (isXsuitError(e)) hostCall('run.failed', { code: e.code, message: e.message, detail: e.detail ?? null });
  else hostCall('run.failed', { message: String(e) });
}

(globalThis as Record<string, unknown>).xsFetch = (p: FetchParams) => {
  seedNetRandom(p.seed);
  const net = xsNetHost();
  let buffer = new Uint8Array(0);
  let received = 0;
  const put = (offset: number, bytes: Uint8Array, total: number | undefined): void => {
    received += bytes.length;
    if (!p.returnBytes) return;
    const need = Math.max(total ?? 0, offset + bytes.length);
    if (need > buffer.length) {
      const grown = new Uint8Array(Math.max(need, buffer.length * 2));
      grown.set(buffer);
      buffer = grown;
    }
    buffer.set(bytes, offset);
  };
  if (p.transport === 'coap') {
    const client = new CoapClient({ net, address: '127.0.0.1', port: p.port, ackTimeout: p.ackTimeout, maxRetransmit: p.maxRetransmit });
    const download = p.qblockSets
      ? downloadQBlock2(client, p.path, { sets: p.qblockSets, blockSize: p.blockSize, startBlock: p.startBlock, timeout: p.ackTimeout, onBlock: put })
      : downloadBlockwise(client, p.path, { window: p.window, blockSize: p.blockSize, startBlock: p.startBlock, onBlock: put });
    download.then((r) => {
      const stats = client.stats;
      client.close();
      hostCall('run.done', { received, total: r.total, stats }, p.returnBytes ? buffer.subarray(0, r.total) : undefined);
    }, (e) => { client.close(); fail(e); });
  } else {
    const client = new MqttClient({ net, address: '127.0.0.1', port: p.port, clientId: `xs-${p.seed}`, reconnectDelay: 100 });
    const channel = new MqttUpdateChannel(client, net, p.channel ?? 'cls', `xs-${p.seed}`);
    client.connect()
      .then(() => channel.fetch(p.path, { onChunk: put, stallMs: 1000, window: p.mqttWindow }))
      .then((total) => {
        client.close();
        hostCall('run.done', { received, total }, p.returnBytes ? buffer.subarray(0, total) : undefined);
      }, (e) => { client.close(); fail(e); });
  }
};
