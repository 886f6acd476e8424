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

/** The newest modification time under `p` (a file or a folder, recursively), skipping entries named in `skip`. */
function newestMtime(p, skip = []) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of fs.readdirSync(p)) if (!skip.includes(name)) max = Math.max(max, newestMtime(path.join(p, name), skip));
  return max;
}

/** Why a build is needed, or null when dist/h5 is up to date. */
function staleReason() {
  if (!fs.existsSync(index)) return 'missing';
  const built = fs.statSync(index).mtimeMs;
  const src = Math.max(...SOURCES.map((s) => newestMtime(path.join(miniapp, s))));
  return src > built ? 'older than its sources' : null;
}

const stripAnsi = (t) => t.replace(/\u001b\[[0-9;]*m/g, '');
const indent = (t) => t.split('\n').map((l) => `    ${l}`).join('\n');

/**
 * The warnings and errors of a Taro/webpack production build, from its stdout: webpack's `WARNING in …` /
 * `ERROR in …` blocks (each up to the next blank line), de-duplicated, without colours, 12 lines at most each.
 * @returns {{warnings: string[], errors: string[]}}
 */
function buildReport(stdout) {
  const text = stripAnsi(stdout).replace(/\r/g, '');
  const blocks = (kind) => {
    const out = [];
    const re = new RegExp(`^${kind} in ([\\s\\S]*?)(?:\\n\\s*\\n|$(?![\\s\\S]))`, 'gm');
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const lines = m[1].trim().split('\n');
      const block = (lines.length > 12 ? [...lines.slice(0, 12), `… (${lines.length - 12} more lines)`] : lines).join('\n');
      if (!out.includes(block)) out.push(block);
    }
    return out;
  };
  return { warnings: blocks('WARNING'), errors: blocks('ERROR') };
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
  // Both streams are read, not shown: Taro's own summary is a bare "编译警告" on stderr with the detail on stdout.
  const r = spawnSync(process.execPath, [cli, 'build', '--type', 'h5'], {
    cwd: miniapp,
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production', FORCE_COLOR: '0' },
    encoding: 'utf8',
    timeout: 5 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Date.now() - started;
  const ok = r.status === 0 && fs.existsSync(index);
  const report = buildReport(r.stdout || '');
  if (ok) {
    // Taro may keep the old index.html mtime when its bytes did not change; mark the build as fresh.
    const now = new Date();
    fs.utimesSync(index, now, now);
    const w = report.warnings;
    log(`[ensure-h5] built in ${(ms / 1000).toFixed(1)} s, ${w.length ? `${w.length} warning${w.length > 1 ? 's' : ''}:` : 'no warnings'}`);
    for (const text of w) log(indent(text));
  } else {
    const detail = report.errors.length
      ? report.errors.map(indent).join('\n')
      : `${stripAnsi(r.stderr || '')}${r.error ? String(r.error) : ''}`.trim().split('\n').slice(-5).join('\n');
    log(`[ensure-h5] warning: the H5 build failed (status ${r.status}); starting without it.${detail ? '\n' + detail : ''}`);
  }
  return { built: ok, ok, reason, ms };
}

module.exports = { ensureH5, staleReason, buildReport, newestMtime, H5_DIST: dist };

if (require.main === module) {
  try {
    ensureH5({ force: process.argv.includes('--force') });
  } catch (e) {
    process.stderr.write(`[ensure-h5] warning: ${e && e.message ? e.message : e}\n`);
  }
  process.exit(0);
}
