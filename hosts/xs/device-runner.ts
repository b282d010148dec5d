// Node side of the simulated device's XS half. A power-on with `--engine xs` runs the
// loader in a fresh XS machine over the parent's flash chip; invoking an image always
// evaluates it in another fresh XS machine (nothing survives from the loader's machine).
import { join } from 'node:path';
import { XsMachine, type XsMeter } from './machine';
import { makeCommandHandler } from './host-calls';
import { FlashService } from './flash-service';
import { decodeWire } from './device/wire';
import { bundleDevice, REPO_ROOT } from '../../tools/build/bundle';
import type { NorChip } from '../common/nor-flash';
import type { BootSummary } from './device-boot';

const bundles = new Map<string, Promise<string>>();
function bundle(file: string): Promise<string> {
  let b = bundles.get(file);
  if (!b) {
    b = bundleDevice({ entry: join(REPO_ROOT, file) });
    bundles.set(file, b);
  }
  return b;
}

const METER_LIMIT = 20_000_000_000;

export interface XsBoot {
  summary: BootSummary;
  meter: XsMeter;
}

/** One power-on: the loader runs in XS; flash operations go to `chip` in this process. */
export async function bootInXs(chip: NorChip): Promise<XsBoot> {
  const flash = new FlashService();
  const id = flash.add(chip);
  const machine = XsMachine.start({ meteringLimit: METER_LIMIT, timeoutMs: 600_000, onCommand: makeCommandHandler(flash.calls()), onPrint: () => undefined });
  try {
    await machine.evaluate(await bundle('hosts/xs/device-loader-guest.ts'));
    const { meter } = await machine.evaluate(`globalThis.__xsuitLoader.run(${id})`);
    const { reply } = await machine.evaluate('globalThis.__xsuitLoader.take()');
    const out = decodeWire(reply).header as { ok: boolean; result?: BootSummary; error?: { code: string; message: string; reason?: number } };
    if (!out.ok || !out.result) {
      const e = out.error ?? { code: 'xs-error', message: 'no result' };
      throw Object.assign(new Error(e.message), { name: 'XsuitError', code: e.code, reason: e.reason ?? 0 });
    }
    return { summary: out.result, meter };
  } finally {
    await machine.close();
  }
}

export interface ImageApi {
  info: { slot: string; trial: boolean; attempt: number; sequence: number };
  confirm(): Promise<void> | void;
  reject(): void;
}

export interface ImageRun {
  ok: boolean;
  error?: string;
  log: string[];
  meter?: XsMeter;
}

/** Invokes a verified image: evaluates its bytes as a JS program in a fresh XS machine. */
export async function invokeImageInXs(image: Uint8Array, api: ImageApi): Promise<ImageRun> {
  const log: string[] = [];
  const machine = XsMachine.start({
    meteringLimit: 2_000_000_000,
    timeoutMs: 60_000,
    onPrint: (t) => { log.push(t.trimEnd()); },
    onCommand: makeCommandHandler({
      'image.info': () => ({ result: api.info }),
      'image.confirm': async () => { await api.confirm(); },
      'image.reject': () => { api.reject(); },
      'image.log': (args: { text: string }) => { log.push(args.text); },
    }),
  });
  try {
    await machine.evaluate(await bundle('hosts/xs/device-image-guest.ts'));
    const { meter } = await machine.evaluate(Buffer.from(image).toString('utf8'));
    return { ok: true, log, meter };
  } catch (e) {
    return { ok: false, error: (e as Error).message, log };
  } finally {
    await machine.close();
  }
}
