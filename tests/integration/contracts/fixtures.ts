import type { CoreContext } from '../../../core/context';
import { createUser, actorOf, type UserDto } from '../../../core/users/operations';
import { customerAttrs, rng } from '../../../core/factories';
import { recountHeld } from '../../../core/customers/held';
import type { Actor } from '../../../core/context';

export interface Org {
  admin: UserDto;
  manager: UserDto;
  rep: UserDto;
  rep2: UserDto;
  finance: UserDto;
  director: UserDto;
  deputy: UserDto;
  as(u: UserDto): Actor;
  customer(opts?: { owner?: UserDto; tier?: string | null }): Promise<number>;
}

let seq = 0;

/** A team (manager + 2 reps), an admin, a finance approver, a sales director and a deputy manager. */
export async function makeOrg(ctx: CoreContext): Promise<Org> {
  const sys = { kind: 'system' } as const;
  const n = ++seq;
  const admin = await createUser(ctx, sys, 'cli', { name: `管理员${n}`, role: 'admin', email: `admin${n}@t.cn`, larkOpenId: `ou_admin_${n}_${process.pid}` });
  const manager = await createUser(ctx, sys, 'cli', { name: `经理${n}`, role: 'manager', team: `销售${n}组`, email: `m${n}@t.cn`, larkOpenId: `ou_m_${n}_${process.pid}` });
  const rep = await createUser(ctx, sys, 'cli', { name: `销售甲${n}`, role: 'rep', teamId: manager.teamId, email: `r${n}@t.cn`, larkOpenId: `ou_r_${n}_${process.pid}` });
  const rep2 = await createUser(ctx, sys, 'cli', { name: `销售乙${n}`, role: 'rep', teamId: manager.teamId, email: `r2${n}@t.cn`, larkOpenId: `ou_r2_${n}_${process.pid}` });
  const finance = await createUser(ctx, sys, 'cli', { name: `财务${n}`, role: 'admin', email: `f${n}@t.cn`, larkOpenId: `ou_f_${n}_${process.pid}`, skills: ['finance'] });
  const director = await createUser(ctx, sys, 'cli', { name: `总监${n}`, role: 'manager', email: `d${n}@t.cn`, larkOpenId: `ou_d_${n}_${process.pid}`, skills: ['sales_director'] });
  const deputy = await createUser(ctx, sys, 'cli', { name: `副经理${n}`, role: 'manager', email: `dep${n}@t.cn`, larkOpenId: `ou_dep_${n}_${process.pid}` });
  let i = n * 1000;
  return {
    admin,
    manager,
    rep,
    rep2,
    finance,
    director,
    deputy,
    as: (u) => actorOf(u),
    async customer(opts = {}) {
      const owner = opts.owner ?? rep;
      const c = await ctx.models.Customer.create({ ...customerAttrs(i++, rng(i), { ownerId: owner.id, teamId: owner.teamId, now: ctx.clock.now() }), tier: opts.tier ?? null });
      await recountHeld(ctx, [owner.id]); // inserted behind the core's back: the owner's counter from the rows
      return c.get('id');
    },
  };
}

/** A contract input for `customerId` with one line: list price and discount in bp. */
export function draft(customerId: number, listCents: number, discountBp = 0, extra: Record<string, unknown> = {}) {
  return { customerId, startDate: '2026-12-01', endDate: '2027-11-30', lines: [{ name: '软件授权', quantity: 1, unitPriceCents: listCents, discountBp }], ...extra };
}
