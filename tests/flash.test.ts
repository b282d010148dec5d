import table from './cases/flash.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/flash.cases.ts', import.meta.url));
