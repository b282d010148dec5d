// `xsuit device sweep`: the power-cut sweep over fixtures made on the spot with the real
// authoring tools in a temporary directory (so it runs from an installed package too).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nobleCrypto } from '../../modules/crypto/noble';
import { runSweep, type SweepOptions, type SweepReport } from '../../bootloader/sweep/sweep';
import type { SweepInputs } from '../../bootloader/sweep/device-model';
import { deviceFixtures } from './device-fixtures';

export async function sweepInputsFrom(dir: string): Promise<SweepInputs> {
  await deviceFixtures(dir);
  const f = (n: string) => new Uint8Array(readFileSync(join(dir, n)));
  return {
    provisioning: f('provision.cbor'),
    crypto: nobleCrypto,
    base: { name: 'v1', envelope: f('v1.suit'), payload: f('v1.js'), behaviour: 'confirm' },
    good: { name: 'v2', envelope: f('v2.suit'), payload: f('v2.js'), behaviour: 'confirm' },
    sick: { name: 'v2-sick', envelope: f('v2-sick.suit'), payload: f('v2-sick.js'), behaviour: 'sick' },
    rejecting: { name: 'v2-rejects', envelope: f('v2-rejects.suit'), payload: f('v2-rejects.js'), behaviour: 'reject' },
    next: { name: 'v3', envelope: f('v3.suit'), payload: f('v3.js'), behaviour: 'confirm' },
  };
}

export async function sweepWithFreshFixtures(options: SweepOptions): Promise<SweepReport> {
  const dir = mkdtempSync(join(tmpdir(), 'xsuit-sweep-'));
  try {
    return await runSweep(await sweepInputsFrom(dir), options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
