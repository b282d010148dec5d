import table from './cases/loader.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/loader.cases.ts', import.meta.url));
