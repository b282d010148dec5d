// A simulated networked device whose software runs in the real XS engine: each power-on
// is a fresh XS machine over the same NOR chip (kept in this process), running the
// device runtime (net-device-guest.ts): loader → image → update agent. Power can be cut
// at any moment by closing the machine, as a brown-out would.
import { join } from 'node:path';
import type { NorChip } from '../common/nor-flash';
import { bundleDevice, REPO_ROOT } from '../../tools/build/bundle';
import { FlashService } from './flash-service';
import { ClockService } from './clock-service';
import { XsNetDevice } from './net-runner';
import type { DeviceConfig } from './net-device-guest';

export type DeviceEvent = Record<string, unknown> & { type: string };

export interface BootInfo {
  kind: 'boot' | 'recovery';
  slot?: 'A' | 'B';
  trial?: boolean;
  sequence?: number;
  why?: string;
}

let runtime: Promise<string> | undefined;
function runtimeScript(): Promise<string> {
  runtime ??= bundleDevice({ entry: join(REPO_ROOT, 'hosts/xs/net-device-guest.ts') });
  return runtime;
}

export class XsSimulatedDevice {
  private machine: XsNetDevice | undefined;
  private powerOns = 0;
  private readonly chip: NorChip;
  private readonly config: Omit<DeviceConfig, 'chip' | 'seed'>;
  private readonly onEvent: (e: DeviceEvent) => void;

  constructor(chip: NorChip, config: Omit<DeviceConfig, 'chip' | 'seed'>, onEvent: (e: DeviceEvent) => void) {
    this.chip = chip;
    this.config = config;
    this.onEvent = onEvent;
  }

  get boots(): number {
    return this.powerOns;
  }

  /** Powers on: the loader runs, then the image it verified (which starts the agent). */
  async powerOn(timeoutMs = 60_000): Promise<BootInfo> {
    if (this.machine) await this.powerOff();
    this.powerOns++;
    const flash = new FlashService();
    const chip = flash.add(this.chip);
    const device = await XsNetDevice.start({
      script: await runtimeScript(), name: `xsuit-device-${this.config.device}`, timeoutMs: 60_000,
      hostCalls: [flash.calls(), new ClockService().calls(), { 'device.event': (e: DeviceEvent) => { this.onEvent(e); } }],
    });
    this.machine = device;
    const cfg: DeviceConfig = { ...this.config, chip, seed: this.powerOns * 7919 };
    await device.evaluate(`globalThis.__device.powerOn(${JSON.stringify(cfg)})`);
    const boot = await device.wait(timeoutMs);
    const info = boot.result as BootInfo;
    device.reset();
    if (info.kind === 'boot') await device.evaluate(Buffer.from(boot.bytes).toString('utf8'));
    return info;
  }

  /** Resolves when the running software restarts the device (after an update or a reject). */
  async untilRestart(timeoutMs = 60_000): Promise<void> {
    const m = this.machine;
    if (!m) throw new Error('the device is off');
    await m.wait(timeoutMs);
    await m.idle();
  }

  /** Cuts power: the machine stops wherever it is; flash keeps what was written. */
  async powerOff(): Promise<void> {
    const m = this.machine;
    this.machine = undefined;
    if (m) await m.close();
  }
}
