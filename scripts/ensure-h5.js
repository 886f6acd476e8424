#!/usr/bin/env node
/**
 * Builds the H5 mini-program (miniapp/dist/h5) when it is missing or older than its sources.
 * `npm start` runs it first; a failed build only logs a warning (the API still starts, `/` answers 503
 * with a hint). The browser e2e test calls ensureH5() too.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const miniapp = path.resolve(__dirname, '../miniapp');
const dist = path.join(miniapp, 'dist/h5');
const index = path.join(dist, 'index.html');
const SOURCES = ['src', 'config', 'babel.config.js', 'package.json'];

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of fs.readdirSync(p)) max = Math.max(max, newestMtime(path.join(p, name)));
  return max;
}

/** Why a build is needed, or null when dist/h5 is up to date. */
function staleReason() {
  if (!fs.existsSync(index)) return 'missing';
  const built = fs.statSync(index).mtimeMs;
  const src = Math.max(...SOURCES.map((s) => newestMtime(path.join(miniapp, s))));
  return src > built ? 'older than its sources' : null;
}

/** @returns {{built: boolean, ok: boolean, reason: string | null, ms: number}} */
function ensureH5(opts = {}) {
  const log = opts.log || ((m) => process.stderr.write(m + '\n'));
  const reason = opts.force ? 'forced' : staleReason();
  if (!reason) return { built: false, ok: true, reason: null, ms: 0 };
  let cli;
  try {
    cli = require.resolve('@tarojs/cli/bin/taro', { paths: [miniapp] });
  } catch {
    log('[ensure-h5] warning: @tarojs/cli is not installed; the H5 mini-program is not built');
    return { built: false, ok: false, reason, ms: 0 };
  }
  log(`[ensure-h5] H5 build ${reason}: building miniapp/dist/h5 (about 30 s)…`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [cli, 'build', '--type', 'h5'], {
    cwd: miniapp,
    stdio: opts.quiet ? 'pipe' : ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  const ms = Date.now() - started;
  const ok = r.status === 0 && fs.existsSync(index);
  if (ok) {
    // Taro may keep the old index.html mtime when its bytes did not change; mark the build as fresh.
    const now = new Date();
    fs.utimesSync(index, now, now);
    log(`[ensure-h5] built in ${(ms / 1000).toFixed(1)} s`);
  } else {
    const tail = `${r.stderr || ''}${r.error ? String(r.error) : ''}`.trim().split('\n').slice(-5).join('\n');
    log(`[ensure-h5] warning: the H5 build failed (status ${r.status}); starting without it.${tail ? '\n' + tail : ''}`);
  }
  return { built: ok, ok, reason, ms };
}

module.exports = { ensureH5, staleReason, H5_DIST: dist };

if (require.main === module) {
  try {
    ensureH5({ force: process.argv.includes('--force') });
  } catch (e) {
    process.stderr.write(`[ensure-h5] warning: ${e && e.message ? e.message : e}\n`);
  }
  process.exit(0);
}
