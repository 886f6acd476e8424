import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import client from 'prom-client';
import type { CoreContext } from '../core/context';
import { toDate } from '../core/db/connection';
import { outboxCounters } from '../bot/outbox/counters';
import type { Logger } from './logger';

/**
 * The process's Prometheus metrics (prom-client), served at GET /metrics (metricsRouter below).
 * - HTTP: requests and latency per route pattern as the router matched it (`/api/v1/customers/:id`, never the raw
 *   URL, so the label set stays bounded), method and status;
 * - jobs (server/jobs.ts): runs per job and outcome, durations;
 * - the outbox and the Lark inbox: gauges read on each scrape with one query each on their (status, next_attempt_at)
 *   indexes (covering: only those two columns are read); the outbox workers' outcomes and the Lark rate-limit answers
 *   (bot/outbox/counters.ts);
 * - the database pool (MySQL: Sequelize's pool; SQLite has one connection and no pool);
 * - the default process metrics (CPU, memory, event loop lag, GC, handles) without a prefix, as dashboards expect them.
 * One registry per core context, i.e. per process (tests build several in one jest worker: each has its own).
 */
export interface Metrics {
  readonly registry: client.Registry;
  /** Counts and times every HTTP request (mounted outermost, server/app.ts). */
  http(): Koa.Middleware;
  /** A finished job run (server/jobs.ts). */
  jobRun(job: string, seconds: number, ok: boolean): void;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The label of a request's route: the matched pattern, else one fixed value (an unbounded URL never becomes a label). */
export function routeLabel(ctx: Koa.Context): string {
  const matched = (ctx as unknown as { _matchedRoute?: string | RegExp })._matchedRoute;
  if (typeof matched === 'string' && matched) return matched;
  if (matched instanceof RegExp) return '(static)'; // the H5 app's catch-all (server/http/static.ts)
  return '(unmatched)';
}

interface SequelizePool {
  size: number;
  available: number;
  using: number;
  waiting: number;
  maxSize: number;
}

const byCore = new WeakMap<CoreContext, Metrics>();

/**
 * The metrics of the process that owns `core` (one per core context, like the bot's instance): the app's middleware
 * and `/metrics` (server/app.ts) and the scheduler (server/jobs.ts) share them.
 */
export function metricsFor(core: CoreContext, logger?: Logger): Metrics {
  let m = byCore.get(core);
  if (!m) {
    m = createMetrics(core, logger);
    byCore.set(core, m);
  }
  return m;
}

export function createMetrics(core: CoreContext, logger?: Logger): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const scrapeFailed = (what: string, err: unknown) => logger?.warn({ err, metric: what }, 'metrics: a gauge could not be read');

  const requests = new client.Counter({ name: 'crm_http_requests_total', help: 'HTTP requests by route pattern, method and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const latency = new client.Histogram({ name: 'crm_http_request_duration_seconds', help: 'HTTP request latency by route pattern and method', labelNames: ['method', 'route'], buckets: DURATION_BUCKETS, registers: [registry] });
  const jobRuns = new client.Counter({ name: 'crm_job_runs_total', help: 'Scheduled job runs by job and outcome (ok | failed)', labelNames: ['job', 'outcome'], registers: [registry] });
  const jobSeconds = new client.Histogram({ name: 'crm_job_duration_seconds', help: 'Scheduled job run durations', labelNames: ['job'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: [registry] });

  // Both outbox gauges come from one query per scrape (the registry collects metrics concurrently).
  let reading: Promise<OutboxState | null> | null = null;
  const outbox = () =>
    (reading ??= outboxState(core)
      .catch((err) => (scrapeFailed('crm_outbox_messages', err), null))
      .finally(() => setImmediate(() => (reading = null))));
  new client.Gauge({
    name: 'crm_outbox_messages',
    help: 'Outbox messages not yet delivered: due (pending, due now), scheduled (pending, due later), sending (leased by a worker)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const o = await outbox();
      if (!o) return;
      this.set({ state: 'due' }, o.due);
      this.set({ state: 'scheduled' }, o.scheduled);
      this.set({ state: 'sending' }, o.sending);
    },
  });
  new client.Gauge({
    name: 'crm_outbox_oldest_due_age_seconds',
    help: 'How long the oldest due outbox message has been waiting (0 when none)',
    registers: [registry],
    async collect() {
      const o = await outbox();
      if (o) this.set(o.oldestDueSeconds);
    },
  });
  new client.Gauge({
    name: 'crm_lark_inbox_pending',
    help: 'Lark events received and acknowledged but not processed yet (incl. ones waiting for a retry)',
    registers: [registry],
    async collect() {
      try {
        const rows = await core.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM lark_inbox WHERE status = 'pending'`);
        this.set(Number(rows[0]?.n ?? 0));
      } catch (err) {
        scrapeFailed('crm_lark_inbox_pending', err);
      }
    },
  });
  new client.Counter({
    name: 'crm_outbox_deliveries_total',
    help: 'Outbox delivery attempts of this process by outcome (sent | retried | failed | deferred)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const outcome of ['sent', 'retried', 'failed', 'deferred'] as const) this.inc({ outcome }, outboxCounters[outcome]);
    },
  });
  new client.Counter({
    name: 'crm_lark_rate_limited_total',
    help: 'Lark Open API answers that were rate limits (HTTP 429 / code 99991400) seen by this process',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(outboxCounters.rateLimited);
    },
  });
  new client.Gauge({
    name: 'crm_db_pool_connections',
    help: 'Database pool connections (MySQL): size (open), available (idle), using (borrowed), waiting (requests queued for one), max',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      if (core.db.dialect !== 'mysql') return; // SQLite: one connection (Sequelize keeps an unused pool object)
      const pool = (core.db.sequelize.connectionManager as unknown as { pool?: Partial<SequelizePool> }).pool;
      if (!pool || typeof pool.size !== 'number') return;
      for (const state of ['size', 'available', 'using', 'waiting', 'maxSize'] as const) this.set({ state: state === 'maxSize' ? 'max' : state }, Number(pool[state] ?? 0));
    },
  });

  return {
    registry,
    http: () => async (ctx, next) => {
      const end = latency.startTimer();
      let status: number | null = null;
      try {
        await next();
        status = ctx.status;
      } finally {
        // An error that escaped every handler (errorMiddleware answers them all) ends as a 500 in koa.
        const route = routeLabel(ctx);
        requests.inc({ method: ctx.method, route, status: String(status ?? 500) });
        end({ method: ctx.method, route });
      }
    },
    jobRun(job, seconds, ok) {
      jobRuns.inc({ job, outcome: ok ? 'ok' : 'failed' });
      jobSeconds.observe({ job }, seconds);
    },
  };
}

export interface OutboxState {
  due: number;
  scheduled: number;
  sending: number;
  oldestDueSeconds: number;
}

/** The outbox's undelivered rows in one statement on outbox_due_idx (status, next_attempt_at). */
export async function outboxState(core: CoreContext, now = core.clock.now()): Promise<OutboxState> {
  const rows = await core.db.select<{ status: string; due: number | null; n: number; oldest: unknown }>(
    `SELECT status, SUM(CASE WHEN next_attempt_at <= :now THEN 1 ELSE 0 END) AS due, COUNT(*) AS n, MIN(next_attempt_at) AS oldest
       FROM outbox WHERE status IN ('pending', 'sending') GROUP BY status`,
    { now },
  );
  const out = { due: 0, scheduled: 0, sending: 0, oldestDueSeconds: 0 };
  for (const r of rows) {
    if (r.status === 'sending') out.sending = Number(r.n);
    if (r.status !== 'pending') continue;
    out.due = Number(r.due ?? 0);
    out.scheduled = Number(r.n) - out.due;
    const oldest = toDate(r.oldest);
    if (oldest && oldest.getTime() <= now.getTime()) out.oldestDueSeconds = (now.getTime() - oldest.getTime()) / 1000;
  }
  return out;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/** A client on this machine talking to us directly (a reverse proxy on this machine forwards others: its headers say so). */
export function isLoopbackClient(ctx: Koa.Context): boolean {
  const direct = ctx.req.socket.remoteAddress ?? '';
  const forwarded = ctx.get('x-forwarded-for') || ctx.get('forwarded') || ctx.get('x-real-ip');
  return LOOPBACK.test(direct) && !forwarded;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * GET /metrics (Prometheus text format). With CRM_METRICS_TOKEN: only `Authorization: Bearer <token>` (401 without it,
 * from anywhere). Without one: loopback clients only (403 for any other, or for a request a proxy forwarded).
 */
export function metricsRouter(metrics: Metrics, token: string | undefined): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (token) {
      const m = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
      if (!m || !sameSecret(m[1].trim(), token)) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
        ctx.body = { error: { code: 'UNAUTHENTICATED', message: 'metrics: a bearer token (CRM_METRICS_TOKEN) is required' } };
        return;
      }
    } else if (!isLoopbackClient(ctx)) {
      ctx.status = 403;
      ctx.body = { error: { code: 'FORBIDDEN', message: 'metrics: only loopback clients, unless CRM_METRICS_TOKEN is set (then with Authorization: Bearer)' } };
      return;
    }
    ctx.set('Content-Type', metrics.registry.contentType);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
