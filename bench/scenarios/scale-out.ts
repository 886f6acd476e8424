import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import { QueryTypes } from 'sequelize';
import { roundsFigure } from '../lib/harness';
import { stat, zipfIds } from '../lib/stats';
import type { Figure, Harness, Scenario } from '../types';
import { enqueueMessages } from '../../core/notifications/outbox';
import { createApiKey, revokeApiKey } from '../../core/apikeys/operations';
import { FakeLark } from '../../tests/helpers/fake-lark';
import { peakRates } from '../../tests/helpers/lark-rates';
import { startRedis } from '../../tests/helpers/redis';
import { startServerProcess, type ServerProcess } from '../../tests/helpers/server-process';
import { Redis } from 'ioredis';
import { DbBudgetStore } from '../../bot/outbox/budget-db';
import { RedisBudgetStore } from '../../bot/outbox/budget-redis';
import type { BudgetStore } from '../../bot/outbox/limits';

/** Round trip of one budget take (receiver + app buckets), sequential, each in a new second: ms per take. */
async function takeLatencies(store: BudgetStore, count: number): Promise<number[]> {
  const xs: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await store.take(`bench-lat:${i % 100}`, 1_000 + i, 3, true, { app: 50, receiver: 5 });
    xs.push(performance.now() - t);
  }
  return xs;
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/**
 * Horizontal scale (issue 20), on the bench database:
 * 1. Outbox delivery by 3 worker processes (`tsx server/main.ts`, CRM_ROLE=worker) sharing the Lark send budget in
 *    the database (the default), against the fake Lark enforcing 50/s per app and 5/s per chat per aligned second:
 *    delivered msg/s as a fraction of the app limit, 429s. Then the same with REDIS_URL (a throwaway redis-server),
 *    reported beside it. Jobs are kept off the clock (CRM_JOBS_CRON far away) so only the outbox works.
 * 2. The 360° view (GET /api/v1/customers/:id/360, Zipf ids) through one round-robin TCP balancer in this process,
 *    to 1 web process and then to 2 (CRM_ROLE=web): throughput of each, reported with where the CPU went
 *    (server processes, MariaDB, the balancer) — load, servers and MariaDB share the machine's cores.
 * SQLite (smoke only): one process (SQLite refuses a second), so only the delivery path is proven.
 */
const CHATS = 20;
const NEVER = '0 0 0 1 1 *'; // 1 January, 00:00:00: no job tick during the bench

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of a process and all its descendants, from /proc (Linux); null elsewhere. */
function treeCpuSeconds(pid: number): number | null {
  const tick = 100; // USER_HZ on Linux
  const one = (p: number): number => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      let t = (Number(f[11]) + Number(f[12])) / tick;
      for (const task of fs.readdirSync(`/proc/${p}/task`)) {
        const kids = fs.readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        for (const k of kids ? kids.split(' ') : []) t += one(Number(k));
      }
      return t;
    } catch {
      return 0;
    }
  };
  return fs.existsSync(`/proc/${pid}/stat`) ? one(pid) : null;
}

/** Pids of the database server processes (mariadbd / mysqld) on this machine. */
function dbServerPids(): number[] {
  try {
    return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return /^(mariadbd|mysqld)$/.test(fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    }).map(Number);
  } catch {
    return [];
  }
}

/** A layer-4 round-robin balancer over loopback backends (each new client connection to the next backend). */
async function balancer(): Promise<{ port: number; backends: number[]; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const state = { backends: [] as number[] };
  const server = net.createServer((client) => {
    const port = state.backends[next++ % state.backends.length];
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
      s.setNoDelay(true);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    get backends() {
      return state.backends;
    },
    set backends(b: number[]) {
      state.backends = b;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Round {
  rate: number;
  seconds: number;
  delivered: number;
  rateLimited: number;
  peakApp: number;
  peakChat: number;
}

/** Starts `count` worker processes against `fake` (optionally with REDIS_URL), runs `rounds` rounds of `n` messages. */
async function deliveryRounds(h: Harness, label: string, count: number, n: number, rounds: number, extraEnv: Record<string, string>): Promise<Round[]> {
  const fake = await FakeLark.start();
  const procs: ServerProcess[] = [];
  const env = { ...fake.env(), DATABASE_URL: h.databaseUrl, CRM_ROLE: 'worker', CRM_JOBS: 'on', CRM_JOBS_CRON: NEVER, LOG_LEVEL: 'warn', ...extraEnv };
  try {
    for (let i = 0; i < count; i++) procs.push(await startServerProcess(`${label}-${i}`, env));
    const out: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      fake.reset();
      const tag = `bench-scale-${process.pid}-${label}-${r}`;
      const t0 = Date.now();
      await h.db.tx((t) =>
        enqueueMessages(h.ctx, t, Array.from({ length: n }, (_, i) => ({ to: { chatId: `oc_bench_scale_${i % CHATS}` }, kind: 'text', payload: { text: `${tag} ${i}` }, dedupeKey: `${tag}:${i}` }))),
      );
      const deadline = Date.now() + Math.max(120_000, (n / 50) * 3_000);
      const sentCount = async () => Number((await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent' AND dedupe_key LIKE :p", { p: `${tag}:%` }))[0].n);
      while ((await sentCount()) < n) {
        if (Date.now() > deadline) throw new Error(`${label}: ${n} messages not delivered in time`);
        await sleep(200);
      }
      const last = Math.max(...fake.messages.map((m) => m.at));
      const seconds = (last - t0) / 1000;
      const peak = peakRates(fake.messages);
      out.push({ rate: n / seconds, seconds, delivered: fake.messages.length, rateLimited: fake.stats.rateLimited, peakApp: peak.app, peakChat: peak.receiver });
      await h.db.sequelize.query('DELETE FROM outbox WHERE dedupe_key LIKE :p', { replacements: { p: `${tag}:%` }, type: QueryTypes.DELETE });
      h.log(`${label} round ${r}: ${n} in ${seconds.toFixed(1)} s = ${(n / seconds).toFixed(1)} msg/s, 429s ${fake.stats.rateLimited}`);
    }
    return out;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await fake.close();
  }
}

const scenario: Scenario = {
  name: 'scale-out',
  issue: 20,
  description:
    'outbox delivery by 3 worker processes sharing the Lark budget in MySQL (and in Redis beside it) against the fake Lark (50/s app, 5/s chat); 360° view throughput with 2 web processes vs 1 behind one round-robin balancer',
  database: 'mysql',
  targets: ['scale-out.fraction', 'scale-out.429s'],
  async run(h: Harness) {
    const mysql = h.dialect === 'mysql';
    const procs = mysql ? 3 : 1;
    const n = h.smoke ? 150 : 1_500;
    const rounds = h.smoke ? 1 : 3;
    const figures: Figure[] = [];
    const notes: string[] = [];
    const details: Record<string, unknown> = {};
    // Rows other scenarios left pending stay out of the run.
    await h.db.sequelize.query("UPDATE outbox SET status = 'bench_hold' WHERE status IN ('pending', 'sending')", { type: QueryTypes.UPDATE });
    try {
      const db = await deliveryRounds(h, 'db', procs, n, rounds, {});
      const sum = (xs: Round[], f: (x: Round) => number) => xs.reduce((s, x) => s + f(x), 0);
      figures.push(
        roundsFigure(`delivered msg/s, ${procs} process${procs > 1 ? 'es' : ''}, budget ${mysql ? 'in the database' : 'in memory (SQLite: one process)'} (${n} messages, ${CHATS} chats)`, stat(db.map((x) => x.rate)), 'msg/s'),
        roundsFigure('fraction of the 50/s app limit', stat(db.map((x) => x.rate / 50)), 'ratio', 'scale-out.fraction'),
        roundsFigure('429s (all rounds summed)', stat(db.map((x) => x.rateLimited)), 'count', 'scale-out.429s', sum(db, (x) => x.rateLimited)),
        { name: 'peak per aligned second: app / busiest chat', value: Math.max(...db.map((x) => x.peakApp)), unit: 'count' },
      );
      details.database = db;
      const redis = await startRedis();
      const takes = h.smoke ? 200 : 2_000;
      if (mysql) {
        const xs = await takeLatencies(new DbBudgetStore(h.db), takes);
        await h.db.sequelize.query("DELETE FROM lark_send_budget WHERE bucket LIKE 'r:bench-lat:%'", { type: QueryTypes.DELETE });
        figures.push({ name: `budget take round trip, database: p50 (${takes} takes, one at a time)`, value: pct(xs, 50), unit: 'ms' }, { name: 'budget take round trip, database: p99', value: pct(xs, 99), unit: 'ms' });
      }
      if (redis) {
        const client = new Redis(redis.url);
        try {
          const xs = await takeLatencies(new RedisBudgetStore(client, 'bench'), takes);
          figures.push({ name: `budget take round trip, Redis: p50 (${takes} takes, one at a time)`, value: pct(xs, 50), unit: 'ms' }, { name: 'budget take round trip, Redis: p99', value: pct(xs, 99), unit: 'ms' });
        } finally {
          client.disconnect();
        }
      }
      if (redis) {
        try {
          const rr = await deliveryRounds(h, 'redis', procs, n, 1, { REDIS_URL: redis.url });
          figures.push(
            { name: `delivered msg/s, ${procs} process${procs > 1 ? 'es' : ''}, budget in Redis (1 round, information)`, value: rr[0].rate, unit: 'msg/s' },
            { name: '429s with the Redis budget', value: rr[0].rateLimited, unit: 'count' },
          );
          details.redis = rr;
        } finally {
          await redis.stop();
        }
      } else notes.push('Redis round skipped: /usr/bin/redis-server is not installed');
      notes.push(
        `rate = messages / (enqueue → last delivery seen by the fake), the first partial second and the workers' 500 ms poll included; peak chat per second ${Math.max(...db.map((x) => x.peakChat))}`,
      );
    } finally {
      await h.db.sequelize.query("UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE status = 'bench_hold'", { type: QueryTypes.UPDATE });
    }

    // 360° view: 1 web process vs 2 behind the same balancer.
    if (!mysql || !(h.seed.counts.customers > 0)) {
      notes.push(mysql ? '360° comparison skipped: no seeded customers' : '360° comparison skipped on SQLite (one process only by design)');
      return { figures, notes, details };
    }
    const key = await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: `bench-scale-360-${Date.now()}` });
    const lb = await balancer();
    const webs: ServerProcess[] = [];
    try {
      const env = { DATABASE_URL: h.databaseUrl, CRM_ROLE: 'web', CRM_JOBS: 'off', LOG_LEVEL: 'warn', CRM_READ_LOOKUP_PER_WINDOW: '1000000', CRM_READ_LIST_PER_WINDOW: '1000000', CRM_READ_SEARCH_PER_WINDOW: '1000000' };
      webs.push(await startServerProcess('web-0', env), await startServerProcess('web-1', env));
      const ids = zipfIds(h.seed.counts.customers, h.smoke ? 300 : 20_000, 2020);
      const requests = ids.map((id) => ({ path: `/api/v1/customers/${id}/360`, headers: { Authorization: `Bearer ${key.key}` } }));
      const dbPids = dbServerPids();
      const measure = async (backends: ServerProcess[]) => {
        lb.backends = backends.map((w) => w.port);
        const cpu0 = { web: webs.map((w) => treeCpuSeconds(w.child.pid!) ?? 0), db: dbPids.map((p) => treeCpuSeconds(p) ?? 0), self: process.cpuUsage() };
        const t0 = Date.now();
        const r = await h.load({ url: `http://127.0.0.1:${lb.port}`, requests });
        const wall = (Date.now() - t0) / 1000;
        const web = webs.map((w, i) => ((treeCpuSeconds(w.child.pid!) ?? 0) - cpu0.web[i]) / wall);
        const dbCores = dbPids.reduce((s, p, i) => s + ((treeCpuSeconds(p) ?? 0) - cpu0.db[i]), 0) / wall;
        const self = process.cpuUsage(cpu0.self);
        return { r, cores: { web, db: dbCores, balancer: (self.user + self.system) / 1e6 / wall } };
      };
      const one = await measure([webs[0]]);
      const two = await measure(webs);
      figures.push(
        roundsFigure('360° req/s, 1 web process', one.r.rps, 'req/s'),
        roundsFigure('360° req/s, 2 web processes', two.r.rps, 'req/s'),
        { name: '360° throughput 2 processes / 1', value: two.r.rps.median / one.r.rps.median, unit: 'ratio' },
        roundsFigure('360° p99, 1 web process', one.r.p99, 'ms', undefined, one.r.pooledP99),
        roundsFigure('360° p99, 2 web processes', two.r.p99, 'ms', undefined, two.r.pooledP99),
      );
      const where = (label: string, c: typeof one.cores) =>
        `${label}: web ${c.web.map((x) => x.toFixed(2)).join(' + ')} cores, MariaDB ${c.db.toFixed(2)}, balancer + bench process ${c.balancer.toFixed(2)} (the load generator, another process, uses the rest)`;
      notes.push(
        `where the time goes (CPU cores used during the load, ${os.cpus().length} cores on this machine): ${where('1 process', one.cores)}; ${where('2 processes', two.cores)}`,
        'the balancer is a Node TCP pipe in the bench process (per-connection round robin, as an L4 balancer): it costs the same in both runs',
        'reading it: when the web process(es), MariaDB and the load generator together use every core, a second web process only splits the same CPU (and adds contention): 2 / 1 stays near or below 1 on one small machine; it pays when the web processes get cores (or hosts) of their own',
      );
      details.view360 = { one: one.cores, two: two.cores };
    } finally {
      await Promise.all(webs.map((w) => w.stop()));
      await lb.close();
      await revokeApiKey(h.ctx, { kind: 'system' }, 'cli', key.id).catch(() => undefined);
    }
    return { figures, notes, details };
  },
};
export default scenario;
