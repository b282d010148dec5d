import table from './cases/sweep.cases';
import { describeDeviceCases } from './harness/jest-device';
import { deviceFixtures } from '../hosts/node/device-fixtures';

beforeAll(async () => { await deviceFixtures(); });
describeDeviceCases(table, new URL('./cases/sweep.cases.ts', import.meta.url), { meteringLimit: 50_000_000_000, timeoutMs: 300_000 });
