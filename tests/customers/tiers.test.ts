import { QueryTypes } from 'sequelize';
import { describeEachDb } from '../helpers/db';
import { createDb } from '../../core/db/connection';
import { createContext } from '../../core/compose';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer, getCustomer, recordWonDeal } from '../../core/customers/operations';
import { getTierThresholds, recomputeAllTiers, recomputeTier, setTierThresholds } from '../../core/customers/tiers';
import { getCustomer360 } from '../../core/customer360/view360';
import type { Actor } from '../../core/context';

const system: Actor = { kind: 'system' };
const DAY = 86_400_000;

describeEachDb('RFM tiers', (h) => {
  let rep: UserDto, admin: UserDto;
  const mk = async (name: string, o: { wonDaysAgo?: number; wonCount?: number; wonCents?: number; followDaysAgo?: number | null }) => {
    const c = (await createCustomer(h.ctx, actorOf(rep), 'api', { name })).customer;
    const now = h.clock.now().getTime();
    await h.db.sequelize.query('UPDATE customers SET last_won_at = :w, won_count = :n, won_total_cents = :m, last_followup_at = :f WHERE id = :id', {
      replacements: {
        id: c.id,
        w: o.wonDaysAgo === undefined ? null : new Date(now - o.wonDaysAgo * DAY),
        n: o.wonCount ?? 0,
        m: o.wonCents ?? 0,
        f: o.followDaysAgo === undefined || o.followDaysAgo === null ? null : new Date(now - o.followDaysAgo * DAY),
      },
      type: QueryTypes.UPDATE,
    });
    return c.id;
  };
  beforeAll(async () => {
    rep = await createUser(h.ctx, system, 'cli', { name: 'R', role: 'rep', team: 'T' });
    admin = await createUser(h.ctx, system, 'cli', { name: 'A', role: 'admin' });
  });

  it('the set-based job tiers everyone with a stored reason, rewrites only changes, and the 360 explains it', async () => {
    const big = await mk('大客户', { wonDaysAgo: 10, wonCount: 4, wonCents: 300_000_00 });
    const lapsed = await mk('老客户流失', { wonDaysAgo: 200, wonCount: 2, wonCents: 5_000_00 });
    const fresh = await mk('新线索客户', { followDaysAgo: 2 });
    const plain = await mk('普通客户', { followDaysAgo: 50 });
    const r = await recomputeAllTiers(h.ctx, { batchSize: 2 });
    expect(r.skipped).toBe(false);
    expect(r.changed).toBeGreaterThanOrEqual(4);
    const tiers = async () => Object.fromEntries(await Promise.all([big, lapsed, fresh, plain].map(async (id) => [id, (await getCustomer(h.ctx, system, id)).tier])));
    expect(await tiers()).toEqual({ [big]: 'high_value', [lapsed]: 'at_risk', [fresh]: 'potential', [plain]: 'normal' });
    const c = await getCustomer(h.ctx, system, big);
    expect(c.tierReason).toMatchObject({ rule: 'big_and_recent', r: 3, f: 3, m: 3 });
    const again = await recomputeAllTiers(h.ctx);
    expect(again.changed).toBe(0);
    const v = await getCustomer360(h.ctx, actorOf(rep), big);
    expect(v.tier).toMatchObject({ code: 'high_value', nameZh: '高价值', nameEn: 'High value' });
    expect(v.tier!.explanation).toMatch(/^高价值：/);
  });

  it('on demand after a won deal, and configurable thresholds (admin only)', async () => {
    const id = await mk('成交后升级', { followDaysAgo: 1 });
    await h.ctx.db.tx((t) => recordWonDeal(h.ctx, t, { customerId: id, amountCents: 20_000_00 }));
    expect((await recomputeTier(h.ctx, actorOf(rep), id))?.code).toBe('potential');
    await expect(setTierThresholds(h.ctx, actorOf(rep), 'api', { highValueCents: 10_000_00 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(setTierThresholds(h.ctx, actorOf(admin), 'api', { highValueCents: 1, midValueCents: 5 })).rejects.toMatchObject({ code: 'VALIDATION' });
    await setTierThresholds(h.ctx, actorOf(admin), 'api', { highValueCents: 15_000_00 });
    expect((await getTierThresholds(h.ctx)).highValueCents).toBe(15_000_00);
    expect((await recomputeTier(h.ctx, actorOf(rep), id))?.code).toBe('high_value');
  });

  it('two processes: the lease lets one job run at a time', async () => {
    const dbs = [createDb(h.url), createDb(h.url)];
    try {
      const rs = await Promise.all(dbs.map((d, i) => recomputeAllTiers(createContext(d, { clock: h.clock }), { holder: `p${i}`, batchSize: 1 })));
      expect(rs.filter((r) => !r.skipped).length).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });
});
