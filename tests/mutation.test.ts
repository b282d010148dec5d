import table from './cases/mutation.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/mutation.cases.ts', import.meta.url), { timeoutMs: 120_000, meteringLimit: 6_000_000_000 });
