import os from 'node:os';
import { QueryTypes } from 'sequelize';
import type { CoreContext } from '../context';
import type { Db } from './connection';
import { isUniqueViolation } from './connection';

/**
 * A named lease in the database: at most one holder at a time across processes, expiring on its own
 * if the holder dies. Used by jobs that must not run twice concurrently (recycling, SLA sweeps).
 */
export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number, now = new Date()): Promise<boolean> {
  const expires = new Date(now.getTime() + ttlMs);
  try {
    await db.sequelize.query('INSERT INTO job_leases (name, holder, expires_at) VALUES (:name, :holder, :expires)', {
      replacements: { name, holder, expires },
      type: QueryTypes.INSERT,
    });
    return true;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  const [, affected] = await db.sequelize.query(
    'UPDATE job_leases SET holder = :holder, expires_at = :expires WHERE name = :name AND (expires_at < :now OR holder = :holder)',
    { replacements: { name, holder, expires, now }, type: QueryTypes.UPDATE },
  );
  return Number(affected) > 0;
}

export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.sequelize.query('DELETE FROM job_leases WHERE name = :name AND holder = :holder', {
    replacements: { name, holder },
    type: QueryTypes.DELETE,
  });
}

/** Runs `fn` only if this process holds the named lease (two servers never run the same sweep at once). */
export async function underLease<T>(ctx: CoreContext, name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | { skipped: true }> {
  const holder = `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  if (!(await acquireLease(ctx.db, name, holder, ttlMs, ctx.clock.now()))) return { skipped: true };
  try {
    return await fn();
  } finally {
    await releaseLease(ctx.db, name, holder);
  }
}
