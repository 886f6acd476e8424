import { createDb, type Db } from '../../core/db/connection';
import { createContext } from '../../core/compose';
import { migrator } from '../../core/db/migrator';
import { customerAttrs, rng } from '../../core/factories';
import { describeEachDb, DIALECTS, freshDatabase, SETUP_TIMEOUT_MS, type TestDatabase } from '../helpers/db';
import { outcomeOf } from '../helpers/outcome';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer, deleteCustomer } from '../../core/customers/operations';
import { mergeCustomers } from '../../core/customers/merge';
import { assignCustomer, claimCustomer, createPool, releaseCustomer } from '../../core/pool/operations';
import { adjustHeld, recountHeld } from '../../core/customers/held';
import { assignLeadTo, captureLead, convertLead } from '../../core/leads/operations';
import type { Actor } from '../../core/context';

const system: Actor = { kind: 'system' };
const MIGRATION = '2026.11.22T18.00.00.users-held-count';

/** Every user's counter next to the real number of active customers they own. */
async function counters(db: Db): Promise<{ id: number; held: number; real: number }[]> {
  const rows = await db.select<{ id: number; held: number; actual: number }>(
    "SELECT u.id, u.held_count AS held, (SELECT COUNT(*) FROM customers c WHERE c.owner_id = u.id AND c.status = 'active') AS actual FROM users u ORDER BY u.id",
  );
  return rows.map((r) => ({ id: Number(r.id), held: Number(r.held), real: Number(r.actual) }));
}

describeEachDb('users.held_count', (h) => {
  let mgr: UserDto, a: UserDto, b: UserDto;
  let poolId: number;
  let seq = 0;
  const held = async (u: UserDto) => (await counters(h.db)).find((r) => r.id === u.id)!.held;
  /** Asserts every counter equals the real count, and answers the counters of `users`. */
  const exact = async (...users: UserDto[]) => {
    const all = await counters(h.db);
    expect(all.filter((r) => r.held !== r.real)).toEqual([]);
    return users.map((u) => all.find((r) => r.id === u.id)!.held);
  };
  const poolCustomer = async (pool = poolId) => (await createCustomer(h.ctx, system, 'api', { name: `公海客户${++seq}号`, poolId: pool })).customer;
  const ownedBy = async (u: UserDto) => (await createCustomer(h.ctx, actorOf(u), 'api', { name: `自有客户${++seq}号`, poolId })).customer;

  beforeAll(async () => {
    mgr = await createUser(h.ctx, system, 'cli', { name: 'Boss', role: 'manager', team: 'Held' });
    a = await createUser(h.ctx, system, 'cli', { name: 'RepA', role: 'rep', teamId: mgr.teamId });
    b = await createUser(h.ctx, system, 'cli', { name: 'RepB', role: 'rep', teamId: mgr.teamId });
    // No cooldown or daily limit in the way: these tests are about the counter.
    poolId = (await createPool(h.ctx, system, 'cli', { name: 'Held pool', rules: { maxHeld: 1000, maxClaimsPerDay: 1000, cooldownDays: 0 } })).id;
  });

  it('create counts the owner once; a duplicate create and a pool customer change nothing', async () => {
    const [a0, m0] = await exact(a, mgr);
    const c = (await createCustomer(h.ctx, actorOf(a), 'api', { name: '计数科技', phone: '13600001111' })).customer;
    expect(c.ownerId).toBe(a.id);
    expect(await exact(a, mgr)).toEqual([a0 + 1, m0]);
    const dup = await createCustomer(h.ctx, actorOf(a), 'api', { name: '计数科技有限公司' });
    expect(dup.duplicate).toBe(true);
    const dupByPhone = await createCustomer(h.ctx, actorOf(mgr), 'api', { name: '别的名字', phone: '+86 136 0000 1111', ownerId: a.id });
    expect(dupByPhone.duplicate).toBe(true);
    expect(await exact(a, mgr)).toEqual([a0 + 1, m0]);
    await poolCustomer();
    expect(await exact(a, mgr)).toEqual([a0 + 1, m0]);
    // A manager creating for a rep: the rep's counter, not the manager's.
    await createCustomer(h.ctx, actorOf(mgr), 'api', { name: `主管代建${++seq}`, ownerId: a.id });
    expect(await exact(a, mgr)).toEqual([a0 + 2, m0]);
  });

  it('claim +1, release -1', async () => {
    const c = await poolCustomer();
    const [a0] = await exact(a);
    await claimCustomer(h.ctx, actorOf(a), 'api', c.id);
    expect(await exact(a)).toEqual([a0 + 1]);
    await releaseCustomer(h.ctx, actorOf(a), 'api', c.id);
    expect(await exact(a)).toEqual([a0]);
  });

  it('a refused claim (someone else was faster, already yours) changes no counter', async () => {
    const c = await poolCustomer();
    await claimCustomer(h.ctx, actorOf(a), 'api', c.id);
    const before = await exact(a, b);
    expect(await outcomeOf(claimCustomer(h.ctx, actorOf(b), 'api', c.id), 'ok')).toBe('CONFLICT');
    expect(await outcomeOf(claimCustomer(h.ctx, actorOf(a), 'api', c.id), 'ok')).toBe('ALREADY_DONE');
    expect(await exact(a, b)).toEqual(before);
  });

  it('assign from the pool +1 for the assignee; transfer between reps -1/+1', async () => {
    const c = await poolCustomer();
    const [a0, b0] = await exact(a, b);
    await assignCustomer(h.ctx, actorOf(mgr), 'api', { customerId: c.id, userId: a.id });
    expect(await exact(a, b)).toEqual([a0 + 1, b0]);
    await assignCustomer(h.ctx, actorOf(mgr), 'api', { customerId: c.id, userId: b.id });
    expect(await exact(a, b)).toEqual([a0, b0 + 1]);
    // The owner handing it to a teammate.
    await assignCustomer(h.ctx, actorOf(b), 'api', { customerId: c.id, userId: a.id });
    expect(await exact(a, b)).toEqual([a0 + 1, b0]);
  });

  it('delete (soft) takes an owned customer off its owner; a pool customer off nobody', async () => {
    const owned = await ownedBy(b);
    const pooled = await poolCustomer();
    const [b0, a0] = await exact(b, a);
    await deleteCustomer(h.ctx, actorOf(mgr), 'api', owned.id);
    expect(await exact(b, a)).toEqual([b0 - 1, a0]);
    await deleteCustomer(h.ctx, actorOf(mgr), 'api', pooled.id);
    expect(await exact(b, a)).toEqual([b0 - 1, a0]);
    expect(await outcomeOf(deleteCustomer(h.ctx, actorOf(mgr), 'api', owned.id), 'ok')).toBe('ALREADY_DONE');
    expect(await exact(b, a)).toEqual([b0 - 1, a0]);
  });

  it('merge: owned into owned, owned into pool, pool into owned', async () => {
    // Owned by A into owned by B: the target stays B's, A loses the source.
    let target = await ownedBy(b);
    let source = await ownedBy(a);
    let [a0, b0] = await exact(a, b);
    await mergeCustomers(h.ctx, actorOf(mgr), 'api', { targetId: target.id, sourceId: source.id });
    expect(await exact(a, b)).toEqual([a0 - 1, b0]);

    // Owned by A into a pool customer: the target takes A as its owner, so A still holds one.
    target = await poolCustomer();
    source = await ownedBy(a);
    [a0, b0] = await exact(a, b);
    const r = await mergeCustomers(h.ctx, actorOf(mgr), 'api', { targetId: target.id, sourceId: source.id });
    expect(r.customer.ownerId).toBe(a.id);
    expect(await exact(a, b)).toEqual([a0, b0]);

    // A pool customer into one owned by B: nothing changes hands.
    target = await ownedBy(b);
    source = await poolCustomer();
    [a0, b0] = await exact(a, b);
    await mergeCustomers(h.ctx, actorOf(mgr), 'api', { targetId: target.id, sourceId: source.id });
    expect(await exact(a, b)).toEqual([a0, b0]);
  });

  it('lead conversion counts the new customer for its owner; converting again does not', async () => {
    const lead = (await captureLead(h.ctx, system, 'api', { company: `线索公司${++seq}`, contactName: '王五', source: 'web', autoAssign: false })).lead!;
    await assignLeadTo(h.ctx, system, lead.id, a.id);
    const [a0] = await exact(a);
    const conv = await convertLead(h.ctx, actorOf(a), 'chat', lead.id);
    expect(conv.linkedExisting).toBe(false);
    expect(await exact(a)).toEqual([a0 + 1]);
    expect((await convertLead(h.ctx, actorOf(a), 'chat', lead.id)).alreadyConverted).toBe(true);
    expect(await exact(a)).toEqual([a0 + 1]);
  });

  it('one rep firing 50 concurrent claims with maxHeld 5: exactly 5 won, held_count 5', async () => {
    const limited = (await createPool(h.ctx, system, 'cli', { name: 'Held limit 5', rules: { maxHeld: 5, maxClaimsPerDay: 1000 } })).id;
    const rep = await createUser(h.ctx, system, 'cli', { name: 'storm-rep', role: 'rep', teamId: mgr.teamId });
    const cs = [];
    for (let i = 0; i < 50; i++) cs.push(await poolCustomer(limited));
    const results = await Promise.all(cs.map((c) => outcomeOf(claimCustomer(h.ctx, actorOf(rep), 'api', c.id), 'won')));
    expect(results.filter((r) => r === 'won')).toHaveLength(5);
    expect(new Set(results.filter((r) => r !== 'won'))).toEqual(new Set(['LIMIT_REACHED']));
    expect(await exact(rep)).toEqual([5]);
  });

  it('the limit is read from the counter: a rep at maxHeld is refused, and only the counter decides', async () => {
    const small = (await createPool(h.ctx, system, 'cli', { name: 'Held limit 2', rules: { maxHeld: 2, maxClaimsPerDay: 1000 } })).id;
    const rep = await createUser(h.ctx, system, 'cli', { name: 'limit-rep', role: 'rep', teamId: mgr.teamId });
    const [c1, c2, c3] = [await poolCustomer(small), await poolCustomer(small), await poolCustomer(small)];
    await claimCustomer(h.ctx, actorOf(rep), 'api', c1.id);
    await claimCustomer(h.ctx, actorOf(rep), 'api', c2.id);
    const err = await claimCustomer(h.ctx, actorOf(rep), 'api', c3.id).catch((e) => e);
    expect(err).toMatchObject({ code: 'LIMIT_REACHED', data: { limit: 'held', max: 2 } });
    expect(await exact(rep)).toEqual([2]);
    // Released one: the counter drops and the claim goes through.
    await releaseCustomer(h.ctx, actorOf(rep), 'api', c1.id);
    await claimCustomer(h.ctx, actorOf(rep), 'api', c3.id);
    expect(await exact(rep)).toEqual([2]);
    // A counter saying 0 lets a rep who really holds 2 claim a third: nothing counts the customers any more.
    const c4 = await poolCustomer(small);
    await h.db.sequelize.query('UPDATE users SET held_count = 0 WHERE id = :id', { replacements: { id: rep.id } });
    await claimCustomer(h.ctx, actorOf(rep), 'api', c4.id);
    expect(await held(rep)).toBe(1);
    await recountHeld(h.ctx, [rep.id]);
    expect(await exact(rep)).toEqual([3]);
  });

  it('recountHeld repairs corrupted counters: the given users only, or everyone', async () => {
    await ownedBy(a);
    await ownedBy(b);
    const [a0, b0] = await exact(a, b);
    await h.db.sequelize.query('UPDATE users SET held_count = held_count + 7');
    await recountHeld(h.ctx, [a.id]);
    expect(await held(a)).toBe(a0);
    expect(await held(b)).toBe(b0 + 7);
    await recountHeld(h.ctx, []); // an empty list is nobody, not everybody
    expect(await held(b)).toBe(b0 + 7);
    await recountHeld(h.ctx);
    expect(await exact(a, b)).toEqual([a0, b0]);
  });

  it('adjustHeld: one statement for several users; same user summed, zero and the pool skipped', async () => {
    const [a0, b0, m0] = await exact(a, b, mgr);
    await h.db.tx((t) => adjustHeld(h.ctx, t, [[b.id, 2], [null, 5], [a.id, -1], [b.id, 1], [mgr.id, 0], [undefined, 1]]));
    expect([await held(a), await held(b), await held(mgr)]).toEqual([a0 - 1, b0 + 3, m0]);
    await h.db.tx((t) => adjustHeld(h.ctx, t, [[a.id, 1], [b.id, -3]]));
    expect(await exact(a, b, mgr)).toEqual([a0, b0, m0]);
    // Rolled back with the transaction it ran in.
    await expect(h.db.tx(async (t) => {
      await adjustHeld(h.ctx, t, [[a.id, 4]]);
      throw new Error('rollback');
    })).rejects.toThrow('rollback');
    expect(await exact(a)).toEqual([a0]);
  });
});

describe.each(DIALECTS)('users.held_count migration [%s]', (dialect) => {
  let tdb: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    tdb = await freshDatabase(dialect);
    db = createDb(tdb.url);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  }, SETUP_TIMEOUT_MS);

  const columns = async () => Object.keys(await db.sequelize.getQueryInterface().describeTable('users'));
  const indexes = async () => {
    const rows = (await db.sequelize.getQueryInterface().showIndex('users')) as { name: string }[];
    return [...new Set(rows.map((r) => r.name))].filter((n) => n !== 'PRIMARY').sort();
  };

  it(`${MIGRATION} backfills held_count set-based from existing customers and goes down cleanly`, async () => {
    const m = migrator(db);
    await m.up();
    await m.down({ to: MIGRATION });
    expect(await columns()).not.toContain('held_count');
    const indexesBefore = await indexes();
    expect(indexesBefore).toContain('users_email_uq');

    // Users and customers as they were before the column: 3 active + 1 deleted + 1 merged for u1, 2 active for u2,
    // nothing for u3, two in the pool.
    const now = new Date('2026-11-22T10:00:00Z');
    const ids: number[] = [];
    for (const name of ['u1', 'u2', 'u3']) {
      await db.sequelize.query("INSERT INTO users (name, role, status, created_at, updated_at) VALUES (:name, 'rep', 'active', :now, :now)", { replacements: { name, now } });
      ids.push(Number((await db.select<{ id: number }>('SELECT id FROM users WHERE name = :name', { name }))[0].id));
    }
    const ctx = createContext(db);
    const r = rng(42);
    const plan: [number | null, 'active' | 'deleted' | 'merged'][] = [
      [ids[0], 'active'], [ids[0], 'active'], [ids[0], 'active'], [ids[0], 'deleted'], [ids[0], 'merged'],
      [ids[1], 'active'], [ids[1], 'active'],
      [null, 'active'], [null, 'active'],
    ];
    for (const [i, [owner, status]] of plan.entries()) {
      await ctx.models.Customer.create({ ...customerAttrs(1000 + i, r, { ownerId: owner, now }), status });
    }

    await m.up();
    expect(await columns()).toContain('held_count');
    const held = await db.select<{ id: number; held_count: number }>('SELECT id, held_count FROM users ORDER BY id');
    expect(held.map((u) => [Number(u.id), Number(u.held_count)])).toEqual([[ids[0], 3], [ids[1], 2], [ids[2], 0]]);

    // A user added afterwards starts at 0 (NOT NULL DEFAULT 0).
    await db.sequelize.query("INSERT INTO users (name, role, status, created_at, updated_at) VALUES ('u4', 'rep', 'active', :now, :now)", { replacements: { now } });
    expect(Number((await db.select<{ n: number }>("SELECT held_count AS n FROM users WHERE name = 'u4'"))[0].n)).toBe(0);

    await m.down({ to: MIGRATION });
    expect(await columns()).not.toContain('held_count');
    expect(await indexes()).toEqual(indexesBefore); // SQLite's table rebuild would have dropped them
    expect(Number((await db.select<{ n: number }>('SELECT COUNT(*) AS n FROM users'))[0].n)).toBe(4);
    await m.up();
    expect(await columns()).toContain('held_count');
  });
});
