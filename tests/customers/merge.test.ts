import { QueryTypes } from 'sequelize';
import { describeEachDb } from '../helpers/db';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer, getCustomer } from '../../core/customers/operations';
import { logActivity } from '../../core/activities/operations';
import { mergeCustomers } from '../../core/customers/merge';
import { getCustomer360 } from '../../core/customer360/view360';
import { claimCustomer, releaseCustomer } from '../../core/pool/operations';
import type { Actor } from '../../core/context';

const system: Actor = { kind: 'system' };

describeEachDb('customer merge', (h) => {
  let mgr: UserDto, rep: UserDto, rep2: UserDto;
  beforeAll(async () => {
    mgr = await createUser(h.ctx, system, 'cli', { name: 'M', role: 'manager', team: 'T' });
    rep = await createUser(h.ctx, system, 'cli', { name: 'R', role: 'rep', teamId: mgr.teamId });
    rep2 = await createUser(h.ctx, system, 'cli', { name: 'R2', role: 'rep', teamId: mgr.teamId });
  });

  it('keeps every activity, contact, pool history and other-context row of both; audited; old id resolves', async () => {
    const a = (await createCustomer(h.ctx, actorOf(rep), 'api', { name: '华信贸易', phone: '13711112222', tags: ['vip'], contact: { name: '李雷' } })).customer;
    const b = (await createCustomer(h.ctx, actorOf(rep2), 'api', { name: '华信国际贸易', email: 'hx@huaxin.cn', region: '华南', tags: ['外贸'], notes: '老客户', contact: { name: '韩梅梅' } })).customer;
    await logActivity(h.ctx, actorOf(rep), 'api', { customerId: a.id, channel: 'phone', summary: 'A1' });
    await logActivity(h.ctx, actorOf(rep2), 'api', { customerId: b.id, channel: 'visit', summary: 'B1' });
    await logActivity(h.ctx, actorOf(rep2), 'api', { customerId: b.id, channel: 'email', summary: 'B2' });
    await releaseCustomer(h.ctx, actorOf(rep2), 'api', b.id);
    await claimCustomer(h.ctx, actorOf(rep2), 'api', b.id).catch(() => undefined); // cooldown: refused, history still written
    // A table from some other context, created later: still carried over.
    await h.db.sequelize.query('CREATE TABLE merge_probe_tasks (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, title VARCHAR(50))');
    await h.db.sequelize.query("INSERT INTO merge_probe_tasks (id, customer_id, title) VALUES (1, :b, 'task of B'), (2, :a, 'task of A')", { replacements: { a: a.id, b: b.id } });

    await expect(mergeCustomers(h.ctx, actorOf(rep), 'api', { targetId: a.id, sourceId: b.id })).rejects.toMatchObject({ code: 'FORBIDDEN' }); // B is in the pool: a rep must claim it first
    const r = await mergeCustomers(h.ctx, actorOf(mgr), 'api', { targetId: a.id, sourceId: b.id });
    expect(r.moved.activities).toBe(2);
    expect(r.moved.contacts).toBe(1);
    expect(r.moved.merge_probe_tasks).toBe(1);
    expect(r.moved.pool_events).toBeGreaterThanOrEqual(1);
    expect(r.customer).toMatchObject({ email: 'hx@huaxin.cn', region: '华南', ownerId: rep.id });
    expect(r.customer.tags.sort()).toEqual(['vip', '外贸'].sort());
    expect(r.customer.notes).toContain('老客户');

    const acts = await h.db.select<{ summary: string }>('SELECT summary FROM activities WHERE customer_id = :id ORDER BY id', { id: a.id });
    expect(acts.map((x) => x.summary)).toEqual(['A1', 'B1', 'B2']);
    const contacts = await h.db.select<{ name: string }>('SELECT name FROM contacts WHERE customer_id = :id ORDER BY id', { id: a.id });
    expect(contacts.map((x) => x.name)).toEqual(['李雷', '韩梅梅']);
    const tasks = await h.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM merge_probe_tasks WHERE customer_id = :id', { id: a.id });
    expect(Number(tasks[0].n)).toBe(2);
    const audits = await h.db.sequelize.query<{ action: string; entity_id: number }>(
      "SELECT action, entity_id FROM audit_log WHERE action IN ('customer.merge', 'customer.merged_into') ORDER BY id",
      { type: QueryTypes.SELECT },
    );
    expect(audits.map((x) => [x.action, Number(x.entity_id)])).toEqual([['customer.merge', a.id], ['customer.merged_into', b.id]]);
    // B's own history entries are untouched.
    const bHistory = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = 'customer' AND entity_id = :id", { id: b.id });
    expect(Number(bHistory[0].n)).toBeGreaterThanOrEqual(3);
    // The old id answers the surviving record; its de-dup keys now point there.
    expect((await getCustomer(h.ctx, actorOf(mgr), b.id)).id).toBe(a.id);
    expect((await createCustomer(h.ctx, actorOf(rep), 'api', { name: 'x', email: 'HX@huaxin.cn' })).customer.id).toBe(a.id);
    const v = await getCustomer360(h.ctx, actorOf(rep), a.id);
    expect(v.activities).toHaveLength(3);
    expect(v.contacts).toHaveLength(2);
    await expect(mergeCustomers(h.ctx, actorOf(mgr), 'api', { targetId: a.id, sourceId: b.id })).rejects.toMatchObject({ code: 'ALREADY_DONE' });
    await expect(mergeCustomers(h.ctx, actorOf(mgr), 'api', { targetId: a.id, sourceId: a.id })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
