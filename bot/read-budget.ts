import { assertReadBudget, DEFAULT_READ_BUDGET, noteEmptySearch, spendReadBudget, type ReadBudgetConfig, type ReadKind } from '../core/audit/read-budget';
import type { Actor } from '../core/context';
import { isAppError } from '../core/errors';
import { errorText } from './errors';
import type { HandlerKit } from './types';

/**
 * The chat side of the per-user read budgets (the rule: core/audit/read-budget.ts). Spent in the handler's
 * transaction, so the count and its audit row land with the reply. Over budget, the person reads when to try again
 * (the RATE_LIMITED message: "查询过于频繁，请 N 秒后再试").
 */
export function budgetOf(kit: HandlerKit): ReadBudgetConfig {
  return kit.deps.config.readBudget ?? DEFAULT_READ_BUDGET;
}

/** Spends one read; false (after replying) when over budget. */
export async function spendInChat(kit: HandlerKit, actor: Actor, kind: ReadKind, points = 1): Promise<boolean> {
  try {
    await spendReadBudget(kit.deps.core, actor, kind, budgetOf(kit), { channel: 'chat', t: kit.t, points });
    return true;
  } catch (e) {
    if (!isAppError(e) || e.code !== 'RATE_LIMITED') throw e;
    await kit.reply({ kind: 'text', payload: { text: errorText(e, kit.deps.locale) } });
    return false;
  }
}

/** Spends one read from a card action; the toast to answer with when over budget, else null. */
export async function spendInCard(kit: HandlerKit, actor: Actor, kind: ReadKind): Promise<{ toast: { type: 'error'; content: string } } | null> {
  try {
    await spendReadBudget(kit.deps.core, actor, kind, budgetOf(kit), { channel: 'card', t: kit.t });
    return null;
  } catch (e) {
    if (!isAppError(e) || e.code !== 'RATE_LIMITED') throw e;
    return { toast: { type: 'error', content: errorText(e, kit.deps.locale) } };
  }
}

/** A chat search found nothing (the burst audit). */
export async function noteEmptyInChat(kit: HandlerKit, actor: Actor): Promise<void> {
  await noteEmptySearch(kit.deps.core, actor, budgetOf(kit), { channel: 'chat', t: kit.t });
}

/**
 * Before a write that runs a de-dup check (lead capture, import): the toast/reply text when the search budget is used
 * up (a de-dup refusal costs a search, so capture is no oracle), else null.
 */
export async function dedupBlocked(kit: HandlerKit, actor: Actor): Promise<string | null> {
  try {
    await assertReadBudget(kit.deps.core, actor, 'dedup.refused', budgetOf(kit), kit.t);
    return null;
  } catch (e) {
    if (!isAppError(e) || e.code !== 'RATE_LIMITED') throw e;
    return errorText(e, kit.deps.locale);
  }
}

/** Charges de-dup refusals of records the person may not see; false when that used the budget up. */
export async function chargeDedup(kit: HandlerKit, actor: Actor, points: number): Promise<boolean> {
  if (points <= 0) return true;
  try {
    await spendReadBudget(kit.deps.core, actor, 'dedup.refused', budgetOf(kit), { channel: 'chat', t: kit.t, points });
    return true;
  } catch (e) {
    if (!isAppError(e) || e.code !== 'RATE_LIMITED') throw e;
    return false;
  }
}
