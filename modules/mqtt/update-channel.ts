// The MQTT update channel, device side. Topics (shared with tools/serve):
//   xsuit/<channel>/manifest            retained SUIT envelope for a device class: one
//                                       publish reaches the whole fleet, late joiners too
//   xsuit/<channel>/fetch/<device>      device → server: {"f":file,"o":offset,"n":length}
//   xsuit/<channel>/data/<device>       server → device: u32 offset | u32 total | bytes
//   xsuit/report/<device>               device → server: the SUIT report
// Payload bytes are requested by offset, so a device resumes where it stopped; at most
// two windows are outstanding, which keeps the pipe full without unbounded buffering.
import { XsuitError } from '../errors/errors';
import { utf8Encode } from '../bytes/utf8';
import type { NetHost, TimerId } from '../../hosts/hal-net';
import type { MqttClient } from './client';

export const manifestTopic = (channel: string): string => `xsuit/${channel}/manifest`;
export const fetchTopic = (channel: string, device: string): string => `xsuit/${channel}/fetch/${device}`;
export const dataTopic = (channel: string, device: string): string => `xsuit/${channel}/data/${device}`;
export const reportTopic = (device: string): string => `xsuit/report/${device}`;

export interface FetchRequest {
  f: string;
  o: number;
  n: number;
}

export function encodeChunk(offset: number, total: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + bytes.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, offset);
  v.setUint32(4, total);
  out.set(bytes, 8);
  return out;
}

export function decodeChunk(payload: Uint8Array): { offset: number; total: number; bytes: Uint8Array } {
  if (payload.length < 8) throw new XsuitError('mqtt-chunk', 'data chunk shorter than its header');
  const v = new DataView(payload.buffer, payload.byteOffset, 8);
  return { offset: v.getUint32(0), total: v.getUint32(4), bytes: payload.subarray(8) };
}

export interface ChannelFetchOptions {
  /** resume offset (default 0) */
  offset?: number;
  /** bytes per request window (default 256 KiB; TCP flow control, not device RAM, bounds what is in flight) */
  window?: number;
  /** re-request from the current offset after this long without progress, ms (default 3000) */
  stallMs?: number;
  /** give up after this many stalls in a row (default 10) */
  maxStalls?: number;
  onChunk(offset: number, bytes: Uint8Array, total: number): void;
}

export class MqttUpdateChannel {
  private readonly client: MqttClient;
  private readonly net: NetHost;
  readonly channel: string;
  readonly device: string;
  private onManifest: ((envelope: Uint8Array) => void) | undefined;
  private onData: ((payload: Uint8Array) => void) | undefined;
  private onReconnect: (() => void) | undefined;

  constructor(client: MqttClient, net: NetHost, channel: string, device: string) {
    this.client = client;
    this.net = net;
    this.channel = channel;
    this.device = device;
    const previous = client.onMessage;
    client.onMessage = (topic, payload, retained) => {
      if (topic === manifestTopic(channel)) {
        if (this.onManifest && payload.length) this.onManifest(payload);
      } else if (topic === dataTopic(channel, device)) {
        if (this.onData) this.onData(payload);
      } else if (previous) previous(topic, payload, retained);
    };
    const previousConnect = client.onConnect;
    client.onConnect = () => {
      if (previousConnect) previousConnect();
      if (this.onReconnect) this.onReconnect();
    };
  }

  /** Subscribes to the class manifest; the retained one arrives at once. */
  async watchManifest(onManifest: (envelope: Uint8Array) => void): Promise<void> {
    this.onManifest = onManifest;
    await this.client.subscribe(manifestTopic(this.channel), 1);
  }

  /** Publishes this device's report at QoS 1. */
  report(bytes: Uint8Array): Promise<void> {
    return this.client.publish(reportTopic(this.device), bytes, { qos: 1 });
  }

  /** Fetches `file` from opts.offset to its end; resolves with the total size. */
  async fetch(file: string, opts: ChannelFetchOptions): Promise<number> {
    await this.client.subscribe(dataTopic(this.channel, this.device), 0);
    const window = opts.window ?? 256 * 1024;
    const stallMs = opts.stallMs ?? 3000;
    const maxStalls = opts.maxStalls ?? 10;
    let expected = opts.offset ?? 0;
    let requestedEnd = expected;
    let total = -1;
    let stalls = 0;
    let timer: TimerId | undefined;
    const ask = (from: number): void => {
      const n = total < 0 ? window : Math.min(window, total - from);
      if (n <= 0) return;
      const req: FetchRequest = { f: file, o: from, n };
      void this.client.publish(fetchTopic(this.channel, this.device), utf8Encode(JSON.stringify(req)), { qos: 0 });
      requestedEnd = from + n;
    };
    return new Promise<number>((resolve, reject) => {
      const done = (e?: XsuitError): void => {
        if (timer !== undefined) this.net.timers.clear(timer);
        timer = undefined;
        this.onData = undefined;
        this.onReconnect = undefined;
        if (e) reject(e);
        else resolve(total);
      };
      const watch = (): void => {
        if (timer !== undefined) this.net.timers.clear(timer);
        timer = this.net.timers.set(() => {
          timer = undefined;
          if (++stalls > maxStalls) {
            done(new XsuitError('mqtt-fetch-stalled', `no data for ${file} after ${maxStalls} retries`, 0, { nextOffset: expected }));
            return;
          }
          ask(expected);
          watch();
        }, stallMs);
      };
      this.onReconnect = () => { ask(expected); watch(); };
      this.onData = (payload) => {
        let c;
        try {
          c = decodeChunk(payload);
        } catch {
          return;
        }
        if (c.offset !== expected) return; // stale or duplicated window: wait for ours
        if (total >= 0 && c.total !== total) {
          done(new XsuitError('mqtt-fetch-changed', `${file} changed size during the transfer`, 0, { nextOffset: expected }));
          return;
        }
        total = c.total;
        if (c.bytes.length === 0 && expected < total) return;
        try {
          opts.onChunk(expected, c.bytes, total);
        } catch (e) {
          done(e instanceof XsuitError ? e : new XsuitError('mqtt-consumer', String(e)));
          return;
        }
        expected += c.bytes.length;
        stalls = 0;
        if (expected >= total) {
          done();
          return;
        }
        // keep a second window requested while the first drains
        if (requestedEnd < total && expected >= requestedEnd - (window >> 1)) ask(requestedEnd);
        watch();
      };
      if (this.client.isConnected) ask(expected);
      watch();
    });
  }
}
