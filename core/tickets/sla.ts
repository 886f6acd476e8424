import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { CoreContext } from '../context';
import { acquireLease, releaseLease } from '../db/lease';
import { normaliseTicket } from './access';
import { enqueueMessages, type OutboundMessage } from '../notifications/outbox';
import { ticketCardPayload } from './assign';
import { managerFor } from '../users/directory';
import { withStages, slaColumnsOf } from './clock';
import { clockAction, REOPEN_WINDOW_DAYS, type SlaClock, type SlaStage } from './rules';
import type { TicketAttrs } from './model';

export interface SweepResult {
  warned: number;
  breached: number;
  closed: number;
}


/**
 * The SLA sweep. Only tickets whose `sla_next_at` (the next warn or due moment, NULL while paused or done)
 * has passed are read, through its index, in batches; each gets at most one action per clock. Exactly-once:
 * the stage moves ok → warned → breached with a conditional UPDATE on the old stages, and every message
 * carries a dedupeKey naming the ticket, clock, clock generation (reopen count) and action — so two sweeps
 * racing, or a sweep re-run after a crash, never warn or escalate twice.
 * Also closes resolved tickets once the reopen window has passed (set-based).
 */
export async function sweepSla(ctx: CoreContext, opts: { batch?: number } = {}): Promise<SweepResult> {
  const batch = opts.batch ?? 200;
  const now = ctx.clock.now();
  const result: SweepResult = { warned: 0, breached: 0, closed: 0 };
  for (let round = 0; round < 1000; round++) {
    const rows = (
      await ctx.db.select<TicketAttrs>('SELECT * FROM tickets WHERE sla_next_at <= :now ORDER BY sla_next_at, id LIMIT :batch', { now, batch })
    ).map(normaliseTicket);
    if (!rows.length) break;
    let progressed = 0;
    await ctx.db.tx(async (t) => {
      for (const r of rows) {
        const frt = clockAction({ stage: r.frt_stage, dueAt: r.frt_due_at, warnAt: r.frt_warn_at }, now);
        const res = clockAction({ stage: r.res_stage, dueAt: r.res_due_at, warnAt: r.res_warn_at }, now);
        const stage = (a: 'warn' | 'breach' | null, old: SlaStage): SlaStage => (a === 'breach' ? 'breached' : a === 'warn' ? 'warned' : old);
        const cols = withStages(slaColumnsOf(r), stage(frt, r.frt_stage), stage(res, r.res_stage));
        const [n] = await ctx.models.Ticket.update(cols, { where: { id: r.id, frt_stage: r.frt_stage, res_stage: r.res_stage, status: r.status }, transaction: t });
        if (!n) continue; // changed meanwhile (answered, resolved, another sweep): its own next_at says when to look again
        progressed++;
        const messages: OutboundMessage[] = [];
        for (const [clock, action] of [['frt', frt], ['res', res]] as [SlaClock, 'warn' | 'breach' | null][]) {
          if (!action) continue;
          const gen = clock === 'res' ? r.reopen_count : 0;
          const dueAt = clock === 'frt' ? r.frt_due_at : r.res_due_at;
          const payload = { ...(await ticketCardPayload(ctx, t, r)), clock, dueAt: dueAt?.toISOString() ?? null };
          const key = `sla:${r.id}:${clock}:${gen}:${action}`;
          if (action === 'warn') {
            result.warned++;
            const to = r.assignee_id ?? (await managerFor(ctx, t, null));
            if (to) messages.push({ to: { userId: to }, kind: 'ticket.sla_warning', payload, dedupeKey: key });
          } else {
            result.breached++;
            const manager = await managerFor(ctx, t, r.assignee_id);
            if (manager) messages.push({ to: { userId: manager }, kind: 'ticket.sla_breach', payload: { ...payload, escalated: true }, dedupeKey: key });
            if (r.assignee_id && r.assignee_id !== manager) messages.push({ to: { userId: r.assignee_id }, kind: 'ticket.sla_breach', payload, dedupeKey: `${key}:agent` });
          }
        }
        if (messages.length) await enqueueMessages(ctx, t, messages);
      }
    });
    if (rows.length < batch || !progressed) break;
  }
  result.closed = await autoClose(ctx, now);
  return result;
}

/** Resolved tickets past the reopen window become closed, with a timeline entry each; one statement per step. */
async function autoClose(ctx: CoreContext, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - REOPEN_WINDOW_DAYS * 86_400_000);
  return ctx.db.tx(async (t) => {
    const due = await ctx.db.select<{ id: number }>("SELECT id FROM tickets WHERE status = 'resolved' AND resolved_at < :cutoff LIMIT 1000", { cutoff }, t);
    if (!due.length) return 0;
    const ids = due.map((d) => d.id);
    await ctx.db.sequelize.query(
      `INSERT INTO ticket_events (ticket_id, kind, author_type, author_id, body, from_status, to_status, internal, created_at)
       SELECT id, 'status', 'system', NULL, NULL, 'resolved', 'closed', :f, :now FROM tickets WHERE id IN (:ids) AND status = 'resolved'`,
      { replacements: { ids, now, f: false }, type: QueryTypes.INSERT, transaction: t },
    );
    const [, n] = await ctx.db.sequelize.query("UPDATE tickets SET status = 'closed', closed_at = :now, updated_at = :now WHERE id IN (:ids) AND status = 'resolved'", {
      replacements: { ids, now },
      type: QueryTypes.UPDATE,
      transaction: t,
    });
    return Number(n) || 0;
  });
}

/** The job entry point: one sweeper at a time across processes. */
export async function runSlaSweep(ctx: CoreContext): Promise<SweepResult | null> {
  const holder = randomUUID();
  if (!(await acquireLease(ctx.db, 'sla-sweep', holder, 5 * 60_000, ctx.clock.now()))) return null;
  try {
    return await sweepSla(ctx);
  } finally {
    await releaseLease(ctx.db, 'sla-sweep', holder);
  }
}
