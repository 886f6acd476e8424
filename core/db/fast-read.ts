import type { Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { pooledQuery, type Db } from './connection';

/**
 * A hot-path read for MySQL: the same SQL with the same named parameters as `db.select`, but sent straight
 * through a pooled mysql2 connection, skipping Sequelize's per-query work (~0.7 ms CPU each; see
 * shared notes). Rows come back exactly as Sequelize's raw SELECT gives them (same connection config and
 * type casting). Inside a transaction, or on SQLite, it is plain `db.select`.
 */

/** `:name` → `?` outside quoted strings; arrays expand in mysql2 (`IN (?)`). */
// Quoted strings (with backslash escapes) and runs of colons (`::`) are matched whole and kept as they are.
const TOKENS = /'(?:[^'\\]|\\[\s\S])*'|"(?:[^"\\]|\\[\s\S])*"|`[^`]*`|::+|:([A-Za-z_]\w*)/g;
export function toPositional(sql: string, replacements: Record<string, unknown> = {}): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const out = sql.replace(TOKENS, (token: string, name?: string) => {
    if (!name) return token;
    if (!(name in replacements)) throw new Error(`Named parameter ":${name}" has no value`);
    const v = replacements[name];
    values.push(v === undefined ? null : v);
    return '?';
  });
  return { sql: out, values };
}

/**
 * One statement on a pooled mysql2 connection, outside any transaction: the driver's raw result (rows for a SELECT;
 * for a CALL, its result sets followed by the OK packet). MySQL only.
 */
export async function rawQuery(db: Db, sql: string, replacements?: Record<string, unknown>): Promise<unknown> {
  return pooledQuery(db.sequelize, toPositional(sql, replacements));
}

export function fastSelect(db: Db): Db['select'] {
  if (db.dialect !== 'mysql') return db.select.bind(db);
  return async <R extends object>(sql: string, replacements?: Record<string, unknown>, t?: Transaction | null): Promise<R[]> => {
    if (t) return db.select<R>(sql, replacements, t);
    return (await rawQuery(db, sql, replacements)) as R[];
  };
}

/** Whether hot paths may bypass Sequelize: MySQL, unless CRM_FAST_READS=off (the bench sets it to capture the SQL through Sequelize's logging). */
export const fastPathsOn = (db: Db): boolean => db.dialect === 'mysql' && process.env.CRM_FAST_READS !== 'off';

const cache = new WeakMap<CoreContext, CoreContext>();

/** The same context with `db.select` on the fast path (for read-only views such as the 360 and its sections). */
export function withFastReads(ctx: CoreContext): CoreContext {
  if (!fastPathsOn(ctx.db)) return ctx;
  let fast = cache.get(ctx);
  if (!fast) {
    const db: Db = { ...ctx.db, select: fastSelect(ctx.db) };
    fast = { ...ctx, db };
    cache.set(ctx, fast);
  }
  return fast;
}

/**
 * Runs a read-only view with its SELECTs batched: on MySQL every `ctx.db.select` issued in the same turn of the
 * event loop (the view's own and its registered sections', started together by Promise.all) goes to the server in
 * ONE multi-statement packet (`db.selectBatch`), so a 360 view is one round trip instead of one per statement.
 * A statement issued later (after an await) starts the next batch. If a batch fails, its statements are run one
 * by one, so only the failing statement's caller sees the error (a section's failure stays that section's).
 * Inside a transaction a select goes to the transaction as usual. On SQLite (or with CRM_FAST_READS=off) `fn`
 * gets the context unchanged.
 */
export async function withBatchedReads<T>(ctx: CoreContext, fn: (ctx: CoreContext) => Promise<T>): Promise<T> {
  const base = ctx.db;
  if (!fastPathsOn(base) || !base.selectBatch) return fn(ctx);
  type Pending = { q: { sql: string; values: unknown[] }; resolve(rows: unknown[]): void; reject(e: unknown): void };
  let pending: Pending[] = [];
  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    try {
      const results = batch.length === 1 ? [(await pooledQuery(base.sequelize, batch[0].q)) as unknown[]] : await base.selectBatch!(batch.map((p) => p.q));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (e) {
      if (batch.length === 1) return batch[0].reject(e);
      await Promise.all(batch.map((p) => pooledQuery(base.sequelize, p.q).then((rows) => p.resolve(rows as unknown[]), p.reject)));
    }
  };
  const select = <R extends object>(sql: string, replacements?: Record<string, unknown>, t?: Transaction | null): Promise<R[]> => {
    if (t) return base.select<R>(sql, replacements, t);
    const q = toPositional(sql, replacements); // throws here, to this caller, on a missing parameter
    return new Promise<R[]>((resolve, reject) => {
      if (!pending.length) queueMicrotask(() => void flush());
      pending.push({ q, resolve: resolve as (rows: unknown[]) => void, reject });
    });
  };
  return fn({ ...ctx, db: { ...base, select } });
}
