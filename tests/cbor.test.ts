import table from './cases/cbor.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/cbor.cases.ts', import.meta.url));
