import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
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

/** MySQL row lock for read-modify-write inside `t`; SQLite's serialised IMMEDIATE transaction already excludes writers. */
export function lockOf(ctx: CoreContext, t: Transaction | null | undefined): { lock?: Transaction['LOCK'][keyof Transaction['LOCK']] } {
  return ctx.db.dialect === 'mysql' && t ? { lock: t.LOCK.UPDATE } : {};
}

/**
 * Loads a ticket the actor may see. Another customer's ticket is NOT_FOUND (we never confirm it exists);
 * a rep sees only tickets of customers they own.
 */
export async function loadTicket(ctx: CoreContext, actor: Actor, id: number, t?: Transaction | null, forUpdate = false): Promise<TicketAttrs> {
  const row = await ctx.models.Ticket.findByPk(id, { transaction: t ?? undefined, ...(forUpdate ? lockOf(ctx, t) : {}) });
  if (!row) throw new AppError('NOT_FOUND', { field: 'ticketId' });
  const ticket = row.get({ plain: true });
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
