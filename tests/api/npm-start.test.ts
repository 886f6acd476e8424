import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/redis';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '../..');


function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ms: number, ok: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await ok()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
}

/** `npm start` on a temp SQLite file and a free port; resolves once the server logged its pid and listens. */
async function npmStart(dir: string): Promise<{ npm: ChildProcess; serverPid: number; port: number; out: () => string; err: () => string }> {
  const port = await freePort();
  const env = { ...process.env, DATABASE_URL: `sqlite:${path.join(dir, 'crm.sqlite')}`, PORT: String(port), HOST: '127.0.0.1', CRM_UPLOAD_DIR: path.join(dir, 'uploads'), CRM_BUILD_H5: 'off', CRM_DEMO_SEED: 'off', LOG_LEVEL: 'info', CRM_JOBS: 'on' };
  const npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  npm.stdout!.on('data', (c) => (out += c));
  npm.stderr!.on('data', (c) => (err += c));
  let serverPid = 0;
  await until('the start-up banner with the server pid', 90_000, () => {
    const m = /stop +Ctrl-C, kill (\d+)/.exec(err);
    if (m) serverPid = Number(m[1]);
    if (npm.exitCode !== null) throw new Error(`npm start exited ${npm.exitCode}:\n${out}\n${err}`);
    return serverPid > 0;
  });
  expect(await portOpen(port)).toBe(true);
  return { npm, serverPid, port, out: () => out, err: () => err };
}

describe('npm start', () => {
  let dir: string;
  const started: ChildProcess[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-start-'));
  });
  afterEach(() => {
    for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM to the npm PID stops the server: the port is freed and the server process is gone', async () => {
    const s = await npmStart(dir);
    started.push(s.npm);
    expect(s.serverPid).not.toBe(s.npm.pid);
    // The banner (stderr) names the URLs.
    expect(s.err()).toContain(`http://127.0.0.1:${s.port}/`);
    s.npm.kill('SIGTERM');
    await until('the port to be freed', 5_000, async () => !(await portOpen(s.port)));
    await until('the server process to exit', 5_000, () => !alive(s.serverPid));
    await until('npm to exit', 5_000, () => s.npm.exitCode !== null || s.npm.signalCode !== null);
    expect(s.out()).toContain('"msg":"CRM stopped"'); // a clean shutdown, not a kill
  });

  it('SIGINT (Ctrl-C) to the npm PID stops it too, and a killed npm (SIGKILL) does not leave the server holding the port', async () => {
    const a = await npmStart(dir);
    started.push(a.npm);
    a.npm.kill('SIGINT');
    await until('the server to exit after SIGINT', 5_000, () => !alive(a.serverPid));
    expect(await portOpen(a.port)).toBe(false);

    const b = await npmStart(dir);
    started.push(b.npm);
    b.npm.kill('SIGKILL');
    await until('the orphaned server to stop', 5_000, () => !alive(b.serverPid));
    expect(await portOpen(b.port)).toBe(false);
  });
});
