/**
 * The unit tier's promise, checked while it runs (jest.config.js, setupFilesAfterEnv of the unit
 * project): a unit test file that opens a connection (Redis, S3, HTTP), listens on a port or starts
 * a process (ffmpeg, a TTS engine, node) fails on that call, naming it, instead of passing slowly in
 * the wrong tier. Core modules are shared by every test file a jest worker runs, whatever its
 * project, so the patches are undone after each file.
 */
const childProcess = require('node:child_process');
const net = require('node:net');

const refuse = (what) =>
  function refused() {
    throw new Error(`unit tier: ${what} is not allowed here; list this file as an integration test (jest.config.js UNIT_TESTS)`);
  };

const patches = [
  [net.Socket.prototype, 'connect', 'a network connection'],
  [net.Server.prototype, 'listen', 'a listening server'],
  ...['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'].map((name) => [childProcess, name, `child_process.${name}`]),
].map(([target, name, what]) => {
  const original = target[name];
  target[name] = refuse(what);
  return () => (target[name] = original);
});

afterAll(() => {
  for (const undo of patches) undo();
});
