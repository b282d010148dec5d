// The lin (Moddable simulator) host: a DeviceHost whose flash is a chip-image file and
// whose restart() is emulated. A real restart loses RAM and runs the firmware from the
// top; here it closes every socket and timer the power-on opened, drops the chip object,
// and calls the app's power-on function again on the next turn with a fresh chip over
// the same file. Module code keeps no state of its own (hosts are passed in), so a
// power-on sees only what is in flash, as on a board.
import Timer from "timer";
import { XsuitError } from "../../modules/errors/errors";
import { PROVISION_PARTITION } from "../../modules/slots/layout";
import { readProvisioning } from "../../modules/slots/provisioning";
import type { DeviceHost, DeviceIdentity, FlashDevice } from "../hal";
import type { NetHost } from "../hal-net";
import { moddableClock } from "../esp32/clock";
import { moddableCrypto } from "../esp32/crypto";
import { ModdableNet } from "../esp32/net";
import { openSimFlash, type SimFlashOptions } from "./flash";

export interface PowerOn {
  host: DeviceHost;
  net: NetHost;
  /** 1 for the first power-on of this simulator run, then 2, 3, ... after each restart */
  boot: number;
  /** build-time settings (`mcconfig ... NAME=VALUE`) */
  config: Record<string, unknown>;
  /** ESP-IDF's app rollback: only the ESP32 host has one */
  rollback?: { runningSlot: 0 | 1; state: string; confirm(): void; reject(): never };
}

export interface SimDeviceOptions {
  flash: SimFlashOptions;
  /** a reboot loop in a simulator is a bug: stop after this many power-ons */
  maxBoots?: number;
  log?: (message: string) => void;
  config?: Record<string, unknown>;
}

function blankIdentity(): DeviceIdentity {
  return { vendorId: new Uint8Array(16), classId: new Uint8Array(16) };
}

/** The identity from the provisioning partition, or all zeros on a blank chip. */
function identityFrom(flash: FlashDevice, log: (m: string) => void): DeviceIdentity {
  try {
    return readProvisioning(flash.open(PROVISION_PARTITION)).identity;
  } catch (e) {
    log(`identity: ${e instanceof XsuitError ? e.code : String(e)} (using zero ids)`);
    return blankIdentity();
  }
}

/**
 * Runs `main` as the firmware of a simulated device. Each call of `host.restart()` ends
 * that power-on and starts the next one. Returns nothing: the simulator's event loop
 * drives everything from here.
 */
export function runSimulatedDevice(options: SimDeviceOptions, main: (power: PowerOn) => void | Promise<void>): void {
  const log = options.log ?? ((m: string) => trace(`${m}\n`));
  const maxBoots = options.maxBoots ?? 20;
  let boot = 0;

  const powerOn = (): void => {
    boot++;
    if (boot > maxBoots) {
      log(`sim: stopped after ${maxBoots} power-ons (reboot loop?)`);
      return;
    }
    const net = new ModdableNet(Date.now() + boot);
    let restarting = false;
    const flash = openSimFlash(options.flash);
    const host: DeviceHost = {
      flash,
      clock: moddableClock(),
      crypto: moddableCrypto,
      identity: identityFrom(flash, log),
      restart(): void {
        if (restarting) return;
        restarting = true;
        log(`sim: restart (power-on ${boot} ends)`);
        net.shutdown();
        Timer.set(powerOn, 0);
      },
      log,
    };
    log(`sim: power-on ${boot}`);
    try {
      const done = main({ host, net, boot, config: options.config ?? {} });
      if (done && typeof (done as Promise<void>).then === "function") {
        (done as Promise<void>).then(undefined, (e: unknown) => log(`sim: firmware stopped: ${describe(e)}`));
      }
    } catch (e) {
      log(`sim: firmware stopped: ${describe(e)}`);
    }
  };
  powerOn();
}

export function describe(e: unknown): string {
  // XsuitError messages already start with their code
  if (e instanceof XsuitError) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
