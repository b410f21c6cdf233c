/** Unit tests run everywhere; e2e tests need the Go-built control plane (scripts/tools.sh). */
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const setupFiles = ['<rootDir>/test/setup/user-cache.js'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      setupFiles,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/e2e/'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      setupFiles,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};
