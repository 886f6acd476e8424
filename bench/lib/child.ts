/** Forking TypeScript children (server, baseline, load) with the tsx loader, and a tiny request/reply over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function tsxExecArgv(): string[] {
  if (process.execArgv.some((a) => a.includes('tsx'))) return process.execArgv;
  const dist = path.dirname(require.resolve('tsx/package.json')) + '/dist';
  return ['--require', path.join(dist, 'preflight.cjs'), '--import', pathToFileURL(path.join(dist, 'loader.mjs')).href];
}

export interface Child {
  proc: ChildProcess;
  logFile: string;
  request<T>(msg: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Resolves with the first message of `type`. */
  waitFor<T>(type: string, timeoutMs: number): Promise<T>;
  kill(): Promise<void>;
}

let seq = 0;

/** Forks `file` (a .ts module under bench/lib) with env; its stdout/stderr go to a log file in the temp dir. */
export function forkChild(file: string, env: Record<string, string | undefined>, label: string): Child {
  const logFile = path.join(os.tmpdir(), `crm-bench-${label}-${process.pid}-${++seq}.log`);
  const out = fs.openSync(logFile, 'w');
  const proc = fork(file, [], { env: { ...process.env, ...env }, execArgv: [...tsxExecArgv(), ...(process.env.BENCH_CPU_PROF && label === 'server' ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_CPU_PROF] : [])], stdio: ['ignore', out, out, 'ipc'] });
  fs.closeSync(out);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const waiters: { type: string; resolve: (v: unknown) => void }[] = [];
  let exited = false;
  proc.on('message', (m: { id?: number; type?: string; error?: string }) => {
    if (m.id !== undefined && pending.has(m.id)) {
      const p = pending.get(m.id)!;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(`${label}: ${m.error}`));
      else p.resolve(m);
      return;
    }
    for (const w of waiters.filter((x) => x.type === m.type)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  const exitedP = new Promise<void>((resolve) =>
    proc.once('exit', (code) => {
      exited = true;
      const err = new Error(`${label} exited (code ${code}); log: ${logFile}\n${tail(logFile)}`);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      resolve();
    }),
  );
  const child: Child = {
    proc,
    logFile,
    request<T>(msg: Record<string, unknown>, timeoutMs = 600_000) {
      if (exited) return Promise.reject(new Error(`${label} is not running; log: ${logFile}\n${tail(logFile)}`));
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${label}: no answer to ${String(msg.type)} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        proc.send({ ...msg, id });
      });
    },
    waitFor<T>(type: string, timeoutMs: number) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label}: not ${type} within ${timeoutMs} ms; log: ${logFile}\n${tail(logFile)}`)), timeoutMs);
        const w = {
          type,
          resolve: (v: unknown) => {
            clearTimeout(timer);
            resolve(v as T);
          },
        };
        waiters.push(w);
        exitedP.then(() => {
          clearTimeout(timer);
          reject(new Error(`${label} exited before ${type}; log: ${logFile}\n${tail(logFile)}`));
        });
      });
    },
    async kill() {
      if (exited) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exitedP;
      clearTimeout(t);
    },
  };
  return child;
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/** Child side: answers requests `{id, type, ...}` with `{id, type, ...reply}` or `{id, error}`. */
export function serve(handlers: Record<string, (msg: Record<string, unknown>) => Promise<Record<string, unknown>>>): void {
  process.on('message', (m: Record<string, unknown>) => {
    const h = handlers[String(m.type)];
    const reply = (r: Record<string, unknown>) => process.send?.({ id: m.id, type: m.type, ...r });
    if (!h) return reply({ error: `unknown request ${String(m.type)}` });
    h(m).then(reply, (e: unknown) => reply({ error: e instanceof Error ? e.stack ?? e.message : String(e) }));
  });
  process.on('disconnect', () => process.exit(0)); // the parent died: never outlive it
}

/** Peak RSS of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
