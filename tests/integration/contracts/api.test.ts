import request from 'supertest';
import { describeEachDb } from '../../helpers/db';
import { testApp } from '../../helpers/app';
import { makeOrg, type Org } from './fixtures';
import { contractsApiRouter } from '../../../server/api/contracts';
import { createApiKey } from '../../../core/apikeys/operations';
import type { UserDto } from '../../../core/users/operations';

describeEachDb('contracts /api/v1', (h) => {
  let server: ReturnType<import('koa')['callback']>;
  let o: Org;
  const keys = new Map<number, string>();
  const as = (u: UserDto) => ({ Authorization: `Bearer ${keys.get(u.id)}` });
  beforeAll(async () => {
    o = await makeOrg(h.ctx);
    for (const u of [o.rep, o.rep2, o.manager, o.finance, o.admin]) keys.set(u.id, (await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: `k${u.id}`, userId: u.id })).key);
    const { app } = await testApp(h.ctx, [contractsApiRouter]);
    server = app.callback();
  });

  it('draft → submit → approve → pay; bad input names the field; concurrent decisions give one 200', async () => {
    const customerId = await o.customer();
    const bad = await request(server).post('/api/v1/contracts').set(as(o.rep)).send({ customerId, startDate: '2026-12-01', endDate: '2027-11-30', lines: [{ name: 'x', quantity: 1, unitPriceCents: 1.5 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('lines.0.unitPriceCents');
    const created = await request(server)
      .post('/api/v1/contracts')
      .set(as(o.rep))
      .send({ customerId, startDate: '2026-11-01', endDate: '2027-10-31', lines: [{ name: '软件授权', quantity: 3, unitPriceCents: 3333, discountPct: '10' }], instalmentCount: 2 });
    expect(created.status).toBe(201);
    expect(created.body.amountCents).toBe(8999); // 9999 × 0.9 = 8999.1 → 8999
    expect(created.body.instalments.map((i: { amountCents: number }) => i.amountCents)).toEqual([4500, 4499]);
    const id = created.body.id;
    expect((await request(server).get(`/api/v1/contracts/${id}`).set(as(o.rep2))).status).toBe(403);
    const noApproval = await request(server).get(`/api/v1/contracts/${id}/approval`).set(as(o.rep));
    expect([noApproval.status, noApproval.body.error.field, noApproval.body.error.message]).toEqual([404, 'id', '该合同还没有提交审批（字段：id）']);
    const sub = await request(server).post(`/api/v1/contracts/${id}/submit`).set(as(o.rep)).send({ note: '请批' });
    expect(sub.status).toBe(201);
    const stepId = sub.body.currentStep.id;
    const clicks = await Promise.all(Array.from({ length: 5 }, () => request(server).post(`/api/v1/approvals/steps/${stepId}/decision`).set(as(o.manager)).send({ decision: 'approve' })));
    expect(clicks.map((c) => c.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(clicks.find((c) => c.status === 409)!.body.error.code).toBe('ALREADY_DONE');
    expect((await request(server).get(`/api/v1/contracts/${id}`).set(as(o.rep))).body.status).toBe('active');
    const pay = await request(server).post(`/api/v1/contracts/${id}/payments`).set(as(o.rep)).send({ amountCents: 5000 });
    expect(pay.status).toBe(201);
    expect(pay.body.allocations.map((a: { amountCents: number }) => a.amountCents)).toEqual([4500, 500]);
    // One date schema for every date field: a payment date is refused like a contract date (issue #24).
    for (const paidOn of ['0000-01-01', '9999-12-31', '2026-02-30', '2026-1-5']) {
      const bad = await request(server).post(`/api/v1/contracts/${id}/payments`).set(as(o.rep)).send({ amountCents: 100, paidOn });
      expect([paidOn, bad.status, bad.body.error.field]).toEqual([paidOn, 400, 'paidOn']);
      const badDraft = await request(server).post('/api/v1/contracts').set(as(o.rep)).send({ customerId, startDate: paidOn, endDate: '2027-10-31', lines: [{ name: 'x', quantity: 1, unitPriceCents: 100 }] });
      expect([paidOn, badDraft.status, badDraft.body.error.field]).toEqual([paidOn, 400, 'startDate']);
    }
    const over = await request(server).post(`/api/v1/contracts/${id}/payments`).set(as(o.rep)).send({ amountCents: 4000 });
    expect([over.status, over.body.error.field]).toEqual([400, 'amountCents']);
    const f = await request(server).get('/api/v1/receivables/forecast?months=2').set(as(o.rep));
    expect(f.status).toBe(200);
    expect(f.body.months).toHaveLength(2);
  });

  it('policy: readable, replaceable by an admin only', async () => {
    const p = await request(server).get('/api/v1/approval-policy').set(as(o.rep));
    expect(p.body.rules.map((r: { name: string }) => r.name)).toEqual(['manager', 'sales_director', 'finance']);
    expect((await request(server).put('/api/v1/approval-policy').set(as(o.manager)).send(p.body)).status).toBe(403);
    expect((await request(server).put('/api/v1/approval-policy').set(as(o.admin)).send({ ...p.body, discountLimitBp: 'x' })).status).toBe(400);
    expect((await request(server).put('/api/v1/approval-policy').set(as(o.admin)).send(p.body)).status).toBe(200);
  });
});
