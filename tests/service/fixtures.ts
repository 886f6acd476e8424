import type { Actor, CoreContext } from '../../core/context';
import { contactAttrs, customerAttrs, rng } from '../../core/factories';
import { actorOf, createUser, type UserDto } from '../../core/users/operations';
import { recountHeld } from '../../core/customers/held';

let seq = 1000;

export interface ServiceWorld {
  manager: UserDto;
  agents: UserDto[];
  rep: UserDto;
  customerA: { id: number; contactId: number; actor: Actor };
  customerB: { id: number; contactId: number; actor: Actor };
}

/** A customer with one contact, owned by `ownerId`; returns ids and the customer actor. */
export async function makeCustomer(ctx: CoreContext, ownerId: number | null, tier: string | null = null): Promise<{ id: number; contactId: number; actor: Actor }> {
  const i = seq++;
  const r = rng(i);
  const c = await ctx.models.Customer.create({ ...customerAttrs(i, r, { ownerId, now: ctx.clock.now() }), tier });
  const ct = await ctx.models.Contact.create(contactAttrs(c.get('id'), i, r));
  if (ownerId !== null) await recountHeld(ctx, [ownerId]); // inserted behind the core's back: the owner's counter from the rows
  return { id: c.get('id'), contactId: ct.get('id'), actor: { kind: 'customer', customerId: c.get('id'), contactId: ct.get('id') } };
}

/** A manager, `agentSkills.length` service agents (skills each), a rep, two customers of the rep. */
export async function makeWorld(ctx: CoreContext, agentSkills: string[][] = [['技术支持', '咨询'], ['维修']]): Promise<ServiceWorld> {
  const sys = { kind: 'system' } as const;
  const tag = seq++;
  const manager = await createUser(ctx, sys, 'cli', { name: `经理${tag}`, role: 'manager', team: `客服组${tag}`, larkOpenId: `ou_mgr_${tag}` });
  const agents: UserDto[] = [];
  for (const [k, skills] of agentSkills.entries()) {
    agents.push(await createUser(ctx, sys, 'cli', { name: `客服${tag}_${k}`, role: 'service', teamId: manager.teamId, skills, larkOpenId: `ou_agent_${tag}_${k}` }));
  }
  const rep = await createUser(ctx, sys, 'cli', { name: `销售${tag}`, role: 'rep', teamId: manager.teamId, phone: '13900001111', email: `rep${tag}@x.cn` });
  const customerA = await makeCustomer(ctx, rep.id);
  const customerB = await makeCustomer(ctx, rep.id);
  return { manager, agents, rep, customerA, customerB };
}

export const staff = (u: UserDto): Actor => actorOf(u);

export async function outbox(ctx: CoreContext, kind?: string): Promise<{ kind: string; recipient: string; dedupe_key: string | null; payload: Record<string, unknown> }[]> {
  const rows = await ctx.db.select<{ kind: string; recipient: string; dedupe_key: string | null; payload: unknown }>(
    `SELECT kind, recipient, dedupe_key, payload FROM outbox ${kind ? 'WHERE kind = :kind' : ''} ORDER BY id`,
    { kind },
  );
  return rows.map((r) => ({ ...r, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : (r.payload as Record<string, unknown>) }));
}

/** Marks every existing service agent away so a test controls exactly who is eligible. */
export async function onlyAgents(ctx: CoreContext, ids: number[]): Promise<void> {
  await ctx.models.User.update({ status: 'away' }, { where: { role: 'service' } });
  await ctx.models.User.update({ status: 'active' }, { where: { id: ids } });
}
