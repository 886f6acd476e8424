import { z } from 'zod';
import { dateTime, dbId } from '../shared/fields';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { toDate } from '../db/connection';
import { recordAudit } from '../audit/record';
import { TASK_PRIORITIES, type TaskDto, type TaskPriority } from './schemas';
import { snoozeTarget, type SnoozeKind } from './rules';

export type { TaskDto } from './schemas';

export const TASK_SELECT = `t.id, t.title, t.priority, t.due_at, t.remind_at, t.customer_id, c.name AS customer_name, t.lead_id, t.owner_id, t.channel,
  t.status, t.done_at, t.updated_at`;
export const TASK_FROM = 'tasks t LEFT JOIN customers c ON c.id = t.customer_id';

const isoOf = (v: unknown) => toDate(v)?.toISOString() ?? null;
export function toTaskDto(r: Record<string, unknown>): TaskDto {
  return {
    id: Number(r.id),
    title: r.title as string,
    priority: r.priority as TaskPriority,
    dueAt: isoOf(r.due_at),
    remindAt: isoOf(r.remind_at),
    customerId: r.customer_id === null ? null : Number(r.customer_id),
    customerName: (r.customer_name as string) ?? null,
    leadId: r.lead_id === null ? null : Number(r.lead_id),
    ownerId: Number(r.owner_id),
    channel: (r.channel as string) ?? null,
    status: r.status as TaskDto['status'],
    doneAt: isoOf(r.done_at),
    updatedAt: isoOf(r.updated_at),
  };
}

export async function loadTask(ctx: CoreContext, id: number, t?: Transaction | null): Promise<TaskDto | null> {
  const rows = await ctx.db.select<Record<string, unknown>>(`SELECT ${TASK_SELECT} FROM ${TASK_FROM} WHERE t.id = :id`, { id }, t);
  return rows[0] ? toTaskDto(rows[0]) : null;
}

const dateish = dateTime;

export const createTaskInput = z.object({
  title: z.string().trim().min(1).max(500),
  priority: z.enum(TASK_PRIORITIES).default('normal'),
  dueAt: dateish.optional().nullable(),
  /** When to remind; default: the due time. null = no reminder. */
  remindAt: dateish.optional().nullable(),
  customerId: dbId.optional().nullable(),
  leadId: dbId.optional().nullable(),
  /** Default: the acting user. */
  ownerId: dbId.optional(),
  channel: z.enum(['phone', 'visit', 'wechat', 'email', 'meeting', 'other']).optional().nullable(),
});
export type CreateTaskInput = z.input<typeof createTaskInput>;

function assertMayTouch(actor: Actor, ownerId: number): void {
  if (actor.kind === 'user' && actor.role === 'rep' && actor.userId !== ownerId) {
    throw new AppError('FORBIDDEN', { field: 'ownerId', detail: { 'zh-CN': '只能操作自己的任务', en: 'You can only change your own tasks' } });
  }
}

export async function createTask(ctx: CoreContext, actor: Actor, channel: Channel, raw: CreateTaskInput, parentT?: Transaction | null): Promise<TaskDto> {
  const input = parseInput(createTaskInput, raw);
  const ownerId = input.ownerId ?? (actor.kind === 'user' ? actor.userId : undefined);
  if (!ownerId) throw new AppError('VALIDATION', { field: 'ownerId', detail: { 'zh-CN': '需要指定负责人', en: 'An owner is required' } });
  assertMayTouch(actor, ownerId);
  return ctx.db.tx(async (t) => {
    if (input.customerId) {
      const c = await ctx.db.select('SELECT id FROM customers WHERE id = :id', { id: input.customerId }, t);
      if (!c.length) throw new AppError('VALIDATION', { field: 'customerId', detail: { 'zh-CN': '客户不存在', en: 'No such customer' } });
    }
    const now = ctx.clock.now();
    const remindAt = input.remindAt === undefined ? (input.dueAt ?? null) : input.remindAt;
    const task = await ctx.models.Task.create({
      title: input.title, priority: input.priority, due_at: input.dueAt ?? null, remind_at: remindAt, reminder_seq: 0,
      customer_id: input.customerId ?? null, lead_id: input.leadId ?? null, owner_id: ownerId, channel: input.channel ?? null,
      status: 'open', source: channel, created_by: actor.kind === 'user' ? actor.userId : null, created_at: now, updated_at: now,
    }, { transaction: t });
    const id = Number(task.get('id'));
    await recordAudit(ctx, t, { actor, action: 'task.create', entityType: 'task', entityId: id, channel, data: { ownerId, dueAt: input.dueAt ?? null } });
    return (await loadTask(ctx, id, t))!;
  }, parentT);
}

export interface TaskChange {
  task: TaskDto;
  /** False when the task was already in the requested state (a repeated click): nothing changed. */
  changed: boolean;
}

async function lockedTask(ctx: CoreContext, actor: Actor, id: number, t: Transaction): Promise<TaskDto> {
  const task = await loadTask(ctx, id, t);
  if (!task) throw new AppError('NOT_FOUND', { field: 'taskId' });
  assertMayTouch(actor, task.ownerId);
  return task;
}

/** Done. Idempotent: a second click answers changed=false. */
export async function completeTask(ctx: CoreContext, actor: Actor, channel: Channel, id: number, parentT?: Transaction | null): Promise<TaskChange> {
  return ctx.db.tx(async (t) => {
    await lockedTask(ctx, actor, id, t);
    const now = ctx.clock.now();
    const [, n] = await ctx.db.sequelize.query(
      "UPDATE tasks SET status = 'done', done_at = :now, remind_at = NULL, updated_at = :now WHERE id = :id AND status = 'open'",
      { replacements: { id, now }, type: QueryTypes.UPDATE, transaction: t },
    );
    if (Number(n)) await recordAudit(ctx, t, { actor, action: 'task.done', entityType: 'task', entityId: id, channel });
    return { task: (await loadTask(ctx, id, t))!, changed: Number(n) > 0 };
  }, parentT);
}

/**
 * Snooze (1 h / tomorrow 9:00) or reschedule (a new due time): the reminder goes back on the due list.
 * `fromReminder` (the seq of the reminder card the button is on) makes a repeated click of that card a no-op:
 * it only acts while that reminder is the last one delivered and nothing has re-armed it since.
 */
export async function snoozeTask(
  ctx: CoreContext, actor: Actor, channel: Channel, id: number,
  how: { kind: SnoozeKind } | { kind: 'reschedule'; at: Date }, fromReminder?: number, parentT?: Transaction | null,
): Promise<TaskChange> {
  return ctx.db.tx(async (t) => {
    const task = await lockedTask(ctx, actor, id, t);
    if (task.status !== 'open') return { task, changed: false };
    const now = ctx.clock.now();
    const at = how.kind === 'reschedule' ? how.at : snoozeTarget(how.kind, now, ctx.timezone);
    if (how.kind === 'reschedule' && at.getTime() < now.getTime() - 60_000) {
      throw new AppError('VALIDATION', { field: 'at', detail: { 'zh-CN': '新时间不能早于现在', en: 'The new time is in the past' } });
    }
    const setDue = how.kind === 'reschedule' ? ', due_at = :at' : '';
    const seqCond = fromReminder === undefined ? '' : ' AND reminder_seq = :seq AND remind_at IS NULL';
    const [, n] = await ctx.db.sequelize.query(
      `UPDATE tasks SET remind_at = :at${setDue}, updated_at = :now WHERE id = :id AND status = 'open'${seqCond}`,
      { replacements: { id, at, now, seq: fromReminder === undefined ? null : fromReminder + 1 }, type: QueryTypes.UPDATE, transaction: t },
    );
    if (Number(n)) await recordAudit(ctx, t, { actor, action: `task.${how.kind === 'reschedule' ? 'reschedule' : 'snooze'}`, entityType: 'task', entityId: id, channel, data: { at: at.toISOString() } });
    return { task: (await loadTask(ctx, id, t))!, changed: Number(n) > 0 };
  }, parentT);
}

/** Open tasks of a customer (the 360° 'tasks' section): one indexed query on (customer_id, status, due_at). */
export async function listCustomerTasks(ctx: CoreContext, customerId: number, limit = 20): Promise<TaskDto[]> {
  const rows = await ctx.db.select<Record<string, unknown>>(
    `SELECT ${TASK_SELECT} FROM ${TASK_FROM} WHERE t.customer_id = :id AND t.status = 'open' ORDER BY t.due_at LIMIT ${Math.min(limit, 100)}`,
    { id: customerId },
  );
  return rows.map(toTaskDto);
}

/** A rep's tasks in a time window (agenda by day/week, ICS feed). */
export async function listOwnerTasks(ctx: CoreContext, ownerId: number, from: Date, to: Date, statuses: string[] = ['open']): Promise<TaskDto[]> {
  const rows = await ctx.db.select<Record<string, unknown>>(
    `SELECT ${TASK_SELECT} FROM ${TASK_FROM} WHERE t.owner_id = :o AND t.status IN (:s) AND t.due_at >= :from AND t.due_at < :to ORDER BY t.due_at LIMIT 500`,
    { o: ownerId, s: statuses, from, to },
  );
  return rows.map(toTaskDto);
}
