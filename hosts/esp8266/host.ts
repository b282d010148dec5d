// The ESP8266 host: xsuit's partitions inside Moddable's "storage" flash region,
// System.restart(), native Digest/ECDSA crypto and lwIP sockets from embedded:io.
// Slots hold update payloads (data, mods); the firmware itself is not replaceable here.
import System from "system";
import config from "mc/config";
import { XsuitError } from "../../modules/errors/errors";
import { PROVISION_PARTITION } from "../../modules/slots/layout";
import { readProvisioning } from "../../modules/slots/provisioning";
import type { DeviceHost, DeviceIdentity, FlashDevice } from "../hal";
import type { NetHost } from "../hal-net";
import { moddableClock } from "../esp32/clock";
import { moddableCrypto } from "../esp32/crypto";
import { ModdableNet } from "../esp32/net";
import { Esp8266FlashDevice } from "./flash";

export interface PowerOn {
  host: DeviceHost;
  net: NetHost;
  boot: number;
  config: Record<string, unknown>;
  /** ESP-IDF's app rollback: only the ESP32 host has one */
  rollback?: { runningSlot: 0 | 1; state: string; confirm(): void; reject(): never };
}

export const platform = "esp";

function identityFrom(flash: FlashDevice, log: (m: string) => void): DeviceIdentity {
  try {
    return readProvisioning(flash.open(PROVISION_PARTITION)).identity;
  } catch (e) {
    log(`identity: ${e instanceof XsuitError ? e.code : String(e)} (using zero ids)`);
    return { vendorId: new Uint8Array(16), classId: new Uint8Array(16) };
  }
}

export function startDevice(main: (power: PowerOn) => void | Promise<void>): void {
  const log = (m: string): void => trace(`${m}\n`);
  const flash = new Esp8266FlashDevice();
  const host: DeviceHost = {
    flash,
    clock: moddableClock(),
    crypto: moddableCrypto,
    identity: identityFrom(flash, log),
    restart: () => System.restart(),
    log,
  };
  const done = main({ host, net: new ModdableNet(), boot: 1, config: config as Record<string, unknown> });
  if (done && typeof (done as Promise<void>).then === "function") {
    (done as Promise<void>).then(undefined, (e: unknown) => log(`firmware stopped: ${e instanceof Error ? e.message : String(e)}`));
  }
}
