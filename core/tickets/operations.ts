import { randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import { z } from 'zod';
import { dbId, dbIdParam } from '../shared/fields';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { recordAudit } from '../audit/record';
import { parseInput } from '../validation';
import { toDate } from '../db/connection';
import { loadTicket, requireStaff, audienceOf } from './access';
import { getServiceConfig, type ServiceConfig } from './config';
import { firstResponseMet, pauseClocks, resolutionMet, restartResolution, resumeClocks, slaColumnsOf, startClocks, type SlaColumns } from './clock';
import { pickAgent, notifyAssigned } from './assign';
import { detailOf, timelineEntry } from './queries';
import { commentInput, createTicketInput, reopenInput, type CreateTicketInput, type TicketDetailDto, type TimelineEntryDto } from './schemas';
import { canReopen, canTransition, type TicketStatus } from './rules';
import type { TicketAttrs } from './model';
import { IMAGE_TYPES, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, sniffImage, type AttachmentStorage, type NewAttachment } from './storage';
import { createCsatSurvey } from '../surveys/operations';

export interface CreateTicketOptions {
  channel?: Channel;
  files?: NewAttachment[];
  storage?: AttachmentStorage;
}

/** Photos per ticket, all requests together (WeChat/Lark upload one file per request). */
export const MAX_TICKET_ATTACHMENTS = 12;

/**
 * Size and type by content. A declared image type must match the bytes; `application/octet-stream` (what some
 * mini-program runtimes send from uploadFile) takes the sniffed type.
 */
function checkFiles(files: NewAttachment[], already = 0): NewAttachment[] {
  if (files.length > MAX_ATTACHMENTS || already + files.length > MAX_TICKET_ATTACHMENTS) {
    throw new AppError('VALIDATION', { field: 'photos', detail: { 'zh-CN': `每次最多 ${MAX_ATTACHMENTS} 张、每个工单最多 ${MAX_TICKET_ATTACHMENTS} 张图片`, en: `At most ${MAX_ATTACHMENTS} photos a request and ${MAX_TICKET_ATTACHMENTS} a ticket` } });
  }
  return files.map((f) => {
    if (f.data.length > MAX_ATTACHMENT_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', { field: 'photos', detail: { 'zh-CN': '单张图片不能超过 5 MB', en: 'Each photo must be at most 5 MB' } });
    const sniffed = sniffImage(f.data);
    const declaredOk = f.mime === 'application/octet-stream' || ((IMAGE_TYPES as readonly string[]).includes(f.mime) && sniffed === f.mime);
    if (!sniffed || !declaredOk) {
      throw new AppError('UNSUPPORTED_MEDIA', { field: 'photos', detail: { 'zh-CN': '只支持 JPEG、PNG、WebP、GIF 图片', en: 'Only JPEG, PNG, WebP and GIF images' } });
    }
    return { ...f, mime: sniffed };
  });
}

async function storeFiles(ctx: CoreContext, files: NewAttachment[], storage: AttachmentStorage | undefined): Promise<{ key: string; f: NewAttachment }[]> {
  if (files.length && !storage) throw new AppError('UNAVAILABLE', { field: 'photos' });
  const stored: { key: string; f: NewAttachment }[] = [];
  try {
    for (const f of files) {
      const key = `tickets/${ctx.clock.now().toISOString().slice(0, 7)}/${randomUUID()}`;
      await storage!.put(key, f.data, f.mime);
      stored.push({ key, f });
    }
  } catch (e) {
    await unstore(stored, storage);
    throw e;
  }
  return stored;
}

async function unstore(stored: { key: string }[], storage: AttachmentStorage | undefined): Promise<void> {
  for (const s of stored) await storage?.remove(s.key).catch(() => undefined);
}

async function attachStored(ctx: CoreContext, t: Transaction, ticketId: number, stored: { key: string; f: NewAttachment }[], eventId: number | null = null): Promise<void> {
  const now = ctx.clock.now();
  for (const s of stored) {
    await ctx.models.TicketAttachment.create({ ticket_id: ticketId, event_id: eventId, storage_key: s.key, name: s.f.name.slice(0, 200) || 'photo', mime: s.f.mime, size: s.f.data.length, created_at: now }, { transaction: t });
  }
}

async function addEvent(
  ctx: CoreContext,
  t: Transaction,
  e: { ticketId: number; kind: 'comment' | 'status' | 'note' | 'assign'; actor: Actor; body?: string | null; from?: TicketStatus | null; to?: TicketStatus | null; internal?: boolean },
): Promise<number> {
  const author =
    e.actor.kind === 'customer'
      ? { author_type: 'customer' as const, author_id: e.actor.contactId }
      : e.actor.kind === 'user'
        ? { author_type: 'user' as const, author_id: e.actor.userId }
        : { author_type: 'system' as const, author_id: null };
  const row = await ctx.models.TicketEvent.create(
    { ticket_id: e.ticketId, kind: e.kind, ...author, body: e.body ?? null, from_status: e.from ?? null, to_status: e.to ?? null, internal: e.internal ?? false, created_at: ctx.clock.now() },
    { transaction: t },
  );
  return row.get('id');
}

/**
 * Moves a ticket from `from` to `to` with a conditional UPDATE: if someone else moved it first, 0 rows change
 * and the caller gets ALREADY_DONE (a repeated card click) instead of a second effect.
 */
async function moveStatus(
  ctx: CoreContext,
  t: Transaction,
  actor: Actor,
  ticket: TicketAttrs,
  to: TicketStatus,
  patch: Partial<TicketAttrs> = {},
  body: string | null = null,
): Promise<TicketAttrs> {
  const from = ticket.status;
  const now = ctx.clock.now();
  const [n] = await ctx.models.Ticket.update({ ...patch, status: to, updated_at: now }, { where: { id: ticket.id, status: from }, transaction: t });
  if (!n) throw new AppError('ALREADY_DONE');
  await addEvent(ctx, t, { ticketId: ticket.id, kind: 'status', actor, from, to, body });
  return { ...ticket, ...patch, status: to, updated_at: now };
}

async function autoAssign(ctx: CoreContext, t: Transaction, actor: Actor, ticket: TicketAttrs, cfg: ServiceConfig): Promise<TicketAttrs> {
  const agentId = await pickAgent(ctx, t, ticket, cfg.assignment);
  if (!agentId) return ticket;
  const moved = await moveStatus(ctx, t, actor, ticket, 'assigned', { assignee_id: agentId });
  const eventId = await addEvent(ctx, t, { ticketId: ticket.id, kind: 'assign', actor: { kind: 'system' }, body: String(agentId), internal: true });
  await notifyAssigned(ctx, t, moved, eventId);
  return moved;
}

/** Files a ticket: validates, stores photos through the storage port, starts the SLA clocks, auto-assigns. */
export async function createTicket(ctx: CoreContext, actor: Actor, raw: CreateTicketInput, opts: CreateTicketOptions = {}, parent?: Transaction): Promise<TicketDetailDto> {
  const input = parseInput(createTicketInput, raw);
  let customerId: number;
  let contactId: number | null;
  let priority = input.priority ?? 'normal';
  if (actor.kind === 'customer') {
    customerId = actor.customerId;
    contactId = actor.contactId;
    // Customers may flag a ticket as high, not declare their own emergencies.
    if (priority !== 'normal' && priority !== 'high') throw new AppError('VALIDATION', { field: 'priority', detail: { 'zh-CN': '优先级只能是普通或紧急', en: 'Priority must be normal or high' } });
  } else {
    requireStaff(actor, false);
    if (!input.customerId) throw new AppError('VALIDATION', { field: 'customerId' });
    customerId = input.customerId;
    contactId = input.contactId ?? null;
  }
  const files = checkFiles(opts.files ?? []);
  const stored = await storeFiles(ctx, files, opts.storage);
  try {
    return await ctx.db.tx(async (t) => {
      const [cust] = await ctx.db.select<{ id: number; tier: string | null; status: string }>('SELECT id, tier, status FROM customers WHERE id = :id', { id: customerId }, t);
      if (!cust) throw new AppError('NOT_FOUND', { field: 'customerId' });
      if (contactId) {
        const ok = await ctx.db.select('SELECT id FROM contacts WHERE id = :id AND customer_id = :c', { id: contactId, c: customerId }, t);
        if (!ok.length) throw new AppError('NOT_FOUND', { field: 'contactId' });
      }
      const cfg = await getServiceConfig(ctx, t);
      const now = ctx.clock.now();
      const title = input.title ?? input.description.replace(/\s+/g, ' ').slice(0, 30);
      const created = await ctx.models.Ticket.create(
        {
          customer_id: customerId,
          contact_id: contactId,
          type: input.type,
          priority,
          status: 'new',
          title,
          description: input.description,
          tier: cust.tier,
          source: opts.channel ?? (actor.kind === 'customer' ? 'mp' : 'chat'),
          created_by_type: actor.kind === 'customer' ? 'customer' : actor.kind === 'user' ? 'user' : 'system',
          created_by_id: actor.kind === 'customer' ? actor.contactId : actor.kind === 'user' ? actor.userId : null,
          ...startClocks(now, cust.tier, priority, cfg),
          created_at: now,
          updated_at: now,
        },
        { transaction: t },
      );
      let ticket = created.get({ plain: true });
      await addEvent(ctx, t, { ticketId: ticket.id, kind: 'status', actor, from: null, to: 'new' });
      await attachStored(ctx, t, ticket.id, stored);
      ticket = await autoAssign(ctx, t, { kind: 'system' }, ticket, cfg);
      await recordAudit(ctx, t, { actor, action: 'ticket.create', entityType: 'ticket', entityId: ticket.id, channel: opts.channel ?? 'mp', data: { type: input.type, priority } });
      return detailOf(ctx, ticket, audienceOf(actor), t);
    }, parent);
  } catch (e) {
    await unstore(stored, opts.storage);
    throw e;
  }
}

/**
 * More photos for an open (not closed) ticket: the mini-program runtimes upload one file per request, so a
 * ticket filed with several photos arrives as the ticket plus one call here per extra photo.
 */
export async function addAttachments(ctx: CoreContext, actor: Actor, raw: { ticketId: number }, opts: { files: NewAttachment[]; storage?: AttachmentStorage }): Promise<TicketDetailDto> {
  const input = parseInput(idInput, raw);
  if (actor.kind !== 'customer') requireStaff(actor);
  if (!opts.files.length) throw new AppError('VALIDATION', { field: 'photos', detail: { 'zh-CN': '请选择图片', en: 'Choose a photo' } });
  const ticket = await loadTicket(ctx, actor, input.ticketId);
  if (ticket.status === 'closed') throw new AppError('INVALID_STATE');
  const [{ n }] = await ctx.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM ticket_attachments WHERE ticket_id = :id', { id: ticket.id });
  const files = checkFiles(opts.files, Number(n));
  const stored = await storeFiles(ctx, files, opts.storage);
  try {
    return await ctx.db.tx(async (t) => {
      const current = await loadTicket(ctx, actor, input.ticketId, t, true);
      if (current.status === 'closed') throw new AppError('INVALID_STATE');
      const [{ n: now }] = await ctx.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM ticket_attachments WHERE ticket_id = :id', { id: ticket.id }, t);
      checkFiles(files, Number(now)); // the same limit, re-checked under the lock against concurrent uploads
      await attachStored(ctx, t, ticket.id, stored);
      await ctx.models.Ticket.update({ updated_at: ctx.clock.now() }, { where: { id: ticket.id }, transaction: t });
      return detailOf(ctx, current, audienceOf(actor), t);
    });
  } catch (e) {
    await unstore(stored, opts.storage);
    throw e;
  }
}

const idInput = z.object({ ticketId: dbIdParam });

/** Assigns to a named agent (staff), or re-runs auto-assignment when `userId` is absent. */
export async function assignTicket(ctx: CoreContext, actor: Actor, raw: { ticketId: number; userId?: number | null }, parent?: Transaction): Promise<TicketDetailDto> {
  requireStaff(actor);
  const input = parseInput(idInput.extend({ userId: dbId.optional().nullable() }), raw);
  return ctx.db.tx(async (t) => {
    const ticket = await loadTicket(ctx, actor, input.ticketId, t, true);
    if (ticket.status === 'resolved' || ticket.status === 'closed') throw new AppError('INVALID_STATE');
    const cfg = await getServiceConfig(ctx, t);
    let next: TicketAttrs;
    if (!input.userId) {
      next = await autoAssign(ctx, t, actor, ticket, cfg);
    } else {
      const [agent] = await ctx.db.select<{ id: number }>("SELECT id FROM users WHERE id = :id AND role IN ('service', 'manager', 'admin')", { id: input.userId }, t);
      if (!agent) throw new AppError('VALIDATION', { field: 'userId', detail: { 'zh-CN': '只能分配给客服人员', en: 'Only service staff can take tickets' } });
      if (ticket.assignee_id === input.userId) throw new AppError('ALREADY_DONE');
      next = await moveStatus(ctx, t, actor, ticket, 'assigned', { assignee_id: input.userId, ...(ticket.sla_paused_at ? resumeClocks(slaColumnsOf(ticket), ctx.clock.now(), cfg) : {}) });
      const eventId = await addEvent(ctx, t, { ticketId: ticket.id, kind: 'assign', actor, body: String(input.userId), internal: true });
      await notifyAssigned(ctx, t, next, eventId);
    }
    await recordAudit(ctx, t, { actor, action: 'ticket.assign', entityType: 'ticket', entityId: ticket.id, channel: 'chat', data: { assigneeId: next.assignee_id } });
    return detailOf(ctx, next, 'staff', t);
  }, parent);
}

/** The agent takes the ticket (card "accept"): assigned/new → in progress, owned by the agent. */
export async function acceptTicket(ctx: CoreContext, actor: Actor, raw: { ticketId: number }, parent?: Transaction): Promise<TicketDetailDto> {
  requireStaff(actor);
  const input = parseInput(idInput, raw);
  return ctx.db.tx(async (t) => {
    const ticket = await loadTicket(ctx, actor, input.ticketId, t, true);
    const me = actor.kind === 'user' ? actor.userId : ticket.assignee_id;
    if (ticket.status === 'in_progress' && ticket.assignee_id === me) throw new AppError('ALREADY_DONE');
    if (!canTransition(ticket.status, 'in_progress') || ticket.status === 'waiting_customer') throw new AppError('INVALID_STATE');
    const next = await moveStatus(ctx, t, actor, ticket, 'in_progress', { assignee_id: me });
    return detailOf(ctx, next, 'staff', t);
  }, parent);
}

/**
 * Adds a comment. A customer comment on a ticket waiting for them resumes it (and its SLA clocks); a public
 * staff comment is the first response. Closed tickets take no comments.
 */
export async function commentTicket(ctx: CoreContext, actor: Actor, raw: z.input<typeof commentInput>, parent?: Transaction): Promise<TimelineEntryDto> {
  const input = parseInput(commentInput, raw);
  if (actor.kind !== 'customer') requireStaff(actor);
  const internal = actor.kind === 'customer' ? false : (input.internal ?? false);
  return ctx.db.tx(async (t) => {
    let ticket = await loadTicket(ctx, actor, input.ticketId, t, true);
    if (ticket.status === 'closed') throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '工单已关闭，如需继续请重新打开', en: 'The ticket is closed; reopen it to continue' } });
    const now = ctx.clock.now();
    const eventId = await addEvent(ctx, t, { ticketId: ticket.id, kind: internal ? 'note' : 'comment', actor, body: input.body, internal });
    if (actor.kind === 'customer' && ticket.status === 'waiting_customer') {
      const cfg = await getServiceConfig(ctx, t);
      ticket = await moveStatus(ctx, t, { kind: 'system' }, ticket, 'in_progress', resumeClocks(slaColumnsOf(ticket), now, cfg));
    } else if (actor.kind !== 'customer' && !internal && !ticket.first_responded_at) {
      await ctx.models.Ticket.update({ first_responded_at: now, ...firstResponseMet(slaColumnsOf(ticket)), updated_at: now }, { where: { id: ticket.id }, transaction: t });
    } else {
      await ctx.models.Ticket.update({ updated_at: now }, { where: { id: ticket.id }, transaction: t });
    }
    const [row] = await ctx.db.select<Parameters<typeof timelineEntry>[0]>(
      `SELECT e.id, e.kind, e.author_type, e.author_id, e.body, e.from_status, e.to_status, e.internal, e.created_at,
              u.name AS user_name, c.name AS contact_name
         FROM ticket_events e LEFT JOIN users u ON e.author_type = 'user' AND u.id = e.author_id
         LEFT JOIN contacts c ON e.author_type = 'customer' AND c.id = e.author_id WHERE e.id = :id`,
      { id: eventId },
      t,
    );
    return timelineEntry(row, audienceOf(actor), ctx.locale);
  }, parent);
}

function responded(ticket: TicketAttrs, now: Date): Partial<TicketAttrs> & Partial<SlaColumns> {
  return ticket.first_responded_at ? {} : { first_responded_at: now, ...firstResponseMet(slaColumnsOf(ticket)) };
}

/** The agent asks the customer for something: the SLA clocks stop until the customer answers. */
export async function waitForCustomer(ctx: CoreContext, actor: Actor, raw: { ticketId: number; body?: string | null }, parent?: Transaction): Promise<TicketDetailDto> {
  requireStaff(actor);
  const input = parseInput(idInput.extend({ body: z.string().trim().min(1).max(5000).optional().nullable() }), raw);
  return ctx.db.tx(async (t) => {
    const ticket = await loadTicket(ctx, actor, input.ticketId, t, true);
    if (ticket.status === 'waiting_customer') throw new AppError('ALREADY_DONE');
    if (!canTransition(ticket.status, 'waiting_customer')) throw new AppError('INVALID_STATE');
    const now = ctx.clock.now();
    const r = responded(ticket, now);
    const sla = pauseClocks({ ...slaColumnsOf(ticket), ...pickSla(r) }, now);
    const next = await moveStatus(ctx, t, actor, ticket, 'waiting_customer', { ...r, ...sla }, input.body ?? null);
    return detailOf(ctx, next, 'staff', t);
  }, parent);
}

function pickSla(p: Partial<SlaColumns>): Partial<SlaColumns> {
  const out: Partial<SlaColumns> = {};
  for (const k of ['frt_due_at', 'frt_warn_at', 'frt_stage', 'res_due_at', 'res_warn_at', 'res_stage', 'sla_paused_at', 'sla_next_at'] as const) {
    if (k in p) (out as Record<string, unknown>)[k] = p[k];
  }
  return out;
}

/** Resolves: stops the clocks, and sends the customer a CSAT survey (pending in the mini-program). */
export async function resolveTicket(ctx: CoreContext, actor: Actor, raw: { ticketId: number; resolution?: string | null }, parent?: Transaction): Promise<TicketDetailDto> {
  requireStaff(actor);
  const input = parseInput(idInput.extend({ resolution: z.string().trim().min(1).max(5000).optional().nullable() }), raw);
  return ctx.db.tx(async (t) => {
    const ticket = await loadTicket(ctx, actor, input.ticketId, t, true);
    if (ticket.status === 'resolved' || ticket.status === 'closed') throw new AppError('ALREADY_DONE');
    if (!canTransition(ticket.status, 'resolved')) throw new AppError('INVALID_STATE');
    const now = ctx.clock.now();
    const r = responded(ticket, now);
    const sla = resolutionMet({ ...slaColumnsOf(ticket), ...pickSla(r) });
    const assignee = ticket.assignee_id ?? (actor.kind === 'user' ? actor.userId : null);
    const next = await moveStatus(ctx, t, actor, ticket, 'resolved', { ...r, ...sla, resolved_at: now, closed_at: null, assignee_id: assignee }, input.resolution ?? null);
    const cfg = await getServiceConfig(ctx, t);
    if (next.contact_id) await createCsatSurvey(ctx, t, next, cfg.surveyDays);
    await recordAudit(ctx, t, { actor, action: 'ticket.resolve', entityType: 'ticket', entityId: ticket.id, channel: 'chat' });
    return detailOf(ctx, next, 'staff', t);
  }, parent);
}

/** Staff closes a resolved ticket (the sweep also closes them after the reopen window). */
export async function closeTicket(ctx: CoreContext, actor: Actor, raw: { ticketId: number }, parent?: Transaction): Promise<TicketDetailDto> {
  requireStaff(actor);
  const input = parseInput(idInput, raw);
  return ctx.db.tx(async (t) => {
    const ticket = await loadTicket(ctx, actor, input.ticketId, t, true);
    if (ticket.status === 'closed') throw new AppError('ALREADY_DONE');
    if (!canTransition(ticket.status, 'closed')) throw new AppError('INVALID_STATE');
    const next = await moveStatus(ctx, t, actor, ticket, 'closed', { closed_at: ctx.clock.now() });
    return detailOf(ctx, next, 'staff', t);
  }, parent);
}

/** Reopen within 7 days of resolution: back to the agent (or the queue), with a fresh resolution clock. */
export async function reopenTicket(ctx: CoreContext, actor: Actor, raw: z.input<typeof reopenInput>, parent?: Transaction): Promise<TicketDetailDto> {
  const input = parseInput(reopenInput, raw);
  if (actor.kind !== 'customer') requireStaff(actor);
  return ctx.db.tx(async (t) => {
    const ticket = await loadTicket(ctx, actor, input.ticketId, t, true);
    const now = ctx.clock.now();
    const verdict = canReopen(ticket.status, toDate(ticket.resolved_at), now);
    if (verdict === 'state') throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '只有已解决或已关闭的工单可以重新打开', en: 'Only resolved or closed tickets can be reopened' } });
    if (verdict === 'expired') throw new AppError('EXPIRED', { detail: { 'zh-CN': '已超过 7 天，无法重新打开，请提交新工单', en: 'More than 7 days since resolution; please file a new ticket' } });
    const cfg = await getServiceConfig(ctx, t);
    const sla = restartResolution(slaColumnsOf(ticket), now, ticket.tier, ticket.priority, cfg);
    const to: TicketStatus = ticket.assignee_id ? 'assigned' : 'new';
    const [n] = await ctx.models.Ticket.update(
      { status: to, ...sla, resolved_at: null, closed_at: null, reopen_count: ticket.reopen_count + 1, updated_at: now },
      { where: { id: ticket.id, status: ticket.status }, transaction: t },
    );
    if (!n) throw new AppError('ALREADY_DONE');
    await addEvent(ctx, t, { ticketId: ticket.id, kind: 'status', actor, from: ticket.status, to, body: input.reason });
    // Pending surveys of the earlier resolution no longer make sense.
    await ctx.models.Survey.update({ status: 'expired', updated_at: now }, { where: { ticket_id: ticket.id, status: 'pending' }, transaction: t });
    let next: TicketAttrs = { ...ticket, ...sla, status: to, resolved_at: null, closed_at: null, reopen_count: ticket.reopen_count + 1, updated_at: now };
    if (next.assignee_id) {
      const eventId = await addEvent(ctx, t, { ticketId: ticket.id, kind: 'assign', actor: { kind: 'system' }, body: String(next.assignee_id), internal: true });
      await notifyAssigned(ctx, t, next, eventId);
    } else {
      next = await autoAssign(ctx, t, { kind: 'system' }, next, cfg);
    }
    await recordAudit(ctx, t, { actor, action: 'ticket.reopen', entityType: 'ticket', entityId: ticket.id, channel: actor.kind === 'customer' ? 'mp' : 'chat' });
    return detailOf(ctx, next, audienceOf(actor), t);
  }, parent);
}

/** Reads one attachment's bytes for the actor (same visibility as the ticket). */
export async function readAttachment(ctx: CoreContext, actor: Actor, attachmentId: number, storage: AttachmentStorage): Promise<{ name: string; mime: string; data: Buffer }> {
  const [a] = await ctx.db.select<{ ticket_id: number; storage_key: string; name: string; mime: string }>(
    'SELECT ticket_id, storage_key, name, mime FROM ticket_attachments WHERE id = :id',
    { id: attachmentId },
  );
  if (!a) throw new AppError('NOT_FOUND', { field: 'attachmentId' });
  await loadTicket(ctx, actor, a.ticket_id);
  const data = await storage.get(a.storage_key);
  if (!data) throw new AppError('NOT_FOUND', { field: 'attachmentId' });
  return { name: a.name, mime: a.mime, data };
}
