import { QueryTypes, type Transaction } from 'sequelize';
import type { Db } from './connection';
import { isUniqueViolation } from './connection';

/** Reads a setting, creating it with `make()` on first use; concurrent first uses agree on one value. */
export async function getOrCreateSetting(db: Db, key: string, make: () => string): Promise<string> {
  const read = async () =>
    (await db.select<{ value: string }>('SELECT value FROM settings WHERE `key` = :key'.replace(/`/g, db.dialect === 'mysql' ? '`' : '"'), { key }))[0]?.value;
  const existing = await read();
  if (existing !== undefined) return existing;
  try {
    await db.sequelize.query(
      `INSERT INTO settings (${db.dialect === 'mysql' ? '`key`' : '"key"'}, value, updated_at) VALUES (:key, :value, :now)`,
      { replacements: { key, value: make(), now: new Date() }, type: QueryTypes.INSERT },
    );
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  return (await read())!;
}

const keyColumn = (db: Db) => (db.dialect === 'mysql' ? '`key`' : '"key"');

/** A setting's stored text, or null when it was never set. */
export async function readSetting(db: Db, key: string, t?: Transaction | null): Promise<string | null> {
  const rows = await db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyColumn(db)} = :key`, { key }, t);
  return rows.length ? rows[0].value : null;
}

/** Replaces a setting's value (JSON-encoded) inside the caller's transaction. */
export async function writeSetting(db: Db, t: Transaction, key: string, value: unknown, now: Date): Promise<void> {
  await db.sequelize.query(`DELETE FROM settings WHERE ${keyColumn(db)} = :key`, { replacements: { key }, type: QueryTypes.DELETE, transaction: t });
  await db.sequelize.query(`INSERT INTO settings (${keyColumn(db)}, value, updated_at) VALUES (:key, :value, :now)`, {
    replacements: { key, value: JSON.stringify(value), now },
    type: QueryTypes.INSERT,
    transaction: t,
  });
}
