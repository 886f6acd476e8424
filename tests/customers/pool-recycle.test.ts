import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { describeEachDb } from '../helpers/db';
import { createDb } from '../../core/db/connection';
import { createContext } from '../../core/compose';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { logActivity } from '../../core/activities/operations';
import { createPool } from '../../core/pool/operations';
import { runRecycle } from '../../core/pool/recycle';
import { closeOpportunity, createOpportunity } from '../../core/opportunities/operations';
import type { Actor, CoreContext } from '../../core/context';

const system: Actor = { kind: 'system' };
const DAY = 86_400_000;
const busy = new Set<number>();
/** This test's own exclusion, registered on every context it runs recycling with. */
const withBusy = (ctx: CoreContext): CoreContext => {
  ctx.registry.recycleExclusion('test.busy', 'other', async (_ctx, ids) => ids.filter((id) => busy.has(id)));
  return ctx;
};

describeEachDb('pool recycling', (h) => {
  beforeAll(() => withBusy(h.ctx));
  let rep: UserDto, rep2: UserDto;
  let poolId: number;
  const owned = async (name: string, owner: UserDto, opts: { followupDaysAgo?: number | null; claimedDaysAgo?: number; tier?: string; pool?: number; wonDaysAgo?: number } = {}) => {
    const c = (await createCustomer(h.ctx, actorOf(owner), 'api', { name, poolId: opts.pool ?? poolId })).customer;
    const now = h.clock.now().getTime();
    await h.db.sequelize.query('UPDATE customers SET last_followup_at = :f, claimed_at = :c, tier = :tier, last_won_at = :w WHERE id = :id', {
      replacements: {
        id: c.id,
        f: opts.followupDaysAgo === null || opts.followupDaysAgo === undefined ? null : new Date(now - opts.followupDaysAgo * DAY),
        c: new Date(now - (opts.claimedDaysAgo ?? 100) * DAY),
        tier: opts.tier ?? null,
        w: opts.wonDaysAgo === undefined ? null : new Date(now - opts.wonDaysAgo * DAY),
      },
      type: QueryTypes.UPDATE,
    });
    return c.id;
  };
  const ownerOf = async (id: number) => (await h.db.select<{ owner_id: number | null }>('SELECT owner_id FROM customers WHERE id = :id', { id }))[0].owner_id;
  const outbox = async (kind: string, userId: number) =>
    h.db.select<{ payload: unknown; dedupe_key: string }>('SELECT payload, dedupe_key FROM outbox WHERE kind = :kind AND recipient = :r ORDER BY id', { kind, r: String(userId) });
  const payloadIds = (p: unknown) => ((typeof p === 'string' ? JSON.parse(p) : p) as { customers: { id: number }[] }).customers.map((c) => c.id);

  beforeAll(async () => {
    rep = await createUser(h.ctx, system, 'cli', { name: 'R', role: 'rep', team: 'T' });
    rep2 = await createUser(h.ctx, system, 'cli', { name: 'R2', role: 'rep', teamId: rep.teamId });
    poolId = (await createPool(h.ctx, system, 'cli', {
      name: 'Tiered',
      rules: { recycle: { noFollowupDays: 30 }, byTier: { high_value: { noFollowupDays: 60 }, at_risk: { noFollowupDays: 15 } }, warnDays: 3 },
    })).id;
  });

  it('recycles by per-tier rules, warns those due soon, tells former owners, audits', async () => {
    const stale = await owned('普通过期', rep, { followupDaysAgo: 31 });
    const fresh = await owned('普通正常', rep, { followupDaysAgo: 10 });
    const soon = await owned('即将回收', rep, { followupDaysAgo: 28 });
    const vip = await owned('高价值过期但未到', rep, { followupDaysAgo: 40, tier: 'high_value' });
    const risky = await owned('流失风险', rep, { followupDaysAgo: 16, tier: 'at_risk' });
    const neverFollowed = await owned('从未跟进', rep, { followupDaysAgo: null, claimedDaysAgo: 31 });
    const justClaimed = await owned('刚领取的旧客户', rep, { followupDaysAgo: 200, claimedDaysAgo: 2 });
    const r = await runRecycle(h.ctx);
    expect(r.skipped).toBe(false);
    expect(await ownerOf(stale)).toBeNull();
    expect(await ownerOf(risky)).toBeNull();
    expect(await ownerOf(neverFollowed)).toBeNull();
    for (const kept of [fresh, soon, vip, justClaimed]) expect(await ownerOf(kept)).toBe(rep.id);
    const recycledMsgs = await outbox('pool.recycled', rep.id);
    expect(recycledMsgs.flatMap((m) => payloadIds(m.payload)).sort()).toEqual([stale, risky, neverFollowed].sort());
    const warn = await outbox('pool.recycle_warning', rep.id);
    expect(warn).toHaveLength(1);
    expect(payloadIds(warn[0].payload)).toEqual([soon]);
    const audit = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pool.recycle' AND entity_id IN (:ids)", { ids: [stale, risky, neverFollowed] });
    expect(Number(audit[0].n)).toBe(3);
    const ev = await h.db.select<{ user_id: number }>("SELECT user_id FROM pool_events WHERE action = 'recycle' AND customer_id = :id", { id: stale });
    expect(Number(ev[0].user_id)).toBe(rep.id);
    // Same day again: nothing new, warning not repeated.
    const again = await runRecycle(h.ctx);
    expect(again.recycled).toBe(0);
    expect(await outbox('pool.recycle_warning', rep.id)).toHaveLength(1);
  });

  it('a follow-up resets the clock', async () => {
    const c = await owned('跟进救回', rep, { followupDaysAgo: 35 });
    await logActivity(h.ctx, actorOf(rep), 'chat', { customerId: c, channel: 'phone', summary: '打了电话' });
    await runRecycle(h.ctx);
    expect(await ownerOf(c)).toBe(rep.id);
  });

  it('exclusions: registered ones, and an open opportunity (a won one no longer protects)', async () => {
    const a = await owned('有进行中的事', rep, { followupDaysAgo: 50 });
    busy.add(a);
    const b = await owned('有商机', rep, { followupDaysAgo: 50 });
    const won = await owned('商机已赢单', rep, { followupDaysAgo: 50 });
    await createOpportunity(h.ctx, actorOf(rep), 'api', { customerId: b, name: '进行中' });
    const w = await createOpportunity(h.ctx, actorOf(rep), 'api', { customerId: won, name: '已赢单', amountCents: 100 });
    await closeOpportunity(h.ctx, actorOf(rep), 'api', { opportunityId: w.id, outcome: 'won' });
    await h.db.sequelize.query('UPDATE customers SET last_followup_at = :t WHERE id = :id', { replacements: { t: new Date(h.clock.now().getTime() - 50 * 86_400_000), id: won } });
    const r = await runRecycle(h.ctx);
    expect(r.excluded).toBeGreaterThanOrEqual(2);
    expect(await ownerOf(a)).toBe(rep.id);
    expect(await ownerOf(b)).toBe(rep.id);
    expect(await ownerOf(won)).toBeNull();
    busy.delete(a);
  });

  it('"no won deal within M days of the claim" per pool', async () => {
    const deal = (await createPool(h.ctx, system, 'cli', { name: 'Deal pool', rules: { recycle: { noFollowupDays: null, noWonDealDays: 20 } } })).id;
    const noDeal = await owned('领取后无成交', rep, { followupDaysAgo: 1, claimedDaysAgo: 21, pool: deal });
    const withDeal = await owned('领取后成交了', rep, { followupDaysAgo: 1, claimedDaysAgo: 21, wonDaysAgo: 5, pool: deal });
    const young = await owned('领取不久', rep, { followupDaysAgo: 1, claimedDaysAgo: 5, pool: deal });
    await runRecycle(h.ctx);
    expect(await ownerOf(noDeal)).toBeNull();
    expect(await ownerOf(withDeal)).toBe(rep.id);
    expect(await ownerOf(young)).toBe(rep.id);
  });

  it('keyset batches over ties (same last_followup_at, several owners) visit every customer exactly once', async () => {
    const at = new Date(h.clock.now().getTime() - 50 * DAY);
    const reps = [rep, await createUser(h.ctx, system, 'cli', { name: 'R3', role: 'rep', teamId: rep.teamId }), await createUser(h.ctx, system, 'cli', { name: 'R4', role: 'rep', teamId: rep.teamId })];
    const ids: number[] = [];
    for (let i = 0; i < 9; i++) ids.push(await owned(`同一时刻${i}`, reps[i % 3]));
    await h.db.sequelize.query('UPDATE customers SET last_followup_at = :at WHERE id IN (:ids)', { replacements: { at, ids }, type: QueryTypes.UPDATE });
    const r = await runRecycle(h.ctx, { batchSize: 2, chunkSize: 2, concurrency: 2 });
    for (const id of ids) expect(await ownerOf(id)).toBeNull();
    const events = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM pool_events WHERE action = 'recycle' AND customer_id IN (:ids)", { ids });
    expect(Number(events[0].n)).toBe(9);
    expect(r.recycled).toBeGreaterThanOrEqual(9);
  });

  it('a chunk that fails rolls back alone, stops the run with its error, and frees the lease for the next run', async () => {
    const rep3 = await createUser(h.ctx, system, 'cli', { name: 'R5', role: 'rep', teamId: rep.teamId });
    const ids: number[] = [];
    for (let i = 0; i < 16; i++) ids.push(await owned(`失败批次${i}`, rep3, { followupDaysAgo: 40 + i }));
    const bad = ids[15]; // the oldest follow-up: in the first chunk, which fails while the scans still have pages to go
    // The database refuses this one customer's recycle event, so the chunk holding it fails mid-transaction.
    await h.db.sequelize.query(
      h.dialect === 'mysql'
        ? `CREATE TRIGGER recycle_boom BEFORE INSERT ON pool_events FOR EACH ROW BEGIN IF NEW.customer_id = ${bad} AND NEW.action = 'recycle' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom'; END IF; END`
        : `CREATE TRIGGER recycle_boom BEFORE INSERT ON pool_events WHEN NEW.customer_id = ${bad} AND NEW.action = 'recycle' BEGIN SELECT RAISE(ABORT, 'boom'); END`,
    );
    try {
      // In a plain Node process (jest would swallow an unhandled rejection): the run fails with the chunk's error,
      // and a lane failing while the scans still run does not end the process.
      const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'recycle-child.ts')], {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, DB_URL: h.url, NOW: h.clock.now().toISOString() },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
      expect(child.stdout).toMatch(/^rejected: .*boom/);
    } finally {
      await h.db.sequelize.query('DROP TRIGGER IF EXISTS recycle_boom');
    }
    expect(await ownerOf(bad)).toBe(rep3.id);
    // Nothing half-written: a customer is back in the pool exactly when its recycle event exists.
    for (const id of ids) {
      const events = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM pool_events WHERE action = 'recycle' AND customer_id = :id", { id });
      expect({ id, events: Number(events[0].n) }).toEqual({ id, events: (await ownerOf(id)) === null ? 1 : 0 });
    }
    const counter = async () =>
      (await h.db.select<{ held_count: number; actual: number }>("SELECT held_count, (SELECT COUNT(*) FROM customers WHERE owner_id = :u AND status = 'active') AS actual FROM users WHERE id = :u", { u: rep3.id }))[0];
    expect(Number((await counter()).held_count)).toBe(Number((await counter()).actual));
    // The lease went with the failed run: the next run takes it and finishes the job.
    const again = await runRecycle(h.ctx, { batchSize: 3, chunkSize: 2, concurrency: 2 });
    expect(again.skipped).toBe(false);
    for (const id of ids) expect(await ownerOf(id)).toBeNull();
    expect(Number((await counter()).actual)).toBe(0);
    expect(Number((await counter()).held_count)).toBe(0);
  });

  it('two processes at once: one lease, each customer recycled once, one notice each', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await owned(`双进程${i}`, rep2, { followupDaysAgo: 40 + i }));
    const dbs = [createDb(h.url), createDb(h.url)];
    try {
      const ctxs = dbs.map((d) => withBusy(createContext(d, { clock: h.clock })));
      const [r1, r2] = await Promise.all(ctxs.map((c, i) => runRecycle(c, { batchSize: 7, chunkSize: 4, concurrency: 3, holder: `proc-${i}` })));
      expect(r1.recycled + r2.recycled).toBe(30);
      const events = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM pool_events WHERE action = 'recycle' AND customer_id IN (:ids)", { ids });
      expect(Number(events[0].n)).toBe(30);
      // One notice for the run (not one per batch): the count of all 30, listing the first 20.
      const notices = await outbox('pool.recycled', rep2.id);
      expect(notices).toHaveLength(1);
      const payload = (typeof notices[0].payload === 'string' ? JSON.parse(notices[0].payload) : notices[0].payload) as { count: number };
      expect(payload.count).toBe(30);
      expect(payloadIds(notices[0].payload)).toEqual([...ids].sort((a, b) => a - b).slice(0, 20));
      for (const id of ids) expect(await ownerOf(id)).toBeNull();
      // The held counter went down with every recycled customer, from two connections' transactions.
      const held = await h.db.select<{ held_count: number; actual: number }>(
        "SELECT held_count, (SELECT COUNT(*) FROM customers WHERE owner_id = :u AND status = 'active') AS actual FROM users WHERE id = :u",
        { u: rep2.id },
      );
      expect(Number(held[0].held_count)).toBe(Number(held[0].actual));
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });
});
