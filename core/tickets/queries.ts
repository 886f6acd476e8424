import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { toDate } from '../db/connection';
import type { Locale } from '../errors';
import { parseInput } from '../validation';
import { audienceOf, loadTicket, type Audience } from './access';
import {
  OPEN_STATUSES,
  PRIORITY_LABELS,
  STATUS_LABELS,
  TICKET_TYPE_LABELS,
  canReopen,
  reopenDeadline,
  type TicketStatus,
} from './rules';
import { listTicketsInput, type AttachmentDto, type ListTicketsInput, type SurveyRefDto, type TicketDetailDto, type TicketPage, type TicketSummaryDto, type TimelineEntryDto } from './schemas';
import type { TicketAttrs } from './model';
import { withFastReads } from '../db/fast-read';

export type { AttachmentDto, ListTicketsInput, TicketDetailDto, TicketPage, TicketSummaryDto, TimelineEntryDto } from './schemas';

export const ticketNo = (id: number) => `T${String(id).padStart(6, '0')}`;

const iso = (v: unknown) => toDate(v)?.toISOString() ?? null;

export function summaryOf(r: Pick<TicketAttrs, 'id' | 'type' | 'priority' | 'status' | 'title' | 'created_at' | 'updated_at'>, locale: Locale): TicketSummaryDto {
  return {
    id: r.id,
    no: ticketNo(r.id),
    type: r.type,
    typeLabel: TICKET_TYPE_LABELS[r.type]?.[locale] ?? r.type,
    priority: r.priority,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status]?.[locale] ?? r.status,
    title: r.title,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

interface EventRow {
  id: number;
  kind: TimelineEntryDto['kind'];
  author_type: 'customer' | 'user' | 'system';
  author_id: number | null;
  body: string | null;
  from_status: TicketStatus | null;
  to_status: TicketStatus | null;
  internal: number | boolean;
  created_at: unknown;
  user_name: string | null;
  contact_name: string | null;
}

export function timelineEntry(e: EventRow, audience: Audience, locale: Locale): TimelineEntryDto {
  const author: TimelineEntryDto['author'] =
    e.author_type === 'customer'
      ? { type: 'customer', name: e.contact_name }
      : e.author_type === 'user'
        ? { type: 'agent', name: e.user_name }
        : { type: 'system', name: null };
  const out: TimelineEntryDto = { id: e.id, kind: e.kind, author, body: e.body, at: iso(e.created_at)! };
  if (e.kind === 'status') {
    out.from = e.from_status;
    out.to = e.to_status;
    out.fromLabel = e.from_status ? STATUS_LABELS[e.from_status][locale] : null;
    out.toLabel = e.to_status ? STATUS_LABELS[e.to_status][locale] : null;
  }
  if (audience === 'staff') out.internal = Boolean(Number(e.internal));
  return out;
}

/** The timeline as the audience may see it: customers never get internal notes or assignment entries. */
export async function loadTimeline(ctx: CoreContext, ticketId: number, audience: Audience, t?: Transaction | null): Promise<TimelineEntryDto[]> {
  const rows = await ctx.db.select<EventRow>(
    `SELECT e.id, e.kind, e.author_type, e.author_id, e.body, e.from_status, e.to_status, e.internal, e.created_at,
            u.name AS user_name, c.name AS contact_name
       FROM ticket_events e
       LEFT JOIN users u ON e.author_type = 'user' AND u.id = e.author_id
       LEFT JOIN contacts c ON e.author_type = 'customer' AND c.id = e.author_id
      WHERE e.ticket_id = :id ${audience === 'customer' ? 'AND e.internal = :f' : ''}
      ORDER BY e.id`,
    { id: ticketId, f: false },
    t,
  );
  return rows.map((r) => timelineEntry(r, audience, ctx.locale));
}

/** Full ticket view for the actor (customer: own tickets only, no internal notes, no SLA internals). */
export async function getTicket(ctx: CoreContext, actor: Actor, ticketId: number, t?: Transaction | null): Promise<TicketDetailDto> {
  // A hot read (the mini-program's ticket page): outside a transaction its statements skip Sequelize's per-query work.
  const read = t ? ctx : withFastReads(ctx);
  const ticket = await loadTicket(read, actor, ticketId, t);
  return detailOf(read, ticket, audienceOf(actor), t);
}

export async function detailOf(ctx: CoreContext, ticket: TicketAttrs, audience: Audience, t?: Transaction | null): Promise<TicketDetailDto> {
  const locale = ctx.locale;
  const [timeline, attachments, people, surveys] = await Promise.all([
    loadTimeline(ctx, ticket.id, audience, t),
    ctx.db.select<AttachmentDto>('SELECT id, name, mime, size FROM ticket_attachments WHERE ticket_id = :id ORDER BY id', { id: ticket.id }, t),
    ctx.db.select<{ agent_name: string | null; customer_name: string; contact_name: string | null }>(
      `SELECT (SELECT name FROM users WHERE id = :a) AS agent_name,
              (SELECT name FROM customers WHERE id = :cu) AS customer_name,
              (SELECT name FROM contacts WHERE id = :co) AS contact_name`,
      { a: ticket.assignee_id ?? 0, cu: ticket.customer_id, co: ticket.contact_id ?? 0 },
      t,
    ),
    ctx.db.select<{ id: number; kind: SurveyRefDto['kind']; status: SurveyRefDto['status']; score: number | null }>(
      'SELECT id, kind, status, score FROM surveys WHERE ticket_id = :id ORDER BY id DESC LIMIT 1',
      { id: ticket.id },
      t,
    ),
  ]);
  const resolvedAt = toDate(ticket.resolved_at);
  const until = reopenDeadline(resolvedAt);
  const p = people[0];
  const dto: TicketDetailDto = {
    ...summaryOf(ticket, locale),
    description: ticket.description,
    resolvedAt: iso(ticket.resolved_at),
    closedAt: iso(ticket.closed_at),
    canReopen: canReopen(ticket.status, resolvedAt, ctx.clock.now()) === 'ok',
    reopenUntil: until && (ticket.status === 'resolved' || ticket.status === 'closed') ? until.toISOString() : null,
    agent: ticket.assignee_id && p?.agent_name ? (audience === 'staff' ? { id: ticket.assignee_id, name: p.agent_name } : { name: p.agent_name }) : null,
    attachments: attachments.map((a) => ({ id: a.id, name: a.name, mime: a.mime, size: Number(a.size) })),
    timeline,
    survey: surveys[0] ? { id: surveys[0].id, kind: surveys[0].kind, status: surveys[0].status, ...(audience === 'staff' ? { score: surveys[0].score } : {}) } : null,
  };
  if (audience === 'staff') {
    dto.customer = { id: ticket.customer_id, name: p?.customer_name ?? '', tier: ticket.tier };
    dto.contact = ticket.contact_id ? { id: ticket.contact_id, name: p?.contact_name ?? '' } : null;
    dto.sla = {
      firstResponse: { stage: ticket.frt_stage, dueAt: iso(ticket.frt_due_at) },
      resolution: { stage: ticket.res_stage, dueAt: iso(ticket.res_due_at) },
      paused: ticket.sla_paused_at !== null,
    };
  }
  return dto;
}

/**
 * Keyset page, newest first. Customers are pinned to their own customer id whatever they pass.
 * The SQL is deliberately plain (one indexed query, only the listed columns): it is the hot path of the app.
 */
export async function listTickets(ctx: CoreContext, actor: Actor, raw: ListTicketsInput): Promise<TicketPage> {
  const input = parseInput(listTicketsInput, raw);
  const where: string[] = [];
  const rep: Record<string, unknown> = { limit: input.limit + 1 };
  if (actor.kind === 'customer') {
    where.push('customer_id = :customerId');
    rep.customerId = actor.customerId;
  } else {
    if (actor.kind === 'api') return { items: [], nextCursor: null };
    if (input.customerId) {
      where.push('customer_id = :customerId');
      rep.customerId = input.customerId;
    }
    if (input.assigneeId) {
      where.push('assignee_id = :assigneeId');
      rep.assigneeId = input.assigneeId;
    }
    if (actor.kind === 'user' && actor.role === 'rep') {
      where.push('customer_id IN (SELECT id FROM customers WHERE owner_id = :ownerId)');
      rep.ownerId = actor.userId;
    }
  }
  if (input.status !== 'all') {
    where.push(`status IN (:statuses)`);
    rep.statuses = input.status === 'open' ? OPEN_STATUSES : ['resolved', 'closed'];
  }
  if (input.cursor) {
    where.push('id < :cursor');
    rep.cursor = Number(input.cursor);
  }
  const rows = await ctx.db.select<TicketAttrs>(
    `SELECT id, type, priority, status, title, created_at, updated_at FROM tickets
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT :limit`,
    rep,
  );
  const more = rows.length > input.limit;
  const kept = more ? rows.slice(0, input.limit) : rows;
  return { items: kept.map((r) => summaryOf(r, ctx.locale)), nextCursor: more ? String(kept[kept.length - 1].id) : null };
}
