import { QueryTypes } from 'sequelize';
import { createDb, type Db } from '../../core/db/connection';
import { migrator } from '../../core/db/migrator';
import { DIALECTS, freshDatabase, type TestDatabase } from '../helpers/db';

async function tables(db: Db): Promise<string[]> {
  const sql =
    db.dialect === 'mysql'
      ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
  const rows = await db.sequelize.query<{ name: string }>(sql, { type: QueryTypes.SELECT });
  return rows.map((r) => r.name ?? (r as unknown as { NAME: string }).NAME).sort();
}

describe.each(DIALECTS)('migrations [%s]', (dialect) => {
  let tdb: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    tdb = await freshDatabase(dialect);
    db = createDb(tdb.url);
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('go up, all the way down, and up again', async () => {
    const m = migrator(db);
    const all = (await m.pending()).map((x) => x.name);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((n) => !n.endsWith('.ts'))).toBe(true);

    await m.up();
    const up1 = await tables(db);
    for (const t of ['users', 'teams', 'customers', 'contacts', 'activities', 'audit_log']) expect(up1).toContain(t);
    expect(await m.pending()).toHaveLength(0);

    await m.down({ to: 0 });
    expect(await tables(db)).toEqual(['schema_migrations']);

    await m.up();
    expect(await tables(db)).toEqual(up1);
    expect((await m.executed()).map((x) => x.name)).toEqual(all);
  });
});
