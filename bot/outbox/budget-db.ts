import type { Db } from '../../core/db/connection';
import { pooledQuery } from '../../core/db/connection';
import type { BudgetStore } from './limits';

type OkPacket = { affectedRows: number; insertId: number };

/**
 * Lark's send budget in MySQL/MariaDB (`lark_send_budget`: bucket, sec, used), shared by every process on the
 * database. A take is ONE autocommitted conditional UPDATE per bucket, on its own pooled connection (no
 * transaction, no lock held across round trips):
 *
 *   UPDATE … SET used = <used in this second> + LAST_INSERT_ID(LEAST(want, limit - <used in this second>)), sec = :sec
 *   WHERE bucket = :b AND (sec < :sec OR (sec = :sec AND used < :limit))
 *
 * The row either moves to the new second or has room left; the grant (possibly smaller than asked) comes back in
 * the OK packet's insert id (MySQL's LAST_INSERT_ID(expr) idiom), so no SELECT and no transaction is needed. The
 * receiver's bucket is taken first, then the app's for what the receiver granted; when the app grants less, the
 * difference goes back to the receiver. A bucket's row is created on first use (INSERT IGNORE).
 */
export class DbBudgetStore implements BudgetStore {
  readonly kind = 'db' as const;

  constructor(private readonly db: Db) {
    if (db.dialect !== 'mysql') throw new Error('DbBudgetStore needs MySQL/MariaDB (SQLite is single-process: use the memory store)');
  }

  private async send(sql: string, values: unknown[]): Promise<OkPacket> {
    return (await pooledQuery(this.db.sequelize, { sql, values })) as OkPacket;
  }

  /** Up to `want` tokens of one bucket in second `sec`. */
  private async grant(bucket: string, sec: number, want: number, limit: number): Promise<number> {
    const update = () =>
      this.send(
        'UPDATE lark_send_budget SET used = IF(sec = ?, used, 0) + LAST_INSERT_ID(LEAST(?, ? - IF(sec = ?, used, 0))), sec = ? WHERE bucket = ? AND (sec < ? OR (sec = ? AND used < ?))',
        [sec, want, limit, sec, sec, bucket, sec, sec, limit],
      );
    let r = await update();
    if (r.affectedRows === 0) {
      const created = await this.send('INSERT IGNORE INTO lark_send_budget (bucket, sec, used) VALUES (?, 0, 0)', [bucket]);
      if (created.affectedRows === 0) return 0; // the row exists: full for this second
      r = await update();
    }
    return r.affectedRows > 0 ? Number(r.insertId) : 0;
  }

  private async put(bucket: string, sec: number, n: number): Promise<void> {
    await this.send('UPDATE lark_send_budget SET used = GREATEST(used - ?, 0) WHERE bucket = ? AND sec = ?', [n, bucket, sec]);
  }

  async take(receiverKey: string, sec: number, want: number, countApp: boolean, limits: { app: number; receiver: number }): Promise<{ n: number; appFull: boolean }> {
    const r = await this.grant(`r:${receiverKey}`, sec, want, limits.receiver);
    if (r === 0 || !countApp) return { n: r, appFull: false };
    const a = await this.grant('app', sec, r, limits.app);
    if (a < r) await this.put(`r:${receiverKey}`, sec, r - a);
    return { n: a, appFull: a === 0 };
  }

  async giveBack(receiverKey: string, sec: number, n: number, countApp: boolean): Promise<void> {
    await this.put(`r:${receiverKey}`, sec, n);
    if (countApp) await this.put('app', sec, n);
  }
}

/** Receivers' rows not used for a day (the lark-retention job). */
export async function sweepSendBudget(db: Db, now = new Date()): Promise<number> {
  if (db.dialect !== 'mysql') return 0;
  const r = (await pooledQuery(db.sequelize, { sql: "DELETE FROM lark_send_budget WHERE sec < ? AND bucket <> 'app' LIMIT 10000", values: [Math.floor(now.getTime() / 1000) - 86_400] })) as OkPacket;
  return r.affectedRows;
}
