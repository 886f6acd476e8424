import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { toDate } from '../db/connection';
import type { TicketAttrs } from './model';

export type Audience = 'customer' | 'staff';

/** Staff who work tickets: service agents, managers, admins. Reps read their own customers' tickets. */
export function audienceOf(actor: Actor): Audience {
  return actor.kind === 'customer' ? 'customer' : 'staff';
}

export function requireStaff(actor: Actor, write = true): void {
  if (actor.kind === 'system') return;
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN');
  if (write && actor.role === 'rep') throw new AppError('FORBIDDEN');
}

const DATE_COLS = ['frt_due_at', 'frt_warn_at', 'res_due_at', 'res_warn_at', 'sla_paused_at', 'sla_next_at', 'resolved_at', 'closed_at', 'first_responded_at', 'created_at', 'updated_at'] as const;

/** Raw rows: dates as Date (SQLite gives strings), ids and counters as numbers. */
export function normaliseTicket(r: TicketAttrs): TicketAttrs {
  const out = { ...r } as Record<string, unknown>;
  for (const k of DATE_COLS) out[k] = toDate(out[k]);
  for (const k of ['id', 'customer_id', 'contact_id', 'assignee_id', 'created_by_id', 'reopen_count'] as const) if (out[k] !== null && out[k] !== undefined) out[k] = Number(out[k]);
  return out as unknown as TicketAttrs;
}

/**
 * Loads a ticket the actor may see. Another customer's ticket is NOT_FOUND (we never confirm it exists);
 * a rep sees only tickets of customers they own.
 */
export async function loadTicket(ctx: CoreContext, actor: Actor, id: number, t?: Transaction | null, forUpdate = false): Promise<TicketAttrs> {
  // Raw SQL, not the model: this is on the hot path of every ticket route (see the ticket-detail bench).
  const lock = forUpdate && t && ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
  const [row] = await ctx.db.select<TicketAttrs>(`SELECT * FROM tickets WHERE id = :id${lock}`, { id }, t);
  if (!row) throw new AppError('NOT_FOUND', { field: 'ticketId' });
  const ticket = normaliseTicket(row);
  if (actor.kind === 'customer') {
    if (ticket.customer_id !== actor.customerId) throw new AppError('NOT_FOUND', { field: 'ticketId' });
  } else if (actor.kind === 'user' && actor.role === 'rep') {
    const owns = await ctx.db.select('SELECT id FROM customers WHERE id = :c AND owner_id = :u', { c: ticket.customer_id, u: actor.userId }, t);
    if (!owns.length) throw new AppError('NOT_FOUND', { field: 'ticketId' });
  } else if (actor.kind === 'api') {
    throw new AppError('FORBIDDEN');
  }
  return ticket;
}
