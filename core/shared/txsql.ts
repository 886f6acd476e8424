import { QueryTypes, type Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { fastPathsOn, toPositional } from '../db/fast-read';
import { sendOn, type RawConnection } from '../db/connection';

/**
 * The approval decision path runs ~20 statements in one transaction while an approver waits for the card
 * answer. On MySQL these go straight to the transaction's own mysql2 connection (same SQL, same named
 * parameters, same type casting and `-FOUND_ROWS` affected-row counts as Sequelize), skipping Sequelize's
 * per-query work; on SQLite, and outside a transaction, they are plain Sequelize queries.
 */

function rawConnection(ctx: CoreContext, t?: Transaction | null): RawConnection | null {
  if (!t || !fastPathsOn(ctx.db)) return null;
  const conn = (t as unknown as { connection?: RawConnection }).connection;
  return conn && typeof conn.query === 'function' ? conn : null;
}

const run = (conn: RawConnection, sql: string, replacements: Record<string, unknown>): Promise<unknown> => sendOn(conn, toPositional(sql, replacements));

export async function txSelect<R extends object>(ctx: CoreContext, sql: string, replacements: Record<string, unknown> = {}, t?: Transaction | null): Promise<R[]> {
  const conn = rawConnection(ctx, t);
  if (!conn) return ctx.db.select<R>(sql, replacements, t);
  return (await run(conn, sql, replacements)) as R[];
}

/** UPDATE/DELETE: the number of rows changed (MySQL counts rows whose values changed). */
export async function txUpdate(ctx: CoreContext, sql: string, replacements: Record<string, unknown>, t: Transaction): Promise<number> {
  const conn = rawConnection(ctx, t);
  if (!conn) {
    const [, n] = await ctx.db.sequelize.query(sql, { replacements, transaction: t, type: QueryTypes.UPDATE });
    return Number(n);
  }
  const r = (await run(conn, sql, replacements)) as { affectedRows?: number };
  return Number(r.affectedRows ?? 0);
}

/**
 * A statement with positional `?` parameters (arrays expand to lists): for bulk statements with thousands of values,
 * where building and resolving a named-parameter object per value would cost more than the statement.
 * Returns the affected rows (MySQL: changed rows).
 */
export async function txExec(ctx: CoreContext, sql: string, values: unknown[], t: Transaction): Promise<number> {
  const conn = rawConnection(ctx, t);
  if (!conn) {
    const [, n] = await ctx.db.sequelize.query(sql, { replacements: values, transaction: t, type: QueryTypes.UPDATE });
    return Number(n);
  }
  const r = (await sendOn(conn, { sql, values })) as { affectedRows?: number };
  return Number(r.affectedRows ?? 0);
}
