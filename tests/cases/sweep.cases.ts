// A sample of the power-cut sweep run inside the engine (the full sweep runs in Node:
// tests/sweep.test.ts and `xsuit device sweep`). Same device code, same oracle.
import { defineCases, type CaseEnv } from '../harness/device-case';
import { equal, ok } from '../harness/check';
import { runSweep } from '../../bootloader/sweep/sweep';
import type { SweepInputs } from '../../bootloader/sweep/device-model';

const FX = 'build/fixtures/device/';

export function sweepInputs(env: CaseEnv): SweepInputs {
  const f = (n: string) => env.fixture(`${FX}${n}`);
  return {
    provisioning: f('provision.cbor'),
    crypto: env.crypto,
    base: { name: 'v1', envelope: f('v1.suit'), payload: f('v1.js'), behaviour: 'confirm' },
    good: { name: 'v2', envelope: f('v2.suit'), payload: f('v2.js'), behaviour: 'confirm' },
    sick: { name: 'v2-sick', envelope: f('v2-sick.suit'), payload: f('v2-sick.js'), behaviour: 'sick' },
    rejecting: { name: 'v2-rejects', envelope: f('v2-rejects.suit'), payload: f('v2-rejects.js'), behaviour: 'reject' },
    next: { name: 'v3', envelope: f('v3.suit'), payload: f('v3.js'), behaviour: 'confirm' },
  };
}

export default defineCases('power-cut sweep (sample)', (add) => {
  add('every 6th cut point of the four cycles, one partial-write seed, and 2 chains: 0 violations', async (env) => {
    const r = await runSweep(sweepInputs(env), { stride: 6, seedsPerPoint: 1, chains: 2 });
    equal(r.details.join('\n'), '', 'violations');
    equal(r.violations, 0, 'violation count');
    ok(r.cutPoints >= 6, `covered ${r.cutPoints} cut points`);
    env.log(`sweep sample in ${env.engine}: ${r.cutPoints} cut points, ${r.chains} chains, ${r.powerOns} power-ons, ops update ${r.operations.update} revert ${r.operations.revert} reject ${r.operations.reject} overwrite ${r.operations.overwrite}`);
  });
});
