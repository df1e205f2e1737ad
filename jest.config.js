/** One jest preset for the whole workspace: tests live in each package's test/ folder and import built packages. */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  testMatch: ['<rootDir>/{apps,packages,tools}/*/test/**/*.test.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
  // Integration tests start child processes and servers; fail loudly if one is left open.
  detectOpenHandles: false,
  forceExit: false,
};
