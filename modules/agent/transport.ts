// How the update agent reaches the server: learn of manifests, fetch payload bytes from
// an offset, send reports. Two implementations over the HAL sockets: CoAP (Observe +
// block-wise, optionally pipelined) and MQTT (retained manifest + fetch by offset).
import { XsuitError } from '../errors/errors';
import type { NetHost } from '../../hosts/hal-net';
import { CoapClient } from '../coap/client';
import { downloadBlockwise } from '../coap/blockwise';
import { downloadQBlock2 } from '../coap/qblock';
import { CONTENT, POST, OPT_BLOCK2, findOption, readBlock, uriOptions } from '../coap/message';
import type { MqttClient } from '../mqtt/client';
import { MqttUpdateChannel } from '../mqtt/update-channel';

export interface UpdateTransport {
  readonly name: string;
  /** Starts watching the device class's manifest; onManifest gets each new envelope. */
  watch(onManifest: (envelope: Uint8Array) => void): Promise<void>;
  /** Streams the payload named by `uri` from byte `offset` to its end, in order. */
  fetch(uri: string, offset: number, onChunk: (offset: number, bytes: Uint8Array, total: number) => void): Promise<void>;
  report(bytes: Uint8Array): Promise<void>;
  close(): void;
}

/** The file a manifest URI names: its last path segment, served under the channel. */
export function payloadName(uri: string): string {
  let path = uri.split('?')[0].split('#')[0];
  const scheme = path.indexOf('://');
  if (scheme >= 0) {
    // drop scheme://authority: only the path names the file
    const slash = path.indexOf('/', scheme + 3);
    path = slash < 0 ? '' : path.slice(slash);
  }
  const parts = path.split('/').filter((p) => p.length > 0);
  const last = parts[parts.length - 1];
  if (!last || last.indexOf(':') >= 0) throw new XsuitError('agent-bad-uri', `cannot find a file name in '${uri}'`);
  return last;
}

export interface CoapTransportOptions {
  net: NetHost;
  address: string;
  port: number;
  /** the device class channel on the server: /<channel>/manifest.suit */
  channel: string;
  device: string;
  /** Block2 requests in flight (1 = stop-and-wait; default 8) */
  window?: number;
  /**
   * Fetch payloads with RFC 9177 Q-Block2, this many sets of 10 blocks ahead (about half
   * the packets of Block2). Size it to what the device's network stack can buffer. A server
   * without Q-Block2 is detected on the first fetch and Block2 is used from then on.
   */
  qblockSets?: number;
  blockSize?: number;
  ackTimeout?: number;
  /** lost-link retries per fetch before giving up (default 5) */
  retries?: number;
}

export class CoapTransport implements UpdateTransport {
  readonly name = 'coap';
  private readonly client: CoapClient;
  private readonly o: CoapTransportOptions;

  /** Q-Block2 sets ahead; 0 once the server turned out not to support it */
  private qblock: number;

  constructor(o: CoapTransportOptions) {
    this.o = o;
    this.qblock = o.qblockSets ?? 0;
    this.client = new CoapClient({ net: o.net, address: o.address, port: o.port, ackTimeout: o.ackTimeout });
  }

  async watch(onManifest: (envelope: Uint8Array) => void): Promise<void> {
    const path = `/${this.o.channel}/manifest.suit`;
    this.client.observe(path, (m) => {
      if (m.code !== CONTENT) return;
      const b2 = findOption(m, OPT_BLOCK2);
      if (!b2 || !readBlock(b2).more) {
        onManifest(m.payload.slice());
        return;
      }
      // a manifest bigger than one block: the notification carried block 0, fetch it all
      const parts: Uint8Array[] = [];
      downloadBlockwise(this.client, path, { onBlock: (_o, bytes) => { parts.push(bytes.slice()); } }).then(() => {
        let size = 0;
        for (const p of parts) size += p.length;
        const all = new Uint8Array(size);
        let at = 0;
        for (const p of parts) { all.set(p, at); at += p.length; }
        onManifest(all);
      }, () => undefined);
    });
  }

  async fetch(uri: string, offset: number, onChunk: (offset: number, bytes: Uint8Array, total: number) => void): Promise<void> {
    const path = `/${this.o.channel}/${payloadName(uri)}`;
    const size = this.o.blockSize ?? 1024;
    let next = offset;
    let retries = this.o.retries ?? 5;
    const onBlock = (at: number, bytes: Uint8Array, total: number | undefined): void => {
      // resume points are sector-aligned, so normally whole blocks; trim if not
      const skip = Math.max(0, next - at);
      if (skip >= bytes.length) return;
      onChunk(at + skip, skip ? bytes.subarray(skip) : bytes, total ?? 0);
      next = at + bytes.length;
    };
    for (;;) {
      const common = { blockSize: size, startBlock: Math.floor(next / size), options: uriOptions(`?d=${this.o.device}`), onBlock };
      try {
        if (this.qblock) {
          await downloadQBlock2(this.client, path, { ...common, sets: this.qblock, timeout: this.o.ackTimeout });
        } else {
          await downloadBlockwise(this.client, path, { ...common, window: this.o.window ?? 8 });
        }
        return;
      } catch (e) {
        if (e instanceof XsuitError && e.code === 'coap-qblock-unsupported') {
          this.qblock = 0; // this server speaks Block2 only: use it from now on
          continue;
        }
        const retryable = e instanceof XsuitError && e.code === 'coap-timeout';
        if (!retryable || retries-- <= 0) throw e;
      }
    }
  }

  async report(bytes: Uint8Array): Promise<void> {
    await this.client.request({ method: POST, path: `/report?d=${this.o.device}`, payload: bytes });
  }

  close(): void {
    this.client.close();
  }
}

export class MqttTransport implements UpdateTransport {
  readonly name = 'mqtt';
  private readonly channel: MqttUpdateChannel;
  private readonly client: MqttClient;

  constructor(client: MqttClient, net: NetHost, channel: string, device: string) {
    this.client = client;
    this.channel = new MqttUpdateChannel(client, net, channel, device);
  }

  async watch(onManifest: (envelope: Uint8Array) => void): Promise<void> {
    await this.client.connect();
    await this.channel.watchManifest((m) => onManifest(m.slice()));
  }

  async fetch(uri: string, offset: number, onChunk: (offset: number, bytes: Uint8Array, total: number) => void): Promise<void> {
    await this.channel.fetch(payloadName(uri), { offset, onChunk });
  }

  async report(bytes: Uint8Array): Promise<void> {
    await this.client.connect();
    await this.channel.report(bytes);
  }

  close(): void {
    this.client.close();
  }
}
