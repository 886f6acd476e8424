import request from 'supertest';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { createUser, type UserDto } from '../../core/users/operations';
import { createApiKey } from '../../core/apikeys/operations';
import { createCustomer } from '../../core/customers/operations';
import { toDate } from '../../core/db/connection';
import { customersApiRouter } from '../../server/api/customers';
import { logActivity } from '../../core/activities/operations';
import type { Actor, CoreContext } from '../../core/context';

/** "A next step becomes a reminder" is a core rule: a follow-up logged through /api/v1 gets it too. */
const system: Actor = { kind: 'system' };

describeEachDb('a follow-up with a next time creates its reminder task, from any transport', (h) => {
  let rep: UserDto;
  let repKey: string, erpKey: string;
  let app: Awaited<ReturnType<typeof testApp>>['app'];
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const tasksOf = (customerId: number) =>
    h.db.select<{ title: string; owner_id: number; due_at: unknown; remind_at: unknown; channel: string | null; source: string; status: string }>(
      'SELECT title, owner_id, due_at, remind_at, channel, source, status FROM tasks WHERE customer_id = :c ORDER BY id',
      { c: customerId },
    );

  beforeAll(async () => {
    const mgr = await createUser(h.ctx, system, 'cli', { name: '周经理', role: 'manager', team: '跟进组' });
    rep = await createUser(h.ctx, system, 'cli', { name: '吴磊', role: 'rep', teamId: mgr.teamId });
    repKey = (await createApiKey(h.ctx, system, 'cli', { name: 'rep', userId: rep.id })).key;
    erpKey = (await createApiKey(h.ctx, system, 'cli', { name: 'erp' })).key;
    app = (await testApp(h.ctx, [customersApiRouter])).app;
  });

  it('through the API: the next step at nextAt becomes an open task with its reminder at that time, for the rep', async () => {
    const c = (await createCustomer(h.ctx, { kind: 'user', userId: rep.id, role: 'rep', teamId: rep.teamId }, 'api', { name: '提醒测试有限公司' })).customer;
    const nextAt = new Date(h.clock.now().getTime() + 2 * 86_400_000).toISOString();
    const res = await request(app.callback()).post(`/api/v1/customers/${c.id}/activities`).set(as(repKey)).send({ channel: 'phone', summary: '电话沟通', nextStep: '发送报价', nextAt });
    expect(res.status).toBe(201);
    const tasks = await tasksOf(c.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: '发送报价', owner_id: rep.id, channel: 'phone', source: 'api', status: 'open' });
    expect(toDate(tasks[0].due_at)!.toISOString()).toBe(nextAt);
    expect(toDate(tasks[0].remind_at)!.toISOString()).toBe(nextAt);
    // no next time, no task
    expect((await request(app.callback()).post(`/api/v1/customers/${c.id}/activities`).set(as(repKey)).send({ channel: 'visit', summary: '拜访', nextStep: '再约' })).status).toBe(201);
    expect(await tasksOf(c.id)).toHaveLength(1);
  });

  it('an integration key (no user): the reminder goes to the customer\'s owner; without an owner, no task', async () => {
    const owned = (await createCustomer(h.ctx, { kind: 'user', userId: rep.id, role: 'rep', teamId: rep.teamId }, 'api', { name: '集成跟进有限公司' })).customer;
    const nextAt = new Date(h.clock.now().getTime() + 86_400_000).toISOString();
    expect((await request(app.callback()).post(`/api/v1/customers/${owned.id}/activities`).set(as(erpKey)).send({ channel: 'email', summary: 'ERP 同步的邮件', nextAt })).status).toBe(201);
    expect(await tasksOf(owned.id)).toEqual([expect.objectContaining({ title: '跟进 集成跟进有限公司', owner_id: rep.id })]);
    const pooled = (await createCustomer(h.ctx, system, 'api', { name: '公海跟进有限公司' })).customer;
    expect((await request(app.callback()).post(`/api/v1/customers/${pooled.id}/activities`).set(as(erpKey)).send({ channel: 'email', summary: '无负责人', nextAt })).status).toBe(201);
    expect(await tasksOf(pooled.id)).toEqual([]);
  });

  it('the activity and its task are written in one transaction: a task that cannot be written leaves no activity', async () => {
    const actor: Actor = { kind: 'user', userId: rep.id, role: 'rep', teamId: rep.teamId };
    const c = (await createCustomer(h.ctx, actor, 'api', { name: '原子写入有限公司' })).customer;
    const failingTasks: CoreContext = { ...h.ctx, models: { ...h.ctx.models, Task: { create: async () => Promise.reject(new Error('task insert failed')) } as never } };
    const nextAt = new Date(h.clock.now().getTime() + 86_400_000);
    await expect(logActivity(failingTasks, actor, 'api', { customerId: c.id, channel: 'phone', summary: '电话', nextAt })).rejects.toThrow('task insert failed');
    expect(await h.db.select('SELECT id FROM activities WHERE customer_id = :c', { c: c.id })).toEqual([]);
    expect(await tasksOf(c.id)).toEqual([]);
    // a bad next time is refused naming the field, before anything is written
    const bad = await request(app.callback()).post(`/api/v1/customers/${c.id}/activities`).set(as(repKey)).send({ channel: 'phone', summary: 'x', nextAt: 'tomorrow' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('nextAt');
  });
});
