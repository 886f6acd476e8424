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

/**
 * One run of a scheduled job per scheduled time across every process: the first process to claim `slot` (the tick's
 * scheduled time, the same in every process) runs it; the others skip that tick. One row per job in job_leases
 * (`slot:<job>`, expires_at = the last slot claimed), moved forward by a conditional UPDATE: nothing accumulates,
 * even for the every-second jobs. At most once per slot: a process that dies mid-run leaves that slot unrun (the
 * jobs catch up on their next run).
 */
export async function claimJobSlot(db: Db, job: string, slot: Date, holder: string): Promise<boolean> {
  const name = `slot:${job}`;
  const update = async () => {
    const [, affected] = await db.sequelize.query('UPDATE job_leases SET holder = :holder, expires_at = :slot WHERE name = :name AND expires_at < :slot', {
      replacements: { name, holder, slot },
      type: QueryTypes.UPDATE,
    });
    return Number(affected) > 0;
  };
  if (await update()) return true;
  try {
    await db.sequelize.query('INSERT INTO job_leases (name, holder, expires_at) VALUES (:name, :holder, :slot)', { replacements: { name, holder, slot }, type: QueryTypes.INSERT });
    return true;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return update();
  }
}
