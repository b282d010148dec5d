// jest runs TypeScript as ESM through a tiny esbuild transform (no ts-jest: it lags
// TypeScript releases). Type checking is a separate step: `npm run typecheck`.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/tools/jest/esbuild-transform.cjs' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.cjs'],
};
