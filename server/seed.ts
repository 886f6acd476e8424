import type { CoreContext } from '../core/context';
import { activityAttrs, contactAttrs, customerAttrs, rng } from '../core/factories';
import { createUser, type UserDto } from '../core/users/operations';
import { seedServiceDemo, type ServiceSeedSummary } from './service-seed';
import { seedPipelineDemo, type PipelineSeedSummary } from './pipeline-seed';
import { recordWonDeal } from '../core/customers/operations';
import { recomputeAllTiers } from '../core/customers/tiers';
import { recountHeld } from '../core/customers/held';

export interface SeedSummary {
  seeded: boolean;
  users: number;
  customers: number;
  activities: number;
  /** Service desk demo (tickets, articles, a mini-program invite code). */
  service?: ServiceSeedSummary;
  /** Sales pipeline demo (opportunities with their history). */
  pipeline?: PipelineSeedSummary;
}

/**
 * A small demo data set: one team, a manager, three reps, a service agent, an admin, and three dozen
 * customers with follow-ups (some in the public pool). Runs once: skipped when any user exists.
 */
export async function seedDemo(ctx: CoreContext, opts: { force?: boolean } = {}): Promise<SeedSummary> {
  if (!opts.force && (await ctx.models.User.count()) > 0) return { seeded: false, users: 0, customers: 0, activities: 0 };
  const system = { kind: 'system' } as const;
  const manager = await createUser(ctx, system, 'cli', { name: '王经理', role: 'manager', team: '华东销售一组', email: 'manager@demo.crm' });
  const reps: UserDto[] = [];
  for (const [i, name] of ['李娜', '张伟', '陈静'].entries()) {
    reps.push(await createUser(ctx, system, 'cli', { name, role: 'rep', teamId: manager.teamId, email: `rep${i + 1}@demo.crm` }));
  }
  await createUser(ctx, system, 'cli', { name: '赵客服', role: 'service', teamId: manager.teamId, email: 'service@demo.crm', skills: ['技术支持', '咨询'] });
  await createUser(ctx, system, 'cli', { name: '管理员', role: 'admin', email: 'admin@demo.crm' });

  const r = rng(20261122);
  const now = ctx.clock.now();
  let activities = 0;
  const total = 36;
  await ctx.db.tx(async (t) => {
    for (let i = 0; i < total; i++) {
      const owner = i < 30 ? reps[i % reps.length] : null;
      const c = await ctx.models.Customer.create(customerAttrs(i, r, { ownerId: owner?.id ?? null, teamId: owner?.teamId ?? null, now }), { transaction: t });
      const id = c.get('id');
      await ctx.models.Contact.create(contactAttrs(id, i, r), { transaction: t });
      const n = 2 + Math.floor(r() * 3);
      const last = c.get('last_followup_at') ?? now;
      const rows = [];
      for (let k = 0; k < n; k++) rows.push(activityAttrs(id, owner?.id ?? null, new Date(last.getTime() - k * 3 * 86_400_000), r));
      await ctx.models.Activity.bulkCreate(rows, { transaction: t });
      activities += n;
    }
    // Customers went in as plain rows, not through createCustomer: the reps' held counters in one statement.
    await recountHeld(ctx, reps.map((u) => u.id), t);
  });
  // Customers: a few won deals so the RFM tiers differ, then the tier job once.
  await ctx.db.tx(async (t) => {
    const ids = await ctx.db.select<{ id: number }>('SELECT id FROM customers ORDER BY id DESC LIMIT :n', { n: total }, t);
    for (const [k, { id }] of ids.entries()) {
      if (k % 4 === 0) await recordWonDeal(ctx, t, { customerId: Number(id), amountCents: ((k % 3) + 1) * 60_000_00, at: new Date(now.getTime() - k * 5 * 86_400_000) });
    }
  });
  // The sales pipeline: deals replayed through the operations (won ones count for their customers' tiers).
  const pipeline = await seedPipelineDemo(ctx);
  await recomputeAllTiers(ctx);
  const service = await seedServiceDemo(ctx);
  return { seeded: true, users: 6, customers: total, activities, service, pipeline };
}
