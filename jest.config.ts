import type { Config } from 'jest';

// Tests run against sources (no build needed): TypeScript and the ESM-only
// dependencies (p-queue, jose, ...) are transformed to CommonJS by SWC.
const esmOnly = ['p-queue', 'p-timeout', 'eventemitter3', 'jose'].join('|');

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/)?(${esmOnly}))`],
  moduleNameMapper: {
    '^@certloop/([a-z0-9-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 30_000,
};

export default config;
