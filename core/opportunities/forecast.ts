import { z } from 'zod';
import { DateTime } from 'luxon';
import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError, invalid } from '../errors';
import { parseInput } from '../validation';
import { enqueueMessages, type OutboundMessage } from '../notifications/outbox';
import { dbId } from '../shared/fields';
import { addDays, businessDay, daysBetween, toDay } from '../shared/dates';
import { divRoundHalfUp } from '../shared/money';
import { toDate } from '../db/connection';
import { getPipeline, getPipelineSettings, listPipelines } from './pipelines';
import { opportunityScope } from './operations';
import { managedTeams } from '../customers/visibility';
import { isOpenStage, rankedStages } from './rules';
import type { ForecastDto, FunnelDto, PeriodDto, PipelineDto, Stage, StageCategory, StuckDigestPayload } from './schemas';

/**
 * Funnel and forecast: set-based SQL over covering indexes (migration 2026.12.07T21.00.00), one statement per
 * figure, whatever the number of deals. What "now" looks like comes from `opportunities` bucketed by period_date
 * (expected close date while open, close day once closed); what happened comes from `opportunity_history`.
 */

// ---------------------------------------------------------------------------------------------
// Periods

const PERIOD_WORDS: Record<string, { unit: 'month' | 'quarter' | 'year'; offset: number }> = {
  本月: { unit: 'month', offset: 0 }, 这个月: { unit: 'month', offset: 0 }, 当月: { unit: 'month', offset: 0 }, 'this-month': { unit: 'month', offset: 0 },
  下月: { unit: 'month', offset: 1 }, 下个月: { unit: 'month', offset: 1 }, 'next-month': { unit: 'month', offset: 1 },
  上月: { unit: 'month', offset: -1 }, 上个月: { unit: 'month', offset: -1 }, 'last-month': { unit: 'month', offset: -1 },
  本季度: { unit: 'quarter', offset: 0 }, 这个季度: { unit: 'quarter', offset: 0 }, 本季: { unit: 'quarter', offset: 0 }, 'this-quarter': { unit: 'quarter', offset: 0 },
  下季度: { unit: 'quarter', offset: 1 }, 下个季度: { unit: 'quarter', offset: 1 }, 'next-quarter': { unit: 'quarter', offset: 1 },
  上季度: { unit: 'quarter', offset: -1 }, 上个季度: { unit: 'quarter', offset: -1 }, 'last-quarter': { unit: 'quarter', offset: -1 },
  今年: { unit: 'year', offset: 0 }, 本年: { unit: 'year', offset: 0 }, 本年度: { unit: 'year', offset: 0 }, 'this-year': { unit: 'year', offset: 0 },
  明年: { unit: 'year', offset: 1 }, 'next-year': { unit: 'year', offset: 1 }, 去年: { unit: 'year', offset: -1 }, 'last-year': { unit: 'year', offset: -1 },
};

function unitPeriod(start: DateTime, unit: 'month' | 'quarter' | 'year'): PeriodDto {
  const s = start.startOf(unit);
  const e = s.endOf(unit);
  const label = unit === 'month' ? s.toFormat('yyyy-MM') : unit === 'quarter' ? `${s.year}-Q${s.quarter}` : String(s.year);
  return { label, from: s.toISODate()!, to: e.toISODate()! };
}

const badPeriod = (text: string) =>
  invalid('period', `无法识别的期间「${text}」，例如 2027-01、2027-Q1、2027、2027-01-01..2027-03-31、本月、本季度`, `Unrecognised period "${text}"; e.g. 2027-01, 2027-Q1, 2027, 2027-01-01..2027-03-31, this-month`);

/** A period as the API and chat name it → its first and last day (inclusive). `today` is the CRM business day. */
export function resolvePeriod(text: string, today: string): PeriodDto {
  const t = text.trim();
  const base = DateTime.fromISO(today, { zone: 'UTC' });
  const word = PERIOD_WORDS[t.toLowerCase()];
  if (word) return unitPeriod(base.plus({ [`${word.unit}s`]: word.offset }), word.unit);
  let m = /^(\d{4})-(\d{2})$/.exec(t);
  if (m) {
    const d = DateTime.fromObject({ year: +m[1], month: +m[2], day: 1 }, { zone: 'UTC' });
    if (!d.isValid || +m[1] < 1900 || +m[1] > 2199) throw badPeriod(t);
    return unitPeriod(d, 'month');
  }
  m = /^(\d{4})-?[Qq]([1-4])$/.exec(t);
  if (m) {
    if (+m[1] < 1900 || +m[1] > 2199) throw badPeriod(t);
    return unitPeriod(DateTime.fromObject({ year: +m[1], month: (+m[2] - 1) * 3 + 1, day: 1 }, { zone: 'UTC' }), 'quarter');
  }
  m = /^(\d{4})$/.exec(t);
  if (m) {
    if (+m[1] < 1900 || +m[1] > 2199) throw badPeriod(t);
    return unitPeriod(DateTime.fromObject({ year: +m[1], month: 1, day: 1 }, { zone: 'UTC' }), 'year');
  }
  m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(t);
  if (m) {
    const [from, to] = [m[1], m[2]];
    const ok = (d: string) => DateTime.fromISO(d, { zone: 'UTC' }).isValid && d >= '1900-01-01' && d <= '2199-12-31';
    if (!ok(from) || !ok(to)) throw badPeriod(t);
    if (to < from) throw invalid('period', '期间的结束日期早于开始日期', 'The period ends before it starts');
    if (daysBetween(from, to) > 3660) throw invalid('period', '期间不能超过十年', 'A period spans at most ten years');
    return { label: `${from}..${to}`, from, to };
  }
  throw badPeriod(t);
}

/** The UTC instants bounding a period's days in the CRM time zone: [from 00:00, day after `to` 00:00). */
function periodInstants(p: PeriodDto, zone: string): { fromTs: Date; toTs: Date } {
  return {
    fromTs: DateTime.fromISO(p.from, { zone }).startOf('day').toJSDate(),
    toTs: DateTime.fromISO(addDays(p.to, 1), { zone }).startOf('day').toJSDate(),
  };
}

// ---------------------------------------------------------------------------------------------
// Scope: who may see which numbers

export const pipelineReportInput = z
  .object({
    period: z.string().trim().min(1).max(40),
    pipelineId: dbId.optional(),
    teamId: dbId.optional(),
    ownerId: dbId.optional(),
    currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
  })
  .strict();
export type PipelineReportInput = z.input<typeof pipelineReportInput>;

/** The resolved scope of a report: pipelines, and a team or an owner (or neither: the whole company). */
export interface ReportScope {
  pipelineIds: number[];
  /** One team (a manager's own, or the one asked for). */
  teamId: number | null;
  /** Several teams: a manager of a department tree who asked for no team gets theirs and every one below. */
  teamIds?: number[];
  ownerId: number | null;
  currency: string;
  period: PeriodDto;
  fromTs: Date;
  toTs: Date;
}

/**
 * A rep sees their own numbers; a manager their team's (or one of its members'); admins, jobs and API keys anyone's
 * or the company's. Asking for a team or a person out of scope answers NOT_FOUND naming the field.
 */
async function resolveScope(ctx: CoreContext, actor: Actor, input: z.output<typeof pipelineReportInput>, pipelineIds: number[], t?: Transaction | null): Promise<ReportScope> {
  const period = resolvePeriod(input.period, businessDay(ctx.clock.now(), ctx.timezone));
  const { fromTs, toTs } = periodInstants(period, ctx.timezone);
  let teamId = input.teamId ?? null;
  let ownerId = input.ownerId ?? null;
  const userTeam = async (id: number) => (await ctx.db.select<{ team_id: number | null }>('SELECT team_id FROM users WHERE id = :id', { id }, t))[0];
  if (actor.kind === 'user' && actor.role !== 'admin') {
    if (actor.role === 'rep' || (actor.role === 'manager' && actor.teamId === null)) {
      if (teamId !== null) throw new AppError('NOT_FOUND', { field: 'teamId', detail: { 'zh-CN': '只能查看自己的数字', en: 'You can see your own numbers only' } });
      if (ownerId !== null && ownerId !== actor.userId) throw new AppError('NOT_FOUND', { field: 'ownerId' });
      ownerId = actor.userId;
    } else if (actor.role === 'manager') {
      const teams = managedTeams(actor);
      if (teamId !== null && !teams.includes(teamId)) throw new AppError('NOT_FOUND', { field: 'teamId', detail: { 'zh-CN': '只能查看本团队的数字', en: 'You can see your own team only' } });
      if (ownerId !== null) {
        const u = await userTeam(ownerId);
        if (!u || (ownerId !== actor.userId && !teams.includes(Number(u.team_id)))) throw new AppError('NOT_FOUND', { field: 'ownerId' });
        teamId = null;
      } else if (teamId === null && teams.length > 1) {
        return { pipelineIds, teamId: null, teamIds: [...teams], ownerId: null, currency: input.currency, period, fromTs, toTs };
      } else {
        teamId = teamId ?? actor.teamId;
      }
    } else {
      throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '没有权限查看销售数字', en: 'You may not see sales figures' } });
    }
  } else if (actor.kind === 'customer') {
    throw new AppError('FORBIDDEN');
  } else {
    if (ownerId !== null && !(await userTeam(ownerId))) throw new AppError('NOT_FOUND', { field: 'ownerId' });
    if (ownerId !== null) teamId = null;
  }
  return { pipelineIds, teamId, ownerId, currency: input.currency, period, fromTs, toTs };
}

// ---------------------------------------------------------------------------------------------
// The statements (exported: the bench runs exactly these against raw mysql2)

export interface Statement {
  sql: string;
  replacements: Record<string, unknown>;
}

function scopeWhere(s: ReportScope): { sql: string; replacements: Record<string, unknown> } {
  const parts = ['pipeline_id IN (:pipelines)'];
  const replacements: Record<string, unknown> = { pipelines: s.pipelineIds };
  if (s.teamId !== null) { parts.push('team_id = :team'); replacements.team = s.teamId; }
  else if (s.teamIds?.length) { parts.push('team_id IN (:teams)'); replacements.teams = s.teamIds; }
  if (s.ownerId !== null) { parts.push('owner_id = :owner'); replacements.owner = s.ownerId; }
  return { sql: parts.join(' AND '), replacements };
}

/** Deals by close month and stage in the period: count, amount, Σ amount × probability (percent). */
function byMonthStatement(s: ReportScope): Statement {
  const w = scopeWhere(s);
  return {
    sql: `SELECT pipeline_id, SUBSTR(period_date, 1, 7) AS month, stage, COUNT(*) AS n, SUM(amount_cents) AS amount, SUM(amount_cents * probability) AS weighted100
          FROM opportunities WHERE ${w.sql} AND period_date >= :from AND period_date <= :to AND currency = :currency
          GROUP BY pipeline_id, SUBSTR(period_date, 1, 7), stage`,
    replacements: { ...w.replacements, from: s.period.from, to: s.period.to, currency: s.currency },
  };
}

/**
 * The stage moves of the period, by the stage they left: how many left it and the seconds spent in it, and for each
 * rank 1..maxRank how many deals reached it for the first time (each deal counts once per rank, ever: the bits of
 * reach_mask, so the sum over every group is exact). One range scan of a covering index.
 */
function stageFlowStatement(s: ReportScope, maxRank: number): Statement {
  const w = scopeWhere(s);
  const bits = Array.from({ length: maxRank }, (_, i) => `SUM((reach_mask >> ${i}) & 1) AS r${i + 1}`).join(', ');
  return {
    sql: `SELECT from_value AS stage, COUNT(from_seconds) AS n, SUM(from_seconds) AS secs, ${bits} FROM opportunity_history
          WHERE ${w.sql} AND field = 'stage' AND changed_at >= :fromTs AND changed_at < :toTs GROUP BY from_value`,
    replacements: { ...w.replacements, fromTs: s.fromTs, toTs: s.toTs },
  };
}

export function funnelStatements(s: ReportScope, pipeline: PipelineDto): Statement[] {
  return [byMonthStatement(s), stageFlowStatement(s, rankedStages(pipeline.stages).length)];
}

export function forecastStatements(s: ReportScope): Statement[] {
  return [byMonthStatement(s)];
}

/** The scope a report input resolves to for the actor (the bench builds its raw statements from it). */
export async function reportScope(ctx: CoreContext, actor: Actor, raw: PipelineReportInput, kind: 'funnel' | 'forecast'): Promise<{ scope: ReportScope; pipelines: PipelineDto[] }> {
  const input = parseInput(pipelineReportInput, raw);
  const pipelines = kind === 'funnel' || input.pipelineId !== undefined ? [await getPipeline(ctx, input.pipelineId ?? null)] : await listPipelines(ctx);
  const scope = await resolveScope(ctx, actor, input, pipelines.map((p) => p.id));
  return { scope, pipelines };
}

// ---------------------------------------------------------------------------------------------
// Operations

interface MonthRow {
  pipeline_id: number;
  month: string;
  stage: string;
  n: number | string;
  amount: unknown;
  weighted100: unknown;
}

const big = (v: unknown): bigint => (v === null || v === undefined ? 0n : BigInt(String(v).split('.')[0]));
/** A sum of deals as a JSON-safe integer; beyond 2^53 cents (¥90 trillion) the report asks for a narrower scope. */
const cents = (v: bigint): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    throw new AppError('LIMIT_REACHED', { field: 'period', detail: { 'zh-CN': '合计金额超出可精确表示的范围，请缩小期间或范围', en: 'The totals exceed exact integer range; narrow the period or scope' } });
  }
  return n;
};
const weighted = (w100: bigint): number => cents(divRoundHalfUp(w100, 100n));
const scopeDto = (s: ReportScope, p: PipelineDto | null) => ({ pipelineId: p?.id ?? s.pipelineIds[0], pipelineKey: p?.key ?? 'all', teamId: s.teamId, ownerId: s.ownerId, currency: s.currency });

/**
 * The funnel of one pipeline for a team, a rep or the company over a period: deals per stage now (count, amount,
 * weighted), how many reached each stage during the period and the conversion to the next, average days in each
 * stage, and the win rate of deals closed in the period.
 */
export async function pipelineFunnel(ctx: CoreContext, actor: Actor, raw: PipelineReportInput): Promise<FunnelDto> {
  const { scope, pipelines } = await reportScope(ctx, actor, raw, 'funnel');
  const pipeline = pipelines[0];
  const [byMonth, flow] = funnelStatements(scope, pipeline);
  const [monthRows, flowRows] = await Promise.all([
    ctx.db.select<MonthRow>(byMonth.sql, byMonth.replacements),
    ctx.db.select<Record<string, unknown> & { stage: string | null; n: number | string; secs: unknown }>(flow.sql, flow.replacements),
  ]);
  const now = new Map<string, { n: number; amount: bigint; w100: bigint }>();
  for (const r of monthRows) {
    const a = now.get(r.stage) ?? { n: 0, amount: 0n, w100: 0n };
    a.n += Number(r.n);
    a.amount += big(r.amount);
    a.w100 += big(r.weighted100);
    now.set(r.stage, a);
  }
  const ranked = rankedStages(pipeline.stages);
  const reachedOf = (rank: number) => flowRows.reduce((a, r) => a + Number(r[`r${rank}`] ?? 0), 0);
  const time = new Map(flowRows.filter((r) => r.stage !== null).map((r) => [r.stage as string, { n: Number(r.n), secs: Number(big(r.secs)) }]));
  const stages = ranked.map((s, i) => {
    const a = now.get(s.key) ?? { n: 0, amount: 0n, w100: 0n };
    const r = reachedOf(i + 1);
    const next = i + 1 < ranked.length ? reachedOf(i + 2) : null;
    const tm = isOpenStage(s) ? time.get(s.key) : undefined;
    return {
      key: s.key, name: s.name, nameEn: s.nameEn, category: s.category, probability: s.probability,
      count: a.n, amountCents: cents(a.amount), weightedCents: weighted(a.w100),
      reached: r,
      conversionToNext: next === null || r === 0 ? null : Math.round((next / r) * 10_000) / 10_000,
      avgDaysInStage: tm && tm.n ? Math.round((tm.secs / tm.n / 86_400) * 10) / 10 : null,
    };
  });
  const lost = pipeline.stages.find((s) => s.category === 'lost')!;
  const wonN = now.get(ranked[ranked.length - 1].key)?.n ?? 0;
  const lostN = now.get(lost.key)?.n ?? 0;
  return {
    scope: scopeDto(scope, pipeline),
    period: scope.period,
    stages,
    winRate: { won: wonN, lost: lostN, rate: wonN + lostN ? Math.round((wonN / (wonN + lostN)) * 10_000) / 10_000 : null },
  };
}

/**
 * The forecast by expected close month: open pipeline, weighted (Σ amount × probability), commit (won + commit
 * stages) and best case (commit + best-case stages), and what was won. Without a pipelineId every pipeline counts
 * (stage categories are common to all pipelines).
 */
export async function pipelineForecast(ctx: CoreContext, actor: Actor, raw: PipelineReportInput): Promise<ForecastDto> {
  const { scope, pipelines } = await reportScope(ctx, actor, raw, 'forecast');
  const [byMonth] = forecastStatements(scope);
  const rows = await ctx.db.select<MonthRow>(byMonth.sql, byMonth.replacements);
  const categoryOf = new Map<string, StageCategory>();
  for (const p of pipelines) for (const s of p.stages) categoryOf.set(`${p.id}:${s.key}`, s.category);
  type Acc = { open: number; pipeline: bigint; w100: bigint; commit: bigint; best: bigint; won: bigint; wonN: number };
  const zero = (): Acc => ({ open: 0, pipeline: 0n, w100: 0n, commit: 0n, best: 0n, won: 0n, wonN: 0 });
  const months = new Map<string, Acc>();
  // Every month of the period is listed, empty ones too (a chart needs its zeros).
  for (let d = scope.period.from.slice(0, 7); d <= scope.period.to.slice(0, 7); d = DateTime.fromISO(`${d}-01`, { zone: 'UTC' }).plus({ months: 1 }).toFormat('yyyy-MM')) months.set(d, zero());
  for (const r of rows) {
    const a = months.get(r.month) ?? zero();
    months.set(r.month, a);
    const cat = categoryOf.get(`${Number(r.pipeline_id)}:${r.stage}`) ?? 'pipeline';
    const amount = big(r.amount);
    if (cat === 'won') {
      a.won += amount;
      a.wonN += Number(r.n);
      a.commit += amount;
      a.best += amount;
    } else if (cat !== 'lost') {
      a.open += Number(r.n);
      a.pipeline += amount;
      a.w100 += big(r.weighted100);
      if (cat === 'commit') { a.commit += amount; a.best += amount; }
      if (cat === 'best_case') a.best += amount;
    }
  }
  const out = (a: Acc) => ({ open: a.open, pipelineCents: cents(a.pipeline), weightedCents: weighted(a.w100), commitCents: cents(a.commit), bestCaseCents: cents(a.best), wonCents: cents(a.won), won: a.wonN });
  const total = zero();
  for (const a of months.values()) {
    total.open += a.open; total.pipeline += a.pipeline; total.w100 += a.w100; total.commit += a.commit; total.best += a.best; total.won += a.won; total.wonN += a.wonN;
  }
  return {
    scope: scopeDto(scope, pipelines.length === 1 ? pipelines[0] : null),
    period: scope.period,
    months: [...months.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, a]) => ({ month, ...out(a) })),
    totals: out(total),
  };
}

// ---------------------------------------------------------------------------------------------
// My pipeline: the open deals now, by stage (the chat card)

export const openPipelineInput = z.object({ pipelineId: dbId.optional(), limit: z.number().int().min(1).max(20).default(5) }).strict();

export interface OpenPipelineSummary {
  pipeline: PipelineDto;
  stages: { key: string; name: string; probability: number; count: number; amountCents: number; weightedCents: number }[];
  total: { count: number; amountCents: number; weightedCents: number };
  /** The largest open deals, biggest first. */
  top: { id: number; name: string; customerName: string; stage: string; stageName: string; amountCents: number | null; expectedCloseDate: string; version: number }[];
}

/** The actor's open deals (a rep's own, a manager's team's) by stage, with the largest few. */
export async function openPipelineSummary(ctx: CoreContext, actor: Actor, raw: z.input<typeof openPipelineInput> = {}, t?: Transaction | null): Promise<OpenPipelineSummary> {
  const input = parseInput(openPipelineInput, raw);
  const pipeline = await getPipeline(ctx, input.pipelineId ?? null, t);
  const scope = opportunityScope(actor);
  const rep = { ...scope.replacements, p: pipeline.id };
  const byStage = await ctx.db.select<{ stage: string; n: number | string; amount: unknown; weighted100: unknown }>(
    `SELECT o.stage, COUNT(*) AS n, SUM(o.amount_cents) AS amount, SUM(o.amount_cents * o.probability) AS weighted100 FROM opportunities o
     WHERE ${scope.sql} AND o.pipeline_id = :p AND o.status = 'open' GROUP BY o.stage`,
    rep,
    t,
  );
  const top = await ctx.db.select<{ id: number; name: string; customer_name: string; stage: string; amount_cents: unknown; expected_close_date: unknown; version: number }>(
    `SELECT o.id, o.name, cu.name AS customer_name, o.stage, o.amount_cents, o.expected_close_date, o.version FROM opportunities o JOIN customers cu ON cu.id = o.customer_id
     WHERE ${scope.sql} AND o.pipeline_id = :p AND o.status = 'open' ORDER BY o.amount_cents DESC, o.id DESC LIMIT ${input.limit}`,
    rep,
    t,
  );
  const m = new Map(byStage.map((r) => [r.stage, r]));
  const stages = pipeline.stages.filter(isOpenStage).map((s) => {
    const r = m.get(s.key);
    return { key: s.key, name: s.name, probability: s.probability, count: Number(r?.n ?? 0), amountCents: cents(big(r?.amount)), weightedCents: weighted(big(r?.weighted100)) };
  });
  const name = (k: string) => pipeline.stages.find((s) => s.key === k)?.name ?? k;
  return {
    pipeline,
    stages,
    total: { count: stages.reduce((a, s) => a + s.count, 0), amountCents: stages.reduce((a, s) => a + s.amountCents, 0), weightedCents: weighted(byStage.reduce((a, r) => a + big(r.weighted100), 0n)) },
    top: top.map((r) => ({ id: Number(r.id), name: r.name, customerName: r.customer_name, stage: r.stage, stageName: name(r.stage), amountCents: r.amount_cents === null ? null : Number(big(r.amount_cents)), expectedCloseDate: toDay(r.expected_close_date)!, version: Number(r.version) })),
  };
}

// ---------------------------------------------------------------------------------------------
// Stuck deals and their daily digest

export const stuckDealsInput = z.object({ days: z.number().int().min(1).max(365).optional(), limit: z.number().int().min(1).max(200).default(50) }).strict();

interface StuckRow {
  id: number;
  name: string;
  customer_name: string;
  owner_id: number;
  owner_name: string;
  team_id: number | null;
  pipeline_id: number;
  stage: string;
  stage_entered_at: unknown;
  currency: string;
  amount_cents: unknown;
}

async function stuckRows(ctx: CoreContext, days: number, extra: { sql: string; replacements: Record<string, unknown> }, limit: number): Promise<StuckRow[]> {
  const before = new Date(ctx.clock.now().getTime() - days * 86_400_000);
  return ctx.db.select<StuckRow>(
    `SELECT o.id, o.name, cu.name AS customer_name, o.owner_id, u.name AS owner_name, o.team_id, o.pipeline_id, o.stage, o.stage_entered_at, o.currency, o.amount_cents
     FROM opportunities o JOIN customers cu ON cu.id = o.customer_id JOIN users u ON u.id = o.owner_id
     WHERE o.status = 'open' AND o.stage_entered_at < :before AND ${extra.sql} ORDER BY o.stage_entered_at, o.id LIMIT ${limit}`,
    { ...extra.replacements, before },
  );
}

function stuckDeal(ctx: CoreContext, r: StuckRow, pipelines: Map<number, PipelineDto>) {
  const p = pipelines.get(Number(r.pipeline_id));
  const stage: Stage | undefined = p?.stages.find((s) => s.key === r.stage);
  return {
    id: Number(r.id), name: r.name, customerName: r.customer_name, ownerName: r.owner_name, stageName: stage?.name ?? r.stage,
    days: Math.floor((ctx.clock.now().getTime() - toDate(r.stage_entered_at)!.getTime()) / 86_400_000), currency: r.currency,
    amountCents: r.amount_cents === null ? null : Number(big(r.amount_cents)),
  };
}

/** Open deals in the actor's scope with no stage change for `days` (default: the setting, 14), longest-stuck first. */
export async function stuckDeals(ctx: CoreContext, actor: Actor, raw: z.input<typeof stuckDealsInput> = {}): Promise<StuckDigestPayload['deals']> {
  const input = parseInput(stuckDealsInput, raw);
  const days = input.days ?? (await getPipelineSettings(ctx)).stuckDays;
  const rows = await stuckRows(ctx, days, opportunityScope(actor), input.limit);
  const pipelines = new Map((await listPipelines(ctx)).map((p) => [p.id, p]));
  return rows.map((r) => stuckDeal(ctx, r, pipelines));
}

/** At most this many deals are listed in one digest (the total says how many there are). */
const DIGEST_LIST = 10;

/**
 * Daily: each owner of stuck deals gets their list; each team's managers get the team's. Exactly once per person and
 * day (outbox dedupe key), whichever processes run the job.
 */
export async function runStuckDigest(ctx: CoreContext): Promise<{ owners: number; managers: number }> {
  const settings = await getPipelineSettings(ctx);
  const day = businessDay(ctx.clock.now(), ctx.timezone);
  const rows = await stuckRows(ctx, settings.stuckDays, { sql: '1=1', replacements: {} }, 50_000);
  if (!rows.length) return { owners: 0, managers: 0 };
  const pipelines = new Map((await listPipelines(ctx)).map((p) => [p.id, p]));
  const byOwner = new Map<number, StuckRow[]>();
  const byTeam = new Map<number, StuckRow[]>();
  for (const r of rows) {
    byOwner.set(Number(r.owner_id), [...(byOwner.get(Number(r.owner_id)) ?? []), r]);
    if (r.team_id !== null) byTeam.set(Number(r.team_id), [...(byTeam.get(Number(r.team_id)) ?? []), r]);
  }
  const managers = byTeam.size
    ? await ctx.db.select<{ id: number; team_id: number }>("SELECT id, team_id FROM users WHERE role = 'manager' AND status = 'active' AND team_id IN (:teams)", { teams: [...byTeam.keys()] })
    : [];
  const digest = (audience: 'owner' | 'manager', list: StuckRow[]): StuckDigestPayload => ({
    day, stuckDays: settings.stuckDays, audience, total: list.length,
    totalCents: list.reduce((a, r) => a + (r.amount_cents === null ? 0 : Number(big(r.amount_cents))), 0),
    deals: list.slice(0, DIGEST_LIST).map((r) => stuckDeal(ctx, r, pipelines)),
  });
  const messages: OutboundMessage[] = [];
  for (const [owner, list] of byOwner) messages.push({ to: { userId: owner }, kind: 'opportunity.stuck_digest', payload: digest('owner', list), dedupeKey: `opportunity:stuck:${owner}:${day}` });
  for (const m of managers) {
    messages.push({ to: { userId: Number(m.id) }, kind: 'opportunity.stuck_digest', payload: digest('manager', byTeam.get(Number(m.team_id))!), dedupeKey: `opportunity:stuck:team:${m.id}:${day}` });
  }
  let sent = 0;
  for (let i = 0; i < messages.length; i += 200) sent += await ctx.db.tx((t) => enqueueMessages(ctx, t, messages.slice(i, i + 200)));
  return { owners: byOwner.size, managers: managers.length };
}
