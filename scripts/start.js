#!/usr/bin/env node
/**
 * `npm start`: builds the H5 mini-program when it is missing or stale (scripts/ensure-h5.js; CRM_BUILD_H5=off skips it,
 * e.g. when the build is done at deploy time or several processes start at once), then runs the server IN THIS
 * PROCESS (tsx's require hook, no second process): the PID npm started is the server, so npm's SIGTERM / SIGINT reach
 * it and it shuts down (server/main.ts). The old script `ensure-h5 && tsx server/main.ts` left a shell between npm
 * and the server, and the server kept running, holding the port, when npm was killed.
 */
const path = require('node:path');

if (process.env.CRM_BUILD_H5 !== 'off') {
  try {
    require('./ensure-h5').ensureH5();
  } catch (e) {
    process.stderr.write(`[ensure-h5] warning: ${e && e.message ? e.message : e}\n`);
  }
}
// package.json runs this with `exec`, so npm's signals come straight here. Should the parent die without a signal
// (npm killed with SIGKILL, a shell in between), stop too: an orphaned server would hold the port.
const parent = process.ppid;
if (parent > 1) {
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 500).unref();
}
require('tsx/cjs/api').register();
require(path.join(__dirname, '../server/main.ts'));
