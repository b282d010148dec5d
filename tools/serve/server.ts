// `xsuit serve` as a library: the CoAP server, the MQTT service and (by default) an
// embedded broker over one update directory, with progress and report events.
import { EventEmitter } from 'node:events';
import { UpdateStore } from './store';
import { CoapServer } from './coap-server';
import { MqttService, parseMqttUrl, startEmbeddedBroker, type EmbeddedBroker } from './mqtt-service';

export interface ServeOptions {
  dir: string;
  /** UDP port for CoAP (default 5683; 0 = any free port) */
  coapPort?: number;
  /** mqtt://[user:pass@]host:port of an external broker; absent = embedded broker */
  mqttUrl?: string;
  /** port of the embedded broker (default 0 = any free port) */
  brokerPort?: number;
  /** false disables MQTT entirely */
  mqtt?: boolean;
  /**
   * Address the CoAP server and the embedded broker bind to. Loopback by default so that
   * nothing is exposed by accident; '0.0.0.0' serves devices on the network.
   */
  listen?: string;
}

export interface UpdateServer {
  readonly events: EventEmitter;
  readonly coap: CoapServer;
  readonly coapPort: number;
  /** the broker the server publishes to (embedded or external) */
  readonly mqtt: { host: string; port: number; embedded: boolean } | undefined;
  close(): Promise<void>;
}

export async function startUpdateServer(o: ServeOptions): Promise<UpdateServer> {
  const store = new UpdateStore(o.dir);
  const events = new EventEmitter();
  const coap = new CoapServer(store, events);
  const listen = o.listen ?? '127.0.0.1';
  const coapPort = await coap.listen(o.coapPort ?? 5683, listen);
  let broker: EmbeddedBroker | undefined;
  let service: MqttService | undefined;
  let mqtt: UpdateServer['mqtt'];
  try {
    if (o.mqtt !== false) {
      let target;
      if (o.mqttUrl) {
        target = parseMqttUrl(o.mqttUrl);
        mqtt = { host: target.host, port: target.port, embedded: false };
      } else {
        broker = await startEmbeddedBroker(o.brokerPort ?? 0, listen);
        // our own publisher reaches a wildcard-bound broker over loopback
        target = { host: listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen, port: broker.port };
        mqtt = { host: target.host, port: broker.port, embedded: true };
      }
      service = new MqttService(store, events, target);
      await service.start();
    }
  } catch (e) {
    await coap.close();
    if (broker) await broker.close();
    throw e;
  }
  return {
    events, coap, coapPort, mqtt,
    async close() {
      service?.close();
      await coap.close();
      if (broker) await broker.close();
    },
  };
}
