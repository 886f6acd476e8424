/**
 * The sales pipeline's bench rows (issue 15): opportunities and their opportunity_history, as SeedTables (so the
 * harness fingerprints them and tops an existing data set up with them without reseeding customers).
 *
 * Each opportunity j is one deal's life from core/factories/opportunities.ts `opportunityJourney`, drawn from its
 * own seeded stream, so the opportunity row and its history rows are built independently and still agree: the
 * history chains are the journey's events (each row's from = the previous row's to for its field; stage rows carry
 * from_rank/to_rank and the seconds spent in the stage left; the creation row is from NULL, rank 0), the opportunity
 * is the state the events leave (stage, status, amount, close date, period_date = close day once closed,
 * stage_entered_at, closed_at, version = one per operation). Deals belong to customers owned by a rep (owner and
 * team are the customer's), 88% in the default pipeline and 12% renewals, created over the 21 months before the
 * seed's `now` (more lately: age = span × u^1.3); stages thin out like a funnel (each open stage loses a share of its
 * deals; 40% of the dead ones are never marked lost and stay open, stale). At full scale that gives ~17% won among
 * closed new business and ~70% among renewals, ~40% of deals open (half of them stale), close days from 21 months
 * back to 4 months ahead. History rows average exactly 4 per opportunity: after each deal's own rows (the creation
 * alone writes 2–3), extra amount and close-date revisions are handed out so the running total tracks 4 per deal.
 */
import crypto from 'node:crypto';
import { companyName, rng } from '../../core/factories';
import { DEFAULT_PIPELINE_STAGES, RENEWAL_PIPELINE_STAGES, dayAt, opportunityJourney, opportunityName, stageViews, type Journey } from '../../core/factories/opportunities';
import type { SeedContext, SeedTable } from '../types';
import { passedMask } from '../../core/opportunities/rules';

/** Pipeline ids as the migration creates them on a fresh database (the scenario checks them before measuring). */
export const BENCH_PIPELINES = [
  { id: 1, key: 'default', stages: DEFAULT_PIPELINE_STAGES },
  { id: 2, key: 'renewal', stages: RENEWAL_PIPELINE_STAGES },
] as const;

export const OPPORTUNITY_ROWS = { smoke: 300, small: 20_000, full: 500_000 };
export const HISTORY_PER_OPPORTUNITY = 4;
export const HISTORY_ROWS = { smoke: 1_200, small: 80_000, full: 2_000_000 };
/** Deals are created over this many days before the seed's now. */
export const CREATED_SPAN_DAYS = 640;
const RENEWAL_SHARE = 0.12;
/** Bump when a row below (or the journey factory in core/factories/opportunities.ts) changes: part of both tables' fingerprint. */
const VERSION = 2; // 2: reach bits on stage rows (first reach of each rank), reached_mask on the deal

const ranks = BENCH_PIPELINES.map((p) => new Map(stageViews([...p.stages]).map((v) => [v.key, v] as const)));
const CHANNELS = ['chat', 'chat', 'chat', 'card', 'card', 'api'] as const;

function hash32(j: number, salt: number): number {
  let h = Math.imul(j ^ salt, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

interface Deal {
  customerIdx: number;
  ownerId: number;
  teamId: number | null;
  pipeline: 0 | 1;
  journey: Journey;
}

/** Customers owned by a rep are those with index i % 10 < 7 (bench/lib/seed.ts); the u-th of them. */
const ownedIndex = (u: number) => 10 * Math.floor(u / 7) + (u % 7);
const ownedCount = (n: number) => Math.floor(n / 10) * 7 + Math.min(n % 10, 7);

function deal(j: number, s: SeedContext, extras: number): Deal {
  const r = rng(hash32(j, 0x15a1e5));
  const customers = s.counts.customers ?? 1;
  const customerIdx = Math.min(customers - 1, ownedIndex(Math.floor(r() * ownedCount(customers))));
  const k = customerIdx % s.users.reps.length;
  const pipeline = r() < RENEWAL_SHARE ? 1 : 0;
  // More deals lately than long ago (a growing book): age = span × u^1.3.
  const created = new Date(s.now.getTime() - 3_600_000 - Math.floor(r() ** 1.3 * CREATED_SPAN_DAYS * 86_400_000));
  const journey = opportunityJourney(r, { stages: [...BENCH_PIPELINES[pipeline].stages], renewal: pipeline === 1, created, now: s.now, extras, extraRng: rng(hash32(j, 0x7e57a5)) });
  return { customerIdx, ownerId: s.users.reps[k], teamId: s.users.repTeams[k] ?? null, pipeline, journey };
}

interface Plan {
  /** offsets[j] = id − 1 of deal j's first history row; offsets[n] = history rows. */
  offsets: Int32Array;
  extras: Uint8Array;
}

const plans = new Map<string, Plan>();

/**
 * Per deal, how many extra revisions it gets so that history rows total exactly `history`: deal by deal, the extras
 * bring the running total to its share (4 per deal so far), never below the deal's own events; the last deals absorb
 * any remainder.
 */
function plan(s: SeedContext, n: number, history: number): Plan {
  const key = `${s.scale}:${s.now.toISOString()}:${s.counts.customers}:${n}:${history}`;
  const hit = plans.get(key);
  if (hit) return hit;
  const base = new Uint8Array(n);
  const extras = new Uint8Array(n);
  let cum = 0;
  for (let j = 0; j < n; j++) {
    base[j] = rowsOf(j, deal(j, s, 0)).length;
    const share = Math.floor((history * (j + 1)) / n);
    extras[j] = Math.max(0, Math.min(12, share - cum - base[j]));
    cum += base[j] + extras[j];
  }
  // Settle the remainder on the last deals (more when short, fewer extras when over).
  for (let j = n - 1; cum !== history && j >= 0; j--) {
    if (cum < history) {
      const add = Math.min(200 - extras[j], history - cum);
      extras[j] += add;
      cum += add;
    } else {
      const cut = Math.min(extras[j], cum - history);
      extras[j] -= cut;
      cum -= cut;
    }
  }
  if (process.env.PIPE_SEED_DEBUG) console.error(`base rows ${base.reduce((a, b) => a + b, 0)} extras ${extras.reduce((a, b) => a + b, 0)} over ${n}`);
  if (cum !== history) throw new Error(`pipeline seed: cannot spread ${history} history rows over ${n} opportunities (${cum})`);
  const offsets = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) offsets[j + 1] = offsets[j] + base[j] + extras[j];
  const p = { offsets, extras };
  plans.set(key, p);
  return p;
}

/** Deal j with its extras, the last one kept (rows are asked for in order). */
let last: { key: string; j: number; d: Deal } | null = null;
function dealOf(j: number, s: SeedContext): Deal {
  const p = plan(s, OPPORTUNITY_ROWS[s.scale], HISTORY_ROWS[s.scale]);
  const key = `${s.scale}:${s.now.toISOString()}`;
  if (last && last.key === key && last.j === j) return last.d;
  const d = deal(j, s, p.extras[j]);
  last = { key, j, d };
  return d;
}

function opportunityRow(i: number, s: SeedContext): Record<string, unknown> {
  const d = dealOf(i, s);
  const J = d.journey;
  const p = BENCH_PIPELINES[d.pipeline];
  const v = ranks[d.pipeline].get(J.stage)!;
  const lastAt = J.events[J.events.length - 1].at;
  return {
    id: i + 1,
    customer_id: d.customerIdx + 1,
    pipeline_id: p.id,
    name: opportunityName(companyName(d.customerIdx), J),
    owner_id: d.ownerId,
    team_id: d.teamId,
    stage: J.stage,
    stage_rank: v.rank,
    reached_mask: rowsOf(i, d).reduce((m, r) => m | Number(r.reach_mask ?? 0), 0),
    status: J.status,
    probability: v.probability,
    probability_override: false,
    currency: 'CNY',
    amount_cents: J.amountCents,
    expected_close_date: J.expectedCloseDate,
    period_date: J.closedAt ? dayAt(J.closedAt) : J.expectedCloseDate,
    source: J.source,
    lead_id: null,
    campaign: J.campaign,
    renewal_of_contract_id: null,
    competitors: J.competitors.length ? JSON.stringify(J.competitors) : null,
    loss_reason: J.lossReason,
    loss_note: J.lossNote,
    next_step: J.nextStep,
    stage_entered_at: J.stageEnteredAt,
    closed_at: J.closedAt,
    won_contract_id: null,
    created_by: d.ownerId,
    // One version per operation: the creation, then each change.
    version: J.events.length,
    created_at: J.created,
    updated_at: lastAt,
  };
}

/**
 * Deal j's history rows, in order (ids offsets[j] + 1 …), as core/opportunities/operations.ts writes them: the
 * creation writes its stage (from NULL, rank 0 → the stage's rank), its amount when known and its close date (each
 * from NULL); a stage move writes from → to with both ranks and the seconds spent in the stage left; an amount or
 * close-date change writes from → to (cents as decimal strings, days as YYYY-MM-DD).
 */
function historyRows(j: number, s: SeedContext): Record<string, unknown>[] {
  return rowsOf(j, dealOf(j, s));
}

function rowsOf(j: number, d: Deal): Record<string, unknown>[] {
  const J = d.journey;
  const rk = ranks[d.pipeline];
  const common = { opportunity_id: j + 1, pipeline_id: BENCH_PIPELINES[d.pipeline].id, owner_id: d.ownerId, team_id: d.teamId, actor_id: d.ownerId };
  const rows: Record<string, unknown>[] = [];
  let stage: string | null = null;
  let stageAt = J.created;
  let amount = J.initialAmountCents;
  let close = J.initialCloseDate;
  let reached = 0;
  const ch = rng(hash32(j, 0xc4a77e1));
  for (const e of J.events) {
    const base = { ...common, channel: CHANNELS[Math.floor(ch() * CHANNELS.length)], changed_at: e.at };
    if (e.kind === 'create') {
      reached = passedMask(0, rk.get(e.stage)!.rank);
      rows.push({ ...base, field: 'stage', from_value: null, to_value: e.stage, from_rank: 0, to_rank: rk.get(e.stage)!.rank, from_seconds: null, reach_mask: reached });
      if (J.initialAmountCents !== null) rows.push({ ...base, field: 'amount', from_value: null, to_value: String(J.initialAmountCents), from_rank: null, to_rank: null, from_seconds: null, reach_mask: null });
      rows.push({ ...base, field: 'close_date', from_value: null, to_value: J.initialCloseDate, from_rank: null, to_rank: null, from_seconds: null, reach_mask: null });
      stage = e.stage;
      stageAt = e.at;
    } else if (e.kind === 'stage') {
      const fromRank = stage === null ? 0 : rk.get(stage)!.rank;
      const reach = passedMask(fromRank, rk.get(e.stage)!.rank) & ~reached;
      reached |= reach;
      rows.push({ ...base, field: 'stage', from_value: stage, to_value: e.stage, from_rank: fromRank, to_rank: rk.get(e.stage)!.rank, from_seconds: stage === null ? null : Math.round((e.at.getTime() - stageAt.getTime()) / 1000), reach_mask: reach });
      stage = e.stage;
      stageAt = e.at;
    } else if (e.kind === 'amount') {
      rows.push({ ...base, field: 'amount', from_value: amount === null ? null : String(amount), to_value: String(e.to), from_rank: null, to_rank: null, from_seconds: null, reach_mask: null });
      amount = e.to;
    } else {
      rows.push({ ...base, field: 'close_date', from_value: close, to_value: e.to, from_rank: null, to_rank: null, from_seconds: null, reach_mask: null });
      close = e.to;
    }
  }
  return rows;
}

let lastHistory: { key: string; j: number; rows: Record<string, unknown>[] } | null = null;
function historyRow(i: number, s: SeedContext): Record<string, unknown> {
  const p = plan(s, OPPORTUNITY_ROWS[s.scale], HISTORY_ROWS[s.scale]);
  const key = `${s.scale}:${s.now.toISOString()}`;
  let j = lastHistory && lastHistory.key === key && i >= p.offsets[lastHistory.j] && i < p.offsets[lastHistory.j + 1] ? lastHistory.j : -1;
  if (j < 0 && lastHistory && lastHistory.key === key && i === p.offsets[lastHistory.j + 1]) j = lastHistory.j + 1;
  if (j < 0) {
    let lo = 0;
    let hi = p.offsets.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p.offsets[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    j = lo;
  }
  if (!lastHistory || lastHistory.key !== key || lastHistory.j !== j) lastHistory = { key, j, rows: historyRows(j, s) };
  return { id: i + 1, ...lastHistory.rows[i - p.offsets[j]] };
}

export const PIPELINE_SEED_TABLES: SeedTable[] = [
  { table: 'opportunities', rows: OPPORTUNITY_ROWS, version: VERSION, row: (i, _r, s) => opportunityRow(i, s) },
  { table: 'opportunity_history', rows: HISTORY_ROWS, version: VERSION, row: (i, _r, s) => historyRow(i, s) },
];

/** For the scenario's notes: a digest of what the plan is (changes when the data would). */
export const PIPELINE_SEED_DIGEST = crypto.createHash('sha256').update(JSON.stringify({ VERSION, OPPORTUNITY_ROWS, HISTORY_ROWS, CREATED_SPAN_DAYS, RENEWAL_SHARE })).digest('hex').slice(0, 8);
