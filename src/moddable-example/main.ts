// An xsuit-enabled Moddable app. The same file builds for every platform manifest.json
// supports ("xsuit/host" is the platform's host). At each power-on it runs the
// verified-boot loader, says which firmware it runs, confirms a trial image whose health
// check passes, and then watches the update server over CoAP: a newer signed manifest is
// authenticated, its payload streamed into the inactive slot, the slot switched to on
// trial, and the device restarts into it.
//
// Build settings (mcconfig NAME=VALUE): xsuit_server (address, default 127.0.0.1),
// xsuit_coap_port (default 5683), xsuit_transport ("coap", or "mqtt" with xsuit_mqtt_port,
// default 1883), xsuit_channel (the device class's folder on the server), xsuit_device
// (this device's name in reports). On lin also xsuit_flash (chip-image file).
import { startDevice, platform, type PowerOn } from "xsuit/host";
import { Loader } from "../../bootloader/loader";
import { SuitSlotVerifier } from "../../bootloader/suit-verifier";
import { UpdateAgent, type AgentEvent } from "../../modules/agent/agent";
import { CoapTransport, MqttTransport, type UpdateTransport } from "../../modules/agent/transport";
import { MqttClient } from "../../modules/mqtt/client";
import { authenticateEnvelope } from "../../modules/suit/index";
import { readProvisioning } from "../../modules/slots/provisioning";
import { PROVISION_PARTITION, slotLetter } from "../../modules/slots/layout";
import { readEnvelope } from "../../modules/slots/slot-reader";
import { isXsuitError } from "../../modules/errors/errors";

/** The first line of the image, if it is text: the example's "firmware" says what it is. */
function imageBanner(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length && bytes[i] !== 0x0a && s.length < 80; i++) {
    const c = bytes[i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "?";
  }
  return s;
}

function describeEvent(e: AgentEvent): string {
  switch (e.type) {
    case "manifest": return `manifest seq ${e.sequence} over ${e.transport}`;
    case "skipped": return `skipped seq ${e.sequence}: ${e.why}`;
    case "rejected": return `rejected: ${e.code} (reason ${e.reason})`;
    case "fetching": return `fetching ${e.uri} from ${e.offset}${e.resumed ? " (resumed)" : ""}`;
    case "progress": return `progress ${e.offset}/${e.total}`;
    case "staged": return `staged seq ${e.sequence} (${e.bytes} bytes)`;
    case "switched": return `switched to slot ${e.slot === 0 ? "A" : "B"} (seq ${e.sequence})`;
    case "reported": return `report sent (${e.ok ? "success" : `failure, reason ${e.reason}`})`;
    default: return JSON.stringify(e);
  }
}

async function firmware({ host, net, boot, config, rollback }: PowerOn): Promise<void> {
  const log = (m: string): void => host.log(`xsuit: ${m}`);
  const prov = readProvisioning(host.flash.open(PROVISION_PARTITION));
  const verifierOptions = { policy: prov.trust, identity: prov.identity, crypto: host.crypto, clock: host.clock };
  const loader = new Loader({ flash: host.flash, crypto: host.crypto, verifier: new SuitSlotVerifier(verifierOptions), maxAttempts: prov.maxAttempts });

  const decision = await loader.boot();
  if (decision.kind === "recovery") {
    log(`recovery: ${decision.why} (reason ${decision.reason})`);
    return;
  }
  if (rollback && rollback.runningSlot !== decision.slot) {
    // ESP-IDF started an image xsuit's boot record does not name (power lost between
    // esp_ota_set_boot_partition and the switch): go back to the one it does.
    log(`ESP-IDF runs slot ${slotLetter(rollback.runningSlot)}, xsuit expects ${slotLetter(decision.slot)}: rolling back`);
    rollback.reject();
  }
  const slotFlash = loader.slotFlash(decision.slot);
  const sectorSize = slotFlash.sectorSize;
  const envelope = readEnvelope(slotFlash);
  const imageStart = sectorSize * (1 + Math.ceil(envelope.length / sectorSize));
  const banner = imageBanner(slotFlash.read(imageStart, Math.min(80, decision.verified.imageSize)));
  log(`${platform} power-on ${boot}: slot ${slotLetter(decision.slot)} seq ${decision.verified.sequence}${decision.trial ? ` (trial ${decision.attempt}/${decision.maxAttempts})` : ""}: ${banner}`);

  const auth = authenticateEnvelope(envelope, prov.trust, host.crypto);
  const server = String(config.xsuit_server || "127.0.0.1");
  const channel = String(config.xsuit_channel ?? "xsuit-moddable");
  const device = String(config.xsuit_device ?? "moddable-1");
  let transport: UpdateTransport;
  let where: string;
  if (config.xsuit_transport === "mqtt") {
    const port = Number(config.xsuit_mqtt_port ?? 1883);
    transport = new MqttTransport(new MqttClient({ net, address: server, port, clientId: device, reconnectDelay: 200 }), net, channel, device);
    where = `mqtt://${server}:${port} xsuit/${channel}/manifest`;
  } else {
    const port = Number(config.xsuit_coap_port ?? 5683);
    transport = new CoapTransport({ net, address: server, port, channel, device, window: 4 });
    where = `coap://${server}:${port}/${channel}/manifest.suit`;
  }
  const agent = new UpdateAgent({
    loader,
    verifier: verifierOptions,
    transport,
    restart: () => host.restart(),
    onEvent: (e) => log(describeEvent(e)),
  });
  if (decision.trial) {
    // The example's health check is that it got this far: booted, verified, on the network.
    await agent.confirm(auth.manifestDigest);
    rollback?.confirm(); // ESP32: cancel ESP-IDF's pending rollback only after xsuit confirmed
    log(`confirmed seq ${decision.verified.sequence} in slot ${slotLetter(decision.slot)}`);
  }
  await agent.start();
  log(`watching ${where}`);
}

startDevice((power) => firmware(power).catch((e: unknown) => {
  power.host.log(`xsuit: stopped: ${isXsuitError(e) ? `${e.code}: ${e.message}` : String(e)}`);
}));
