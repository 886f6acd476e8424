/** The Harness scenarios measure through (see bench/types.ts): child processes for server, baselines and load. */
import path from 'node:path';
import type { CoreContext } from '../../core/context';
import type { Db, Dialect } from '../../core/db/connection';
import type { BaselineOptions, Comparison, Figure, Harness, LoadOptions, LoadResult, Scale, SeedInfo, ServerHandle, Stat } from '../types';
import type { TargetId } from '../targets';
import { forkChild, type Child } from './child';
import type { LoadRun, LoadRunResult } from './load-child';
import { pooledPercentile, ratioStat, stat, warmedUp } from './stats';

export interface LoadDefaults {
  connections: number;
  durationSec: number;
  /** Seconds of one warm-up round; warm-up rounds repeat until two consecutive ones agree within 10% (bench/lib/stats.ts warmedUp), at most maxWarmupRounds. */
  warmupSec: number;
  maxWarmupRounds: number;
  rounds: number;
  timeRounds: number;
  /** Least warm-up runs of h.time (then more until two agree within 10%, at most maxWarmupRounds). */
  timeWarmup: number;
}

/** At least 3 measured rounds at every scale (smoke too: short ones), so every figure has rounds to show. */
export function loadDefaults(scale: Scale, smoke: boolean): LoadDefaults {
  if (smoke) return { connections: 2, durationSec: 0.1, warmupSec: 0, maxWarmupRounds: 0, rounds: 3, timeRounds: 3, timeWarmup: 0 };
  if (scale === 'full') return { connections: 50, durationSec: 5, warmupSec: 2, maxWarmupRounds: 8, rounds: 5, timeRounds: 5, timeWarmup: 2 };
  return { connections: 50, durationSec: 2, warmupSec: 1, maxWarmupRounds: 6, rounds: 3, timeRounds: 3, timeWarmup: 2 };
}

/** Shared by every scenario of a run: the database, the seed and the load generator process. */
export interface RunContext {
  scale: Scale;
  smoke: boolean;
  dialect: Dialect;
  databaseUrl: string;
  db: Db;
  ctx: CoreContext;
  seed: SeedInfo;
  tables: Set<string>;
  log(msg: string): void;
  loadChild(): Promise<Child>;
}

/** What the runner learns about a scenario's run besides its figures. */
export interface RunRecord {
  serverPeakRssMb: number | null;
  baselinePeakRssMb: number | null;
  loads: { target: 'product' | 'baseline' | 'other'; result: LoadResult }[];
}

const LIB = __dirname;

export function createHarness(rc: RunContext): { harness: Harness; record: RunRecord; close(): Promise<void> } {
  const d = loadDefaults(rc.scale, rc.smoke);
  /** No measurement has fewer than 3 rounds, whatever a scenario asks. */
  const minRounds = 3;
  const record: RunRecord = { serverPeakRssMb: null, baselinePeakRssMb: null, loads: [] };
  const handles: { kind: 'server' | 'baseline'; child: Child; stopped: boolean }[] = [];
  const servers = new Map<string, 'product' | 'baseline'>();

  const start = async (kind: 'server' | 'baseline', env: Record<string, string>): Promise<ServerHandle> => {
    const file = path.join(LIB, kind === 'server' ? 'server-child.ts' : 'baseline-child.ts');
    const child = forkChild(file, { ...env }, kind);
    const entry = { kind, child, stopped: false };
    handles.push(entry);
    const ready = await child.waitFor<{ port: number }>('ready', 60_000);
    const url = `http://127.0.0.1:${ready.port}`;
    servers.set(url, kind === 'server' ? 'product' : 'baseline');
    const peak = async () => (await child.request<{ peakRssMb: number }>({ type: 'rss' }, 10_000)).peakRssMb;
    return {
      url,
      port: ready.port,
      peakRssMb: peak,
      async stop() {
        if (entry.stopped) return;
        await notePeak(entry).catch(() => undefined);
        entry.stopped = true;
        await child.request({ type: 'stop' }, 10_000).catch(() => undefined);
        await child.kill();
      },
    };
  };

  const notePeak = async (entry: (typeof handles)[number]) => {
    if (entry.stopped) return;
    const mb = (await entry.child.request<{ peakRssMb: number }>({ type: 'rss' }, 10_000)).peakRssMb;
    if (entry.kind === 'server') record.serverPeakRssMb = Math.max(record.serverPeakRssMb ?? 0, mb);
    else record.baselinePeakRssMb = Math.max(record.baselinePeakRssMb ?? 0, mb);
  };

  const runOnce = async (o: LoadOptions, durationSec: number): Promise<LoadRunResult> => {
    const child = await rc.loadChild();
    const run: LoadRun = {
      url: o.url,
      requests: o.requests?.length ? o.requests : [{ path: '/' }],
      connections: o.connections ?? d.connections,
      durationSec,
      rate: o.rate,
    };
    const reply = await child.request<{ result: LoadRunResult }>({ type: 'run', run }, (durationSec + 60) * 1000);
    return reply.result;
  };

  /** Warm-up rounds until two consecutive ones agree on throughput within 10% (bounded); their throughputs. */
  const warmUp = async (o: LoadOptions): Promise<number[]> => {
    const sec = o.warmupSec ?? d.warmupSec;
    const seen: number[] = [];
    if (sec <= 0) return seen;
    const most = Math.max(2, d.maxWarmupRounds);
    while (seen.length < most && !warmedUp(seen)) seen.push((await runOnce(o, sec)).rps);
    if (!warmedUp(seen)) warmupNotes.push(`${o.url}: warm-up did not settle within ${most} rounds of ${sec} s (req/s ${seen.map((x) => Math.round(x)).join(', ')})`);
    return seen;
  };
  const warmupNotes: string[] = [];

  const summarise = (runs: LoadRunResult[], warmup: number[] = []): LoadResult => ({
    rps: stat(runs.map((r) => r.rps)),
    p50: stat(runs.map((r) => r.p50)),
    p99: stat(runs.map((r) => r.p99)),
    pooledP50: pooledPercentile(runs.map((r) => r.latencies ?? []), 50),
    pooledP99: pooledPercentile(runs.map((r) => r.latencies ?? []), 99),
    warmupRps: warmup,
    requests: runs.reduce((s, r) => s + r.requests, 0),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    status5xx: runs.reduce((s, r) => s + r.status5xx, 0),
  });

  const kindOf = (url: string) => servers.get(url) ?? 'other';

  const harness: Harness = {
    scale: rc.scale,
    smoke: rc.smoke,
    dialect: rc.dialect,
    databaseUrl: rc.databaseUrl,
    db: rc.db,
    ctx: rc.ctx,
    seed: rc.seed,
    hasTable: (name) => rc.tables.has(name),
    log: rc.log,
    startServer: (opts) => start('server', { DATABASE_URL: rc.databaseUrl, ...(opts?.env ?? {}) }),
    startBaseline: (opts?: BaselineOptions) =>
      start('baseline', { BENCH_DATABASE_URL: rc.databaseUrl, BENCH_BASELINE_SQL: JSON.stringify(opts?.sql ?? {}), BENCH_BASELINE_BATCHED: (opts?.batched ?? []).join(','), BENCH_BASELINE_PARALLEL: (opts?.parallel ?? []).join(',') }),
    async load(o) {
      const warm = await warmUp(o);
      const runs: LoadRunResult[] = [];
      for (let i = 0; i < Math.max(o.rounds ?? d.rounds, minRounds); i++) runs.push(await runOnce(o, o.durationSec ?? d.durationSec));
      const result = summarise(runs, warm);
      record.loads.push({ target: kindOf(o.url), result });
      return result;
    },
    async compare(product, baseline) {
      const warmA = await warmUp(product);
      const warmB = await warmUp(baseline);
      const a: LoadRunResult[] = [];
      const b: LoadRunResult[] = [];
      const rounds = Math.max(product.rounds ?? d.rounds, baseline.rounds ?? d.rounds, minRounds);
      for (let i = 0; i < rounds; i++) {
        // Alternate which goes first so drift on a shared machine hits both alike.
        if (i % 2 === 0) {
          a.push(await runOnce(product, product.durationSec ?? d.durationSec));
          b.push(await runOnce(baseline, baseline.durationSec ?? d.durationSec));
        } else {
          b.push(await runOnce(baseline, baseline.durationSec ?? d.durationSec));
          a.push(await runOnce(product, product.durationSec ?? d.durationSec));
        }
      }
      const cmp: Comparison = { product: summarise(a, warmA), baseline: summarise(b, warmB), ratio: ratioStat(a.map((r) => r.rps), b.map((r) => r.rps)) };
      record.loads.push({ target: 'product', result: cmp.product }, { target: 'baseline', result: cmp.baseline });
      return cmp;
    },
    warmupNotes: () => [...warmupNotes],
    async time(fn, opts) {
      // Warm-up runs: at least `warmup`, then more until two consecutive ones agree within 10% (at most maxWarmupRounds).
      const least = opts?.warmup ?? d.timeWarmup;
      const warm: number[] = [];
      const timed = async (round: number) => {
        const t0 = process.hrtime.bigint();
        await fn(round);
        return Number(process.hrtime.bigint() - t0) / 1e6;
      };
      while (warm.length < least || (least > 0 && warm.length < Math.max(least, d.maxWarmupRounds) && !warmedUp(warm))) warm.push(await timed(-1 - warm.length));
      const samples: number[] = [];
      for (let i = 0; i < Math.max(opts?.rounds ?? d.timeRounds, minRounds); i++) {
        const t0 = process.hrtime.bigint();
        await fn(i);
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return stat(samples);
    },
    async settle() {
      if (rc.db.dialect !== 'mysql') return;
      for (let waited = 0; waited < 20_000; waited += 250) {
        const status = await rc.db.select<{ Status: string }>('SHOW ENGINE INNODB STATUS');
        const history = Number(/History list length (\d+)/.exec(status[0]?.Status ?? '')?.[1] ?? 0);
        const dirty = await rc.db.select<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
        if (history < 100 && Number(dirty[0]?.Value ?? 0) < 2000) return;
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    figures(label, m, t = {}) {
      return standardFigures(label, m, t);
    },
  };

  return {
    harness,
    record,
    async close() {
      for (const h of handles) {
        await notePeak(h).catch(() => undefined);
        if (!h.stopped) {
          h.stopped = true;
          await h.child.request({ type: 'stop' }, 10_000).catch(() => undefined);
          await h.child.kill();
        }
      }
    },
  };
}

/** A figure from per-round values: headline = pooled when given (latency), else the median of the rounds. */
export function roundsFigure(name: string, s: Stat, unit: Figure['unit'], target?: TargetId, pooled?: number): Figure {
  const value = pooled !== undefined && Number.isFinite(pooled) ? pooled : s.median;
  return { name, value, noise: s.noise, unit, rounds: [...s.samples], ...(pooled !== undefined && Number.isFinite(pooled) ? { pooled } : {}), ...(target ? { target } : {}) };
}

export function standardFigures(label: string, m: Comparison | LoadResult, t: { rps?: TargetId; p50?: TargetId; p99?: TargetId; ratio?: TargetId } = {}): Figure[] {
  const lat = (name: string, r: LoadResult, which: 'p50' | 'p99', target?: TargetId) => roundsFigure(name, r[which], 'ms', target, which === 'p50' ? r.pooledP50 : r.pooledP99);
  if ('ratio' in m) {
    return [
      roundsFigure(`${label} req/s`, m.product.rps, 'req/s', t.rps),
      lat(`${label} p50`, m.product, 'p50', t.p50),
      lat(`${label} p99`, m.product, 'p99', t.p99),
      roundsFigure('baseline req/s', m.baseline.rps, 'req/s'),
      lat('baseline p99', m.baseline, 'p99'),
      roundsFigure('ratio to baseline', m.ratio, 'ratio', t.ratio),
    ];
  }
  return [roundsFigure(`${label} req/s`, m.rps, 'req/s', t.rps), lat(`${label} p50`, m, 'p50', t.p50), lat(`${label} p99`, m, 'p99', t.p99)];
}

