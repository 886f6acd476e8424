import { QueryTypes, type Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { txUpdate } from '../shared/txsql';

/**
 * users.held_count = the number of active customers a user owns. A pool claim checks maxHeld against it instead of
 * counting the rep's customers, so every operation that changes a customer's owner_id, or moves an owned customer
 * in or out of status 'active', adjusts it in the same transaction (create, claim, release, assign/transfer,
 * delete, merge, recycle). recountHeld rebuilds it from customers (migration backfill, bulk seeds, repair).
 */

/** [userId, change]; a null/undefined user (the pool) and a zero change are ignored. */
export type HeldDelta = readonly [userId: number | null | undefined, delta: number];

/**
 * Applies the changes in one statement. Several changes for one user add up; users are listed in ascending id
 * order so two transactions touching the same users lock their rows in the same order.
 */
export async function adjustHeld(ctx: CoreContext, t: Transaction, deltas: Iterable<HeldDelta>): Promise<void> {
  const sum = new Map<number, number>();
  for (const [user, delta] of deltas) {
    if (user === null || user === undefined || !delta) continue;
    if (!Number.isInteger(delta)) throw new Error(`adjustHeld: not an integer change (${delta})`);
    const id = Number(user);
    sum.set(id, (sum.get(id) ?? 0) + delta);
  }
  const ids = [...sum.keys()].filter((id) => sum.get(id) !== 0).sort((a, b) => a - b);
  if (!ids.length) return;
  if (ids.length === 1) {
    await txUpdate(ctx, 'UPDATE users SET held_count = held_count + :d WHERE id = :id', { d: sum.get(ids[0]), id: ids[0] }, t);
    return;
  }
  const repl: Record<string, unknown> = {};
  const cases = ids.map((id, i) => {
    repl[`i${i}`] = id;
    repl[`d${i}`] = sum.get(id);
    return `WHEN :i${i} THEN :d${i}`;
  });
  const list = ids.map((_, i) => `:i${i}`).join(', ');
  await txUpdate(ctx, `UPDATE users SET held_count = held_count + CASE id ${cases.join(' ')} ELSE 0 END WHERE id IN (${list})`, repl, t);
}

/**
 * Recomputes the counters from customers, set-based: every user's, or only `userIds`' (an empty list does nothing).
 * Takes only the database, so the bench seed (which has no full core context) can call it too.
 */
export async function recountHeld(ctx: Pick<CoreContext, 'db'>, userIds?: readonly number[], t?: Transaction | null): Promise<void> {
  if (userIds && !userIds.length) return;
  const ids = userIds ? [...new Set(userIds.map(Number))].sort((a, b) => a - b) : null;
  await ctx.db.sequelize.query(
    `UPDATE users SET held_count = (SELECT COUNT(*) FROM customers c WHERE c.owner_id = users.id AND c.status = 'active')${ids ? ' WHERE id IN (:ids)' : ''}`,
    { replacements: ids ? { ids } : {}, transaction: t ?? undefined, type: QueryTypes.UPDATE },
  );
}
