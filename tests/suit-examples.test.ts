import table from './cases/suit-examples.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/suit-examples.cases.ts', import.meta.url));
