// The full power-cut sweep in Node: every flash operation of an update, a revert, a
// reject and an overwrite cycle, two partial-write seeds each, then 1000 seeded chains of 2-4 cuts.
import { nodeCaseEnv } from './harness/env-node';
import { deviceFixtures } from '../hosts/node/device-fixtures';
import { runSweep } from '../bootloader/sweep/sweep';
import { sweepInputs } from './cases/sweep.cases';

test('power cut at every flash operation and 1000 random chains: 0 violations', async () => {
  await deviceFixtures();
  const r = await runSweep(sweepInputs(nodeCaseEnv), { seedsPerPoint: 2, chains: 1000 });
  process.stdout.write(`sweep: ${r.cutPoints} cut points (${r.operationsCut} operations x ${r.seedsPerPoint} seeds) (ops: update ${r.operations.update}, revert ${r.operations.revert}, reject ${r.operations.reject}, overwrite ${r.operations.overwrite}), ${r.chains} chains (${r.chainCutsFired} cuts fired, ${r.chainsRevertedUnderCuts} reverted under repeated trial cuts), ${r.powerOns} power-ons, ${r.violations} violations\n`);
  expect(r.details).toEqual([]);
  expect(r.violations).toBe(0);
  expect(r.cutPoints).toBe(2 * (r.operations.update + r.operations.revert + r.operations.reject + r.operations.overwrite));
  expect(r.operationsCut * 2).toBe(r.cutPoints);
  expect(r.chains).toBe(1000);
  expect(r.chainCutsFired).toBeGreaterThan(2000);
  expect(r.metrics.bootRecordWritesPerBoot).toEqual({ confirmed: 0, trial: 1 });
}, 180_000);
