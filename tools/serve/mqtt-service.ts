// The update server's MQTT side: publishes each channel's manifest retained, answers
// fetch-by-offset requests with data chunks, and collects device reports. It talks to
// the broker with the same MqttClient the devices use (over Node sockets). With no
// broker URL, an in-process aedes broker is started on loopback.
import { createServer, type Server } from 'node:net';
import type { EventEmitter } from 'node:events';
import { Aedes } from 'aedes';
import { MqttClient } from '../../modules/mqtt/client';
import { dataTopic, encodeChunk, manifestTopic, type FetchRequest } from '../../modules/mqtt/update-channel';
import { nodeNetHost } from '../../hosts/node/net';
import { MANIFEST_NAME, type UpdateStore } from './store';

export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(port = 0, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      broker.close();
    }),
  };
}

export function parseMqttUrl(url: string): { host: string; port: number; username?: string; password?: string } {
  const u = new URL(url);
  if (u.protocol !== 'mqtt:') throw new Error(`unsupported MQTT URL scheme ${u.protocol} (only mqtt://)`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 1883,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

const CHUNK = 4096;
const MAX_REQUEST = 1024 * 1024;

export class MqttService {
  readonly client: MqttClient;
  private readonly store: UpdateStore;
  private readonly events: EventEmitter;
  private readonly net = nodeNetHost();
  private readonly published = new Map<string, string>();
  private poll: NodeJS.Timeout | undefined;

  constructor(store: UpdateStore, events: EventEmitter, broker: { host: string; port: number; username?: string; password?: string }) {
    this.store = store;
    this.events = events;
    this.client = new MqttClient({
      net: this.net, address: broker.host, port: broker.port,
      clientId: `xsuit-serve-${process.pid}-${Math.floor(Math.random() * 1e6)}`,
      username: broker.username, password: broker.password === undefined ? undefined : new TextEncoder().encode(broker.password),
      keepAlive: 30, reconnectDelay: 200,
    });
    this.client.onMessage = (topic, payload) => this.onMessage(topic, payload);
    // a restarted broker may have lost retained messages: publish them again
    this.client.onConnect = () => {
      this.published.clear();
      this.publishManifests();
    };
  }

  async start(): Promise<void> {
    await this.client.connect();
    await this.client.subscribe('xsuit/+/fetch/+', 0);
    await this.client.subscribe('xsuit/report/+', 1);
    this.publishManifests();
    this.poll = setInterval(() => this.publishManifests(), 250);
  }

  /** Publishes every channel's manifest retained when it is new or changed. */
  publishManifests(): void {
    if (!this.client.isConnected) return;
    for (const channel of this.store.channels()) {
      const file = this.store.get(`${channel}/${MANIFEST_NAME}`);
      if (!file) continue;
      const tag = Buffer.from(file.etag).toString('hex');
      if (this.published.get(channel) === tag) continue;
      this.published.set(channel, tag);
      void this.client.publish(manifestTopic(channel), file.bytes, { qos: 1, retain: true });
    }
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    const parts = topic.split('/');
    if (parts.length === 3 && parts[1] === 'report') {
      this.events.emit('report', { device: parts[2], transport: 'mqtt', bytes: new Uint8Array(payload) });
      return;
    }
    if (parts.length !== 4 || parts[2] !== 'fetch') return;
    const [, channel, , device] = parts;
    let req: FetchRequest;
    try {
      req = JSON.parse(Buffer.from(payload).toString('utf8')) as FetchRequest;
    } catch {
      return;
    }
    if (typeof req.f !== 'string' || !Number.isInteger(req.o) || !Number.isInteger(req.n) || req.o < 0 || req.n < 0) return;
    const file = this.store.get(`${channel}/${req.f}`);
    const out = dataTopic(channel, device);
    if (!file) return;
    const total = file.bytes.length;
    const end = Math.min(total, req.o + Math.min(req.n, MAX_REQUEST));
    if (req.o >= total) {
      void this.client.publish(out, encodeChunk(req.o, total, new Uint8Array(0)));
      return;
    }
    for (let at = req.o; at < end; at += CHUNK) {
      const n = Math.min(CHUNK, end - at);
      void this.client.publish(out, encodeChunk(at, total, file.bytes.subarray(at, at + n)));
      this.events.emit('progress', { device, transport: 'mqtt', file: `${channel}/${req.f}`, offset: at, length: n, total });
    }
  }

  close(): void {
    if (this.poll) clearInterval(this.poll);
    this.client.close();
    this.net.timers.clearAll();
  }
}
