// The power-cut sweep: run an update cycle (stage, switch, trial boot, confirm), a
// revert cycle (stage, switch, trial boots that never confirm, revert), a reject cycle
// (stage, switch, trial boot, the image rejects itself) and an overwrite cycle (the next
// update, staged over the slot holding the older image) once to count
// their flash operations; then cut power at every operation index (the cut operation is
// left partly done, seeded), power on again and let the device carry on; then seeded
// random chains of several cuts. After every power-on the oracle checks the invariants
// of DESIGN.md against the flash bytes, not against what the loader says.
import { SeededRandom } from '../../hosts/common/prng';
import { BootEvent, type BootState } from '../../modules/slots/boot-record';
import { bytesEqual } from '../../modules/bytes/compare';
import { DeviceModel, SweepChip, powerCut, type Release, type SweepInputs } from './device-model';

export type Cycle = 'update' | 'revert' | 'reject' | 'overwrite';
const CYCLES: Cycle[] = ['update', 'revert', 'reject', 'overwrite'];

/** Where a cycle starts, what runs there, what is offered, and what must not change. */
export interface CycleSpec {
  name: Cycle;
  baseline: Uint8Array;
  baseState: BootState;
  base: Release;
  offer: Release;
  /** true: the offer must end confirmed; false: the base must end running */
  expectUpdate: boolean;
  /** partitions no flash operation of the cycle may change */
  untouched: string[];
}

export interface CycleRun {
  violations: string[];
  /** flash writes + erases over the whole run, all power-ons */
  mutations: number;
  bytesWritten: number;
  bytesErased: number;
  powerOns: number;
  cutsFired: number;
  /** boot-record generation increase caused by each loader.boot() (= boot-record writes) */
  bootWrites: number[];
  /** the offered update was reverted because cuts hit every trial boot (several cuts only) */
  revertedUnderCuts: boolean;
}

export interface SweepOptions {
  /** partial-write seeds per cut point (default 2) */
  seedsPerPoint?: number;
  chains?: number;
  chainSeed?: number;
  /** only every n-th cut point (XS sample); default 1 = all */
  stride?: number;
  /** cap on detailed violation messages kept */
  keep?: number;
}

export interface SweepReport {
  /** runs with one cut: (operation index, partial-write seed) pairs */
  cutPoints: number;
  /** distinct flash-operation indices cut, over the three cycles */
  operationsCut: number;
  seedsPerPoint: number;
  chains: number;
  /** cuts that actually happened in the chains (a late cut may fall after the cycle ended) */
  chainCutsFired: number;
  /** chains where repeated cuts in the trial boots made the loader revert a good update (allowed) */
  chainsRevertedUnderCuts: number;
  violations: number;
  details: string[];
  operations: Record<Cycle, number>;
  powerOns: number;
  metrics: {
    imageBytes: number;
    updateBytesWritten: number;
    updateBytesErased: number;
    writtenPerImageByte: number;
    erasedPerImageByte: number;
    bootRecordWritesPerBoot: { confirmed: number; trial: number };
  };
}

const MAX_POWER_ONS = 16;

function floorValue(state: BootState): number {
  return state.floors.length ? state.floors[0].sequence : -1;
}

/**
 * One cycle from the factory baseline. `cuts[i]` = the mutation (1-based) after the
 * previous cut's reboot (or the start) at which power fails; seeds make partial ops vary.
 */
export async function runCycle(model: DeviceModel, spec: CycleSpec, cuts: Array<{ at: number; seed: number }>, trace?: (line: string) => void): Promise<CycleRun> {
  const { baseline, base, offer, name: cycle } = spec;
  const chip = new SweepChip(baseline);
  const run: CycleRun = { violations: [], mutations: 0, bytesWritten: 0, bytesErased: 0, powerOns: 0, cutsFired: 0, bootWrites: [], revertedUnderCuts: false };
  const label = `${cycle} cuts=[${cuts.map((c) => `${c.at}/${c.seed}`).join(',')}]`;
  const fail = (m: string) => { run.violations.push(`${label} power-on ${run.powerOns}: ${m}`); };
  const log = { confirmed: false, confirmCalled: false };
  const protectedRanges = chip.device.partitions().filter((p) => spec.untouched.includes(p.name));
  let floorSeen = -1;
  let next = 0;
  let sinceCut = 0;
  for (;;) {
    if (run.powerOns >= MAX_POWER_ONS) { fail('no progress'); break; }
    const dev = chip.powerOn();
    run.powerOns++;
    if (next < cuts.length) {
      const remaining = cuts[next].at - sinceCut;
      if (remaining >= 1) dev.cutAt(remaining, cuts[next].seed);
    }
    let outcome: 'restart' | 'idle' | 'cut' = 'cut';
    try {
      const loader = model.loader(dev);
      const before = loader.state();
      if (floorSeen < 0) floorSeen = floorValue(before);
      const d = await loader.boot();
      const after = loader.state();
      run.bootWrites.push(after.generation - before.generation);
      // invariant 4: a valid, authorised image runs, and no confirmed state is lost
      if (d.kind !== 'boot') { fail(`recovery: ${d.why}`); break; }
      const running = model.identify(dev, d);
      if (!running) { fail(`slot ${d.slot} runs an image that is not an authorised release`); break; }
      if (log.confirmed && (running !== offer || d.trial)) fail(`confirmed ${offer.name} lost: running ${running.name}${d.trial ? ' on trial' : ''}`);
      if (running.behaviour !== 'confirm' && !d.trial) fail(`${running.name} runs as confirmed though it never confirmed`);
      // invariant 3: the floor never decreases and rises only on confirm
      const floor = floorValue(after);
      if (floor < floorSeen) fail(`floor decreased ${floorSeen} -> ${floor}`);
      if (floor > floorSeen && !log.confirmCalled) fail(`floor rose ${floorSeen} -> ${floor} without a confirm`);
      floorSeen = Math.max(floorSeen, floor);
      // invariant 1: updates only ever touch the inactive slot; the running one and provisioning stay as they were
      for (const p of protectedRanges) {
        if (!bytesEqual(chip.store.bytes.subarray(p.offset, p.offset + p.size), baseline.subarray(p.offset, p.offset + p.size))) fail(`partition ${p.name} changed`);
      }
      trace?.(`power-on ${run.powerOns}: ${running.name} slot ${d.slot}${d.trial ? ` trial ${d.attempt}` : ''} (${d.event}); record gen ${after.generation} active ${after.active} trial ${after.trial} last ${after.lastEvent}/${after.lastReason}; checks ${d.checks.map((c) => `${c.slot}:${c.ok ? 'ok' : c.code}`).join(',')}`);
      outcome = await model.act(loader, running, d, base, offer, log);
      trace?.(`  -> ${outcome}`);
      if (outcome === 'idle') {
        const state = loader.state();
        const updated = running === offer && !d.trial && floorValue(state) === d.verified.sequence;
        // Cuts that land in every trial boot before its confirm use up the attempts: the
        // loader cannot tell that from a crashing image and reverts. Allowed only with
        // several cuts, and only to the base image with nothing confirmed and the floor kept.
        const revertedUnderCuts = cuts.length > 1 && running === base && !d.trial && !log.confirmed &&
          state.lastEvent === BootEvent.revertedAttempts && floorValue(state) === floorValue(spec.baseState);
        if (spec.expectUpdate && revertedUnderCuts) run.revertedUnderCuts = true;
        else if (spec.expectUpdate && !updated) {
          fail(`${cycle} cycle ended with ${running.name}${d.trial ? ' on trial' : ''}, floor ${floorValue(state)}`);
        }
        if (!spec.expectUpdate && !(running === base && !d.trial && floorValue(state) === floorValue(spec.baseState))) {
          fail(`${cycle} cycle ended with ${running.name}${d.trial ? ' on trial' : ''}, floor ${floorValue(state)}`);
        }
      }
    } catch (e) {
      trace?.(`  !! ${(e as Error).message}`);
      if (!powerCut(e)) { fail(`unexpected error: ${(e as Error).message}`); break; }
      run.cutsFired++;
    }
    const c = dev.counts();
    run.mutations += c.mutations;
    run.bytesWritten += c.bytesWritten;
    run.bytesErased += c.bytesErased;
    if (outcome === 'cut') { next++; sinceCut = 0; } else sinceCut += c.mutations;
    if (outcome === 'idle') break;
  }
  return run;
}

/** The four cycles and the factory states they start from. */
export async function cycleSpecs(model: DeviceModel): Promise<Record<Cycle, CycleSpec>> {
  const inputs = model.inputs;
  const first = await model.baseline();
  const second = await model.baseline([inputs.base, inputs.good]);
  const fromFirst = { baseline: first.bytes, baseState: first.state, base: inputs.base, untouched: ['slot_a', 'xsuit_prov'] };
  return {
    update: { name: 'update', ...fromFirst, offer: inputs.good, expectUpdate: true },
    revert: { name: 'revert', ...fromFirst, offer: inputs.sick, expectUpdate: false },
    reject: { name: 'reject', ...fromFirst, offer: inputs.rejecting, expectUpdate: false },
    overwrite: { name: 'overwrite', baseline: second.bytes, baseState: second.state, base: inputs.good, offer: inputs.next, expectUpdate: true, untouched: ['slot_b', 'xsuit_prov'] },
  };
}

export async function runSweep(inputs: SweepInputs, options: SweepOptions = {}): Promise<SweepReport> {
  const model = new DeviceModel(inputs);
  const specs = await cycleSpecs(model);
  const seeds = options.seedsPerPoint ?? 2;
  const stride = options.stride ?? 1;
  const keep = options.keep ?? 20;
  const details: string[] = [];
  let violations = 0;
  let powerOns = 0;
  const note = (r: CycleRun) => {
    violations += r.violations.length;
    powerOns += r.powerOns;
    for (const v of r.violations) if (details.length < keep) details.push(v);
  };
  const clean = {} as Record<Cycle, CycleRun>;
  for (const cycle of CYCLES) {
    clean[cycle] = await runCycle(model, specs[cycle], []);
    note(clean[cycle]);
  }
  let cutPoints = 0;
  let operationsCut = 0;
  let chainCutsFired = 0;
  let chainsRevertedUnderCuts = 0;
  for (const cycle of CYCLES) {
    for (let at = 1; at <= clean[cycle].mutations; at += stride) {
      operationsCut++;
      for (let s = 1; s <= seeds; s++) {
        const r = await runCycle(model, specs[cycle], [{ at, seed: at * 131 + s }]);
        if (r.cutsFired !== 1) r.violations.push(`${cycle} cut ${at}: the cut did not happen`);
        note(r);
        cutPoints++;
      }
    }
  }
  const rng = new SeededRandom(options.chainSeed ?? 0x5eed);
  const chains = options.chains ?? 1000;
  for (let i = 0; i < chains; i++) {
    const cycle = CYCLES[rng.below(CYCLES.length)];
    const count = 2 + rng.below(3);
    const cuts = [];
    // later cuts land sooner: after a reboot less of the cycle is left to run
    for (let k = 0; k < count; k++) cuts.push({ at: 1 + rng.below(Math.max(1, Math.ceil(clean[cycle].mutations / (k + 1)))), seed: rng.nextU32() });
    const r = await runCycle(model, specs[cycle], cuts);
    chainCutsFired += r.cutsFired;
    if (r.revertedUnderCuts) chainsRevertedUnderCuts++;
    note(r);
  }
  const image = inputs.good.payload.length;
  const bootWrites = clean.update.bootWrites;
  return {
    cutPoints, operationsCut, seedsPerPoint: seeds, chains, chainCutsFired, chainsRevertedUnderCuts, violations, details,
    operations: { update: clean.update.mutations, revert: clean.revert.mutations, reject: clean.reject.mutations, overwrite: clean.overwrite.mutations },
    powerOns,
    metrics: {
      imageBytes: image,
      updateBytesWritten: clean.update.bytesWritten,
      updateBytesErased: clean.update.bytesErased,
      writtenPerImageByte: round(clean.update.bytesWritten / image),
      erasedPerImageByte: round(clean.update.bytesErased / image),
      // update cycle power-ons: base (stages), trial v2 (confirms), confirmed v2
      bootRecordWritesPerBoot: { confirmed: bootWrites[bootWrites.length - 1], trial: bootWrites[1] },
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
