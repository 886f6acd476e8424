import type { Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { toDate } from '../db/connection';
import { parseInput } from '../validation';
import { enqueueMessages } from '../notifications/outbox';
import { managerFor } from '../users/directory';
import { isLowScore } from './rules';
import type { SurveyAttrs, SurveyKind, SurveyStatus } from './model';
import { answerInput, surveyListInput, type AgentStats, type SurveyDto } from './schemas';

export type { AgentStats } from './schemas';

const DAY = 86_400_000;
const ticketNo = (id: number) => `T${String(id).padStart(6, '0')}`;

export const SCALES: Record<SurveyKind, { min: number; max: number }> = { csat: { min: 1, max: 5 }, nps: { min: 0, max: 10 } };
const QUESTIONS: Record<SurveyKind, { 'zh-CN': string; en: string }> = {
  csat: { 'zh-CN': '您对本次服务满意吗？', en: 'How satisfied are you with this service?' },
  nps: { 'zh-CN': '您有多大可能向朋友或同事推荐我们？', en: 'How likely are you to recommend us to a friend or colleague?' },
};

/** The ticket a CSAT survey asks about (core/tickets passes its row). */
export interface SurveyedTicket {
  id: number;
  customer_id: number;
  contact_id: number | null;
  assignee_id: number | null;
}

/** On resolution: one pending CSAT survey for the ticket's contact (earlier pending ones expire). */
export async function createCsatSurvey(ctx: CoreContext, t: Transaction, ticket: SurveyedTicket, days = 14): Promise<number> {
  const now = ctx.clock.now();
  await ctx.models.Survey.update({ status: 'expired', updated_at: now }, { where: { ticket_id: ticket.id, status: 'pending' }, transaction: t });
  const s = await ctx.models.Survey.create(
    {
      kind: 'csat',
      customer_id: ticket.customer_id,
      contact_id: ticket.contact_id,
      ticket_id: ticket.id,
      agent_id: ticket.assignee_id,
      status: 'pending',
      expires_at: new Date(now.getTime() + days * DAY),
      created_at: now,
      updated_at: now,
    },
    { transaction: t },
  );
  return s.get('id');
}

/**
 * Periodic relationship survey: one pending NPS survey for every contact signed in to the mini-program who
 * got none in the last `intervalDays`. One set-based INSERT … SELECT (the NOT EXISTS probe uses the
 * (contact_id, kind, created_at) index).
 */
export async function sendNpsSurveys(ctx: CoreContext, opts: { intervalDays?: number; days?: number } = {}, parent?: Transaction): Promise<number> {
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - (opts.intervalDays ?? 90) * DAY);
  return ctx.db.tx(async (t) => {
    const [, affected] = await ctx.db.sequelize.query(
      `INSERT INTO surveys (kind, customer_id, contact_id, status, expires_at, created_at, updated_at)
       SELECT 'nps', s.customer_id, s.contact_id, 'pending', :expires, :now, :now
         FROM (SELECT DISTINCT contact_id, customer_id FROM mp_sessions) s
        WHERE NOT EXISTS (SELECT 1 FROM surveys v WHERE v.contact_id = s.contact_id AND v.kind = 'nps' AND v.created_at >= :since)`,
      { replacements: { now, since, expires: new Date(now.getTime() + (opts.days ?? 14) * DAY) }, type: QueryTypes.INSERT, transaction: t },
    );
    return typeof affected === 'number' ? affected : 0;
  }, parent);
}

type SurveyRow = SurveyAttrs & { ticket_title: string | null };

function effectiveStatus(r: Pick<SurveyAttrs, 'status' | 'expires_at'>, now: Date): SurveyStatus {
  if (r.status === 'pending' && toDate(r.expires_at)!.getTime() < now.getTime()) return 'expired';
  return r.status;
}

function toDto(ctx: CoreContext, r: SurveyRow): SurveyDto {
  return {
    id: r.id,
    kind: r.kind,
    status: effectiveStatus(r, ctx.clock.now()),
    ticket: r.ticket_id ? { id: r.ticket_id, no: ticketNo(r.ticket_id), title: r.ticket_title ?? '' } : null,
    question: QUESTIONS[r.kind][ctx.locale],
    scale: SCALES[r.kind],
    answer: r.status === 'answered' && r.score !== null ? { score: Number(r.score), comment: r.comment, answeredAt: toDate(r.answered_at)!.toISOString() } : null,
    createdAt: toDate(r.created_at)!.toISOString(),
    expiresAt: toDate(r.expires_at)!.toISOString(),
  };
}

const SELECT = `SELECT s.*, t.title AS ticket_title FROM surveys s LEFT JOIN tickets t ON t.id = s.ticket_id`;

/** A customer's own surveys only; another customer's survey is NOT_FOUND. Staff see all. */
async function loadSurvey(ctx: CoreContext, actor: Actor, id: number, t?: Transaction | null): Promise<SurveyRow> {
  const [r] = await ctx.db.select<SurveyRow>(`${SELECT} WHERE s.id = :id`, { id }, t);
  if (!r) throw new AppError('NOT_FOUND', { field: 'surveyId' });
  if (actor.kind === 'customer' && r.customer_id !== actor.customerId) throw new AppError('NOT_FOUND', { field: 'surveyId' });
  if (actor.kind === 'api') throw new AppError('FORBIDDEN');
  return r;
}

export async function getSurvey(ctx: CoreContext, actor: Actor, surveyId: number): Promise<SurveyDto> {
  return toDto(ctx, await loadSurvey(ctx, actor, surveyId));
}

export async function listSurveys(ctx: CoreContext, actor: Actor, raw: { status?: 'pending' | 'all' }): Promise<{ items: SurveyDto[] }> {
  if (actor.kind !== 'customer') throw new AppError('FORBIDDEN');
  const input = parseInput(surveyListInput, raw);
  const rows = await ctx.db.select<SurveyRow>(
    `${SELECT} WHERE s.customer_id = :c ${input.status === 'pending' ? "AND s.status = 'pending' AND s.expires_at >= :now" : ''} ORDER BY s.id DESC LIMIT 50`,
    { c: actor.customerId, now: ctx.clock.now() },
  );
  return { items: rows.map((r) => toDto(ctx, r)) };
}

/**
 * Records the one answer. The conditional UPDATE (… WHERE status = 'pending') is the race guard: of two
 * concurrent submits exactly one changes a row; the other gets ALREADY_DONE. A low score alerts the manager.
 */
export async function answerSurvey(ctx: CoreContext, actor: Actor, raw: z.input<typeof answerInput>, parent?: Transaction): Promise<SurveyDto> {
  const input = parseInput(answerInput, raw);
  if (actor.kind !== 'customer') throw new AppError('FORBIDDEN');
  return ctx.db.tx(async (t) => {
    const s = await loadSurvey(ctx, actor, input.surveyId, t);
    const scale = SCALES[s.kind];
    if (input.score < scale.min || input.score > scale.max) {
      throw new AppError('VALIDATION', { field: 'score', detail: { 'zh-CN': `评分须在 ${scale.min}–${scale.max} 之间`, en: `Score must be ${scale.min}–${scale.max}` } });
    }
    if (s.status === 'answered') throw new AppError('ALREADY_DONE');
    const now = ctx.clock.now();
    if (effectiveStatus(s, now) === 'expired') throw new AppError('EXPIRED', { field: 'surveyId' });
    const [n] = await ctx.models.Survey.update(
      { status: 'answered', score: input.score, comment: input.comment ?? null, answered_at: now, contact_id: s.contact_id ?? actor.contactId, updated_at: now },
      { where: { id: s.id, status: 'pending' }, transaction: t },
    );
    if (!n) throw new AppError('ALREADY_DONE');
    if (isLowScore(s.kind, input.score)) {
      const managerId = await escalationManager(ctx, t, s);
      if (managerId) {
        const [c] = await ctx.db.select<{ customer_name: string; contact_name: string | null; agent_name: string | null }>(
          `SELECT (SELECT name FROM customers WHERE id = :cu) AS customer_name, (SELECT name FROM contacts WHERE id = :co) AS contact_name,
                  (SELECT name FROM users WHERE id = :a) AS agent_name`,
          { cu: s.customer_id, co: actor.contactId, a: s.agent_id ?? 0 },
          t,
        );
        await enqueueMessages(ctx, t, [
          {
            to: { userId: managerId },
            kind: 'survey.low_score',
            dedupeKey: `survey:${s.id}:low`,
            payload: {
              surveyId: s.id,
              kind: s.kind,
              score: input.score,
              max: scale.max,
              comment: input.comment ?? null,
              ticketId: s.ticket_id,
              ticketNo: s.ticket_id ? ticketNo(s.ticket_id) : null,
              ticketTitle: s.ticket_title,
              customerName: c?.customer_name ?? null,
              contactName: c?.contact_name ?? null,
              agentName: c?.agent_name ?? null,
            },
          },
        ]);
      }
    }
    return toDto(ctx, { ...s, status: 'answered', score: input.score, comment: input.comment ?? null, answered_at: now });
  }, parent);
}

async function escalationManager(ctx: CoreContext, t: Transaction, s: SurveyRow): Promise<number | null> {
  if (s.agent_id) return managerFor(ctx, t, s.agent_id);
  const [o] = await ctx.db.select<{ owner_id: number | null }>('SELECT owner_id FROM customers WHERE id = :id', { id: s.customer_id }, t);
  return managerFor(ctx, t, o?.owner_id ?? null);
}

/** Per-agent service figures since `since` (default: all time). */
export async function agentStats(ctx: CoreContext, actor: Actor, raw: { userId: number; since?: Date | null }): Promise<AgentStats> {
  if (actor.kind !== 'user' && actor.kind !== 'system') throw new AppError('FORBIDDEN');
  if (actor.kind === 'user' && actor.role === 'rep') throw new AppError('FORBIDDEN');
  const since = raw.since ?? new Date(0);
  const [open] = await ctx.db.select<{ n: number }>(
    "SELECT COUNT(*) AS n FROM tickets WHERE assignee_id = :u AND status IN ('new', 'assigned', 'in_progress', 'waiting_customer')",
    { u: raw.userId },
  );
  const [res] = await ctx.db.select<{ n: number; breaches: number }>(
    `SELECT COUNT(*) AS n, SUM(CASE WHEN res_stage = 'breached' OR frt_stage = 'breached' THEN 1 ELSE 0 END) AS breaches
       FROM tickets WHERE assignee_id = :u AND status IN ('resolved', 'closed') AND resolved_at >= :since`,
    { u: raw.userId, since },
  );
  const [cs] = await ctx.db.select<{ n: number; avg: number | null; low: number }>(
    `SELECT COUNT(*) AS n, AVG(score) AS avg, SUM(CASE WHEN score <= 2 THEN 1 ELSE 0 END) AS low
       FROM surveys WHERE agent_id = :u AND kind = 'csat' AND answered_at >= :since`,
    { u: raw.userId, since },
  );
  return {
    userId: raw.userId,
    openTickets: Number(open?.n ?? 0),
    resolvedTickets: Number(res?.n ?? 0),
    csat: { answered: Number(cs?.n ?? 0), average: cs?.avg === null || cs?.avg === undefined ? null : Math.round(Number(cs.avg) * 100) / 100, low: Number(cs?.low ?? 0) },
    breaches: Number(res?.breaches ?? 0),
  };
}

/** Latest answered scores of one customer (the 360° "satisfaction" section). */
export async function customerSatisfaction(ctx: CoreContext, customerId: number): Promise<{ csat: { average: number | null; count: number }; nps: { score: number; at: string } | null; latest: { kind: SurveyKind; score: number; comment: string | null; at: string }[] }> {
  const latest = await ctx.db.select<{ kind: SurveyKind; score: number; comment: string | null; answered_at: unknown }>(
    "SELECT kind, score, comment, answered_at FROM surveys WHERE customer_id = :c AND status = 'answered' ORDER BY id DESC LIMIT 5",
    { c: customerId },
  );
  const [avg] = await ctx.db.select<{ n: number; avg: number | null }>(
    "SELECT COUNT(*) AS n, AVG(score) AS avg FROM surveys WHERE customer_id = :c AND status = 'answered' AND kind = 'csat'",
    { c: customerId },
  );
  const nps = latest.find((l) => l.kind === 'nps');
  return {
    csat: { average: avg?.avg === null || avg?.avg === undefined ? null : Math.round(Number(avg.avg) * 100) / 100, count: Number(avg?.n ?? 0) },
    nps: nps ? { score: Number(nps.score), at: toDate(nps.answered_at)!.toISOString() } : null,
    latest: latest.map((l) => ({ kind: l.kind, score: Number(l.score), comment: l.comment, at: toDate(l.answered_at)!.toISOString() })),
  };
}
