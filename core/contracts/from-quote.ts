import { z } from 'zod';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError, invalid } from '../errors';
import { parseInput } from '../validation';
import { isUniqueViolation } from '../db/connection';
import { recordAudit } from '../audit/record';
import { dbId, day } from '../shared/fields';
import { addDays, addMonths, businessDay } from '../shared/dates';
import type { ApprovalView } from '../approvals/operations';
import { getOpportunity } from '../opportunities/operations';
import { getQuote, markQuoteAccepted, quoteForChange, type QuoteDto } from '../opportunities/quotes';
import { createContract, getContract, submitContract } from './operations';
import type { ContractDto } from './schemas';

export const acceptQuoteInput = z
  .object({
    quoteId: dbId,
    /** Default today (CRM time zone). */
    startDate: day('startDate').optional(),
    /** Default one year after the start, less a day. */
    endDate: day('endDate').optional(),
    /** Submit the draft for approval at once (default). */
    submit: z.boolean().default(true),
  })
  .strict();

export interface AcceptQuoteResult {
  quote: QuoteDto;
  contract: ContractDto;
  approval: ApprovalView | null;
  /** False when the quote had been accepted already: its contract is answered, none is drafted. */
  created: boolean;
}

async function contractOfQuote(ctx: CoreContext, quoteId: number, t?: Transaction | null): Promise<number | null> {
  const r = (await ctx.db.select<{ id: number }>('SELECT id FROM contracts WHERE quote_id = :q', { q: quoteId }, t))[0];
  return r ? Number(r.id) : null;
}

/**
 * The customer accepted the quote: a contract draft from its lines (same owner and customer as the deal), linked to
 * the deal and the quote, and submitted to the contract approval flow. Once per quote: a second acceptance — even a
 * concurrent one — answers the same contract (the quote row is locked, and contracts.quote_id is unique). When the
 * contract is approved, the deal is won (the contract approval subject closes it).
 */
export async function acceptQuote(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof acceptQuoteInput>, parent?: Transaction | null): Promise<AcceptQuoteResult> {
  const input = parseInput(acceptQuoteInput, raw);
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  const start = input.startDate ?? today;
  const end = input.endDate ?? addDays(addMonths(start, 12), -1);
  if (end < start) throw invalid('endDate', '结束日期不能早于开始日期', 'The end date is before the start date');
  const existing = async (t?: Transaction | null): Promise<AcceptQuoteResult | null> => {
    const id = await contractOfQuote(ctx, input.quoteId, t);
    if (!id) return null;
    return { quote: await getQuote(ctx, actor, input.quoteId, t), contract: await getContract(ctx, actor, id, t ?? undefined), approval: null, created: false };
  };
  try {
    const res = await ctx.db.tx(async (t) => {
      const q = await quoteForChange(ctx, actor, input.quoteId, t);
      if (q.status === 'accepted') return null;
      if (q.status !== 'draft' && q.status !== 'sent') throw new AppError('INVALID_STATE', { field: 'quoteId', detail: { 'zh-CN': `报价单状态为 ${q.status}，不能接受`, en: `A ${q.status} quote cannot be accepted` } });
      if (q.expired) throw new AppError('EXPIRED', { field: 'quoteId', detail: { 'zh-CN': `报价单已于 ${q.validUntil} 过期，请重新报价`, en: `The quote expired on ${q.validUntil}; quote again` } });
      const o = await getOpportunity(ctx, actor, q.opportunityId, t);
      if (o.status !== 'open') throw new AppError('INVALID_STATE', { field: 'quoteId', detail: { 'zh-CN': '商机已关闭', en: 'The opportunity is closed' } });
      const contract = await createContract(ctx, actor, channel, {
        customerId: o.customerId,
        ownerId: o.ownerId,
        title: o.name,
        currency: q.currency,
        startDate: start,
        endDate: end,
        note: `来自报价单 ${q.number}（第 ${q.version} 版）`,
        lines: q.lines.map((l) => ({ name: l.name, quantity: l.quantity, unitPriceCents: l.unitPriceCents, discountBp: l.discountBp })),
        ...(o.renewalOfContractId ? { renewalOfId: o.renewalOfContractId } : {}),
      }, t);
      await ctx.db.sequelize.query('UPDATE contracts SET opportunity_id = :o, quote_id = :q WHERE id = :id', { replacements: { o: o.id, q: q.id, id: contract.id }, transaction: t, type: QueryTypes.UPDATE });
      await markQuoteAccepted(ctx, t, q.id, contract.id);
      await recordAudit(ctx, t, { actor, action: 'quote.accept', entityType: 'quote', entityId: q.id, channel, data: { opportunityId: o.id, contractId: contract.id } });
      const approval = input.submit ? await submitContract(ctx, actor, channel, { contractId: contract.id }, t) : null;
      return { contractId: contract.id, approval };
    }, parent);
    if (!res) return (await existing(parent))!;
    return { quote: await getQuote(ctx, actor, input.quoteId, parent), contract: await getContract(ctx, actor, res.contractId, parent ?? undefined), approval: res.approval, created: true };
  } catch (e) {
    if (isUniqueViolation(e) && !parent) {
      const hit = await existing();
      if (hit) return hit;
    }
    throw e;
  }
}
