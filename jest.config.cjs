/** Jest runs TypeScript through @swc/jest (no type-check here: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { module: { type: 'commonjs' } }] },
  // @middy/core 7 ships only an ESM "import" export; map it to its file and let swc turn it into CJS.
  moduleNameMapper: {
    '^@middy/core$': '<rootDir>/node_modules/@middy/core/index.js',
    '^@middy/util$': '<rootDir>/node_modules/@middy/util/index.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  // dynalite and fauxqs start once per run, on 127.0.0.1, and hand their endpoints over via env.
  globalSetup: '<rootDir>/test/support/emulators-setup.mjs',
  // Every test file's output is teed to the run's log directory; the teardown fails the run if a
  // secret is in it (test/support/secret-scan.ts).
  setupFilesAfterEnv: ['<rootDir>/test/support/log-capture.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
};
