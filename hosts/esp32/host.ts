// The ESP32 host (ESP32, ESP32-C3, ESP32-S3): data partitions through
// embedded:storage/flash, slots split over xsuit_env and the ESP-IDF app partitions with
// the image written through embedded:update (split-slot.ts, image-target.ts),
// the ESP-IDF rollback state through xsuit's native module (ota.js + xsuit-ota.c),
// System.restart(), native Digest/ECDSA crypto, and lwIP sockets from embedded:io.
import System from "system";
import config from "mc/config";
import * as ota from "xsuit/hosts/esp32/ota";
import { XsuitError } from "../../modules/errors/errors";
import { PROVISION_PARTITION } from "../../modules/slots/layout";
import { readProvisioning } from "../../modules/slots/provisioning";
import type { DeviceHost, DeviceIdentity, FlashDevice } from "../hal";
import type { NetHost } from "../hal-net";
import { moddableClock } from "./clock";
import { moddableCrypto } from "./crypto";
import { ModdableNet } from "./net";
import { Esp32FlashDevice } from "./flash";

export interface PowerOn {
  host: DeviceHost;
  net: NetHost;
  /** always 1 on a board: a restart really restarts */
  boot: number;
  config: Record<string, unknown>;
  /** ESP-IDF's own view of this boot (its bootloader picked the app partition) */
  rollback: PlatformRollback;
}

export interface PlatformRollback {
  /** 0 for slot_a (ota_0), 1 for slot_b (ota_1): the partition ESP-IDF started */
  runningSlot: 0 | 1;
  /** "pending-verify" on the first boot of a new image */
  state: ota.RollbackState;
  /** esp_ota_mark_app_valid_cancel_rollback(): call after xsuit confirmed the image */
  confirm(): void;
  /** esp_ota_mark_app_invalid_rollback_and_reboot(): back to the previous app now */
  reject(): never;
}

export const platform = "esp32";

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
  const running = ota.runningPartition();
  const flash = new Esp32FlashDevice(running);
  const net = new ModdableNet();
  const host: DeviceHost = {
    flash,
    clock: moddableClock(),
    crypto: moddableCrypto,
    identity: identityFrom(flash, log),
    restart: () => System.restart(),
    log,
  };
  const rollback: PlatformRollback = {
    runningSlot: running === "slot_b" ? 1 : 0,
    state: ota.runningState(),
    confirm: () => { if (ota.runningState() === "pending-verify") ota.markValid(); },
    reject: () => ota.markInvalidAndReboot(),
  };
  const done = main({ host, net, boot: 1, config: config as Record<string, unknown>, rollback });
  if (done && typeof (done as Promise<void>).then === "function") {
    (done as Promise<void>).then(undefined, (e: unknown) => log(`firmware stopped: ${e instanceof Error ? e.message : String(e)}`));
  }
}
