#!/usr/bin/env node
/**
 * `npm start`: builds the H5 mini-program when it is missing or stale (scripts/ensure-h5.js; CRM_BUILD_H5=off skips it,
 * e.g. when the build is done at deploy time or several processes start at once) and the sandbox page
 * (scripts/ensure-sandbox.js, when present), then runs the server IN THIS
 * PROCESS (tsx's require hook, no second process): the PID npm started is the server, so npm's SIGTERM / SIGINT reach
 * it and it shuts down (server/main.ts). The old script `ensure-h5 && tsx server/main.ts` left a shell between npm
 * and the server, and the server kept running, holding the port, when npm was killed.
 */
const fs = require('node:fs');
const path = require('node:path');

const warn = (what, e) => process.stderr.write(`[${what}] warning: ${e && e.message ? e.message : e}\n`);
if (process.env.CRM_BUILD_H5 !== 'off') {
  try {
    require('./ensure-h5').ensureH5();
  } catch (e) {
    warn('ensure-h5', e);
  }
}
// The sandbox page (issue 17), when this checkout has it: cheap when up to date.
if (fs.existsSync(path.join(__dirname, 'ensure-sandbox.js'))) {
  try {
    require('./ensure-sandbox').ensureSandboxPage();
  } catch (e) {
    warn('ensure-sandbox', e);
  }
}
// package.json runs this with `exec`, so npm's signals come straight here. Should the parent die without a signal
// (npm killed with SIGKILL, a shell in between), stop too: an orphaned server would hold the port.
const parent = process.ppid;
if (parent > 1) {
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch); // once: a second SIGTERM would cut the graceful shutdown short
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  watch.unref();
}
require('tsx/cjs/api').register();
require(path.join(__dirname, '../server/main.ts'));
