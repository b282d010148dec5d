// Boot and update cost on the simulated device, as deterministic counts:
//  - flash bytes written and erased by one update (stage + switch) relative to the image
//  - boot-record writes per boot (trial boot, confirmed boot)
//  - the XS meter (compute ticks, heap) of one power-on whose loader verifies a 256 KB
//    image (signature + SUIT validate + SHA-256 over the slot), for Ed25519 and ES256
// Run: npx tsx bench/boot.ts [imageKiB]   (prints JSON; also build/bench/boot.json)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../tools/cli/main';
import { REPO_ROOT } from '../tools/build/bundle';
import { SimDevice } from '../hosts/node/device';
import { bootInXs } from '../hosts/xs/device-runner';
import { readInput } from '../hosts/node/device';

async function cli(...args: string[]): Promise<void> {
  let text = '';
  const code = await main(args, { out: (t) => { text += t; }, err: (t) => { text += t; }, isTTY: false });
  if (code !== 0) throw new Error(`xsuit ${args.join(' ')}: ${text}`);
}

function image(bytes: number): Uint8Array {
  const b = new Uint8Array(bytes);
  let x = 0x12345678;
  for (let i = 0; i < bytes; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; b[i] = x & 0xff; }
  return b;
}

async function measure(dir: string, alg: 'ed25519' | 'es256', size: number) {
  const key = join(dir, alg);
  await cli('keygen', '--alg', alg, '--out', key, '--force');
  const img = join(dir, `image-${alg}.bin`);
  writeFileSync(img, image(size));
  const results: Record<string, unknown> = { alg, imageBytes: size };
  for (const [seq, label] of [[1, 'v1'], [2, 'v2']] as const) {
    await cli('create', '--vendor', 'example.com', '--class', 'xsuit-sim', '--seq', String(seq), '--image', img, '--uri', 'coap://u/i.bin', '-o', join(dir, `${label}.u`));
    await cli('sign', join(dir, `${label}.u`), '-k', `${key}.key.pem`, '-o', join(dir, `${label}-${alg}.suit`));
  }
  const flash = join(dir, `${alg}.bin`);
  SimDevice.init(flash, { trust: [`${key}.pub.pem`], force: true }).close();
  const power = async <T>(fn: (d: SimDevice) => Promise<T>): Promise<T> => {
    const d = SimDevice.open(flash);
    try { return await fn(d); } finally { d.close(); }
  };
  await power((d) => d.install(readInput(join(dir, `v1-${alg}.suit`)), readInput(img)));
  await power(async (d) => { await d.boot('node', false); await d.confirm(); });
  // the measured update: v2 into the other slot
  const install = await power((d) => d.install(readInput(join(dir, `v2-${alg}.suit`)), readInput(img)));
  const ops = install.flashOps;
  results.update = {
    writes: ops.writes, erases: ops.erases, bytesWritten: ops.bytesWritten, bytesErased: ops.bytesErased,
    writtenPerImageByte: +(ops.bytesWritten / size).toFixed(4), erasedPerImageByte: +(ops.bytesErased / size).toFixed(4),
  };
  const trial = await power(async (d) => {
    const before = d.loader.state().generation;
    const r = await bootInXs(d.chip);
    return { writes: d.loader.state().generation - before, meter: r.meter, summary: r.summary };
  });
  await power((d) => d.confirm());
  const confirmed = await power(async (d) => {
    const before = d.loader.state().generation;
    const r = await bootInXs(d.chip);
    return { writes: d.loader.state().generation - before, meter: r.meter, summary: r.summary };
  });
  results.bootRecordWritesPerBoot = { trial: trial.writes, confirmed: confirmed.writes };
  results.xsBoot = {
    trial: { compute: trial.meter.compute, heapSlots: trial.meter.currentHeapCount, slot: trial.summary.slot },
    confirmed: { compute: confirmed.meter.compute, heapSlots: confirmed.meter.currentHeapCount, slot: confirmed.summary.slot },
  };
  return results;
}

/** Both algorithms at `size` bytes; fixtures live in a temporary directory. */
export async function measureBoot(size: number) {
  const dir = mkdtempSync(join(tmpdir(), 'xsuit-bench-'));
  try {
    return { date: new Date().toISOString(), results: [await measure(dir, 'ed25519', size), await measure(dir, 'es256', size)] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && /bench[\\/]boot\.ts$/.test(process.argv[1])) {
  const out = await measureBoot(Number(process.argv[2] ?? 256) * 1024);
  const text = JSON.stringify(out, null, 1);
  mkdirSync(join(REPO_ROOT, 'build/bench'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'build/bench/boot.json'), text);
  process.stdout.write(`${text}\n`);
}
