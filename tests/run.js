#!/usr/bin/env node
/**
 * `npm test`: type-check (root and mini-program), then jest. Prints what it skipped; with CI=true,
 * MySQL (TEST_MYSQL_URL) and Chromium are required instead of skipped.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const ci = process.env.CI === 'true' || process.env.CI === '1';
const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && fs.existsSync(p));
const skipped = [];
if (!process.env.TEST_MYSQL_URL) skipped.push('MySQL: TEST_MYSQL_URL is not set, database tests ran on SQLite only');
if (!chromium) skipped.push('Chromium: not found (apt-get install -y chromium), browser tests skipped');
if (ci && skipped.length) {
  console.error('CI=true requires MySQL and Chromium:\n  ' + skipped.join('\n  '));
  process.exit(1);
}
if (chromium) process.env.CHROMIUM_PATH = chromium;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

const extra = process.argv.slice(2);
if (!extra.length) {
  console.log('> type-check');
  if (run(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']) !== 0) process.exit(1);
  // The sandbox page's browser code (DOM types), kept out of the server's program.
  if (run(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', 'server/sandbox/page/tsconfig.json']) !== 0) process.exit(1);
  if (fs.existsSync(path.join(root, 'miniapp/tsconfig.json')) && run(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', 'miniapp/tsconfig.json']) !== 0) process.exit(1);
}
console.log('> jest');
const status = run(process.execPath, [require.resolve('jest/bin/jest'), '--maxWorkers=2', ...extra]);
if (skipped.length) console.log('\nSkipped:\n  ' + skipped.join('\n  '));
process.exit(status);
