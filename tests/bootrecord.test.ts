import table from './cases/bootrecord.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/bootrecord.cases.ts', import.meta.url));
