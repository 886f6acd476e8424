import { z } from 'zod';
import type { Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { isUniqueViolation } from '../db/connection';
import { dbId } from '../shared/fields';
import { businessDay } from '../shared/dates';
import { createOpportunity, getOpportunity, type OpportunityDto } from '../opportunities/operations';
import { pipelineOfKind } from '../opportunities/pipelines';
import { getContract } from './operations';

const input = z.object({ contractId: dbId }).strict();

async function existingFor(ctx: CoreContext, contractId: number, t?: Transaction | null): Promise<number | null> {
  const r = (await ctx.db.select<{ id: number }>('SELECT id FROM opportunities WHERE renewal_of_contract_id = :c', { c: contractId }, t))[0];
  return r ? Number(r.id) : null;
}

/**
 * One tap from the renewal reminder: a renewal opportunity in the renewal pipeline, for the contract's customer and
 * owner, with its lines and amount, expected to close when the contract ends. Once per contract: a second tap (even a
 * concurrent one) answers the same deal (opportunities.renewal_of_contract_id is unique).
 */
export async function createRenewalOpportunity(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof input>, parent?: Transaction | null): Promise<{ opportunity: OpportunityDto; created: boolean }> {
  const { contractId } = parseInput(input, raw);
  const found = await existingFor(ctx, contractId, parent);
  if (found) return { opportunity: await getOpportunity(ctx, actor, found, parent), created: false };
  const old = await getContract(ctx, actor, contractId, parent ?? undefined);
  if (!['approved', 'active', 'expired'].includes(old.status)) {
    throw new AppError('INVALID_STATE', { field: 'contractId', detail: { 'zh-CN': '只有已批准、执行中或已到期的合同可以续约', en: 'Only approved, active or expired contracts can be renewed' } });
  }
  const pipeline = await pipelineOfKind(ctx, 'renewal', parent);
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  try {
    const opportunity = await createOpportunity(ctx, actor, channel, {
      customerId: old.customerId,
      ...(actor.kind === 'user' && actor.userId === old.ownerId ? {} : { ownerId: old.ownerId }),
      name: `${old.title ?? old.customerName} 续约`.slice(0, 200),
      pipelineId: pipeline.id,
      currency: old.currency,
      lines: old.lines.map((l) => ({ name: l.name, quantity: l.quantity, unitPriceCents: l.unitPriceCents, discountBp: l.discountBp })),
      expectedCloseDate: old.endDate < today ? today : old.endDate,
      source: 'renewal',
      nextStep: `续约自 ${old.number}`,
    }, parent, { renewalOfContractId: old.id });
    return { opportunity, created: true };
  } catch (e) {
    // Inside a caller's transaction the failed statement is the caller's to roll back: rethrow (the card's per-click
    // key makes a double tap one effect there).
    if (isUniqueViolation(e) && !parent) {
      const id = await existingFor(ctx, contractId);
      if (id) return { opportunity: await getOpportunity(ctx, actor, id), created: false };
    }
    throw e;
  }
}
