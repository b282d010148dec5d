import table from './cases/trust-policy.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/trust-policy.cases.ts', import.meta.url));
