import type { Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import type { CoreContext } from '../context';
import { enqueueMessages } from '../notifications/outbox';
import { OPEN_STATUSES, chooseAgent, PRIORITY_LABELS, TICKET_TYPE_LABELS, type AgentCandidate, type AssignmentStrategy } from './rules';
import type { TicketAttrs } from './model';
import { ticketNo } from './queries';
import { jsonStrings } from '../db/connection';

/**
 * Picks an agent for `ticket` and records the assignment, inside `t`.
 * Race safety: the single `service_queues` row is locked (FOR UPDATE on MySQL; SQLite's one writer does the
 * same), so concurrent assignments see each other's open counts and round-robin cursor: two tickets filed at
 * the same instant never both go to the "least busy" agent, and the rotation never skips or repeats.
 */
export async function pickAgent(ctx: CoreContext, t: Transaction, ticket: Pick<TicketAttrs, 'type'>, strategy: AssignmentStrategy): Promise<number | null> {
  const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
  const q = await ctx.db.select<{ last_user_id: number | null }>(`SELECT last_user_id FROM service_queues WHERE name = 'default'${lock}`, {}, t);
  const agents = await ctx.db.select<{ id: number; skills: unknown }>(
    "SELECT id, skills FROM users WHERE role = 'service' AND status = 'active'",
    {},
    t,
  );
  if (!agents.length) return null;
  const counts = await ctx.db.select<{ assignee_id: number; n: number }>(
    'SELECT assignee_id, COUNT(*) AS n FROM tickets WHERE assignee_id IN (:ids) AND status IN (:open) GROUP BY assignee_id',
    { ids: agents.map((a) => a.id), open: OPEN_STATUSES },
    t,
  );
  const byId = new Map(counts.map((c) => [Number(c.assignee_id), Number(c.n)]));
  const candidates: AgentCandidate[] = agents.map((a) => ({ id: Number(a.id), skills: jsonStrings(a.skills), openCount: byId.get(Number(a.id)) ?? 0 }));
  const chosen = chooseAgent(strategy, candidates, ticket.type, q[0]?.last_user_id ?? null);
  if (!chosen) return null;
  await ctx.db.sequelize.query("UPDATE service_queues SET last_user_id = :u, updated_at = :now WHERE name = 'default'", {
    replacements: { u: chosen.id, now: ctx.clock.now() },
    type: QueryTypes.UPDATE,
    transaction: t,
  });
  return chosen.id;
}


/** The ticket card payload the bot renders (bot/render/tickets.ts). Plain data only. */
export async function ticketCardPayload(ctx: CoreContext, t: Transaction | null, ticket: TicketAttrs): Promise<Record<string, unknown>> {
  const [p] = await ctx.db.select<{ customer_name: string | null; contact_name: string | null; agent_name: string | null }>(
    `SELECT (SELECT name FROM customers WHERE id = :cu) AS customer_name,
            (SELECT name FROM contacts WHERE id = :co) AS contact_name,
            (SELECT name FROM users WHERE id = :a) AS agent_name`,
    { cu: ticket.customer_id, co: ticket.contact_id ?? 0, a: ticket.assignee_id ?? 0 },
    t,
  );
  const locale = ctx.locale;
  return {
    ticketId: ticket.id,
    no: ticketNo(ticket.id),
    title: ticket.title,
    description: ticket.description.length > 300 ? `${ticket.description.slice(0, 300)}…` : ticket.description,
    type: ticket.type,
    typeLabel: TICKET_TYPE_LABELS[ticket.type][locale],
    priority: ticket.priority,
    priorityLabel: PRIORITY_LABELS[ticket.priority][locale],
    status: ticket.status,
    customerName: p?.customer_name ?? null,
    contactName: p?.contact_name ?? null,
    agentName: p?.agent_name ?? null,
    firstResponseDueAt: ticket.frt_due_at ? new Date(ticket.frt_due_at).toISOString() : null,
    resolutionDueAt: ticket.res_due_at ? new Date(ticket.res_due_at).toISOString() : null,
  };
}

/** Tells the agent in chat, in the same transaction as the assignment. */
export async function notifyAssigned(ctx: CoreContext, t: Transaction, ticket: TicketAttrs, eventId: number): Promise<void> {
  if (!ticket.assignee_id) return;
  await enqueueMessages(ctx, t, [
    { to: { userId: ticket.assignee_id }, kind: 'ticket.assigned', payload: await ticketCardPayload(ctx, t, ticket), dedupeKey: `ticket:${ticket.id}:assigned:${eventId}` },
  ]);
}
