// The simulated device's runtime inside XS (what a Moddable host would link in with
// xsuit): at power-on the loader picks and verifies a slot and hands the image to the
// parent, which evaluates it here; the image then calls xsuit.start(), which confirms or
// rejects a trial image by its health check (sending the SUIT report) and runs the
// update agent over CoAP or MQTT. Flash, clock and sockets live in the Node parent.
import { isXsuitError } from '../../modules/errors/errors';
import { nobleCrypto } from '../../modules/crypto/noble';
import { authenticateEnvelope } from '../../modules/suit/index';
import { readProvisioning } from '../../modules/slots/provisioning';
import { PROVISION_PARTITION, slotLetter } from '../../modules/slots/layout';
import { readEnvelope, readImage } from '../../modules/slots/slot-reader';
import { UpdateAgent } from '../../modules/agent/agent';
import { CoapTransport, MqttTransport, type UpdateTransport } from '../../modules/agent/transport';
import { MqttClient } from '../../modules/mqtt/client';
import { deviceLoader } from './device-boot';
import { RemoteFlashDevice } from './device/remote-flash';
import { remoteClock } from './device/remote-clock';
import { hostCall } from './device/host-call';
import { xsNetHost, seedNetRandom } from './net-guest';

export interface DeviceConfig {
  chip: number;
  device: string;
  channel: string;
  coapPort: number;
  mqttPort: number;
  seed: number;
  /** CoAP ACK_TIMEOUT in ms (tests shorten it to exercise lost links quickly) */
  ackTimeout?: number;
}

const event = (e: Record<string, unknown>): void => { hostCall('device.event', e); };
const failed = (e: unknown): void => {
  hostCall('run.failed', isXsuitError(e) ? { code: e.code, message: e.message, detail: e.detail ?? null } : { message: String(e) });
};

function powerOn(cfg: DeviceConfig): void {
  seedNetRandom(cfg.seed);
  const flash = new RemoteFlashDevice(cfg.chip);
  const loader = deviceLoader(flash, nobleCrypto);
  const prov = readProvisioning(flash.open(PROVISION_PARTITION));
  loader.boot().then((d) => {
    if (d.kind === 'recovery') {
      hostCall('run.done', { kind: 'recovery', why: d.why, reason: d.reason });
      return;
    }
    const slotFlash = loader.slotFlash(d.slot);
    const auth = authenticateEnvelope(readEnvelope(slotFlash), prov.trust, nobleCrypto);
    const chunks: Uint8Array[] = [];
    readImage(slotFlash, (c) => { chunks.push(c.slice()); });
    let size = 0;
    for (const c of chunks) size += c.length;
    const image = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) { image.set(c, at); at += c.length; }
    const net = xsNetHost();
    let agent: UpdateAgent | undefined;
    const restart = (): void => { hostCall('run.done', { kind: 'restart' }); };
    (globalThis as Record<string, unknown>).xsuit = Object.freeze({
      slot: slotLetter(d.slot),
      trial: d.trial,
      sequence: d.verified.sequence,
      log: (text: string) => event({ type: 'log', text: String(text) }),
      start: (o: { transport: 'coap' | 'mqtt'; healthy: boolean; detail: string }) => {
        let transport: UpdateTransport;
        if (o.transport === 'coap') {
          transport = new CoapTransport({ net, address: '127.0.0.1', port: cfg.coapPort, channel: cfg.channel, device: cfg.device, window: 8, ackTimeout: cfg.ackTimeout, retries: 8 });
        } else {
          const client = new MqttClient({ net, address: '127.0.0.1', port: cfg.mqttPort, clientId: cfg.device, reconnectDelay: 200 });
          transport = new MqttTransport(client, net, cfg.channel, cfg.device);
        }
        agent = new UpdateAgent({
          loader,
          verifier: { policy: prov.trust, identity: prov.identity, crypto: nobleCrypto, clock: remoteClock },
          transport,
          restart,
          onEvent: (e) => event(e as unknown as Record<string, unknown>),
        });
        const a = agent;
        const settle = d.trial
          ? (o.healthy
            ? a.confirm(auth.manifestDigest).then(() => { event({ type: 'confirmed', sequence: d.verified.sequence }); return true; })
            : (event({ type: 'health-failed', sequence: d.verified.sequence, detail: o.detail }), a.reject(auth.manifestDigest).then(() => false)))
          : Promise.resolve(true);
        settle.then((keepRunning) => {
          if (keepRunning) return a.start().then(() => event({ type: 'watching', transport: o.transport }));
          return undefined;
        }).catch(failed);
      },
    });
    hostCall('run.done', { kind: 'boot', slot: slotLetter(d.slot), trial: d.trial, attempt: d.attempt, sequence: d.verified.sequence }, image);
  }).catch(failed);
}

(globalThis as Record<string, unknown>).__device = { powerOn };
