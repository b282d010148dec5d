// CaseEnv for the Node runner.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { nobleCrypto } from '../../modules/crypto/noble';
import { REPO_ROOT } from '../../tools/build/bundle';
import type { CaseEnv } from './device-case';
import { localSimFlash } from './sim-flash-local';

export function readFixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(REPO_ROOT, path)));
}

export const nodeCaseEnv: CaseEnv = {
  engine: 'node',
  newFlash: localSimFlash,
  crypto: nobleCrypto,
  clock: { now: () => Date.now(), unixTime: () => Math.floor(Date.now() / 1000) },
  fixture: readFixture,
  log: (message) => { process.stdout.write(`${message}\n`); },
};
