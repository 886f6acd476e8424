import { describeEachDb } from '../helpers/db';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer, findCustomersByName, getCustomer, searchCustomers, updateCustomer } from '../../core/customers/operations';
import { logActivity, listActivities } from '../../core/activities/operations';
import { getCustomer360 } from '../../core/customer360/view360';
import type { Actor } from '../../core/context';

const system: Actor = { kind: 'system' };

describeEachDb('customers core', (h) => {
  let rep1: UserDto, rep2: UserDto, mgr: UserDto, otherMgr: UserDto, admin: UserDto, service: UserDto;
  beforeAll(async () => {
    mgr = await createUser(h.ctx, system, 'cli', { name: 'M', role: 'manager', team: 'East' });
    rep1 = await createUser(h.ctx, system, 'cli', { name: 'R1', role: 'rep', teamId: mgr.teamId });
    rep2 = await createUser(h.ctx, system, 'cli', { name: 'R2', role: 'rep', teamId: mgr.teamId });
    otherMgr = await createUser(h.ctx, system, 'cli', { name: 'M2', role: 'manager', team: 'West' });
    admin = await createUser(h.ctx, system, 'cli', { name: 'A', role: 'admin' });
    service = await createUser(h.ctx, system, 'cli', { name: 'S', role: 'service' });
  });

  it('creates, and a duplicate by name/phone/email answers the existing record', async () => {
    const a = await createCustomer(h.ctx, actorOf(rep1), 'api', { name: '远航科技有限公司', phone: '+86 138-0000-0001', email: 'Boss@YuanHang.cn', contact: { name: '王伟', phone: '13900000001' } });
    expect(a.duplicate).toBe(false);
    expect(a.customer.ownerId).toBe(rep1.id);
    expect(a.customer.teamId).toBe(mgr.teamId);
    const byName = await createCustomer(h.ctx, actorOf(rep1), 'api', { name: '远航科技（有限公司）' });
    expect(byName).toMatchObject({ duplicate: true, customer: { id: a.customer.id } });
    const byPhone = await createCustomer(h.ctx, actorOf(rep1), 'api', { name: 'Other', phone: '0086 13800000001' });
    expect(byPhone.customer.id).toBe(a.customer.id);
    const byEmail = await createCustomer(h.ctx, actorOf(rep1), 'api', { name: 'Other2', email: 'boss+x@yuanhang.cn' });
    expect(byEmail.customer.id).toBe(a.customer.id);
    const byContactPhone = await createCustomer(h.ctx, actorOf(rep1), 'api', { name: 'Other3', phone: '139-0000-0001' });
    expect(byContactPhone.customer.id).toBe(a.customer.id);
    // Another rep learns only that it exists and whose it is (撞单): no id, no name, no phone.
    const asRep2 = await createCustomer(h.ctx, actorOf(rep2), 'api', { name: '远航科技股份有限公司' }).catch((e) => e);
    expect(asRep2).toMatchObject({ code: 'DUPLICATE', data: { ownerName: 'R1' } });
    expect(Object.keys(asRep2.data)).toEqual(['ownerName']);
  });

  it('concurrent creates of the same company → one record', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => createCustomer(h.ctx, actorOf(rep1), 'api', { name: `并发测试${i % 2 ? '有限公司' : '股份有限公司'}` })));
    const ids = new Set(results.map((r) => r.customer.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
  });

  it('visibility: rep own + pool, manager team, admin/service all', async () => {
    const own = (await createCustomer(h.ctx, actorOf(rep1), 'api', { name: '可见性一号' })).customer;
    const pool = (await createCustomer(h.ctx, system, 'api', { name: '公海客户一号' })).customer;
    expect(pool.inPool).toBe(true);
    await expect(getCustomer(h.ctx, actorOf(rep2), own.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(getCustomer360(h.ctx, actorOf(rep2), own.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(getCustomer(h.ctx, actorOf(otherMgr), own.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await getCustomer(h.ctx, actorOf(rep2), pool.id)).id).toBe(pool.id);
    expect((await getCustomer(h.ctx, actorOf(mgr), own.id)).id).toBe(own.id);
    expect((await getCustomer(h.ctx, actorOf(admin), own.id)).id).toBe(own.id);
    expect((await getCustomer(h.ctx, actorOf(service), own.id)).id).toBe(own.id);
    const rep2List = await searchCustomers(h.ctx, actorOf(rep2), { q: '可见性', limit: 50 });
    expect(rep2List.items).toHaveLength(0);
    const rep2Find = await findCustomersByName(h.ctx, actorOf(rep2), '可见性一号');
    expect(rep2Find).toHaveLength(0);
    expect((await findCustomersByName(h.ctx, actorOf(rep1), '可见性一号'))[0].id).toBe(own.id);
    await expect(updateCustomer(h.ctx, actorOf(rep2), 'api', own.id, { region: '华北' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(logActivity(h.ctx, actorOf(rep2), 'api', { customerId: pool.id, channel: 'phone', summary: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('search: keyset pages, filters, phone and contact lookups', async () => {
    for (let i = 0; i < 5; i++) await createCustomer(h.ctx, actorOf(rep1), 'api', { name: `分页客户${i}`, region: i % 2 ? '华南' : '华东' });
    const p1 = await searchCustomers(h.ctx, actorOf(rep1), { q: '分页客户', limit: 2 });
    expect(p1.items).toHaveLength(2);
    const p2 = await searchCustomers(h.ctx, actorOf(rep1), { q: '分页客户', limit: 2, cursor: p1.nextCursor });
    const p3 = await searchCustomers(h.ctx, actorOf(rep1), { q: '分页客户', limit: 2, cursor: p2.nextCursor });
    expect(p3.nextCursor).toBeNull();
    expect(new Set([...p1.items, ...p2.items, ...p3.items].map((c) => c.id)).size).toBe(5);
    const south = await searchCustomers(h.ctx, actorOf(rep1), { q: '分页客户', region: '华南', limit: 10 });
    expect(south.items).toHaveLength(2);
    expect((await searchCustomers(h.ctx, actorOf(rep1), { q: '138 0000 0001', limit: 10 })).items[0].name).toBe('远航科技有限公司');
    expect((await findCustomersByName(h.ctx, actorOf(rep1), '王伟'))[0].name).toBe('远航科技有限公司');
    expect((await findCustomersByName(h.ctx, actorOf(rep1), '远航'))[0].name).toBe('远航科技有限公司');
    await expect(searchCustomers(h.ctx, actorOf(rep1), { limit: 2, cursor: '!!bad' })).rejects.toMatchObject({ code: 'VALIDATION', field: 'cursor' });
  });

  it('activities keep last_followup_at current; 360 has them and registered sections', async () => {
    const c = (await createCustomer(h.ctx, actorOf(rep1), 'api', { name: '三百六十度' })).customer;
    h.clock.advance(60_000);
    await logActivity(h.ctx, actorOf(rep1), 'api', { customerId: c.id, channel: 'visit', summary: '拜访', nextStep: '报价', nextAt: new Date(h.clock.now().getTime() + 86_400_000).toISOString() });
    const older = new Date(h.clock.now().getTime() - 10 * 86_400_000);
    await logActivity(h.ctx, actorOf(rep1), 'api', { customerId: c.id, channel: 'phone', summary: '旧电话', occurredAt: older });
    const after = await getCustomer(h.ctx, actorOf(rep1), c.id);
    expect(after.lastFollowupAt).toBe(h.clock.now().toISOString());
    h.ctx.registry.view360Section(`test_${h.dialect}`, async (ctx, id) => ctx.db.select('SELECT id FROM activities WHERE customer_id = :id', { id }));
    const v = await getCustomer360(h.ctx, actorOf(rep1), c.id);
    expect(v.activities.map((a) => a.summary)).toEqual(['拜访', '旧电话']);
    expect(v.nextStep?.text).toBe('报价');
    // the next step with a time became its reminder task (core/activities), shown in the tasks section
    expect((v.sections.tasks as { title: string }[]).map((x) => x.title)).toEqual(['报价']);
    expect(v.sections.tickets).toEqual([]);
    expect(v.sections[`test_${h.dialect}`]).toHaveLength(2);
    const page = await listActivities(h.ctx, actorOf(rep1), { customerId: c.id, limit: 1 });
    const page2 = await listActivities(h.ctx, actorOf(rep1), { customerId: c.id, limit: 1, cursor: page.nextCursor });
    expect(page2.items[0].summary).toBe('旧电话');
    expect(page2.nextCursor).toBeNull();
  });
});
