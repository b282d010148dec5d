// A device test is written once as a case table and executed by two runners: jest in
// Node (tests/harness/run-node.ts) and the real XS engine (tests/harness/run-xs.ts).
// This file is device code: no Node APIs, no jest globals.
import type { Clock, Crypto, FlashDevice } from '../../hosts/hal';

/** A simulated NOR flash owned by the runner; in XS it lives in the Node parent. */
export interface SimFlash {
  readonly device: FlashDevice;
  /** counts of operations since creation (or since the last resetCounts) */
  counts(): { reads: number; writes: number; erases: number; mutations: number };
  /** Cut power at mutation number n (1-based, counting from now); the cut op may be partial. */
  cutAt(n: number, seed?: number): void;
  /** Power-on after a cut (or a plain reboot): a fresh FlashDevice over the same bytes. */
  reboot(): FlashDevice;
  /** Raw copy of the whole chip, for byte-for-byte comparisons. */
  snapshot(): Uint8Array;
}

export interface SimFlashOptions {
  /** ESP-IDF partitions.csv text */
  partitionsCsv: string;
  /** total chip size in bytes (default 4 MiB) */
  chipSize?: number;
  sectorSize?: number;
  writeAlign?: number;
}

export interface CaseEnv {
  /** 'node' or 'xs': which runner executes the case (for messages only; cases must not branch on it) */
  readonly engine: 'node' | 'xs';
  newFlash(options: SimFlashOptions): SimFlash;
  readonly crypto: Crypto;
  readonly clock: Clock;
  /** Reads a test fixture (e.g. ../shared/suit-vectors/...) from the host; path relative to the repo root. */
  fixture(path: string): Uint8Array;
  log(message: string): void;
}

export interface DeviceCase {
  name: string;
  run(env: CaseEnv): void | Promise<void>;
}

export interface CaseTable {
  title: string;
  cases: DeviceCase[];
}

export function defineCases(title: string, build: (add: (name: string, run: DeviceCase['run']) => void) => void): CaseTable {
  const cases: DeviceCase[] = [];
  build((name, run) => {
    if (cases.some((c) => c.name === name)) throw new Error(`duplicate case name: ${name}`);
    cases.push({ name, run });
  });
  return { title, cases };
}
