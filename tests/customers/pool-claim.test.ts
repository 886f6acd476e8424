import { QueryTypes } from 'sequelize';
import { describeEachDb } from '../helpers/db';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { claimCustomer, createPool, releaseCustomer, assignCustomer, updatePoolRules, listPools } from '../../core/pool/operations';
import type { Actor } from '../../core/context';
import type { AppError } from '../../core/errors';

const system: Actor = { kind: 'system' };
const DAY = 86_400_000;

describeEachDb('pool claims', (h) => {
  let mgr: UserDto;
  let reps: UserDto[] = [];
  let poolId: number;
  const poolCustomer = async (name: string, pool = poolId) => (await createCustomer(h.ctx, system, 'api', { name, poolId: pool })).customer;
  const audits = async (action: string, id: number) =>
    (await h.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM audit_log WHERE action = :action AND entity_id = :id', { action, id }))[0].n;

  beforeAll(async () => {
    mgr = await createUser(h.ctx, system, 'cli', { name: 'Boss', role: 'manager', team: 'T1' });
    for (let i = 0; i < 50; i++) reps.push(await createUser(h.ctx, system, 'cli', { name: `rep${i}`, role: 'rep', teamId: mgr.teamId }));
    poolId = (await createPool(h.ctx, system, 'cli', { name: 'Race pool', rules: { maxHeld: 100, maxClaimsPerDay: 100 } })).id;
  });

  it('the default pool exists with the documented defaults', async () => {
    const def = (await listPools(h.ctx)).find((p) => p.isDefault)!;
    expect(def.rules).toMatchObject({ maxHeld: 50, maxClaimsPerDay: 20, warnDays: 3, recycle: { noFollowupDays: 30 } });
  });

  it('50 reps claim one customer at once → exactly one winner, audited once', async () => {
    const c = await poolCustomer('抢单客户');
    const results = await Promise.allSettled(reps.map((r) => claimCustomer(h.ctx, actorOf(r), 'api', c.id)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const codes = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as AppError).code);
    expect(new Set(codes)).toEqual(new Set(['CONFLICT']));
    expect(await audits('pool.claim', c.id)).toBe(1);
    const events = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM pool_events WHERE customer_id = :id AND action = 'claim'", { id: c.id });
    expect(Number(events[0].n)).toBe(1);
  });

  it('of 50 reps racing for one customer only the winner\'s counters move (the losers\' are given back)', async () => {
    const c = await poolCustomer('计数抢单');
    const ids = reps.map((r) => r.id);
    const counters = async () =>
      (await h.db.select<{ held: number; today: number }>('SELECT SUM(held_count) AS held, SUM(claims_today) AS today FROM users WHERE id IN (:ids)', { ids })).map((r) => ({ held: Number(r.held), today: Number(r.today) }))[0];
    const before = await counters();
    const results = await Promise.allSettled(reps.map((r) => claimCustomer(h.ctx, actorOf(r), 'api', c.id)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await counters()).toEqual({ held: before.held + 1, today: before.today + 1 });
  });

  it('one rep claiming the same customer ten times at once wins once; the other answers say it is already theirs', async () => {
    const c = await poolCustomer('连点客户');
    const rep = await createUser(h.ctx, system, 'cli', { name: 'double-click', role: 'rep', teamId: mgr.teamId });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => claimCustomer(h.ctx, actorOf(rep), 'api', c.id)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as AppError).code);
    expect(new Set(codes)).toEqual(new Set(['ALREADY_DONE']));
    const [me] = await h.db.select<{ held_count: number; claims_today: number }>('SELECT held_count, claims_today FROM users WHERE id = :u', { u: rep.id });
    expect([Number(me.held_count), Number(me.claims_today)]).toEqual([1, 1]);
    expect(await audits('pool.claim', c.id)).toBe(1);
  });

  it('claims inside callers\' transactions (the bot\'s) are race-safe too', async () => {
    const c = await poolCustomer('事务内抢单');
    const racers = reps.slice(0, 20);
    const results = await Promise.allSettled(racers.map((r) => h.db.tx((t) => claimCustomer(h.ctx, actorOf(r), 'card', c.id, t))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as AppError).code);
    expect(new Set(codes)).toEqual(new Set(['CONFLICT']));
    expect(await audits('pool.claim', c.id)).toBe(1);
  });

  it('one rep firing 50 concurrent claims with a limit of 5 holds exactly 5', async () => {
    const limited = (await createPool(h.ctx, system, 'cli', { name: 'Limit 5', rules: { maxHeld: 5, maxClaimsPerDay: 100 } })).id;
    const customers = [];
    for (let i = 0; i < 50; i++) customers.push(await poolCustomer(`限额客户${i}`, limited));
    // A rep of its own: any of `reps` may have won the one-customer race above and already hold a customer.
    const rep = await createUser(h.ctx, system, 'cli', { name: 'limit-rep', role: 'rep', teamId: mgr.teamId });
    const results = await Promise.allSettled(customers.map((c) => claimCustomer(h.ctx, actorOf(rep), 'api', c.id)));
    const refusals0 = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as AppError).code ?? String(r.reason));
    expect([...new Set(refusals0)]).toEqual(['LIMIT_REACHED']);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as AppError);
    expect(refusals.every((e) => e.code === 'LIMIT_REACHED' && e.data?.limit === 'held')).toBe(true);
    expect(refusals[0].localized('zh-CN')).toContain('上限');
    const held = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM customers WHERE owner_id = :u AND status = 'active'", { u: rep.id });
    expect(Number(held[0].n)).toBe(5);
  });

  it('one rep firing 50 concurrent claims with a daily limit of 5 wins exactly 5 (today\'s claims are read under the rep\'s lock)', async () => {
    const daily = (await createPool(h.ctx, system, 'cli', { name: 'Daily 5', rules: { maxHeld: 1000, maxClaimsPerDay: 5 } })).id;
    const customers = [];
    for (let i = 0; i < 50; i++) customers.push(await poolCustomer(`并发日限${i}`, daily));
    const rep = await createUser(h.ctx, system, 'cli', { name: 'daily-rep', role: 'rep', teamId: mgr.teamId });
    const results = await Promise.allSettled(customers.map((c) => claimCustomer(h.ctx, actorOf(rep), 'api', c.id)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as AppError);
    expect(refusals.every((e) => e.code === 'LIMIT_REACHED' && e.data?.limit === 'daily')).toBe(true);
    const counters = await h.db.select<{ claims_today: number; claims_day: string }>('SELECT claims_today, claims_day FROM users WHERE id = :u', { u: rep.id });
    expect(Number(counters[0].claims_today)).toBe(5);
  });

  it('daily claim limit resets on the next business day', async () => {
    const daily = (await createPool(h.ctx, system, 'cli', { name: 'Daily 2', rules: { maxHeld: 100, maxClaimsPerDay: 2 } })).id;
    const cs = [];
    for (let i = 0; i < 3; i++) cs.push(await poolCustomer(`日限客户${i}`, daily));
    const rep = await createUser(h.ctx, system, 'cli', { name: 'daily', role: 'rep', teamId: mgr.teamId }); // no claims yet today
    await claimCustomer(h.ctx, actorOf(rep), 'api', cs[0].id);
    await claimCustomer(h.ctx, actorOf(rep), 'api', cs[1].id);
    await expect(claimCustomer(h.ctx, actorOf(rep), 'api', cs[2].id)).rejects.toMatchObject({ code: 'LIMIT_REACHED', data: { limit: 'daily', max: 2 } });
    h.clock.advance(DAY);
    await expect(claimCustomer(h.ctx, actorOf(rep), 'api', cs[2].id)).resolves.toBeTruthy();
  });

  it('cooldown: a rep cannot re-claim what they released until it passes; others can', async () => {
    const c = await poolCustomer('冷却客户');
    const rep = reps[3];
    await claimCustomer(h.ctx, actorOf(rep), 'api', c.id);
    await expect(claimCustomer(h.ctx, actorOf(rep), 'api', c.id)).rejects.toMatchObject({ code: 'ALREADY_DONE' });
    await releaseCustomer(h.ctx, actorOf(rep), 'api', c.id, '不合适');
    expect(await audits('pool.release', c.id)).toBe(1);
    const err = await claimCustomer(h.ctx, actorOf(rep), 'api', c.id).catch((e: AppError) => e);
    expect(err).toMatchObject({ code: 'COOLDOWN' });
    expect((err as AppError).localized('zh-CN')).toMatch(/冷却期内，\d{4}-\d\d-\d\d \d\d:\d\d 后/);
    expect((err as AppError).data).toEqual({ until: new Date(h.clock.now().getTime() + 7 * DAY).toISOString() }); // the default 7 days from the release
    h.clock.advance(7 * DAY + 1000);
    await expect(claimCustomer(h.ctx, actorOf(rep), 'api', c.id)).resolves.toBeTruthy();
    // a per-pool cooldown setting is honoured
    await updatePoolRules(h.ctx, system, 'cli', poolId, { cooldownDays: 0 });
    await releaseCustomer(h.ctx, actorOf(rep), 'api', c.id);
    await expect(claimCustomer(h.ctx, actorOf(rep), 'api', c.id)).resolves.toBeTruthy();
  });

  it('release and reassign: only owner/manager; transfer audited, the loser cools down and is told', async () => {
    const c = await poolCustomer('分配客户', (await createPool(h.ctx, system, 'cli', { name: 'Assign pool' })).id);
    const [a, b] = [reps[4], reps[5]];
    await expect(assignCustomer(h.ctx, actorOf(a), 'api', { customerId: c.id, userId: b.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await assignCustomer(h.ctx, actorOf(mgr), 'card', { customerId: c.id, userId: a.id });
    await expect(releaseCustomer(h.ctx, actorOf(b), 'api', c.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const moved = await assignCustomer(h.ctx, actorOf(mgr), 'card', { customerId: c.id, userId: b.id });
    expect(moved.ownerId).toBe(b.id);
    expect(await audits('pool.assign', c.id)).toBe(1);
    expect(await audits('customer.transfer', c.id)).toBe(1);
    const told = await h.db.sequelize.query<{ kind: string; recipient: string }>("SELECT kind, recipient FROM outbox WHERE kind IN ('customer.assigned', 'customer.reassigned')", { type: QueryTypes.SELECT });
    expect(told).toEqual(expect.arrayContaining([{ kind: 'customer.reassigned', recipient: String(a.id) }, { kind: 'customer.assigned', recipient: String(b.id) }]));
    await releaseCustomer(h.ctx, actorOf(mgr), 'api', c.id);
    await expect(claimCustomer(h.ctx, actorOf(a), 'api', c.id)).rejects.toMatchObject({ code: 'COOLDOWN' });
  });

  it('service agents and unbound API keys cannot claim', async () => {
    const svc = await createUser(h.ctx, system, 'cli', { name: 'svc', role: 'service' });
    const c = await poolCustomer('客服不能领');
    await expect(claimCustomer(h.ctx, actorOf(svc), 'api', c.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(claimCustomer(h.ctx, { kind: 'api', keyId: 1 }, 'api', c.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
