import table from './cases/suit-meter.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/suit-meter.cases.ts', import.meta.url));
