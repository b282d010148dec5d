import table from './cases/cose.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/cose.cases.ts', import.meta.url));
