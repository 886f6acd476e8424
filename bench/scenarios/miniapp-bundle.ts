import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import type { Harness, Scenario } from '../types';

/**
 * Mini-program bundle sizes (issue 7):
 * - weapp main package: every file of the weapp build outside the subpackage roots listed in app.json
 *   (what WeChat counts against the 2 MB main-package limit);
 * - H5 first-load JS, gzipped: the scripts a first visit to `/` fetches (the real server serving the H5 build,
 *   headless Chromium recording every .js response: index.html's scripts, the shared chunk, the pages it lands
 *   on). Without Chromium: index.html's scripts + the shared page chunk + the two largest page chunks (an upper
 *   estimate, noted).
 */
const MINIAPP = path.resolve(__dirname, '../../miniapp');
const H5 = path.join(MINIAPP, 'dist/h5');
const WEAPP = path.join(MINIAPP, 'dist/weapp');

interface EnsureH5 {
  ensureH5(opts?: { log?: (m: string) => void; force?: boolean }): { built: boolean; ok: boolean; ms: number };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureH5 } = require('../../scripts/ensure-h5.js') as EnsureH5;

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const gz = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

function buildWeapp(h: Harness): number {
  const cli = require.resolve('@tarojs/cli/bin/taro', { paths: [MINIAPP] });
  const started = Date.now();
  const r = spawnSync(process.execPath, [cli, 'build', '--type', 'weapp'], { cwd: MINIAPP, stdio: 'pipe', encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error(`weapp build failed: ${(r.stderr || r.stdout || '').split('\n').slice(-5).join('\n')}`);
  h.log(`weapp built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return Date.now() - started;
}

function weappMainKb(): { kb: number; subpackages: Record<string, number> } {
  const appJson = JSON.parse(fs.readFileSync(path.join(WEAPP, 'app.json'), 'utf8')) as { subPackages?: { root: string }[]; subpackages?: { root: string }[] };
  const roots = (appJson.subPackages ?? appJson.subpackages ?? []).map((s) => s.root.replace(/\/$/, ''));
  let main = 0;
  const subs: Record<string, number> = Object.fromEntries(roots.map((r) => [r, 0]));
  for (const f of filesUnder(WEAPP)) {
    const rel = path.relative(WEAPP, f).split(path.sep).join('/');
    if (rel.endsWith('.LICENSE.txt') || rel.endsWith('.map')) continue;
    const size = fs.statSync(f).size;
    const root = roots.find((r) => rel.startsWith(r + '/'));
    if (root) subs[root] += size;
    else main += size;
  }
  return { kb: main / 1024, subpackages: Object.fromEntries(Object.entries(subs).map(([k, v]) => [k, Math.round(v / 102.4) / 10])) };
}

async function firstLoadInBrowser(h: Harness, chromium: string): Promise<string[]> {
  const { chromium: pw } = await import('playwright-core');
  const server = await h.startServer();
  const browser = await pw.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    headless: true,
  });
  try {
    const page = await browser.newPage();
    const scripts = new Set<string>();
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith('.js')) scripts.add(u.pathname);
    });
    await page.goto(server.url + '/', { waitUntil: 'networkidle' });
    await page.waitForSelector('.page', { timeout: 15_000 });
    return [...scripts].map((p) => path.join(H5, p));
  } finally {
    await browser.close(); // playwright launches with a fresh temporary profile and removes it
    await server.stop();
  }
}

function firstLoadEstimate(): string[] {
  const html = fs.readFileSync(path.join(H5, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]*src="([^"]+\.js)"/g)].map((m) => path.join(H5, m[1]));
  const all = filesUnder(path.join(H5, 'js')).filter((f) => f.endsWith('.js'));
  const common = all.filter((f) => path.basename(f).startsWith('pages-common.'));
  const rest = all.filter((f) => !initial.includes(f) && !common.includes(f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
  return [...initial, ...common, ...rest.slice(0, 2)];
}

const scenario: Scenario = {
  name: 'miniapp-bundle',
  issue: 7,
  description: 'weapp main package size (outside subpackages) and H5 first-load JS gzipped, measured in headless Chromium against the real server',
  database: 'none',
  targets: ['miniapp.weapp-main', 'miniapp.h5-first-load'],
  async run(h) {
    const notes: string[] = [];
    // Smoke: reuse builds that exist (CI builds H5 for the browser test anyway); otherwise build fresh.
    const buildMs = !h.smoke || !fs.existsSync(path.join(WEAPP, 'app.json')) ? buildWeapp(h) : 0;
    const h5 = ensureH5({ log: h.log });
    if (!h5.ok) throw new Error('the H5 build failed');
    const weapp = weappMainKb();

    const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && fs.existsSync(p));
    let scripts: string[];
    if (chromium) {
      scripts = await firstLoadInBrowser(h, chromium);
      notes.push(`H5 first load measured in ${chromium}: ${scripts.map((s) => path.basename(s)).join(', ')}`);
    } else {
      scripts = firstLoadEstimate();
      notes.push('Chromium not found: H5 first load estimated from index.html scripts + shared chunk + the two largest page chunks');
    }
    const rawKb = scripts.reduce((n, f) => n + fs.statSync(f).size, 0) / 1024;
    const gzKb = scripts.reduce((n, f) => n + gz(f), 0) / 1024;
    notes.push(`weapp subpackages (KB): ${JSON.stringify(weapp.subpackages)}`);
    return {
      figures: [
        { name: 'weapp main package', value: Math.round(weapp.kb * 10) / 10, unit: 'KB', target: 'miniapp.weapp-main' },
        { name: 'H5 first-load JS (gzip)', value: Math.round(gzKb * 10) / 10, unit: 'KB', target: 'miniapp.h5-first-load' },
        { name: 'H5 first-load JS (raw)', value: Math.round(rawKb * 10) / 10, unit: 'KB' },
        { name: 'H5 first-load scripts', value: scripts.length, unit: 'count' },
      ],
      notes,
      details: { weappSubpackagesKb: weapp.subpackages, scripts: scripts.map((s) => path.relative(H5, s)), weappBuildMs: buildMs, h5BuildMs: h5.ms },
    };
  },
};
export default scenario;
