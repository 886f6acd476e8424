import mysql from 'mysql2';
import type { Harness, Scenario } from '../types';
import { roundsFigure } from '../lib/harness';
import { zipfIds } from '../lib/stats';
import { BENCH_PIPELINES, PIPELINE_SEED_TABLES } from '../lib/pipeline-seed';
import { createApiKey, revokeApiKey } from '../../core/apikeys/operations';
import { funnelStatements, forecastStatements, pipelineForecast, pipelineFunnel, reportScope, type Statement } from '../../core/opportunities/forecast';
import { listPipelines } from '../../core/opportunities/pipelines';

/**
 * The sales pipeline's reports (issue 15) over the seeded 500,000 opportunities and 2,000,000 history rows (full):
 *
 * 1. GET /api/v1/pipeline/funnel and GET /api/v1/pipeline/forecast for one team and one quarter, through the real
 *    server (API key: the admin scope, any team), against a bare koa route running the same statements through raw
 *    mysql2 (core/opportunities/forecast.ts funnelStatements / forecastStatements: the exact SQL the operations run,
 *    built from the same resolved scope; the funnel's three statements concurrently on the pool, as the operation
 *    awaits them). One request stream, shared by the 50 connections: for each draw (team Zipf(s = 1) over the
 *    seeded teams, quarter uniform over the last three, the current and the next quarter of the seed's clock) the
 *    funnel then the forecast of that team and quarter; each request is one answer of the figures (req/s, p99).
 *    The throughput ratio: closed loop at 50 connections in alternating rounds (bench/lib/harness.ts compare), both
 *    sides saturated. The p99: open loop at 50 requests/s over at most 50 connections (OPEN_LOOP_RATE), every answer
 *    of every round pooled, latency from each request's scheduled send (no coordinated omission); the raw driver at
 *    the same rate beside it, and the saturated closed-loop p99 shown as information.
 * 2. The company-wide forecast for a year (every pipeline, no team: the seed's current year, ~half of all deals),
 *    one request at a time through the API, timed per request after warm-up: judged on the slowest round.
 */
const ZIPF_SEED = 15;
/**
 * The p99 target "at 50 connections", open loop: 50 clients each asking once a second (50 requests/s, at most 50
 * connections open; a request due while all are busy waits, charged from its due time). A fixed rate, not one derived
 * from the run's results.
 */
const OPEN_LOOP_RATE = 50;

/** Quarter label of a date, shifted by `k` quarters. */
function quarter(now: Date, k: number): string {
  const q0 = now.getUTCFullYear() * 4 + Math.floor(now.getUTCMonth() / 3) + k;
  return `${Math.floor(q0 / 4)}-Q${(q0 % 4) + 1}`;
}

/** A named-replacement statement as the raw driver runs it: `?` in order, the pipeline id list written in. */
export function positional(st: Statement): { sql: string; params: string[] } {
  const params: string[] = [];
  const sql = st.sql
    .replace(/:(\w+)/g, (_, name: string) => {
      const v = st.replacements[name];
      if (Array.isArray(v)) return v.map((x) => mysql.escape(x)).join(', ');
      params.push(name);
      return '?';
    });
  return { sql, params };
}

/** A replacement value as Sequelize writes it into the SQL (dates in the connection's +00:00, no ".000"), for the query string. */
export function paramValue(v: unknown): string {
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '').replace(/\.000$/, '');
  return String(v);
}

/** What the baseline child does with a query-string value (bench/lib/baseline-child.ts coerce). */
const coerce = (v: string): string | number => (/^-?\d+$/.test(v) ? Number(v) : v);

function query(st: Statement[]): string {
  const seen = new Map<string, string>();
  for (const s of st) for (const [k, v] of Object.entries(s.replacements)) if (!Array.isArray(v)) seen.set(k, paramValue(v));
  return [...seen].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

/**
 * MySQL: the SQL text the operations send (captured through Sequelize's logging, fast reads off, as view360 does) is
 * byte for byte the text the raw driver will send for the same scope — or the run stops saying how they differ.
 */
async function checkSameSql(h: Harness, input: { period: string; teamId: number }, expected: string[]): Promise<void> {
  if (h.dialect !== 'mysql') return;
  const seen: string[] = [];
  const s = h.db.sequelize as unknown as { options: { logging: unknown } };
  const before = s.options.logging;
  const fast = process.env.CRM_FAST_READS;
  s.options.logging = (line: string) => seen.push(line.replace(/^Executing \([^)]*\):\s*/, ''));
  process.env.CRM_FAST_READS = 'off';
  try {
    await pipelineFunnel(h.ctx, { kind: 'system' }, input);
    await pipelineForecast(h.ctx, { kind: 'system' }, input);
  } finally {
    s.options.logging = before;
    if (fast === undefined) delete process.env.CRM_FAST_READS;
    else process.env.CRM_FAST_READS = fast;
  }
  const sent = seen.filter((q) => /^SELECT\b/.test(q) && /FROM (opportunities|opportunity_history)\b/.test(q));
  const missing = expected.filter((q) => !sent.includes(q));
  if (missing.length || sent.length !== expected.length) throw new Error(`the baseline's SQL is not what the operations send:\nsent:\n${sent.join('\n')}\nbaseline:\n${expected.join('\n')}`);
}

async function checkPipelines(h: Harness): Promise<void> {
  const have = await listPipelines(h.ctx);
  for (const p of BENCH_PIPELINES) {
    const got = have.find((x) => x.id === p.id);
    const keys = (xs: readonly { key: string; probability: number }[]) => xs.map((s) => `${s.key}:${s.probability}`).join(',');
    if (!got || got.key !== p.key || keys(got.stages) !== keys(p.stages)) {
      throw new Error(`pipeline ${p.id} is not the seeded "${p.key}" with its default stages (found ${got ? `${got.key}: ${keys(got.stages)}` : 'none'}): the bench database needs the migration's pipelines`);
    }
  }
}

const scenario: Scenario = {
  name: 'pipeline',
  issue: 15,
  description:
    'GET /api/v1/pipeline/funnel + /forecast (one team, one quarter; teams Zipf, 5 quarters) against a bare koa route running the same SQL via raw mysql2; the company-wide forecast for a year, one request at a time',
  database: 'mysql',
  targets: ['pipeline.ratio', 'pipeline.p99', 'pipeline.year-forecast'],
  seed: PIPELINE_SEED_TABLES,
  async run(h) {
    const opportunities = h.seed.counts.opportunities ?? 0;
    if (!opportunities) return { figures: [], notes: ['no seeded opportunities (table missing?)'] };
    await checkPipelines(h);
    const teams = Math.max(1, h.seed.users.repTeams.reduce((a, b) => Math.max(a, b), 0));
    const quarters = [-3, -2, -1, 0, 1].map((k) => quarter(h.seed.now, k));
    const draws = h.smoke ? 40 : 4_000;
    const teamIds = zipfIds(teams, draws, ZIPF_SEED);
    const qr = (i: number) => quarters[(Math.imul(i + 1, 2654435761) >>> 0) % quarters.length];
    const admin = { kind: 'system' } as const;

    // The exact statements of each (team, quarter), from the same scope resolution the operations use.
    const funnelTpl = new Map<string, { sql: string; params: string[] }[]>();
    let forecastTpl: { sql: string; params: string[] }[] = [];
    const qs = new Map<string, { funnel: string; forecast: string }>();
    for (let i = 0; i < draws; i++) {
      const key = `${teamIds[i]}:${qr(i)}`;
      if (qs.has(key)) continue;
      const input = { period: qr(i), teamId: teamIds[i] };
      const f = await reportScope(h.ctx, admin, input, 'funnel');
      const fs = funnelStatements(f.scope, f.pipelines[0]);
      const c = await reportScope(h.ctx, admin, input, 'forecast');
      const cs = forecastStatements(c.scope);
      if (!funnelTpl.size) {
        funnelTpl.set('funnel', fs.map(positional));
        forecastTpl = cs.map(positional);
        const text = (st: Statement) => {
          const p = positional(st);
          return mysql.format(p.sql, p.params.map((n) => coerce(paramValue(st.replacements[n]))));
        };
        await checkSameSql(h, input, [...fs, ...cs].map(text));
      }
      qs.set(key, { funnel: query(fs), forecast: query(cs) });
    }

    const key = await createApiKey(h.ctx, admin, 'cli', { name: `bench-pipeline-${Date.now()}` });
    try {
      const server = await h.startServer();
      const baseline = await h.startBaseline({ sql: { funnel: funnelTpl.get('funnel')!, forecast: forecastTpl }, parallel: ['funnel'] });
      const auth = { Authorization: `Bearer ${key.key}` };
      const product = [];
      const raw = [];
      for (let i = 0; i < draws; i++) {
        const q = `period=${qr(i)}&teamId=${teamIds[i]}`;
        const p = qs.get(`${teamIds[i]}:${qr(i)}`)!;
        product.push({ path: `/api/v1/pipeline/funnel?${q}`, headers: auth }, { path: `/api/v1/pipeline/forecast?${q}`, headers: auth });
        raw.push({ path: `/sql/funnel?${p.funnel}` }, { path: `/sql/forecast?${p.forecast}` });
      }
      // Both sides answer: a wrong route or shape fails here, not as a figure.
      for (const r of [product[0], product[1]]) {
        const res = await fetch(server.url + r.path, { headers: r.headers });
        if (res.status !== 200) throw new Error(`${r.path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      }
      // Throughput: closed loop, both sides saturated at 50 connections, alternating rounds.
      const cmp = await h.compare({ url: server.url, requests: product }, { url: baseline.url, requests: raw });
      // Latency: open loop at a fixed rate over at most 50 connections, charged from each request's scheduled send.
      const rate = h.smoke ? 20 : OPEN_LOOP_RATE;
      const open = await h.load({ url: server.url, requests: product, rate });
      const openRaw = await h.load({ url: baseline.url, requests: raw, rate });

      // The company-wide forecast for a year: every pipeline, no team, one request at a time.
      const year = String(h.seed.now.getUTCFullYear());
      const yearPath = `${server.url}/api/v1/pipeline/forecast?period=${year}`;
      const timed = await h.time(async () => {
        const res = await fetch(yearPath, { headers: auth });
        const body = (await res.json()) as { totals?: unknown };
        if (res.status !== 200 || !body.totals) throw new Error(`year forecast answered ${res.status}`);
      }, { rounds: h.smoke ? 3 : 5 });
      const ys = await reportScope(h.ctx, admin, { period: year }, 'forecast');
      const yst = forecastStatements(ys.scope)[0];
      const rawYear = await h.time(() => h.db.select(yst.sql, yst.replacements), { rounds: h.smoke ? 3 : 5 });
      const [{ n: yearDeals }] = await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM opportunities WHERE period_date >= :from AND period_date <= :to`, { from: ys.scope.period.from, to: ys.scope.period.to });

      const conns = h.smoke ? 2 : 50;
      const distinct = new Set(teamIds.map((t, i) => `${t}:${qr(i)}`)).size;
      return {
        figures: [
          ...h.figures('funnel + forecast (closed loop, saturated)', cmp, { ratio: 'pipeline.ratio' }),
          ...h.figures(`funnel + forecast, open loop ${rate}/s`, open, { p99: 'pipeline.p99' }).filter((f) => !f.name.endsWith('req/s')),
          ...h.figures(`baseline, open loop ${rate}/s (information)`, openRaw).filter((f) => f.name.endsWith('p99')),
          roundsFigure(`company-wide forecast ${year} via the API (slowest round judged)`, timed, 'ms', 'pipeline.year-forecast'),
          roundsFigure(`  same statement via the bench's Sequelize (information)`, rawYear, 'ms'),
        ],
        notes: [
          `data: ${opportunities.toLocaleString('en-US')} opportunities, ${(h.seed.counts.opportunity_history ?? 0).toLocaleString('en-US')} history rows over ${teams} teams; the year ${year} holds ${Number(yearDeals).toLocaleString('en-US')} deals by period_date`,
          `requests: ${draws.toLocaleString('en-US')} draws (team Zipf(s = 1, seed ${ZIPF_SEED}) over ${teams} teams × quarter uniform over ${quarters.join(', ')}; ${distinct} distinct pairs), each the funnel then the forecast of that team and quarter; one stream shared by the ${conns} connections; every answer counts in req/s and p99`,
          `baseline: the funnel's ${funnelTpl.get('funnel')!.length} statements (concurrently on a pool of 10, as the operation awaits them) and the forecast's ${forecastTpl.length}, from core/opportunities/forecast.ts for the same resolved scope, via raw mysql2 behind a bare koa route`,
          `cache state: ${h.scale === 'full' && !h.smoke ? "the bench's MariaDB server starts cold for the run and is" : 'the server as it is,'} warmed by the scenario's own warm-up (rounds until two agree within 10%)`,
          `p99 target judged open loop: ${rate} requests/s${h.smoke ? '' : ' (50 clients once a second)'} over at most ${conns} connections, latency from each request's scheduled send; the closed-loop p99 above is the saturated queue (${conns} in flight ÷ throughput), information only`,
          `year forecast: GET /api/v1/pipeline/forecast?period=${year} (every pipeline, no team) one request at a time after warm-up; ${timed.samples.length} rounds`,
        ],
        details: { quarters, teams, distinct },
      };
    } finally {
      await revokeApiKey(h.ctx, admin, 'cli', key.id).catch(() => undefined);
    }
  },
};
export default scenario;
