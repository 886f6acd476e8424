import { z } from 'zod';
import type { Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { invalid } from '../errors';
import { day } from '../shared/fields';
import { MAX_CENTS } from '../shared/money';

/** A calendar date field (YYYY-MM-DD, plausible range), named in the error: the one date schema (core/shared/input.ts). */
export { day };

/** A receivable plan: the instalments a contract's amount is due in (contracts draft it, receivables replace it). */
export const instalmentPlanInput = z.array(z.object({ dueDate: day('dueDate'), amountCents: z.number().int().positive().max(MAX_CENTS) })).min(1).max(120);

/** The plan must sum exactly to the contract amount: a cent off is refused, naming the difference. */
export function assertPlanSums(plan: { amountCents: number }[], amountCents: number): void {
  const sum = plan.reduce((a, p) => a + p.amountCents, 0);
  if (sum !== amountCents) {
    const diff = sum - amountCents;
    throw invalid('instalments', `各期金额之和（${sum} 分）必须等于合同金额（${amountCents} 分），相差 ${diff} 分`, `Instalments add up to ${sum} cents, the contract is ${amountCents} cents (difference ${diff})`);
  }
}

export async function writeInstalments(ctx: CoreContext, t: Transaction, c: { id: number; customer_id: number; owner_id: number }, plan: { dueDate: string; amountCents: number }[], live: boolean): Promise<void> {
  const now = ctx.clock.now();
  const sorted = [...plan].sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0));
  await ctx.models.Instalment.bulkCreate(
    sorted.map((p, i) => ({ contract_id: c.id, customer_id: c.customer_id, owner_id: c.owner_id, seq: i + 1, due_date: p.dueDate, amount_cents: p.amountCents, paid_cents: 0, status: 'pending' as const, live, created_at: now, updated_at: now })),
    { transaction: t },
  );
}
