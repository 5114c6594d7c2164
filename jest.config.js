// Five projects: fast unit tests (no I/O), task pane component tests (jsdom), integration
// tests that start real servers (the simulated tenant over HTTPS, Azurite, the API),
// reliability tests (faults, load, hostile input) and browser tests (Debian's headless
// Chromium driven by playwright-core). `npm test` runs all.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true },
      transform: { react: { runtime: 'automatic' } },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  transform: { '^.+\\.(t|j)sx?$': swc },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  testEnvironment: 'node',
};
module.exports = {
  // A test that fails before its afterAll can leave a child process (Azurite, a worker) open;
  // jest would then wait forever after printing its results. Exit once the run is over, so a
  // failure is reported as a failure and never as a CI run that hangs until its time limit.
  forceExit: true,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts?(x)'],
      testPathIgnorePatterns: ['<rootDir>/tests/unit/taskpane/'],
    },
    {
      ...common,
      displayName: 'ui',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/tests/unit/taskpane/**/*.test.ts?(x)'],
      setupFilesAfterEnv: ['<rootDir>/tests/unit/taskpane/setup.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/tests/integration/setup.ts'],
    },
    {
      ...common,
      // Faults, load, hostile input and access (issue 11). The short form runs in `npm test`;
      // RETRACT_RELIABILITY=long runs the long forms (docs/reliability.md).
      displayName: 'reliability',
      testMatch: ['<rootDir>/tests/reliability/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/tests/integration/setup.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/tests/e2e/setup.ts'],
    },
  ],
};
