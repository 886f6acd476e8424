#!/usr/bin/env node
/**
 * Builds the sandbox page (server/sandbox/page → server/sandbox/page/dist/index.html, gitignored) with esbuild when it
 * is missing or older than its sources. ONE self-contained file: the bundled JS and the CSS are inlined, and a CSP
 * <meta> allows only that script (by its sha256) and requests to this origin — no CDN, no web font, no inline handler.
 * The start script and the GET /sandbox route (server/sandbox/routes.ts, once per process) call ensureSandboxPage()
 * (cheap when fresh); `node scripts/ensure-sandbox.js --force` rebuilds by hand.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../server/sandbox/page');
const dist = path.join(root, 'dist');
const page = path.join(dist, 'index.html');
const entry = path.join(root, 'app/main.ts');
const css = path.join(root, 'app/style.css');
const SOURCES = [path.join(root, 'app'), path.join(root, 'render'), __filename];

const { newestMtime } = require('./ensure-h5');

function staleReason() {
  if (!fs.existsSync(page)) return 'missing';
  return Math.max(...SOURCES.map((p) => newestMtime(p, ['dist']))) > fs.statSync(page).mtimeMs ? 'older than its sources' : null;
}

/** The bundled, minified JS and CSS (also what the size test measures). */
function bundle() {
  const esbuild = require('esbuild');
  const js = esbuild.buildSync({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', target: ['es2020', 'chrome100', 'safari15'], write: false, legalComments: 'none', charset: 'utf8', logLevel: 'silent' });
  const style = esbuild.transformSync(fs.readFileSync(css, 'utf8'), { loader: 'css', minify: true, charset: 'utf8' });
  // Inside an inline <script>, "</script" would end it: escape it (valid in strings and regexes alike).
  return { js: js.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1'), css: style.code.replace(/<\/(style)/gi, '<\\/$1') };
}

function html({ js, css: style }) {
  const hash = crypto.createHash('sha256').update(js, 'utf8').digest('base64');
  const csp = [`default-src 'none'`, `script-src 'sha256-${hash}'`, `style-src 'unsafe-inline'`, `connect-src 'self'`, `img-src 'self' data:`, `base-uri 'none'`, `form-action 'none'`].join('; ');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>CRM 沙盒 · Sandbox</title>
<style>${style}</style>
</head>
<body>
<noscript>需要启用 JavaScript / JavaScript is required</noscript>
<script>${js}</script>
</body>
</html>
`;
}

/** @returns {{ok: boolean, built: boolean, file: string, ms: number, reason: string | null, error?: string}} */
function ensureSandboxPage(opts = {}) {
  const log = opts.log || ((m) => process.stderr.write(m + '\n'));
  const reason = opts.force ? 'forced' : staleReason();
  if (!reason) return { ok: true, built: false, file: page, ms: 0, reason: null };
  const started = Date.now();
  try {
    const out = html(bundle());
    fs.mkdirSync(dist, { recursive: true });
    const tmp = `${page}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, page); // atomic: a request never reads half a page
    const ms = Date.now() - started;
    if (!opts.quiet) log(`[ensure-sandbox] sandbox page built (${reason}) in ${ms} ms`);
    return { ok: true, built: true, file: page, ms, reason };
  } catch (e) {
    const error = e && e.message ? e.message : String(e);
    log(`[ensure-sandbox] warning: the sandbox page did not build: ${error}`);
    return { ok: false, built: false, file: page, ms: Date.now() - started, reason, error };
  }
}

module.exports = { ensureSandboxPage, bundle, staleReason, SANDBOX_PAGE: page };

if (require.main === module) {
  ensureSandboxPage({ force: process.argv.includes('--force') });
  process.exit(0);
}
