// Node side of the XS transfer program (xs-fetch.guest.ts): bundles it once and runs
// downloads inside the real XS engine.
import type { FetchParams } from './xs-fetch.guest';
import { join } from 'node:path';
import { bundleDevice, REPO_ROOT } from '../../tools/build/bundle';
import { XsNetDevice } from '../../hosts/xs/net-runner';

let script: Promise<string> | undefined;

export function xsFetchScript(): Promise<string> {
  if (!script) script = bundleDevice({ entry: join(REPO_ROOT, 'tests/e2e-support/xs-fetch.guest.ts') });
  return script;
}

/** The guest's parameters, with returnBytes and seed defaulted here. */
export type XsFetchParams = Omit<FetchParams, 'returnBytes' | 'seed'> & { returnBytes?: boolean; seed?: number };

export interface XsFetchResult {
  result: { received: number; total: number; stats?: Record<string, number> };
  bytes: Uint8Array;
  compute: number;
  cranks: number;
  /** wall time of the transfer alone (machine start and bundling excluded) */
  ms: number;
}

/** One download in a fresh XS machine. */
export async function xsFetch(p: XsFetchParams, timeoutMs = 120_000): Promise<XsFetchResult> {
  const device = await XsNetDevice.start({ script: await xsFetchScript(), name: 'xs-fetch' });
  try {
    const params = { returnBytes: true, seed: 1, ...p };
    const t0 = performance.now();
    await device.evaluate(`globalThis.xsFetch(${JSON.stringify(params)})`);
    const out = await device.wait(timeoutMs);
    const ms = performance.now() - t0;
    return { result: out.result as XsFetchResult['result'], bytes: out.bytes, compute: device.meter.compute, cranks: device.meter.cranks, ms };
  } finally {
    await device.close();
  }
}
