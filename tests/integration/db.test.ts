import { QueryTypes } from 'sequelize';
import { acquireLease, releaseLease } from '../../core/db/lease';
import { getOrCreateSetting } from '../../core/db/settings';
import { createDb } from '../../core/db/connection';
import { describeEachDb } from '../helpers/db';
import { txSelect, txUpdate } from '../../core/shared/txsql';
import { fastSelect, withBatchedReads } from '../../core/db/fast-read';

describeEachDb('database helpers', (h) => {
  it('50 concurrent read-modify-write transactions all commit, none lost', async () => {
    await h.db.sequelize.query("INSERT INTO settings (`key`, value, updated_at) VALUES ('counter', '0', :now)".replace(/`/g, h.dialect === 'mysql' ? '`' : '"'), {
      replacements: { now: new Date() },
    });
    const lock = h.dialect === 'mysql' ? ' FOR UPDATE' : '';
    const keyCol = h.dialect === 'mysql' ? '`key`' : '"key"';
    await Promise.all(
      Array.from({ length: 50 }, () =>
        h.db.tx(async (t) => {
          const [row] = await h.db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyCol} = 'counter'${lock}`, {}, t);
          await h.db.sequelize.query(`UPDATE settings SET value = :v WHERE ${keyCol} = 'counter'`, {
            replacements: { v: String(Number(row.value) + 1) },
            transaction: t,
            type: QueryTypes.UPDATE,
          });
        }),
      ),
    );
    const [row] = await h.db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyCol} = 'counter'`);
    expect(row.value).toBe('50');
  });

  it('MySQL transactions run READ COMMITTED (set once per connection, not per transaction)', async () => {
    if (h.db.dialect !== 'mysql') return;
    // Several transactions at once, so more than one pooled connection is checked.
    const levels = await Promise.all(
      Array.from({ length: 4 }, () =>
        h.db.tx(async (t) => {
          const rows = await h.db.select<{ Value: string }>("SHOW SESSION VARIABLES WHERE Variable_name IN ('tx_isolation', 'transaction_isolation')", {}, t);
          await new Promise((r) => setTimeout(r, 20));
          return rows.map((r) => r.Value);
        }),
      ),
    );
    for (const l of levels) expect(new Set(l)).toEqual(new Set(['READ-COMMITTED']));
  });

  it('MySQL: a deadlock between statements sent straight through mysql2 is retried, and both transactions commit', async () => {
    if (h.db.dialect !== 'mysql') return;
    const keyCol = '`key`';
    for (const k of ['dl-a', 'dl-b']) await h.db.sequelize.query(`INSERT INTO settings (${keyCol}, value, updated_at) VALUES (:k, '0', :now)`, { replacements: { k, now: new Date() } });
    let attempts = 0;
    let arrived = 0;
    let release!: () => void;
    const bothLocked = new Promise<void>((r) => (release = r));
    const bump = (first: string, second: string) =>
      h.db.tx(async (t) => {
        attempts++;
        await txUpdate(h.ctx, `UPDATE settings SET value = value + 1 WHERE ${keyCol} = :k`, { k: first }, t);
        if (++arrived === 2) release();
        await Promise.race([bothLocked, new Promise((r) => setTimeout(r, 2000))]); // first attempts only wait
        await txUpdate(h.ctx, `UPDATE settings SET value = value + 1 WHERE ${keyCol} = :k`, { k: second }, t);
      });
    await Promise.all([bump('dl-a', 'dl-b'), bump('dl-b', 'dl-a')]);
    expect(attempts).toBeGreaterThanOrEqual(3); // one of the two was chosen as the deadlock victim and ran again
    const rows = await h.db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyCol} IN ('dl-a', 'dl-b') ORDER BY ${keyCol}`);
    expect(rows.map((r) => Number(r.value))).toEqual([2, 2]);
  });

  it('a failed transaction leaves nothing behind', async () => {
    await expect(
      h.db.tx(async (t) => {
        await h.ctx.models.Team.create({ name: 'rolled back' }, { transaction: t });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await h.ctx.models.Team.count({ where: { name: 'rolled back' } })).toBe(0);
  });

  it('a nested operation joins its parent transaction', async () => {
    await h.db.tx(async (t) => {
      await h.db.tx(async (inner) => {
        expect(inner).toBe(t);
        await h.ctx.models.Team.create({ name: 'joined' }, { transaction: inner });
      }, t);
    });
    expect(await h.ctx.models.Team.count({ where: { name: 'joined' } })).toBe(1);
  });

  it('a lease has one holder at a time, across connections, and expires', async () => {
    const other = createDb(h.url);
    try {
      const now = new Date('2026-11-23T00:00:00Z');
      const results = await Promise.all([
        acquireLease(h.db, 'job', 'a', 60_000, now),
        acquireLease(other, 'job', 'b', 60_000, now),
        acquireLease(h.db, 'job', 'c', 60_000, now),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const holder = ['a', 'b', 'c'][results.indexOf(true)];
      expect(await acquireLease(other, 'job', 'z', 60_000, new Date(now.getTime() + 1_000))).toBe(false);
      expect(await acquireLease(h.db, 'job', holder, 60_000, new Date(now.getTime() + 1_000))).toBe(true); // renew
      expect(await acquireLease(other, 'job', 'z', 60_000, new Date(now.getTime() + 120_000))).toBe(true); // expired
      await releaseLease(h.db, 'job', 'z');
      expect(await acquireLease(h.db, 'job', 'y', 60_000, now)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('concurrent first reads of a generated setting agree on one value', async () => {
    let n = 0;
    const values = await Promise.all(Array.from({ length: 10 }, () => getOrCreateSetting(h.db, 'secret', () => `v${++n}`)));
    expect(new Set(values).size).toBe(1);
  });

  it('MySQL: the raw paths (pooled, batched, in a transaction) type every column exactly as db.select does', async () => {
    if (h.dialect !== 'mysql') return; // SQLite has only db.select
    await h.db.sequelize.query('DROP TABLE IF EXISTS cast_probe');
    await h.db.sequelize.query(
      'CREATE TABLE cast_probe (id INT PRIMARY KEY, at DATETIME(3) NULL, at0 DATETIME NULL, day DATE NULL, doc JSON NULL, amount DECIMAL(12,2) NULL, big BIGINT NULL, flag TINYINT(1) NULL, label VARCHAR(20) NULL)',
    );
    try {
      await h.db.sequelize.query(
        `INSERT INTO cast_probe VALUES
         (1, '2026-12-06 23:59:59.999', '2026-01-01 00:00:00', '2026-02-28', '{"a":[1,"x"]}', 12345.67, 9007199254740993, 1, '王伟'),
         (2, '1969-12-31 23:59:59.001', '2000-02-29 12:34:56', '1999-12-31', 'null', -0.5, -42, 0, ''),
         (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      );
      const sql = 'SELECT * FROM cast_probe ORDER BY id';
      const expected = await h.db.select<Record<string, unknown>>(sql);
      expect(expected[0].at).toEqual(new Date('2026-12-06T23:59:59.999Z')); // the reference itself is what we think
      expect(expected[0].day).toBe('2026-02-28');
      expect(await fastSelect(h.db)(sql)).toEqual(expected);
      const [batched] = await withBatchedReads(h.ctx, (ctx) => Promise.all([ctx.db.select(sql), ctx.db.select('SELECT 1 AS one')]));
      expect(batched).toEqual(expected);
      expect(await h.db.tx((t) => txSelect(h.ctx, sql, {}, t))).toEqual(expected);
    } finally {
      await h.db.sequelize.query('DROP TABLE IF EXISTS cast_probe');
    }
  });

  describe('batched reads (withBatchedReads, the 360 view\'s read path)', () => {
    const seedTeams = async () => {
      for (const name of ['batch-a', 'batch-b', "batch-c'; DELETE FROM teams; --"]) await h.ctx.models.Team.create({ name });
    };
    beforeAll(seedTeams);

    it('selects started together come back each with its own rows, in ONE packet on MySQL', async () => {
      const calls: number[] = [];
      const original = h.db.selectBatch?.bind(h.db);
      const db = { ...h.db, ...(original ? { selectBatch: (qs: { sql: string; values: unknown[] }[]) => (calls.push(qs.length), original(qs)) } : {}) };
      const [a, b, c, n] = await withBatchedReads({ ...h.ctx, db }, (ctx) =>
        Promise.all([
          ctx.db.select<{ name: string }>('SELECT name FROM teams WHERE name = :n', { n: 'batch-a' }),
          ctx.db.select<{ name: string }>('SELECT name FROM teams WHERE name IN (:ns) ORDER BY name', { ns: ['batch-b', 'batch-a'] }),
          ctx.db.select<{ name: string }>('SELECT name FROM teams WHERE name = :n', { n: "batch-c'; DELETE FROM teams; --" }),
          ctx.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM teams WHERE name LIKE 'batch-%'"),
        ]),
      );
      expect(a.map((r) => r.name)).toEqual(['batch-a']);
      expect(b.map((r) => r.name)).toEqual(['batch-a', 'batch-b']);
      expect(c.map((r) => r.name)).toEqual(["batch-c'; DELETE FROM teams; --"]); // a value, never a statement
      expect(Number(n[0].n)).toBe(3);
      expect(calls).toEqual(h.dialect === 'mysql' ? [4] : []);
    });

    it('a failing statement fails only its own select; the others still answer', async () => {
      const results = await withBatchedReads(h.ctx, (ctx) =>
        Promise.allSettled([
          ctx.db.select<{ name: string }>('SELECT name FROM teams WHERE name = :n', { n: 'batch-a' }),
          ctx.db.select('SELECT no_such_column FROM teams'),
          ctx.db.select<{ name: string }>('SELECT name FROM teams WHERE name = :n', { n: 'batch-b' }),
        ]),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[0] as PromiseFulfilledResult<{ name: string }[]>).value.map((r) => r.name)).toEqual(['batch-a']);
      expect((results[2] as PromiseFulfilledResult<{ name: string }[]>).value.map((r) => r.name)).toEqual(['batch-b']);
    });

    it('MySQL: a packet that does not split into one result set per statement is refused, never misassigned', async () => {
      if (!h.db.selectBatch) return;
      const one = { sql: 'SELECT 1 AS a', values: [] };
      await expect(h.db.selectBatch([{ sql: 'SELECT 1 AS a; SELECT 2 AS b', values: [] }, one])).rejects.toThrow(/2 statements answered 3 result sets/);
      await expect(h.db.selectBatch([one, one])).resolves.toEqual([[{ a: 1 }], [{ a: 1 }]]);
    });

    it('a select after an await starts the next batch, and rows are typed as db.select types them', async () => {
      const [plain] = await h.db.select<Record<string, unknown>>('SELECT id, name, created_at FROM teams WHERE name = :n', { n: 'batch-a' });
      const [first, second] = await withBatchedReads(h.ctx, async (ctx) => {
        const one = await ctx.db.select<Record<string, unknown>>('SELECT id, name, created_at FROM teams WHERE name = :n', { n: 'batch-a' });
        const two = await ctx.db.select<Record<string, unknown>>('SELECT id, name, created_at FROM teams WHERE name = :n', { n: 'batch-b' });
        return [one[0], two[0]];
      });
      expect(first).toEqual(plain);
      expect(second.name).toBe('batch-b');
    });
  });
});
