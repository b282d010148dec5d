import table from './cases/mutation-full.cases';
import { describeDeviceCases } from './harness/jest-device';

// Node only: the exhaustive sweep is too costly for the XS meter; XS runs mutation.test.ts.
describeDeviceCases(table, new URL('./cases/mutation-full.cases.ts', import.meta.url), { nodeOnly: true });
