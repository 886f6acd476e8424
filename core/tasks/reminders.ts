import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { toDate } from '../db/connection';
import { sqlDate } from '../shared/sqldate';
import { enqueueMessages } from '../notifications/outbox';
import { poolRulesFor } from '../pool/operations';
import { recycleDecision } from '../pool/rules';
import { TASK_FROM, TASK_SELECT, listOwnerTasks, toTaskDto } from './operations';
import { buildIcs, dayWindow } from './rules';

/**
 * The reminder due-list: open tasks whose remind_at has come. Each delivery, in ONE transaction, enqueues the
 * 'task.reminder' outbox messages (dedupe key task.remind:<id>:<seq>) and clears remind_at / bumps reminder_seq with a
 * conditional UPDATE, set-based per batch. So a crash before commit loses nothing (the row is still due), a restart or a second process
 * never sends twice (the row is no longer due; the key would be dropped anyway), and a snooze re-arms it with a new seq.
 * MySQL claims rows with FOR UPDATE SKIP LOCKED so two pollers share the work; SQLite writers are serialised.
 */
export async function deliverDueReminders(ctx: CoreContext, opts: { batch?: number; maxBatches?: number } = {}): Promise<{ sent: number }> {
  const batch = opts.batch ?? 500;
  let sent = 0;
  // A plain indexed read first: an idle poll (every second) never takes the write lock.
  const any = await ctx.db.select("SELECT id FROM tasks WHERE status = 'open' AND remind_at <= :now LIMIT 1", { now: ctx.clock.now() });
  if (!any.length) return { sent };
  for (let i = 0; i < (opts.maxBatches ?? 100); i++) {
    const n = await ctx.db.tx(async (t) => {
      const now = ctx.clock.now();
      const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE SKIP LOCKED' : '';
      const due = await ctx.db.select<{ id: number; reminder_seq: number }>(
        `SELECT id, reminder_seq FROM tasks WHERE status = 'open' AND remind_at <= :now ORDER BY remind_at LIMIT ${batch}${lock}`,
        { now },
        t,
      );
      if (!due.length) return 0;
      const ids = due.map((d) => Number(d.id));
      const rows = await ctx.db.select<Record<string, unknown>>(`SELECT ${TASK_SELECT}, t.reminder_seq FROM ${TASK_FROM} WHERE t.id IN (:ids)`, { ids }, t);
      // Set-based: one UPDATE for the batch (rows are ours: locked on MySQL, serialised writers on SQLite), then one
      // multi-row outbox INSERT that ignores a dedupe key already present.
      await ctx.db.sequelize.query(
        "UPDATE tasks SET remind_at = NULL, reminded_at = :now, reminder_seq = reminder_seq + 1 WHERE id IN (:ids) AND status = 'open' AND remind_at <= :now",
        { replacements: { ids, now }, type: QueryTypes.UPDATE, transaction: t },
      );
      const messages = rows.map((r) => {
        const task = toTaskDto(r);
        const seq = Number(r.reminder_seq);
        return { to: task.ownerId, payload: { task, seq, dueAt: task.dueAt }, dedupeKey: `task.remind:${task.id}:${seq}` };
      });
      await bulkEnqueue(ctx, t, 'task.reminder', messages, now);
      return messages.length;
    });
    sent += n;
    if (n < batch) break;
  }
  return { sent };
}

/**
 * The 9:00 agenda per rep: today's tasks, overdue tasks, follow-ups whose planned next time has passed, and
 * customers about to be recycled to the pool. One message per rep per day (dedupe key agenda:<user>:<day>).
 */
export async function sendDailyAgendas(ctx: CoreContext): Promise<{ sent: number }> {
  const now = ctx.clock.now();
  const { start, end, ymd } = dayWindow(now, ctx.timezone);
  const reps = await ctx.db.select<{ id: number }>("SELECT id FROM users WHERE role IN ('rep', 'manager') AND status = 'active' ORDER BY id");
  const rules = (await poolRulesFor(ctx, null)).rules;
  let sent = 0;
  for (const { id } of reps) {
    const userId = Number(id);
    const today = await listOwnerTasks(ctx, userId, start, end);
    const overdue = (await ctx.db.select<Record<string, unknown>>(
      `SELECT ${TASK_SELECT} FROM ${TASK_FROM} WHERE t.owner_id = :o AND t.status = 'open' AND t.due_at < :start ORDER BY t.due_at LIMIT 20`,
      { o: userId, start },
    )).map(toTaskDto);
    const followups = await ctx.db.select<{ customer_id: number; name: string; next_at: unknown; summary: string }>(
      `SELECT a.customer_id, c.name, a.next_at, a.summary FROM activities a JOIN customers c ON c.id = a.customer_id
       WHERE c.owner_id = :o AND a.user_id = :o AND a.next_at < :end AND a.next_at >= :since AND c.last_followup_at <= a.occurred_at
       ORDER BY a.next_at LIMIT 20`,
      { o: userId, end, since: new Date(start.getTime() - 30 * 86_400_000) },
    );
    const held = await ctx.db.select<{ id: number; name: string; tier: string | null; last_followup_at: unknown; claimed_at: unknown; last_won_at: unknown }>(
      'SELECT id, name, tier, last_followup_at, claimed_at, last_won_at FROM customers WHERE owner_id = :o ORDER BY last_followup_at LIMIT 200',
      { o: userId },
    );
    const nearRecycling = held
      .map((c) => ({ c, d: recycleDecision({ tier: c.tier, lastFollowupAt: toDate(c.last_followup_at), claimedAt: toDate(c.claimed_at), lastWonAt: toDate(c.last_won_at) }, rules, now) }))
      .filter((x) => x.d.action === 'warn')
      .slice(0, 10)
      .map((x) => ({ customerId: Number(x.c.id), name: x.c.name, dueAt: x.d.dueAt?.toISOString() ?? null }));
    if (!today.length && !overdue.length && !followups.length && !nearRecycling.length) continue;
    const added = await ctx.db.tx((t) => enqueueMessages(ctx, t, [{
      to: { userId },
      kind: 'task.agenda',
      payload: {
        day: ymd, today, overdue,
        followups: followups.map((f) => ({ customerId: Number(f.customer_id), name: f.name, nextAt: toDate(f.next_at)?.toISOString() ?? null, summary: f.summary })),
        nearRecycling,
      },
      dedupeKey: `agenda:${userId}:${ymd}`,
    }]));
    sent += added;
  }
  return { sent };
}

/** Many messages to users in one INSERT (the outbox's unique dedupe key drops repeats, as enqueueMessages does). */
async function bulkEnqueue(ctx: CoreContext, t: Transaction, kind: string, messages: Array<{ to: number; payload: unknown; dedupeKey: string }>, now: Date): Promise<void> {
  if (!messages.length) return;
  const q = (v: unknown) => ctx.db.sequelize.escape(v as string);
  const at = sqlDate(ctx, now);
  const values = messages.map((m) =>
    `(${[randomUUID(), m.dedupeKey, 'send', null, 'user', String(m.to), kind, JSON.stringify(m.payload), null, 'pending', 0].map(q).join(', ')}, ${at}, ${at})`);
  await ctx.db.sequelize.query(
    `${ctx.db.dialect === 'mysql' ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO'} outbox (uuid, dedupe_key, op, update_of, recipient_type, recipient, kind, payload, locale, status, attempts, next_attempt_at, created_at) VALUES ${values.join(', ')}`,
    { type: QueryTypes.INSERT, transaction: t },
  );
}

// ------------------------------------------------------------------ ICS feed

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Creates (or rotates) a rep's secret calendar token; the URL is /calendar/<token>.ics. Only the hash is kept. */
export async function createCalendarFeed(ctx: CoreContext, actor: Actor, userId: number): Promise<{ token: string }> {
  if (actor.kind === 'user' && actor.role !== 'admin' && actor.userId !== userId) throw new AppError('FORBIDDEN', { field: 'userId' });
  const token = randomBytes(24).toString('base64url');
  await ctx.db.tx(async (t) => {
    await ctx.db.sequelize.query('DELETE FROM calendar_feeds WHERE user_id = :u', { replacements: { u: userId }, type: QueryTypes.DELETE, transaction: t });
    await ctx.db.sequelize.query('INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (:u, :h, :now)', {
      replacements: { u: userId, h: hash(token), now: ctx.clock.now() }, type: QueryTypes.INSERT, transaction: t,
    });
  });
  return { token };
}

/** The iCalendar text for a feed token: the rep's tasks from 30 days back to 180 days ahead. NOT_FOUND for a bad token. */
export async function calendarFeed(ctx: CoreContext, token: string): Promise<string> {
  const row = (await ctx.db.select<{ user_id: number; name: string }>(
    'SELECT f.user_id, u.name FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = :h', { h: hash(token) }))[0];
  if (!row) throw new AppError('NOT_FOUND');
  const now = ctx.clock.now();
  const tasks = await listOwnerTasks(ctx, Number(row.user_id), new Date(now.getTime() - 30 * 86_400_000), new Date(now.getTime() + 180 * 86_400_000), ['open', 'done']);
  return buildIcs(`CRM · ${row.name}`, tasks.map((t) => ({
    uid: `task-${t.id}@lark-crm`,
    start: new Date(t.dueAt!),
    minutes: t.channel === 'visit' || t.channel === 'meeting' ? 60 : 30,
    summary: `${t.status === 'done' ? '✓ ' : ''}${t.customerName ? `${t.title} · ${t.customerName}` : t.title}`,
    description: [t.priority === 'high' ? '优先级：高 / priority high' : null, t.status === 'done' ? '已完成 / done' : null].filter(Boolean).join('\n') || null,
    status: 'CONFIRMED',
    updated: new Date(t.updatedAt ?? now),
  })), now);
}
