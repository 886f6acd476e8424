/**
 * The README's "Try it in 2 minutes" start: the real entry point (server/main.ts, configuration from the environment)
 * with no Lark variables starts in sandbox mode, prints the sandbox URL, and /sandbox answers 200 on loopback with the
 * demo's people ready to chat. (`npm start` = scripts/ensure-h5.js + this entry point; the H5 build is not needed here.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxClient } from '../../server/sandbox/client';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');

describe('npm start with no Lark variables', () => {
  let child: ChildProcess | null = null;
  let dir = '';
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts in sandbox mode, prints the URL, and /sandbox answers 200 on loopback', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-sandbox-start-'));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(LARK_|CRM_|DATABASE_URL|PORT|HOST|LOG_LEVEL)/.test(k)) env[k] = v;
    Object.assign(env, { DATABASE_URL: `sqlite:${path.join(dir, 'crm.sqlite')}`, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sandbox URL printed within 90 s:\n${out}\n${err}`)), 90_000);
      child!.stdout!.on('data', (c) => {
        out += c;
        const m = /chat sandbox: open (http:\/\/\S+?\/sandbox)"/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child!.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${out}\n${err}`)));
    });
    expect(url).toMatch(/^http:\/\/localhost:\d+\/sandbox$/);
    const sb = new SandboxClient(url.replace('localhost', '127.0.0.1'));
    const page = await sb.request('GET', '/sandbox');
    expect(page.status).toBe(200);
    expect(String(page.body)).toMatch(/<html/i);
    expect((await sb.people()).map((p) => p.openId)).toEqual(expect.arrayContaining(['ou_demo_rep1', 'ou_demo_manager', 'ou_demo_service', 'ou_demo_admin']));
  });
});
