import { QueryTypes, type Transaction } from 'sequelize';
import type { CoreContext } from '../core/context';
import { isUniqueViolation } from '../core/db/connection';
import { t as tr } from './i18n';
import type { CardActionResult, HandlerKit } from './types';

/**
 * Card-click idempotence (Lark never re-sends a card callback, but people double-click and two
 * devices can click the same card). An `action_log` row per idempotency key, written in the
 * handler's transaction: the first click applies and stores its answer; later clicks get
 * "已处理 / already done" with the first answer's card, and no second effect.
 *
 * The dispatcher applies this automatically when a button's value carries `key`
 * (key = `<action>:<value.key>`), e.g. `button({text: '同意', value: {action: 'approval.approve', id: 7, key: 'approval:7:step:2'}})`.
 * Handlers with other needs call `onceForKey(kit, key, action, fn)` themselves.
 */
export type ClaimResult = { first: true } | { first: false; result: CardActionResult | null };

export async function claimActionKey(core: CoreContext, t: Transaction, key: string, action: string, userId: number | null): Promise<ClaimResult> {
  try {
    await core.db.sequelize.query('INSERT INTO action_log (action_key, action, user_id, created_at) VALUES (:key, :action, :userId, :now)', {
      type: QueryTypes.INSERT,
      transaction: t,
      replacements: { key: key.slice(0, 190), action: action.slice(0, 64), userId, now: core.clock.now() },
    });
    return { first: true };
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  const rows = await core.db.select<{ result: unknown }>('SELECT result FROM action_log WHERE action_key = :key', { key: key.slice(0, 190) }, t);
  let result = rows[0]?.result ?? null;
  if (typeof result === 'string') result = JSON.parse(result);
  return { first: false, result: (result as CardActionResult | null) ?? null };
}

export async function saveActionResult(core: CoreContext, t: Transaction, key: string, result: CardActionResult): Promise<void> {
  await core.db.sequelize.query('UPDATE action_log SET result = :result WHERE action_key = :key', {
    type: QueryTypes.UPDATE,
    transaction: t,
    replacements: { key: key.slice(0, 190), result: JSON.stringify({ card: result.card }) },
  });
}

export function alreadyDone(locale: string, previous: CardActionResult | null): CardActionResult {
  const answer: CardActionResult = { toast: { type: 'info', content: tr(locale, { 'zh-CN': '已处理，无需重复操作', en: 'Already done' }) } };
  if (previous?.card) answer.card = previous.card;
  return answer;
}

/** Runs `fn` once per key inside kit.t; a repeat answers "already done" with the first card. */
export async function onceForKey(kit: HandlerKit, key: string, action: string, userId: number | null, fn: () => Promise<CardActionResult>): Promise<CardActionResult> {
  const claim = await claimActionKey(kit.deps.core, kit.t, key, action, userId);
  if (!claim.first) return alreadyDone(kit.deps.locale, claim.result);
  const result = await fn();
  await saveActionResult(kit.deps.core, kit.t, key, result);
  return result;
}
