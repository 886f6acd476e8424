import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import type { Scenario } from '../types';
import { roundsFigure } from '../lib/harness';
import { percentile, pooledPercentile, stat } from '../lib/stats';
import { SandboxClient, type SandboxStream } from '../../server/sandbox/client';

/**
 * The chat sandbox's message round trip, what a newcomer feels: POST /sandbox/api/messages (signed + encrypted event to
 * the process's own /lark/events → inbox → intent → handler → outbox) → the outbox worker sends the answer to the
 * built-in Open API → the answer arrives on the person's SSE stream. The real server (server/main.ts, as `npm start`
 * runs it, in sandbox mode: no Lark variables, demo seed and jobs on) in a child process, on a fresh database of the
 * run's dialect (the sandbox needs the demo's people). One message in flight at a time, the three demo reps in turn
 * (Lark's 5 messages/s per receiver would otherwise throttle the answers), a mix of 帮助 (help), a free-form
 * follow-up (→ a draft card) and a find.
 */
const ROOT = path.resolve(__dirname, '../..');
const REPS = ['ou_demo_rep1', 'ou_demo_rep2', 'ou_demo_rep3'];
const MESSAGES = ['帮助', '今天电话联系了宏达科技王总，聊了报价，下周三再跟进', '查一下宏达科技', 'help', '明天上午拜访远航科技，带上新方案', '查一下远航科技'];

async function freshDatabase(dialect: string, url: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect !== 'mysql') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-sandbox-'));
    return { url: `sqlite:${path.join(dir, 'crm.sqlite')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const name = `crm_bench_sandbox_${process.pid}`;
  const admin = new URL(u.toString());
  admin.pathname = '/';
  const c = await mysql.createConnection(admin.toString());
  await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await c.end();
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const d = await mysql.createConnection(admin.toString());
      await d.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await d.end();
    },
  };
}

/** `node tsx server/main.ts` with the sandbox's environment; resolves with the URL it prints. */
function startSandboxServer(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(LARK_|CRM_|DATABASE_URL$|PORT$|HOST$|LOG_LEVEL$)/.test(k)) env[k] = v;
  Object.assign(env, { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the sandbox server printed no URL within 120 s:\n${out.slice(-2000)}\n${err.slice(-2000)}`)), 120_000);
    child.stderr!.on('data', (c) => (err += c));
    child.stdout!.on('data', (c) => {
      if (out.length < 1_000_000) out += c;
      const m = /chat sandbox: open (http:\/\/\S+?)\/sandbox"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1].replace('localhost', '127.0.0.1') });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox server exited (${code}):\n${out.slice(-2000)}\n${err.slice(-2000)}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

const scenario: Scenario = {
  name: 'sandbox',
  issue: 17,
  description: 'chat sandbox round trip: POST /sandbox/api/messages → the bot’s answer on the SSE stream, real server in sandbox mode (demo seed, jobs on)',
  database: 'any',
  targets: ['sandbox.p95'],
  async run(h) {
    const db = await freshDatabase(h.dialect, h.databaseUrl);
    let child: ChildProcess | null = null;
    const streams: SandboxStream[] = [];
    try {
      const started = await startSandboxServer(db.url);
      child = started.child;
      // Drain the child's log (an unread pipe would stall it).
      child.stdout!.resume();
      const sb = new SandboxClient(started.url);
      for (const rep of REPS) streams.push(await sb.stream(rep));
      const lastSend = new Map<string, number>();
      let n = 0;
      let unanswered = 0;
      /** Per message: the server's own share (the echo's time → the answer's arrival at the built-in API, both server clocks). */
      let serverShare: number[] = [];
      const roundTrip = async (): Promise<number | null> => {
        const i = n++;
        const k = i % REPS.length;
        const rep = REPS[k];
        // ≥ 400 ms between two messages of one person (as a person types; Lark's per-receiver limit is 5/s).
        const wait = (lastSend.get(rep) ?? 0) + 400 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const s = streams[k];
        const from = s.events.length;
        const t0 = performance.now();
        lastSend.set(rep, t0);
        const { messageId } = await sb.say(rep, MESSAGES[Math.floor(i / REPS.length) % MESSAGES.length]);
        try {
          const answer = await s.next((e) => e.type === 'message' && e.data.from === 'bot', { from, ms: 10_000 });
          const echo = s.events.slice(from).find((e) => e.type === 'message' && e.data.messageId === messageId);
          if (echo && answer.type === 'message' && echo.type === 'message') serverShare.push(answer.data.at - echo.data.at);
          // Everything the bot sends for this message (a draft card may follow a text) before the next one.
          await new Promise((r) => setTimeout(r, 30));
          return answer.receivedAt - t0;
        } catch {
          unanswered++;
          return null;
        }
      };
      const warmup = h.smoke ? 3 : 9;
      for (let i = 0; i < warmup; i++) await roundTrip();
      serverShare = [];
      const rounds = 3;
      const perRound = h.smoke ? 4 : h.scale === 'full' ? 60 : 30;
      const samples: number[][] = [];
      for (let r = 0; r < rounds; r++) {
        const xs: number[] = [];
        for (let i = 0; i < perRound; i++) {
          const ms = await roundTrip();
          if (ms !== null) xs.push(ms);
        }
        samples.push(xs);
      }
      const p = (q: number) => stat(samples.map((xs) => percentile(xs, q)));
      return {
        figures: [
          roundsFigure('round trip p50', p(50), 'ms', undefined, pooledPercentile(samples, 50)),
          roundsFigure('round trip p95', p(95), 'ms', 'sandbox.p95', pooledPercentile(samples, 95)),
          roundsFigure('round trip p99', p(99), 'ms', undefined, pooledPercentile(samples, 99)),
          { name: 'unanswered messages', value: unanswered, unit: 'count' },
          { name: 'server share p50 (event in → answer at the API)', value: percentile(serverShare, 50), unit: 'ms' },
          { name: 'server share p95', value: percentile(serverShare, 95), unit: 'ms' },
        ],
        notes: [
          `${h.dialect}: a fresh database with the demo seed; ${rounds} rounds × ${perRound} messages (after ${warmup} warm-up), one in flight, 3 reps in turn, ≥ 400 ms between one rep's messages`,
          'measured from the POST to the first bot message on the SSE stream (the event in, the outbox worker out through the built-in Open API)',
        ],
        details: { samples },
      };
    } finally {
      for (const s of streams) s.close();
      if (child) await stop(child);
      await db.drop();
    }
  },
};
export default scenario;
