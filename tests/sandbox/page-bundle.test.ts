/**
 * The sandbox page's build (scripts/ensure-sandbox.js): one self-contained HTML file, its JS under 150 KB gzipped,
 * nothing loaded from elsewhere (no CDN, no web font), and a CSP that allows only the bundled script.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('../../scripts/ensure-sandbox.js') as {
  ensureSandboxPage(o?: { force?: boolean; log?: (m: string) => void }): { ok: boolean; built: boolean; file: string; ms: number; error?: string };
  bundle(): { js: string; css: string };
  staleReason(): string | null;
};

describe('sandbox page bundle', () => {
  const logs: string[] = [];
  let html = '';
  beforeAll(() => {
    const r = build.ensureSandboxPage({ force: true, log: (m) => logs.push(m) });
    if (!r.ok) throw new Error(r.error);
    html = fs.readFileSync(r.file, 'utf8');
  });

  it('the page JS is under 150 KB gzipped', () => {
    const { js } = build.bundle();
    const gz = zlib.gzipSync(Buffer.from(js)).length;
    // eslint-disable-next-line no-console
    console.log(`[sandbox page] JS ${(js.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`);
    expect(gz).toBeLessThan(150 * 1024);
    expect(js.length).toBeGreaterThan(10_000); // the renderer and the app are in it
  });

  it('is one file: the script and style inline, no external URL, allowed by its CSP hash', () => {
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)|@import|@font-face|url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z0-9.-]+\.(com|net|org|cn|io)\b[^"]*\.(js|css|woff2?)/i);
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1];
    const hash = crypto.createHash('sha256').update(script, 'utf8').digest('base64');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(script).not.toMatch(/<\/script/i);
  });

  it('is rebuilt only when a source is newer', () => {
    expect(build.staleReason()).toBeNull();
    expect(build.ensureSandboxPage({ log: (m) => logs.push(m) }).built).toBe(false);
  });
});
