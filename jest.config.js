const preset = require('./jest.preset.js');

// Two projects: fast unit specs of pure logic, and integration specs that use
// the real Docker Engine, registry and git (tools/test.sh starts them first).
module.exports = {
  projects: [
    {
      ...preset,
      rootDir: __dirname,
      displayName: 'unit',
      testMatch: ['<rootDir>/packages/nx/{src,testing}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
    },
    {
      ...preset,
      rootDir: __dirname,
      displayName: 'integration',
      testMatch: ['<rootDir>/packages/nx/{src,testing}/**/*.int.spec.ts', '<rootDir>/e2e/**/*.spec.ts'],
      globalSetup: '<rootDir>/tools/jest/global-setup.js',
      setupFilesAfterEnv: ['<rootDir>/tools/jest/integration-setup.js'],
    },
  ],
};
