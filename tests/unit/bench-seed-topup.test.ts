import { createDb, type Db } from '../../core/db/connection';
import { migrate } from '../../core/db/migrator';
import { ensureSeed } from '../../bench/lib/seed';
import { freshDatabase, type TestDatabase } from '../helpers/db';

/**
 * A migration that only adds tables (what a capability lands with) must not rebuild the bench data set: at full scale
 * that is 6–7 minutes of seeding. The stored core fingerprint matches, so the core rows are kept (a top-up).
 */
describe('bench seed: a new migration tops up instead of rebuilding', () => {
  let t: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    t = await freshDatabase('sqlite');
    db = createDb(t.url);
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    await t.drop();
  });

  it('keeps the seeded rows when a migration adding a table has been applied since', async () => {
    const quiet = () => undefined;
    const first = await ensureSeed(db, t.url, 'smoke', [], quiet);
    expect(first).toMatchObject({ reused: false, topUp: false });
    await db.sequelize.query("UPDATE customers SET name = 'kept-marker' WHERE id = 1");
    expect((await ensureSeed(db, t.url, 'smoke', [], quiet)).reused).toBe(true);

    // As if the data set had been seeded before another helper's migration landed: the stored fingerprint (scale +
    // applied migrations + tables) no longer matches, the stored core fingerprint still does.
    const [setting] = await db.select<{ value: string }>(`SELECT value FROM settings WHERE "key" = 'bench.seed'`);
    const stored = JSON.parse(setting.value);
    await db.sequelize.query(`UPDATE settings SET value = :v WHERE "key" = 'bench.seed'`, { replacements: { v: JSON.stringify({ ...stored, fingerprint: 'before-migration' }) } });
    const after = await ensureSeed(db, t.url, 'smoke', [], quiet);
    expect(after).toMatchObject({ reused: false, topUp: true });
    expect(after.timings).toEqual([]); // nothing re-inserted
    const [row] = await db.select<{ name: string }>('SELECT name FROM customers WHERE id = 1');
    expect(row.name).toBe('kept-marker');
    expect((await ensureSeed(db, t.url, 'smoke', [], quiet)).reused).toBe(true);
  });
});
