import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import request from 'supertest';
import { createContext } from '../../core/compose';
import { enqueueMessages } from '../../core/notifications/outbox';
import { createUser } from '../../core/users/operations';
import { botFor } from '../../bot/instance';
import { OutboxWorker } from '../../bot/outbox/worker';
import { createApp } from '../../server/app';
import { createMetrics, outboxState } from '../../server/metrics';
import { startJobs } from '../../server/jobs';
import { startServer } from '../../server/process';
import { composeProcess } from '../../server/compose';
import { freshDatabase } from '../helpers/db';
import { describeEachDb } from '../helpers/db';
import { memoryLogger, testConfig } from '../helpers/app';
import { FakeLark, messageEvent } from '../helpers/fake-lark';

jest.setTimeout(60_000);

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the text exposition format (0.0.4): every family has HELP and TYPE before its samples, every
 * sample line is `name{labels} value`, label values are quoted with escapes. Throws on anything else.
 */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const sampleRe = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?)|[Nn]a[Nn]|\+Inf|-Inf)$/; // NaN / Inf: case-insensitive, as Prometheus (Go's ParseFloat) reads them
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$/.exec(line))) helps.add(m[1]);
    else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) types.set(m[1], m[2]);
    else if ((m = sampleRe.exec(line))) {
      const family = [...types.keys()].find((f) => m![1] === f || m![1].startsWith(`${f}_`));
      if (!family || !helps.has(family)) throw new Error(`sample before its HELP/TYPE: ${line}`);
      const labels: Record<string, string> = {};
      if (m[2]) {
        labelRe.lastIndex = 0;
        let consumed = 0;
        for (let l = labelRe.exec(m[2]); l; l = labelRe.exec(m[2])) {
          labels[l[1]] = l[2];
          consumed = labelRe.lastIndex;
        }
        if (consumed !== m[2].length) throw new Error(`bad labels: ${line}`);
      }
      samples.push({ name: m[1], labels, value: /^nan$/i.test(m[3]) ? NaN : Number(m[3]) });
    } else throw new Error(`not Prometheus text format: ${line}`);
  }
  return { samples, types };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

/** A non-loopback IPv4 address of this machine (the tests listen on it to be a "remote" client). */
function externalAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  throw new Error('this machine has no non-loopback IPv4 interface: the remote-client test needs one');
}

function getFrom(host: string, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host, port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

const items = () => {
  const r = new Router({ prefix: '/test' });
  r.get('/items/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  return r;
};

describeEachDb('GET /metrics', (h) => {
  it('serves the Prometheus text format; HTTP counts per route pattern move, never per raw URL', async () => {
    const { logger } = memoryLogger();
    const app = await createApp({ core: h.ctx, config: testConfig(), logger }, { routers: [items] });
    const server = app.callback();
    const first = parseProm((await request(server).get('/metrics').expect(200).expect('Content-Type', /text\/plain; version=0\.0\.4/)).text);
    expect(value(first.samples, 'crm_http_requests_total', { route: '/test/items/:id' })).toBeUndefined();
    for (const id of ['1', '2', '3']) await request(server).get(`/test/items/${id}`).expect(200);
    await request(server).get('/no/such/route/42').expect(404);
    const res = await request(server).get('/metrics').expect(200);
    const { samples, types } = parseProm(res.text);
    expect(types.get('crm_http_requests_total')).toBe('counter');
    expect(types.get('crm_http_request_duration_seconds')).toBe('histogram');
    expect(value(samples, 'crm_http_requests_total', { method: 'GET', route: '/test/items/:id', status: '200' })).toBe(3);
    expect(value(samples, 'crm_http_requests_total', { method: 'GET', route: '(unmatched)', status: '404' })).toBe(1);
    expect(value(samples, 'crm_http_request_duration_seconds_count', { method: 'GET', route: '/test/items/:id' })).toBe(3);
    expect(value(samples, 'crm_http_request_duration_seconds_bucket', { route: '/test/items/:id', le: '+Inf' })).toBe(3);
    // Raw URLs never become labels.
    expect(samples.some((s) => Object.values(s.labels).some((v) => /items\/\d|route\/42/.test(v)))).toBe(false);
    // Default process metrics.
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    // The earlier scrape counts too, under its own route.
    expect(value(samples, 'crm_http_requests_total', { route: '/metrics', status: '200' })).toBe(1);
  });

  it('outbox depth and age, inbox pending: read on the scrape', async () => {
    const { logger } = memoryLogger();
    const app = await createApp({ core: h.ctx, config: testConfig(), logger }, {});
    const now = h.ctx.clock.now();
    await h.ctx.db.tx((t) =>
      enqueueMessages(h.ctx, t, [
        { to: { openId: 'ou_metrics_1' }, kind: 'text', payload: { text: 'a' }, notBefore: new Date(now.getTime() - 90_000) },
        { to: { openId: 'ou_metrics_1' }, kind: 'text', payload: { text: 'b' } },
        { to: { openId: 'ou_metrics_1' }, kind: 'text', payload: { text: 'later' }, notBefore: new Date(now.getTime() + 3_600_000) },
      ]),
    );
    await botFor(h.ctx, logger).record(messageEvent({ openId: 'ou_metrics_1', text: 'hi' }));
    const { samples } = parseProm((await request(app.callback()).get('/metrics').expect(200)).text);
    expect(value(samples, 'crm_outbox_messages', { state: 'due' })).toBe(2);
    expect(value(samples, 'crm_outbox_messages', { state: 'scheduled' })).toBe(1);
    expect(value(samples, 'crm_outbox_messages', { state: 'sending' })).toBe(0);
    expect(value(samples, 'crm_outbox_oldest_due_age_seconds')).toBe(90);
    expect(value(samples, 'crm_lark_inbox_pending')).toBe(1);
    if (h.dialect === 'mysql') {
      expect(value(samples, 'crm_db_pool_connections', { state: 'max' })).toBe(20);
      expect(value(samples, 'crm_db_pool_connections', { state: 'size' })).toBeGreaterThanOrEqual(1);
    } else {
      expect(value(samples, 'crm_db_pool_connections', { state: 'size' })).toBeUndefined(); // SQLite: no pool
    }
  });

  it('the scrape queries read only the (status, next_attempt_at) indexes', async () => {
    const now = h.ctx.clock.now();
    const outbox = `SELECT status, SUM(CASE WHEN next_attempt_at <= :now THEN 1 ELSE 0 END) AS due, COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM outbox WHERE status IN ('pending', 'sending') GROUP BY status`;
    const inbox = `SELECT COUNT(*) AS n FROM lark_inbox WHERE status = 'pending'`;
    if (h.dialect === 'sqlite') {
      const plan = async (sql: string) => JSON.stringify(await h.db.select(`EXPLAIN QUERY PLAN ${sql}`, { now }));
      expect(await plan(outbox)).toContain('USING COVERING INDEX outbox_due_idx');
      expect(await plan(inbox)).toContain('USING COVERING INDEX lark_inbox_due_idx');
    } else {
      const plan = async (sql: string) => (await h.db.select<{ key: string | null; Extra: string }>(`EXPLAIN ${sql}`, { now }))[0];
      expect(await plan(outbox)).toMatchObject({ key: 'outbox_due_idx', Extra: expect.stringContaining('Using index') });
      expect(await plan(inbox)).toMatchObject({ key: 'lark_inbox_due_idx', Extra: expect.stringContaining('Using index') });
    }
    // outboxState is that statement.
    expect(await outboxState(h.ctx)).toMatchObject({ due: 2, scheduled: 1, sending: 0 });
  });

  it('job runs and durations per job and outcome', async () => {
    const { logger } = memoryLogger();
    const metrics = createMetrics(h.ctx, logger);
    let ok = 0;
    let bad = 0;
    const jobs = startJobs(
      { core: h.ctx, logger, metrics },
      {
        jobs: [
          { name: 'test.ok', cron: '* * * * * *', run: async () => ({ n: ++ok }) },
          { name: 'test.bad', cron: '* * * * * *', run: async () => { bad++; throw new Error('nope'); } },
        ],
        workers: [],
      },
    );
    const deadline = Date.now() + 5_000;
    while ((ok < 1 || bad < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await jobs.stop();
    const { samples } = parseProm(await metrics.registry.metrics());
    expect(value(samples, 'crm_job_runs_total', { job: 'test.ok', outcome: 'ok' })).toBe(ok);
    expect(value(samples, 'crm_job_runs_total', { job: 'test.bad', outcome: 'failed' })).toBe(bad);
    expect(value(samples, 'crm_job_duration_seconds_count', { job: 'test.ok' })).toBe(ok);
    expect(ok).toBeGreaterThanOrEqual(1);
  });

  it("counts the Lark platform's rate-limit answers (429) and the outbox's outcomes", async () => {
    const fake = await FakeLark.start();
    const core = createContext(h.db); // the real clock: the worker's backoff runs in real time
    const { logger } = memoryLogger('error');
    try {
      await createUser(core, { kind: 'system' }, 'cli', { name: '指标', role: 'rep', larkOpenId: 'ou_metrics_1' });
      const metrics = createMetrics(core, logger);
      const before = parseProm(await metrics.registry.metrics()).samples;
      const limited0 = value(before, 'crm_lark_rate_limited_total') ?? 0;
      const sent0 = value(before, 'crm_outbox_deliveries_total', { outcome: 'sent' }) ?? 0;
      fake.failNext(2, '429');
      await new OutboxWorker({ core, logger, client: fake.client(), backoffMs: 10, maxBackoffMs: 50 }).drain(30_000);
      const after = parseProm(await metrics.registry.metrics()).samples;
      expect(fake.stats.rateLimited + fake.stats.injected).toBeGreaterThanOrEqual(2);
      expect((value(after, 'crm_lark_rate_limited_total') ?? 0) - limited0).toBe(2);
      expect((value(after, 'crm_outbox_deliveries_total', { outcome: 'sent' }) ?? 0) - sent0).toBe(fake.stats.sent);
      expect(value(after, 'crm_outbox_messages', { state: 'due' })).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('only loopback clients without a token (403 from elsewhere or through a proxy); with CRM_METRICS_TOKEN, only the bearer', async () => {
    const { logger } = memoryLogger();
    const host = externalAddress();
    const open = http.createServer((await createApp({ core: h.ctx, config: testConfig(), logger }, {})).callback());
    const token = 'metrics-token-0123456789abcdef';
    const locked = http.createServer((await createApp({ core: h.ctx, config: testConfig({ CRM_METRICS_TOKEN: token }), logger }, {})).callback());
    const listen = (s: http.Server) => new Promise<number>((r) => s.listen(0, '0.0.0.0', () => r((s.address() as AddressInfo).port)));
    const [openPort, lockedPort] = [await listen(open), await listen(locked)];
    try {
      expect((await getFrom('127.0.0.1', openPort, '/metrics')).status).toBe(200);
      const remote = await getFrom(host, openPort, '/metrics');
      expect(remote.status).toBe(403);
      expect(remote.body).not.toContain('crm_http_requests_total');
      expect((await getFrom('127.0.0.1', openPort, '/metrics', { 'X-Forwarded-For': '203.0.113.9' })).status).toBe(403);
      // With a token: the bearer from anywhere, nothing without it (loopback included).
      expect((await getFrom('127.0.0.1', lockedPort, '/metrics')).status).toBe(401);
      expect((await getFrom(host, lockedPort, '/metrics', { Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
      const ok = await getFrom(host, lockedPort, '/metrics', { Authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(parseProm(ok.body).types.get('crm_http_requests_total')).toBe('counter');
    } finally {
      await new Promise((r) => open.close(r));
      await new Promise((r) => locked.close(r));
    }
  });
});

describe('GET /metrics of a running server', () => {
  it("shows its scheduler's job runs (the app and the scheduler share the process's metrics)", async () => {
    const tdb = await freshDatabase('sqlite');
    let runs = 0;
    const compose = (deps: Parameters<typeof composeProcess>[0]) => {
      const c = composeProcess(deps);
      return { ...c, jobs: [{ name: 'test.tick', cron: '* * * * * *', run: async () => ({ n: ++runs }) }], workers: [] };
    };
    const running = await startServer(testConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', CRM_JOBS: 'on' }), memoryLogger().logger, { compose });
    try {
      const deadline = Date.now() + 5_000;
      while (runs < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const res = await getFrom('127.0.0.1', running.port, '/metrics');
      expect(res.status).toBe(200);
      expect(value(parseProm(res.body).samples, 'crm_job_runs_total', { job: 'test.tick', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    } finally {
      await running.close();
      await tdb.drop();
    }
  });
});
