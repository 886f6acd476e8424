import { describeEachDb } from '../helpers/db';
import { ensureSeed, SEED_SETTING_KEY } from '../../bench/lib/seed';
import type { SeedTable } from '../../bench/types';

const audit = (version: number): SeedTable => ({
  table: 'audit_log',
  version,
  rows: { smoke: 30, small: 30, full: 30 },
  row: (i, _r, s) => ({ actor_type: 'user', actor_id: s.users.reps[i % s.users.reps.length], action: `bench.v${version}`, entity_type: 'customer', entity_id: 1 + (i % s.counts.customers), channel: 'job', data: { i }, created_at: s.now }),
});

describeEachDb('bench seed', (h) => {
  const quiet = () => undefined;
  const count = async (table: string, where = '1=1') => Number((await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`))[0].n);

  it('builds the smoke data set from the factories: users, customers, one contact and five follow-ups each', async () => {
    const rep = await ensureSeed(h.db, h.url, 'smoke', [audit(1)], quiet);
    expect(rep.reused).toBe(false);
    expect(rep.info.counts).toMatchObject({ customers: 200, contacts: 200, activities: 1000, audit_log: 30 });
    expect(await count('customers')).toBe(200);
    expect(await count('activities')).toBe(1000);
    expect(await count('customers', 'owner_id IS NULL')).toBe(60); // 30% in the pool
    expect(await count('users', "role = 'rep'")).toBe(rep.info.users.reps.length);
    // Customers went in as plain rows; the held-customer counters were recounted once afterwards.
    expect(await count('users', "held_count <> (SELECT COUNT(*) FROM customers c WHERE c.owner_id = users.id AND c.status = 'active')")).toBe(0);
    expect(await count('users', 'held_count > 0')).toBe(rep.info.users.reps.length);
    // Seeded ids are 1..n and rows read back through the models.
    const c = await h.ctx.models.Customer.findByPk(200);
    expect(c?.get('name_norm')).toBeTruthy();
    expect(Array.isArray(c?.get('tags'))).toBe(true);
  });

  it('reuses a matching seed without touching it', async () => {
    const rep = await ensureSeed(h.db, h.url, 'smoke', [audit(1)], quiet);
    expect(rep.reused).toBe(true);
    expect(await count('activities')).toBe(1000);
  });

  it('a changed scenario table is reseeded alone; core rows are kept', async () => {
    await h.db.sequelize.query('UPDATE customers SET notes = :n WHERE id = 1', { replacements: { n: 'kept' } });
    const rep = await ensureSeed(h.db, h.url, 'smoke', [audit(2)], quiet);
    expect(rep.reused).toBe(false);
    expect(rep.timings.map((t) => t.table)).toEqual(['audit_log']);
    expect(await count('audit_log', "action = 'bench.v2'")).toBe(30);
    expect(await count('audit_log')).toBe(30);
    expect(await count('customers', "notes = 'kept'")).toBe(1);
  });

  it('refuses another scale without reseed, and a database it did not seed', async () => {
    await expect(ensureSeed(h.db, h.url, 'small', [], quiet)).rejects.toThrow(/holds the smoke data set/);
    const key = h.dialect === 'mysql' ? '`key`' : '"key"';
    await h.db.sequelize.query(`DELETE FROM settings WHERE ${key} = :k`, { replacements: { k: SEED_SETTING_KEY } });
    await expect(ensureSeed(h.db, h.url, 'smoke', [], quiet)).rejects.toThrow(/did not create/);
  });
});
