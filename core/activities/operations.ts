import { z } from 'zod';
import { dbId } from '../shared/fields';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { toDate } from '../db/connection';
import { decodeCursor, pageOf, type Page } from '../db/keyset';
import { assertCanEditCustomer, assertCanSeeCustomer } from '../customers/visibility';
import { createTask } from '../tasks/operations';
import type { ActivityChannel } from './model';
import { logActivityInput, type ActivityDto, type LogActivityInput } from './schemas';

export { logActivityInput, type ActivityDto, type LogActivityInput } from './schemas';

export interface ActivityRow {
  id: number;
  customer_id: number;
  contact_id: number | null;
  user_id: number | null;
  user_name?: string | null;
  channel: ActivityChannel;
  summary: string;
  next_step: string | null;
  next_at: unknown;
  occurred_at: unknown;
  source: string;
}

export const ACTIVITY_SELECT = 'a.id, a.customer_id, a.contact_id, a.user_id, a.channel, a.summary, a.next_step, a.next_at, a.occurred_at, a.source';

export function toActivityDto(r: ActivityRow): ActivityDto {
  return {
    id: Number(r.id),
    customerId: Number(r.customer_id),
    contactId: r.contact_id === null ? null : Number(r.contact_id),
    userId: r.user_id === null ? null : Number(r.user_id),
    userName: r.user_name ?? null,
    channel: r.channel,
    summary: r.summary,
    nextStep: r.next_step,
    nextAt: toDate(r.next_at)?.toISOString() ?? null,
    occurredAt: toDate(r.occurred_at)!.toISOString(),
    source: r.source,
  };
}

/**
 * Records a follow-up and keeps customers.last_followup_at current (it only moves forward, so a
 * back-dated entry never makes a customer look neglected). The recycle clock reads that column.
 * A follow-up with a next step at a time (`nextAt`) also creates the task that reminds of it, in the same
 * transaction, whichever transport logged it: for the user who logged it, or the customer's owner when an API
 * key or the system did (none when the customer has no owner). Its title is the next step, else "跟进 <customer>".
 */
export async function logActivity(ctx: CoreContext, actor: Actor, channel: Channel, raw: LogActivityInput, parentT?: Transaction | null): Promise<ActivityDto> {
  const input = parseInput(logActivityInput, raw);
  const now = ctx.clock.now();
  const occurredAt = input.occurredAt ?? now;
  if (occurredAt.getTime() > now.getTime() + 5 * 60_000) {
    throw new AppError('VALIDATION', { field: 'occurredAt', detail: { 'zh-CN': '跟进时间不能在未来', en: 'A follow-up cannot happen in the future' } });
  }
  return ctx.db.tx(async (t) => {
    const rows = await ctx.db.select<{ id: number; name: string; owner_id: number | null; team_id: number | null; status: string }>(
      'SELECT id, name, owner_id, team_id, status FROM customers WHERE id = :id',
      { id: input.customerId },
      t,
    );
    const row = rows[0] && { id: Number(rows[0].id), owner_id: rows[0].owner_id === null ? null : Number(rows[0].owner_id), team_id: rows[0].team_id === null ? null : Number(rows[0].team_id) };
    assertCanEditCustomer(ctx, actor, row, 'activity');
    if (rows[0].status !== 'active') throw new AppError('INVALID_STATE', { field: 'customerId', detail: { 'zh-CN': '该客户已合并或删除', en: 'This customer was merged or deleted' } });
    if (input.contactId) {
      const c = await ctx.db.select('SELECT id FROM contacts WHERE id = :id AND customer_id = :cid', { id: input.contactId, cid: input.customerId }, t);
      if (!c.length) throw new AppError('VALIDATION', { field: 'contactId', detail: { 'zh-CN': '联系人不属于该客户', en: 'The contact does not belong to this customer' } });
    }
    const a = await ctx.models.Activity.create(
      {
        customer_id: input.customerId,
        contact_id: input.contactId ?? null,
        user_id: actor.kind === 'user' ? actor.userId : null,
        channel: input.channel,
        summary: input.summary,
        next_step: input.nextStep ?? null,
        next_at: input.nextAt ?? null,
        occurred_at: occurredAt,
        source: channel,
        created_at: now,
        updated_at: now,
      },
      { transaction: t },
    );
    await ctx.db.sequelize.query(
      'UPDATE customers SET last_followup_at = :at, updated_at = :now WHERE id = :id AND (last_followup_at IS NULL OR last_followup_at < :at)',
      { replacements: { id: input.customerId, at: occurredAt, now }, transaction: t, type: QueryTypes.UPDATE },
    );
    if (input.nextAt) {
      const ownerId = actor.kind === 'user' ? actor.userId : row!.owner_id;
      if (ownerId) {
        const name = rows[0].name;
        const title = input.nextStep || (ctx.locale === 'en' ? `Follow up ${name}` : `跟进 ${name}`);
        await createTask(ctx, actor, channel, { title: title.slice(0, 500), dueAt: input.nextAt, customerId: input.customerId, ownerId, channel: input.channel }, t);
      }
    }
    return toActivityDto(a.get({ plain: true }) as unknown as ActivityRow);
  }, parentT);
}

export const listActivitiesInput = z.object({
  customerId: dbId,
  limit: z.number().int().min(1).max(200).default(20),
  cursor: z.string().max(500).optional().nullable(),
});

/** A customer's follow-ups, newest first, keyset-paginated on (occurred_at, id). */
export async function listActivities(ctx: CoreContext, actor: Actor, raw: z.input<typeof listActivitiesInput>): Promise<Page<ActivityDto>> {
  const input = parseInput(listActivitiesInput, raw);
  const c = await ctx.db.select<{ id: number; owner_id: number | null; team_id: number | null }>('SELECT id, owner_id, team_id FROM customers WHERE id = :id', { id: input.customerId });
  assertCanSeeCustomer(ctx, actor, c[0] && { id: Number(c[0].id), owner_id: c[0].owner_id === null ? null : Number(c[0].owner_id), team_id: c[0].team_id === null ? null : Number(c[0].team_id) });
  const after = decodeCursor<{ at: string; id: number }>(input.cursor);
  const repl: Record<string, unknown> = { cid: input.customerId, lim: input.limit + 1 };
  let seek = '';
  if (after) {
    if (typeof after.id !== 'number' || typeof after.at !== 'string' || Number.isNaN(new Date(after.at).getTime())) throw new AppError('VALIDATION', { field: 'cursor' });
    seek = 'AND (a.occurred_at < :at OR (a.occurred_at = :at AND a.id < :aid))';
    repl.at = new Date(after.at);
    repl.aid = after.id;
  }
  const rows = await ctx.db.select<ActivityRow>(
    `SELECT ${ACTIVITY_SELECT}, u.name AS user_name FROM activities a LEFT JOIN users u ON u.id = a.user_id
     WHERE a.customer_id = :cid ${seek} ORDER BY a.occurred_at DESC, a.id DESC LIMIT :lim`,
    repl,
  );
  return pageOf(rows, input.limit, (r) => ({ at: toDate(r.occurred_at)!.toISOString(), id: Number(r.id) }), toActivityDto);
}
