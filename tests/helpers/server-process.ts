import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './redis';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** A real CRM server process (`tsx server/main.ts`), its pino lines parsed as they arrive. */
export interface ServerProcess {
  name: string;
  port: number;
  child: ChildProcess;
  /** Every JSON log line so far (stdout). */
  logs: Record<string, unknown>[];
  /** Non-JSON output (stderr and stray stdout), for failure messages. */
  text: string[];
  exited: Promise<number | null>;
  /** The pids of the process tree (tsx may run the server as its child): one of them is the server's. */
  pids(): number[];
  /** SIGTERM and wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /**
   * SIGKILL the whole process tree at once (tsx runs the server as its child: killing tsx alone would leave the server
   * running, reparented to init) and wait until none of it is left.
   */
  kill9(): Promise<void>;
}

export function httpGet(port: number, p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return httpRequest(port, 'GET', p, headers);
}

export function httpRequest(port: number, method: string, p: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) }, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A pid and its descendants (Linux /proc; just the pid elsewhere). */
export function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) out.push(...processTree(Number(k)));
    }
  } catch {
    /* gone, or not Linux */
  }
  return out;
}

/** Starts one server process with `env` on a free port; resolves once /healthz answers 200 (or rejects with its output). */
export async function startServerProcess(name: string, env: Record<string, string>, timeoutMs = 90_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(TSX, ['server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), CRM_DEMO_SEED: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const text: string[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        text.push(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => text.push(c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: ServerProcess = {
    name,
    port,
    child,
    logs,
    text,
    exited,
    pids: () => processTree(child.pid!),
    async kill9() {
      const tree = processTree(child.pid!);
      for (const pid of tree) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        } catch {
          return false;
        }
      };
      const until = Date.now() + 10_000;
      while (tree.some(alive)) {
        if (Date.now() > until) throw new Error(`${name}: processes ${tree.filter(alive).join(', ')} survived SIGKILL`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await exited;
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void exited.then(() => (dead = true));
  for (;;) {
    if (dead) throw new Error(`${name} exited before serving: ${text.join('').slice(-2000)}`);
    const ok = await httpGet(port, '/healthz').then((r) => r.status === 200, () => false);
    if (ok) return proc;
    if (Date.now() > deadline) {
      await proc.stop(1_000);
      throw new Error(`${name} did not answer /healthz in time: ${text.join('').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
