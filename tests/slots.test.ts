import table from './cases/slots.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/slots.cases.ts', import.meta.url));
