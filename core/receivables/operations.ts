import { z } from 'zod';
import { day, dbId } from '../shared/fields';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError, invalid } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { enqueueMessages, type OutboundMessage } from '../notifications/outbox';
import { addDays, businessDay, daysBetween, isDay, toDay } from '../shared/dates';
import { formatCents, MAX_CENTS, toCents } from '../shared/money';
import { assertPlanSums, instalmentPlanInput, writeInstalments } from './plan';
import { underLease } from '../db/lease';
import { DEFAULT_GRACE_DAYS, DEFAULT_REMINDER_DAYS } from './rules';
import type { Forecast, ForecastMonth, PaymentOption, RecordPaymentResult } from './schemas';

export type { Forecast, ForecastMonth, PaymentOption, RecordPaymentResult } from './schemas';

export const RECEIVABLE_KINDS = {
  dueSoon: 'receivable.due_soon',
  overdue: 'receivable.overdue',
  escalation: 'receivable.overdue_escalation',
  digest: 'receivable.digest',
  recorded: 'receivable.payment_recorded',
} as const;

function userActor(actor: Actor): Extract<Actor, { kind: 'user' }> {
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN');
  return actor;
}

interface ContractRef {
  id: number;
  number: string;
  customer_id: number;
  owner_id: number;
  team_id: number | null;
  amount_cents: unknown;
  status: string;
}

async function contractRef(ctx: CoreContext, id: number, t: Transaction): Promise<ContractRef> {
  const c = (await ctx.db.select<ContractRef>('SELECT id, number, customer_id, owner_id, team_id, amount_cents, status FROM contracts WHERE id = :id', { id }, t))[0];
  if (!c) throw new AppError('NOT_FOUND', { field: 'contractId', detail: { 'zh-CN': '合同不存在', en: 'No such contract' } });
  return c;
}

/** Owner, the owner's team manager, or an admin handle a contract's money. */
function assertMayHandle(user: Extract<Actor, { kind: 'user' }>, c: ContractRef): void {
  if (user.role === 'admin' || c.owner_id === user.userId) return;
  if (user.role === 'manager' && user.teamId !== null && c.team_id === user.teamId) return;
  throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有合同负责人、其经理或管理员可以处理回款', en: 'Only the owner, their manager or an admin can handle this contract’s receivables' } });
}

// ---------------------------------------------------------------------------------------------
// Plan

const receivablePlanInput = z.object({ contractId: dbId, instalments: instalmentPlanInput });

/** Replaces a contract's receivable plan; the instalments must sum exactly to the amount, and nothing may be paid yet. */
export async function setReceivablePlan(ctx: CoreContext, actor: Actor, channel: Channel, raw: { contractId: number; instalments: { dueDate: string; amountCents: number }[] }): Promise<{ dueDate: string; amountCents: number }[]> {
  const input = parseInput(receivablePlanInput, raw);
  const user = userActor(actor);
  return ctx.db.tx(async (t) => {
    const c = await contractRef(ctx, input.contractId, t);
    assertMayHandle(user, c);
    if (['rejected', 'expired', 'terminated'].includes(c.status)) throw new AppError('INVALID_STATE', { field: 'contractId' });
    assertPlanSums(input.instalments, toCents(c.amount_cents));
    const paid = await ctx.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM receivable_payments WHERE contract_id = :id', { id: c.id }, t);
    if (Number(paid[0].n) > 0) throw new AppError('INVALID_STATE', { field: 'instalments', detail: { 'zh-CN': '已有回款记录，不能修改回款计划', en: 'Payments exist; the plan can no longer be replaced' } });
    await ctx.db.sequelize.query('DELETE FROM receivable_instalments WHERE contract_id = :id', { replacements: { id: c.id }, transaction: t, type: QueryTypes.DELETE });
    await writeInstalments(ctx, t, c, input.instalments, ['approved', 'active'].includes(c.status));
    await recordAudit(ctx, t, { actor, action: 'receivable.plan', entityType: 'contract', entityId: c.id, channel, data: { instalments: input.instalments.length } });
    return input.instalments;
  });
}

// ---------------------------------------------------------------------------------------------
// Payments

export const recordPaymentInput = z
  .object({
    contractId: dbId.optional(),
    customerId: dbId.optional(),
    instalmentId: dbId.optional(),
    amountCents: z.number().int().positive().max(MAX_CENTS),
    paidOn: day('paidOn').optional(),
    note: z.string().trim().max(500).optional().nullable(),
  })
  .refine((v) => v.contractId || v.customerId || v.instalmentId, { message: 'contractId, customerId or instalmentId is required', path: ['contractId'] });
export type RecordPaymentInput = z.input<typeof recordPaymentInput>;

interface OpenInstalment {
  id: number;
  seq: number;
  due_date: unknown;
  amount_cents: unknown;
  paid_cents: unknown;
}

/**
 * Records money received, against the oldest open instalment first (spilling over to the next ones of
 * the same contract). By customer with open instalments on several contracts: answers 'ambiguous' with
 * the options instead of guessing. Concurrent payments never overpay an instalment (conditional UPDATE).
 */
export async function recordPayment(ctx: CoreContext, actor: Actor, channel: Channel, raw: RecordPaymentInput, parent?: Transaction): Promise<RecordPaymentResult> {
  const input = parseInput(recordPaymentInput, raw);
  const user = userActor(actor);
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  const paidOn = input.paidOn ?? today;
  return ctx.db.tx(async (t) => {
    let contractId = input.contractId;
    if (input.instalmentId) {
      const i = (await ctx.db.select<{ contract_id: number }>('SELECT contract_id FROM receivable_instalments WHERE id = :id', { id: input.instalmentId }, t))[0];
      if (!i || (input.contractId && i.contract_id !== input.contractId)) throw new AppError('NOT_FOUND', { field: 'instalmentId' });
      contractId = i.contract_id;
    } else if (!contractId) {
      const open = await ctx.db.select<{ contract_id: number; number: string; outstanding: unknown; next_due: unknown }>(
        `SELECT i.contract_id, c.number, SUM(i.amount_cents - i.paid_cents) AS outstanding, MIN(i.due_date) AS next_due
         FROM receivable_instalments i JOIN contracts c ON c.id = i.contract_id
         WHERE i.customer_id = :c AND i.live = :live AND i.status <> 'paid'
         GROUP BY i.contract_id, c.number ORDER BY next_due, i.contract_id`,
        { c: input.customerId, live: true },
        t,
      );
      if (!open.length) throw new AppError('INVALID_STATE', { field: 'customerId', detail: { 'zh-CN': '该客户没有待回款的合同', en: 'This customer has nothing outstanding' } });
      if (open.length > 1) {
        return { status: 'ambiguous', options: open.map((o) => ({ contractId: o.contract_id, number: o.number, outstandingCents: toCents(o.outstanding), nextDueDate: toDay(o.next_due)! })) };
      }
      contractId = open[0].contract_id;
    }
    const c = await contractRef(ctx, contractId!, t);
    assertMayHandle(user, c);
    if (!['approved', 'active', 'expired'].includes(c.status)) {
      throw new AppError('INVALID_STATE', { field: 'contractId', detail: { 'zh-CN': '合同尚未生效，不能登记回款', en: 'The contract is not approved; payments cannot be recorded yet' } });
    }
    const open = await ctx.db.select<OpenInstalment>(
      `SELECT id, seq, due_date, amount_cents, paid_cents FROM receivable_instalments WHERE contract_id = :c AND status <> 'paid' ORDER BY due_date, seq`,
      { c: c.id },
      t,
    );
    const startAt = input.instalmentId ? open.findIndex((o) => o.id === input.instalmentId) : 0;
    if (startAt < 0) throw new AppError('ALREADY_DONE', { field: 'instalmentId', detail: { 'zh-CN': '该期已结清', en: 'This instalment is already paid' } });
    const candidates = open.slice(startAt);
    const outstanding = candidates.reduce((a, o) => a + toCents(o.amount_cents) - toCents(o.paid_cents), 0);
    if (input.amountCents > outstanding) {
      throw invalid('amountCents', `金额超过未收款 ${formatCents(outstanding)} 元`, `The amount exceeds the outstanding ${formatCents(outstanding)}`);
    }
    let left = input.amountCents;
    const allocations: Extract<RecordPaymentResult, { status: 'recorded' }>['allocations'] = [];
    const now = ctx.clock.now();
    for (const o of candidates) {
      if (left === 0) break;
      const amount = toCents(o.amount_cents);
      const x = Math.min(left, amount - toCents(o.paid_cents));
      if (x <= 0) continue;
      // status and paid_on first: MySQL evaluates SET left to right, SQLite sees old values; both see the old paid_cents here.
      const [, n] = await ctx.db.sequelize.query(
        `UPDATE receivable_instalments
         SET status = CASE WHEN paid_cents + :x >= amount_cents THEN 'paid' WHEN due_date < :today THEN 'overdue' ELSE 'partially_paid' END,
             paid_on = CASE WHEN paid_cents + :x >= amount_cents THEN :paidOn ELSE NULL END,
             updated_at = :now,
             paid_cents = paid_cents + :x
         WHERE id = :id AND paid_cents + :x <= amount_cents`,
        { replacements: { x, today, paidOn, now, id: o.id }, transaction: t, type: QueryTypes.UPDATE },
      );
      if (!Number(n)) throw new AppError('CONFLICT', { detail: { 'zh-CN': '回款刚被他人登记，请刷新后重试', en: 'A payment was just recorded by someone else; reload and retry' } });
      await ctx.models.Payment.create({ instalment_id: o.id, contract_id: c.id, customer_id: c.customer_id, amount_cents: x, paid_on: paidOn, recorded_by: user.userId, channel, note: input.note ?? null, created_at: now }, { transaction: t });
      const st = (await ctx.db.select<{ status: string }>('SELECT status FROM receivable_instalments WHERE id = :id', { id: o.id }, t))[0].status;
      allocations.push({ instalmentId: o.id, seq: o.seq, dueDate: toDay(o.due_date)!, amountCents: x, instalmentStatus: st });
      left -= x;
    }
    await recordAudit(ctx, t, { actor, action: 'receivable.payment', entityType: 'contract', entityId: c.id, channel, data: { amountCents: input.amountCents, paidOn, allocations: allocations.map((a) => [a.instalmentId, a.amountCents]) } });
    return { status: 'recorded', contractId: c.id, number: c.number, customerId: c.customer_id, allocations, contractOutstandingCents: sumOutstanding(open) - input.amountCents };
  }, parent);
}

function sumOutstanding(rows: OpenInstalment[]): number {
  return rows.reduce((a, o) => a + toCents(o.amount_cents) - toCents(o.paid_cents), 0);
}

// ---------------------------------------------------------------------------------------------
// Daily job: statuses and reminders

export interface ReceivablesDailyOptions {
  /** Remind the owner this many days before an instalment is due (default 3). */
  reminderDays?: number;
  /** Tell the owner's manager once an instalment is overdue by more than this many days (default 7). */
  graceDays?: number;
}

interface DueRow {
  id: number;
  contract_id: number;
  number: string;
  customer_id: number;
  customer_name: string;
  owner_id: number;
  owner_name: string;
  manager_id: number | null;
  due_date: unknown;
  amount_cents: unknown;
  paid_cents: unknown;
}

const DUE_SELECT = `SELECT i.id, i.contract_id, c.number, i.customer_id, cu.name AS customer_name, i.owner_id, u.name AS owner_name,
    COALESCE(u.manager_id, tm.manager_id) AS manager_id, i.due_date, i.amount_cents, i.paid_cents
  FROM receivable_instalments i
  JOIN contracts c ON c.id = i.contract_id
  JOIN customers cu ON cu.id = i.customer_id
  JOIN users u ON u.id = i.owner_id
  LEFT JOIN teams tm ON tm.id = u.team_id`;

/** Missed runs are caught up within this window; older items are not reminded again. */
const CATCH_UP_DAYS = 30;
const BATCH = 500;

/**
 * Set-based and idempotent: marks past-due instalments overdue in batches, then sends each reminder
 * exactly once (outbox dedupeKey per instalment, due date and kind), so re-running the same day is a no-op.
 */
export async function runReceivablesDaily(ctx: CoreContext, opts: ReceivablesDailyOptions = {}): Promise<{ markedOverdue: number; dueSoon: number; overdue: number; escalated: number }> {
  const reminderDays = opts.reminderDays ?? DEFAULT_REMINDER_DAYS;
  const grace = opts.graceDays ?? DEFAULT_GRACE_DAYS;
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  let markedOverdue = 0;
  for (;;) {
    const ids = (await ctx.db.select<{ id: number }>(
      `SELECT id FROM receivable_instalments WHERE live = :live AND status IN ('pending', 'partially_paid') AND due_date < :today ORDER BY id LIMIT ${BATCH}`,
      { live: true, today },
    )).map((r) => r.id);
    if (!ids.length) break;
    markedOverdue += await ctx.db.tx(async (t) => {
      const [, n] = await ctx.db.sequelize.query(`UPDATE receivable_instalments SET status = 'overdue', updated_at = :now WHERE id IN (:ids) AND status IN ('pending', 'partially_paid')`, {
        replacements: { ids, now: ctx.clock.now() },
        transaction: t,
        type: QueryTypes.UPDATE,
      });
      return Number(n);
    });
    if (ids.length < BATCH) break;
  }

  const payload = (r: DueRow) => {
    const due = toDay(r.due_date)!;
    return {
      instalmentId: r.id,
      contractId: r.contract_id,
      number: r.number,
      customerId: r.customer_id,
      customerName: r.customer_name,
      ownerId: r.owner_id,
      ownerName: r.owner_name,
      dueDate: due,
      outstandingCents: toCents(r.amount_cents) - toCents(r.paid_cents),
      daysOverdue: Math.max(0, daysBetween(due, today)),
      daysLeft: Math.max(0, daysBetween(today, due)),
    };
  };
  const sendAll = async (sql: string, repl: Record<string, unknown>, make: (r: DueRow) => OutboundMessage | null): Promise<number> => {
    let after = 0;
    let sent = 0;
    for (;;) {
      const rows = await ctx.db.select<DueRow>(`${sql} AND i.id > :after ORDER BY i.id LIMIT ${BATCH}`, { ...repl, after });
      if (!rows.length) break;
      after = rows[rows.length - 1].id;
      const msgs = rows.map(make).filter((m): m is OutboundMessage => m !== null);
      sent += await ctx.db.tx((t) => enqueueMessages(ctx, t, msgs));
      if (rows.length < BATCH) break;
    }
    return sent;
  };

  const dueSoon = await sendAll(
    `${DUE_SELECT} WHERE i.live = :live AND i.status IN ('pending', 'partially_paid') AND i.due_date >= :today AND i.due_date <= :until`,
    { live: true, today, until: addDays(today, reminderDays) },
    (r) => ({ to: { userId: r.owner_id }, kind: RECEIVABLE_KINDS.dueSoon, payload: payload(r), dedupeKey: `receivable:${r.id}:due:${toDay(r.due_date)}` }),
  );
  const overdue = await sendAll(
    `${DUE_SELECT} WHERE i.live = :live AND i.status = 'overdue' AND i.due_date < :today AND i.due_date >= :from`,
    { live: true, today, from: addDays(today, -CATCH_UP_DAYS) },
    (r) => ({ to: { userId: r.owner_id }, kind: RECEIVABLE_KINDS.overdue, payload: payload(r), dedupeKey: `receivable:${r.id}:overdue:${toDay(r.due_date)}` }),
  );
  const escalated = await sendAll(
    `${DUE_SELECT} WHERE i.live = :live AND i.status = 'overdue' AND i.due_date < :limit AND i.due_date >= :from`,
    { live: true, limit: addDays(today, -grace), from: addDays(today, -grace - CATCH_UP_DAYS) },
    (r) => (r.manager_id && r.manager_id !== r.owner_id ? { to: { userId: r.manager_id }, kind: RECEIVABLE_KINDS.escalation, payload: payload(r), dedupeKey: `receivable:${r.id}:escalate:${toDay(r.due_date)}` } : null),
  );
  return { markedOverdue, dueSoon, overdue, escalated };
}

// ---------------------------------------------------------------------------------------------
// Forecast and digest

type Scope = { ownerId: number } | { teamId: number } | 'all';

function scopeOf(actor: Actor): Scope {
  if (actor.kind === 'system') return 'all';
  const u = userActor(actor);
  if (u.role === 'admin') return 'all';
  if (u.role === 'manager' && u.teamId !== null) return { teamId: u.teamId };
  return { ownerId: u.userId };
}

function scopeSql(scope: Scope): { sql: string; repl: Record<string, unknown> } {
  if (scope === 'all') return { sql: '', repl: {} };
  if ('ownerId' in scope) return { sql: ' AND i.owner_id = :ownerId', repl: { ownerId: scope.ownerId } };
  return { sql: ' AND i.owner_id IN (SELECT id FROM users WHERE team_id = :teamId)', repl: { teamId: scope.teamId } };
}

async function forecastFor(ctx: CoreContext, scope: Scope, months: number): Promise<Forecast> {
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  const first = `${today.slice(0, 7)}-01`;
  const [y, m] = today.split('-').map(Number);
  const endTotal = y * 12 + (m - 1) + months;
  const end = `${Math.floor(endTotal / 12)}-${String((endTotal % 12) + 1).padStart(2, '0')}-01`;
  const s = scopeSql(scope);
  const rows = await ctx.db.select<{ month: string; due: unknown; outstanding: unknown }>(
    `SELECT SUBSTR(i.due_date, 1, 7) AS month, SUM(i.amount_cents) AS due, SUM(i.amount_cents - i.paid_cents) AS outstanding
     FROM receivable_instalments i WHERE i.live = :live AND i.due_date >= :first AND i.due_date < :end${s.sql}
     GROUP BY SUBSTR(i.due_date, 1, 7) ORDER BY month`,
    { live: true, first, end, ...s.repl },
  );
  const overdue = await ctx.db.select<{ v: unknown }>(
    `SELECT SUM(i.amount_cents - i.paid_cents) AS v FROM receivable_instalments i WHERE i.live = :live AND i.status = 'overdue'${s.sql}`,
    { live: true, ...s.repl },
  );
  const byMonth = new Map(rows.map((r) => [String(r.month), r]));
  const out: ForecastMonth[] = [];
  for (let k = 0; k < months; k++) {
    const total = y * 12 + (m - 1) + k;
    const key = `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
    const r = byMonth.get(key);
    out.push({ month: key, dueCents: toCents(r?.due ?? 0), outstandingCents: toCents(r?.outstanding ?? 0) });
  }
  return { overdueCents: toCents(overdue[0]?.v ?? 0), months: out };
}

const forecastInput = z.object({ months: z.number().int().min(1).max(24).default(6) });

/** Expected cash-in by month (CRM time zone) from open instalments, within the actor's scope. */
export async function cashInForecast(ctx: CoreContext, actor: Actor, raw: { months?: number } = {}): Promise<Forecast> {
  const { months } = parseInput(forecastInput, raw);
  return forecastFor(ctx, scopeOf(actor), months);
}

/** Weekly, per team manager (or the team's digest chat): due this week, overdue by owner, forecast. Once per manager and week. */
export async function runWeeklyDigest(ctx: CoreContext): Promise<number> {
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay() || 7;
  const monday = addDays(today, 1 - weekday);
  const sunday = addDays(monday, 6);
  // A team whose group chat was made its digest channel (core/org/teams.ts) gets the digest there, else its manager.
  const teams = await ctx.db.select<{ id: number; manager_id: number; digest_chat_id: string | null }>('SELECT id, manager_id, digest_chat_id FROM teams WHERE manager_id IS NOT NULL ORDER BY id');
  const msgs: OutboundMessage[] = [];
  for (const team of teams) {
    const s = scopeSql({ teamId: team.id });
    const due = await ctx.db.select<DueRow>(`${DUE_SELECT} WHERE i.live = :live AND i.status <> 'paid' AND i.due_date >= :monday AND i.due_date <= :sunday${s.sql} ORDER BY i.due_date, i.id`, { live: true, monday, sunday, ...s.repl });
    const overdue = await ctx.db.select<{ owner_id: number; name: string; n: number; v: unknown }>(
      `SELECT i.owner_id, u.name, COUNT(*) AS n, SUM(i.amount_cents - i.paid_cents) AS v FROM receivable_instalments i JOIN users u ON u.id = i.owner_id
       WHERE i.live = :live AND i.status = 'overdue'${s.sql} GROUP BY i.owner_id, u.name ORDER BY v DESC`,
      { live: true, ...s.repl },
    );
    const forecast = await forecastFor(ctx, { teamId: team.id }, 3);
    if (!due.length && !overdue.length && forecast.months.every((f) => f.outstandingCents === 0)) continue;
    msgs.push({
      to: team.digest_chat_id ? { chatId: team.digest_chat_id } : { userId: team.manager_id },
      kind: RECEIVABLE_KINDS.digest,
      payload: {
        week: { from: monday, to: sunday },
        dueThisWeek: due.slice(0, 20).map((r) => ({ instalmentId: r.id, number: r.number, customerName: r.customer_name, ownerName: r.owner_name, dueDate: toDay(r.due_date), outstandingCents: toCents(r.amount_cents) - toCents(r.paid_cents) })),
        dueThisWeekCents: due.reduce((a, r) => a + toCents(r.amount_cents) - toCents(r.paid_cents), 0),
        overdueByOwner: overdue.map((o) => ({ ownerId: o.owner_id, ownerName: o.name, count: Number(o.n), outstandingCents: toCents(o.v) })),
        forecast,
      },
      dedupeKey: `receivable:digest:${team.manager_id}:${team.id}:${monday}`,
    });
  }
  if (!msgs.length) return 0;
  return ctx.db.tx((t) => enqueueMessages(ctx, t, msgs));
}

/** Open instalments of one customer (360° view). */
export async function customerInstalments(ctx: CoreContext, customerId: number, t?: Transaction) {
  const rows = await ctx.db.select<{ id: number; contract_id: number; number: string; seq: number; due_date: unknown; amount_cents: unknown; paid_cents: unknown; status: string }>(
    `SELECT i.id, i.contract_id, c.number, i.seq, i.due_date, i.amount_cents, i.paid_cents, i.status FROM receivable_instalments i JOIN contracts c ON c.id = i.contract_id
     WHERE i.customer_id = :c AND i.live = :live ORDER BY i.due_date DESC, i.id DESC LIMIT 20`,
    { c: customerId, live: true },
    t,
  );
  return rows.map((r) => ({ instalmentId: r.id, contractId: r.contract_id, number: r.number, seq: r.seq, dueDate: toDay(r.due_date)!, amountCents: toCents(r.amount_cents), paidCents: toCents(r.paid_cents), status: r.status }));
}

/** The receivables.digest job: the weekly digest under a lease (one sender across processes). */
export async function runReceivablesDigest(ctx: CoreContext) {
  return underLease(ctx, 'receivables.digest', 15 * 60_000, async () => ({ digests: await runWeeklyDigest(ctx) }));
}
