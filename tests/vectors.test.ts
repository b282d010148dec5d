import table from './cases/vectors.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/vectors.cases.ts', import.meta.url));
