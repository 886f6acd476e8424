import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError, invalid } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { logActivity } from '../activities/operations';
import { isUniqueViolation, toDate } from '../db/connection';
import { dbId, day } from '../shared/fields';
import { addDays, businessDay, toDay } from '../shared/dates';
import { discountBp, formatCents, toCents } from '../shared/money';
import { toPricedLine } from '../shared/lines';
import { getOpportunity, opportunityForContract, opportunityLineInput, priceOpportunityLines } from './operations';
import type { QuoteDto, QuoteStatus } from './schemas';

export type { QuoteDto } from './schemas';

/** A quote is valid this many days unless the rep says otherwise. */
export const DEFAULT_QUOTE_DAYS = 30;

interface QuoteRow {
  id: number;
  number: string;
  opportunity_id: number;
  opportunity_name: string;
  customer_id: number;
  customer_name: string;
  version: number;
  status: QuoteStatus;
  currency: string;
  list_cents: unknown;
  amount_cents: unknown;
  discount_bp: number;
  valid_until: unknown;
  note: string | null;
  sent_at: unknown;
  accepted_at: unknown;
  contract_id: number | null;
  created_at: unknown;
}

const QUOTE_SELECT = `q.id, q.number, q.opportunity_id, o.name AS opportunity_name, o.customer_id, cu.name AS customer_name, q.version, q.status, q.currency,
  q.list_cents, q.amount_cents, q.discount_bp, q.valid_until, q.note, q.sent_at, q.accepted_at, q.contract_id, q.created_at
  FROM quotes q JOIN opportunities o ON o.id = q.opportunity_id JOIN customers cu ON cu.id = o.customer_id`;

const quoteNotFound = () => new AppError('NOT_FOUND', { field: 'quoteId', detail: { 'zh-CN': '报价单不存在', en: 'No such quote' } });

async function quoteRow(ctx: CoreContext, id: number, t?: Transaction | null): Promise<QuoteRow | null> {
  return (await ctx.db.select<QuoteRow>(`SELECT ${QUOTE_SELECT} WHERE q.id = :id`, { id }, t))[0] ?? null;
}

type QuoteLineRow = { quote_id: number; seq: number; name: string; quantity: number; unit_price_cents: unknown; discount_bp: number; amount_cents: unknown };

/** The lines of several quotes in one query (a deal's quote list is one round trip, not one per version). */
async function quoteLines(ctx: CoreContext, ids: number[], t?: Transaction | null): Promise<Map<number, QuoteLineRow[]>> {
  const out = new Map<number, QuoteLineRow[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  const rows = await ctx.db.select<QuoteLineRow>(
    'SELECT quote_id, seq, name, quantity, unit_price_cents, discount_bp, amount_cents FROM quote_lines WHERE quote_id IN (:ids) ORDER BY quote_id, seq',
    { ids },
    t,
  );
  for (const l of rows) out.get(Number(l.quote_id))?.push(l);
  return out;
}

async function toQuoteDto(ctx: CoreContext, r: QuoteRow, t?: Transaction | null, preloaded?: QuoteLineRow[]): Promise<QuoteDto> {
  const lines = preloaded ?? (await quoteLines(ctx, [Number(r.id)], t)).get(Number(r.id))!;
  const validUntil = toDay(r.valid_until)!;
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  return {
    id: Number(r.id),
    number: r.number,
    opportunityId: Number(r.opportunity_id),
    opportunityName: r.opportunity_name,
    customerId: Number(r.customer_id),
    customerName: r.customer_name,
    version: Number(r.version),
    status: r.status,
    currency: r.currency,
    listCents: toCents(r.list_cents),
    amountCents: toCents(r.amount_cents),
    discountBp: Number(r.discount_bp),
    validUntil,
    expired: (r.status === 'draft' || r.status === 'sent') && validUntil < today,
    note: r.note,
    lines: lines.map(toPricedLine),
    sentAt: r.sent_at ? toDate(r.sent_at)!.toISOString() : null,
    acceptedAt: r.accepted_at ? toDate(r.accepted_at)!.toISOString() : null,
    contractId: r.contract_id === null ? null : Number(r.contract_id),
    createdAt: toDate(r.created_at)!.toISOString(),
  };
}

/** A quote is visible to whoever sees its opportunity (NOT_FOUND otherwise). */
export async function getQuote(ctx: CoreContext, actor: Actor, id: number, t?: Transaction | null): Promise<QuoteDto> {
  const qid = parseInput(z.object({ quoteId: dbId }), { quoteId: id }).quoteId;
  const r = await quoteRow(ctx, qid, t);
  if (!r) throw quoteNotFound();
  try {
    await getOpportunity(ctx, actor, Number(r.opportunity_id), t);
  } catch (e) {
    if (e instanceof AppError && e.code === 'NOT_FOUND') throw quoteNotFound();
    throw e;
  }
  return toQuoteDto(ctx, r, t);
}

export async function listQuotes(ctx: CoreContext, actor: Actor, opportunityId: number, t?: Transaction | null): Promise<QuoteDto[]> {
  await getOpportunity(ctx, actor, opportunityId, t);
  const rows = await ctx.db.select<QuoteRow>(`SELECT ${QUOTE_SELECT} WHERE q.opportunity_id = :id ORDER BY q.version DESC`, { id: opportunityId }, t);
  const lines = await quoteLines(ctx, rows.map((r) => Number(r.id)), t);
  const out: QuoteDto[] = [];
  for (const r of rows) out.push(await toQuoteDto(ctx, r, t, lines.get(Number(r.id))));
  return out;
}

export const createQuoteInput = z
  .object({
    opportunityId: dbId,
    validUntil: day('validUntil').optional(),
    /** Default: the opportunity's line items (or one line of its amount when it has none). */
    lines: z.array(opportunityLineInput).min(1).max(100).optional(),
    note: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();

/**
 * A new version of the deal's quote, priced exactly like a contract. Earlier draft or sent versions are superseded.
 * The deal must be open.
 */
export async function createQuote(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof createQuoteInput>, parent?: Transaction | null): Promise<QuoteDto> {
  const input = parseInput(createQuoteInput, raw);
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  const validUntil = input.validUntil ?? addDays(today, DEFAULT_QUOTE_DAYS);
  if (validUntil < today) throw invalid('validUntil', '有效期不能早于今天', 'The validity date is in the past');
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.db.tx(async (t) => {
        const o = await opportunityForContract(ctx, actor, input.opportunityId, t);
        if (o.status !== 'open') throw new AppError('INVALID_STATE', { field: 'opportunityId', detail: { 'zh-CN': '商机已关闭，不能再报价', en: 'The opportunity is closed' } });
        let lines = input.lines;
        if (!lines) {
          if (o.lines.length) lines = o.lines.map((l) => ({ name: l.name, quantity: l.quantity, unitPriceCents: l.unitPriceCents, discountBp: l.discountBp }));
          else if (o.amountCents) lines = [{ name: o.name, quantity: 1, unitPriceCents: o.amountCents }];
          else throw invalid('lines', '报价单需要产品明细或商机金额', 'A quote needs line items or an opportunity amount');
        }
        const priced = priceOpportunityLines(parseInput(z.array(opportunityLineInput), lines), 'lines');
        if (priced.amountCents <= 0) throw invalid('lines', '报价金额必须大于 0', 'The quote amount must be positive');
        const version = Number((await ctx.db.select<{ v: number | null }>('SELECT MAX(version) AS v FROM quotes WHERE opportunity_id = :id', { id: o.id }, t))[0]?.v ?? 0) + 1;
        const now = ctx.clock.now();
        await ctx.db.sequelize.query("UPDATE quotes SET status = 'superseded', updated_at = :now WHERE opportunity_id = :id AND status IN ('draft', 'sent')", { replacements: { now, id: o.id }, transaction: t, type: QueryTypes.UPDATE });
        const q = await ctx.models.Quote.create({
          number: `tmp-${randomUUID()}`, opportunity_id: o.id, version, status: 'draft', currency: o.currency, list_cents: priced.listCents, amount_cents: priced.amountCents,
          discount_bp: discountBp(priced.listCents, priced.amountCents), valid_until: validUntil, note: input.note ?? null, created_by: actor.kind === 'user' ? actor.userId : null, created_at: now, updated_at: now,
        }, { transaction: t });
        const id = Number(q.get('id'));
        const number = `BJ${today.replace(/-/g, '')}-${String(id).padStart(5, '0')}`;
        await ctx.db.sequelize.query('UPDATE quotes SET number = :number WHERE id = :id', { replacements: { number, id }, transaction: t, type: QueryTypes.UPDATE });
        await ctx.models.QuoteLine.bulkCreate(priced.lines.map((l) => ({ quote_id: id, seq: l.seq, name: l.name, quantity: l.quantity, unit_price_cents: l.unitPriceCents, discount_bp: l.discountBp, amount_cents: l.amountCents })), { transaction: t });
        await recordAudit(ctx, t, { actor, action: 'quote.create', entityType: 'quote', entityId: id, channel, data: { opportunityId: o.id, version, amountCents: priced.amountCents } });
        return toQuoteDto(ctx, (await quoteRow(ctx, id, t))!, t);
      }, parent);
    } catch (e) {
      // Two reps quoting the same deal at once: the loser takes the next version (not inside a caller's transaction,
      // whose failed statement is the caller's to roll back).
      if (isUniqueViolation(e) && attempt < 2 && !parent) continue;
      throw e;
    }
  }
}

/** Locks and loads a quote the actor may change (through its deal). */
export async function quoteForChange(ctx: CoreContext, actor: Actor, quoteId: number, t: Transaction): Promise<QuoteDto> {
  if (ctx.db.dialect === 'mysql') await ctx.db.select('SELECT id FROM quotes WHERE id = :id FOR UPDATE', { id: quoteId }, t);
  const r = await quoteRow(ctx, quoteId, t);
  if (!r) throw quoteNotFound();
  try {
    await opportunityForContract(ctx, actor, Number(r.opportunity_id), t);
  } catch (e) {
    if (e instanceof AppError && e.code === 'NOT_FOUND') throw quoteNotFound();
    throw e;
  }
  return toQuoteDto(ctx, r, t);
}

const quoteIdInput = z.object({ quoteId: dbId }).strict();

/**
 * The rep sent the quote to the customer (the card's 发送给客户): the quote is 'sent' and the customer's follow-up
 * history says so. Sending again is no change.
 */
export async function sendQuote(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof quoteIdInput>, parent?: Transaction | null): Promise<QuoteDto> {
  const { quoteId } = parseInput(quoteIdInput, raw);
  return ctx.db.tx(async (t) => {
    const q = await quoteForChange(ctx, actor, quoteId, t);
    if (q.status === 'sent') return q;
    if (q.status !== 'draft') throw new AppError('INVALID_STATE', { field: 'quoteId', detail: { 'zh-CN': `报价单状态为 ${q.status}，不能发送`, en: `A ${q.status} quote cannot be sent` } });
    if (q.expired) throw new AppError('EXPIRED', { field: 'validUntil', detail: { 'zh-CN': '报价单已过有效期', en: 'The quote is past its validity date' } });
    const now = ctx.clock.now();
    await ctx.db.sequelize.query("UPDATE quotes SET status = 'sent', sent_at = :now, updated_at = :now WHERE id = :id AND status = 'draft'", { replacements: { now, id: q.id }, transaction: t, type: QueryTypes.UPDATE });
    await logActivity(ctx, actor.kind === 'user' ? actor : { kind: 'system' }, channel, {
      customerId: q.customerId,
      channel: 'other',
      summary: `发送报价单 ${q.number}（第 ${q.version} 版）：${q.currency} ${formatCents(q.amountCents)}，有效期至 ${q.validUntil}`,
    }, t);
    await recordAudit(ctx, t, { actor, action: 'quote.send', entityType: 'quote', entityId: q.id, channel, data: { opportunityId: q.opportunityId } });
    return toQuoteDto(ctx, (await quoteRow(ctx, q.id, t))!, t);
  }, parent);
}

export const rejectQuoteInput = z.object({ quoteId: dbId, reason: z.string().trim().min(1).max(500).optional() }).strict();

/** The customer declined this version (the deal stays open; a new version may follow). */
export async function rejectQuote(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof rejectQuoteInput>, parent?: Transaction | null): Promise<QuoteDto> {
  const input = parseInput(rejectQuoteInput, raw);
  return ctx.db.tx(async (t) => {
    const q = await quoteForChange(ctx, actor, input.quoteId, t);
    if (q.status === 'rejected') return q;
    if (q.status !== 'draft' && q.status !== 'sent') throw new AppError('INVALID_STATE', { field: 'quoteId', detail: { 'zh-CN': `报价单状态为 ${q.status}`, en: `The quote is ${q.status}` } });
    await ctx.db.sequelize.query("UPDATE quotes SET status = 'rejected', updated_at = :now WHERE id = :id", { replacements: { now: ctx.clock.now(), id: q.id }, transaction: t, type: QueryTypes.UPDATE });
    await recordAudit(ctx, t, { actor, action: 'quote.reject', entityType: 'quote', entityId: q.id, channel, data: { reason: input.reason ?? null } });
    return toQuoteDto(ctx, (await quoteRow(ctx, q.id, t))!, t);
  }, parent);
}

/** For the contracts context: marks the quote accepted with its contract (inside the caller's transaction). */
export async function markQuoteAccepted(ctx: CoreContext, t: Transaction, quoteId: number, contractId: number): Promise<void> {
  const now = ctx.clock.now();
  const n = await ctx.db.sequelize.query("UPDATE quotes SET status = 'accepted', accepted_at = :now, contract_id = :c, updated_at = :now WHERE id = :id AND status IN ('draft', 'sent')", {
    replacements: { now, c: contractId, id: quoteId }, transaction: t, type: QueryTypes.UPDATE,
  });
  if (!Number(n[1])) throw new AppError('CONFLICT', { field: 'quoteId' });
  await ctx.db.sequelize.query("UPDATE quotes SET status = 'superseded', updated_at = :now WHERE opportunity_id = (SELECT opportunity_id FROM quotes WHERE id = :id) AND id <> :id AND status IN ('draft', 'sent')", {
    replacements: { now, id: quoteId }, transaction: t, type: QueryTypes.UPDATE,
  });
}
