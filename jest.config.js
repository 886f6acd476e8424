/** Two projects: the Node suites (core, bot, server, on real databases) and the mini-program component tests (jsdom). */
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }];
module.exports = {
  // Real databases on a 2-core machine: generous per-test time (a global option: projects ignore it); no test asserts speed.
  testTimeout: 30_000,
  projects: [
    {
      displayName: 'node',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      setupFiles: ['<rootDir>/tests/helpers/setup-env.ts'],
    },
    {
      displayName: 'miniapp',
      rootDir: __dirname + '/miniapp',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/tests/**/*.test.tsx'],
      transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }] },
      moduleNameMapper: {
        '^@tarojs/taro$': '<rootDir>/tests/mocks/taro.ts',
        '^@tarojs/components$': '<rootDir>/tests/mocks/components.tsx',
        '\\.(css|scss|less)$': '<rootDir>/tests/mocks/style.ts',
      },
    },
  ],
};
