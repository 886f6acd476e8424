import type { View360Section } from '../registry';
import { toDate } from '../db/connection';
import { OPEN_STATUSES, STATUS_LABELS, TICKET_TYPE_LABELS, type TicketStatus, type TicketType } from './rules';
import { ticketNo } from './queries';
import type { SurveyKind } from '../surveys/schemas';

/**
 * The 360° view's 'tickets' (open tickets, SLA due) and 'satisfaction' (latest scores): one indexed query each
 * ((customer_id, status, id) on tickets; (customer_id, status, id) on surveys). Registered in core/tickets/index.ts.
 */
export const ticketsSection: View360Section = async (ctx, customerId) => {
  const rows = await ctx.db.select<{ id: number; type: TicketType; priority: string; status: TicketStatus; title: string; res_due_at: unknown; res_stage: string; created_at: unknown; agent_name: string | null }>(
    `SELECT t.id, t.type, t.priority, t.status, t.title, t.res_due_at, t.res_stage, t.created_at, u.name AS agent_name
       FROM tickets t LEFT JOIN users u ON u.id = t.assignee_id
      WHERE t.customer_id = :c AND t.status IN (:open) ORDER BY t.id DESC LIMIT 10`,
    { c: customerId, open: OPEN_STATUSES },
  );
  return rows.map((r) => ({
    id: Number(r.id),
    no: ticketNo(Number(r.id)),
    type: r.type,
    typeLabel: TICKET_TYPE_LABELS[r.type]?.[ctx.locale] ?? r.type,
    priority: r.priority,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status]?.[ctx.locale] ?? r.status,
    title: r.title,
    agentName: r.agent_name,
    resolutionDueAt: toDate(r.res_due_at)?.toISOString() ?? null,
    breached: r.res_stage === 'breached',
    createdAt: toDate(r.created_at)?.toISOString() ?? null,
  }));
};

export const satisfactionSection: View360Section = async (ctx, customerId) => {
  const rows = await ctx.db.select<{ kind: SurveyKind; score: number; comment: string | null; answered_at: unknown; ticket_id: number | null }>(
    "SELECT kind, score, comment, answered_at, ticket_id FROM surveys WHERE customer_id = :c AND status = 'answered' ORDER BY id DESC LIMIT 10",
    { c: customerId },
  );
  const csat = rows.filter((r) => r.kind === 'csat').map((r) => Number(r.score));
  const nps = rows.find((r) => r.kind === 'nps');
  return {
    csatAverage: csat.length ? Math.round((csat.reduce((a, b) => a + b, 0) / csat.length) * 100) / 100 : null,
    csatCount: csat.length,
    latestNps: nps ? Number(nps.score) : null,
    latest: rows.slice(0, 5).map((r) => ({ kind: r.kind, score: Number(r.score), comment: r.comment, ticketNo: r.ticket_id ? ticketNo(Number(r.ticket_id)) : null, at: toDate(r.answered_at)?.toISOString() ?? null })),
  };
};
