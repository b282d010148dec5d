import table from './cases/conditions-held.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/conditions-held.cases.ts', import.meta.url));
