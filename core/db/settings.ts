import { QueryTypes } from 'sequelize';
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
