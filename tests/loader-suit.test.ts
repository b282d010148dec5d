import table from './cases/loader-suit.cases';
import { describeDeviceCases } from './harness/jest-device';
import { deviceFixtures } from '../hosts/node/device-fixtures';

beforeAll(async () => { await deviceFixtures(); });
describeDeviceCases(table, new URL('./cases/loader-suit.cases.ts', import.meta.url));
