import table from './cases/suit-interpreter.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/suit-interpreter.cases.ts', import.meta.url));
