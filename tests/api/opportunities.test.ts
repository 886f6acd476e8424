jest.setTimeout(120_000);
import request from 'supertest';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { makeOrg, type Org } from '../integration/contracts/fixtures';
import { createApiKey } from '../../core/apikeys/operations';
import { createUser, type UserDto } from '../../core/users/operations';
import { decideStep } from '../../core/approvals/operations';
import { openApiRouter } from '../../server/api/openapi';
import { API_OPERATIONS } from '../../server/api';
import { opportunitiesApiRouter } from '../../server/api/opportunities';
import { contractsApiRouter } from '../../server/api/contracts';

/**
 * /api/v1 opportunities and quotes through the real app on a real database: who sees what (rep own, manager team, admin
 * all, service none; anything else is 404 as if it did not exist), bad input answered 4xx naming the field with nothing
 * written, keyset pages, and the two races the issue names (two managers moving one deal; one quote accepted twice).
 */
type Server = ReturnType<import('koa')['callback']>;
type Hist = { id: number; field: string; from: string | null; to: string | null };

const BUDGETS = { CRM_READ_SEARCH_PER_WINDOW: '100000', CRM_READ_LIST_PER_WINDOW: '100000', CRM_READ_LOOKUP_PER_WINDOW: '100000', CRM_READ_EMPTY_BURST: '100000' };

describeEachDb('opportunities /api/v1', (h) => {
  let server: Server;
  let o: Org; // team A: manager, rep, rep2; admin; …
  let o2: Org; // team B
  let manager2: UserDto; // a second manager of team A
  let service: UserDto;
  const keys = new Map<number, string>();
  const as = (u: UserDto) => ({ Authorization: `Bearer ${keys.get(u.id)}` });
  const api = () => request(server);

  /** Row counts of everything a pipeline write touches: a refused request must leave them as they were. */
  const counts = async () => {
    const out: Record<string, number> = {};
    for (const t of ['opportunities', 'opportunity_lines', 'opportunity_history', 'quotes', 'contracts']) {
      out[t] = Number((await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0].n);
    }
    return out;
  };
  const create = async (u: UserDto, body: Record<string, unknown>) => {
    const res = await api().post('/api/v1/opportunities').set(as(u)).send(body);
    expect([res.status, res.body.error]).toEqual([201, undefined]);
    return res.body as { id: number; version: number; stage: string; ownerId: number; teamId: number | null };
  };

  beforeAll(async () => {
    o = await makeOrg(h.ctx);
    o2 = await makeOrg(h.ctx);
    manager2 = await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '经理丙', role: 'manager', teamId: o.manager.teamId, email: 'second.manager@t.cn', larkOpenId: `ou_mgr2_${process.pid}` });
    service = await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '客服', role: 'service', email: 'service.desk@t.cn', larkOpenId: `ou_svc_${process.pid}` });
    for (const u of [o.admin, o.manager, o.rep, o.rep2, o2.manager, o2.rep, manager2, service]) {
      keys.set(u.id, (await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: `k${u.id}`, userId: u.id })).key);
    }
    server = (await testApp(h.ctx, [openApiRouter(API_OPERATIONS), opportunitiesApiRouter, contractsApiRouter], BUDGETS)).app.callback();
  });

  it('visibility: rep own, manager team, admin all, service none; any other opportunity is 404 and untouched', async () => {
    const own = await create(o.rep, { customerId: await o.customer({ owner: o.rep }), name: '甲的商机', amountCents: 100_000 });
    const mate = await create(o.rep2, { customerId: await o.customer({ owner: o.rep2 }), name: '乙的商机', amountCents: 200_000 });
    const other = await create(o2.rep, { customerId: await o2.customer({ owner: o2.rep }), name: 'B组商机', amountCents: 300_000 });
    expect(own.ownerId).toBe(o.rep.id);
    const mine = [own.id, mate.id, other.id];
    const visible = async (u: UserDto) => {
      const res = await api().get('/api/v1/opportunities?limit=100').set(as(u));
      expect(res.status).toBe(200);
      return (res.body.items as { id: number }[]).map((i) => i.id).filter((id) => mine.includes(id)).sort((a, b) => a - b);
    };
    expect(await visible(o.rep)).toEqual([own.id]);
    expect(await visible(o.rep2)).toEqual([mate.id]);
    expect(await visible(o.manager)).toEqual([own.id, mate.id]);
    expect(await visible(o2.manager)).toEqual([other.id]);
    expect(await visible(o.admin)).toEqual([own.id, mate.id, other.id]);
    expect(await visible(service)).toEqual([]);
    for (const [u, id] of [[o.rep, own.id], [o.manager, mate.id], [o.admin, other.id]] as const) {
      expect((await api().get(`/api/v1/opportunities/${id}`).set(as(u))).status).toBe(200);
    }

    // Another rep's (and another team's) opportunity: 404 on every route, the same answer as a missing id.
    const before = await counts();
    const refused: [UserDto, number][] = [[o.rep, mate.id], [o.rep2, own.id], [o.manager, other.id], [o2.manager, own.id], [service, own.id], [o.rep, 2_000_000_000]];
    for (const [u, id] of refused) {
      const tries = [
        await api().get(`/api/v1/opportunities/${id}`).set(as(u)),
        await api().patch(`/api/v1/opportunities/${id}`).set(as(u)).send({ name: '改名' }),
        await api().post(`/api/v1/opportunities/${id}/stage`).set(as(u)).send({ stage: 'qualified' }),
        await api().post(`/api/v1/opportunities/${id}/close`).set(as(u)).send({ outcome: 'lost', lossReason: 'price' }),
        await api().get(`/api/v1/opportunities/${id}/history`).set(as(u)),
        await api().get(`/api/v1/opportunities/${id}/quotes`).set(as(u)),
        await api().post(`/api/v1/opportunities/${id}/quotes`).set(as(u)).send({}),
      ];
      for (const t of tries) expect([u.name, id, t.status, t.body.error?.code]).toEqual([u.name, id, 404, 'NOT_FOUND']);
    }
    expect(await counts()).toEqual(before);
    expect((await api().get(`/api/v1/opportunities/${mate.id}`).set(as(o.rep2))).body).toMatchObject({ name: '乙的商机', stage: 'initial', version: mate.version });

    // A quote of another rep's opportunity is as invisible as the opportunity.
    const q = await api().post(`/api/v1/opportunities/${mate.id}/quotes`).set(as(o.rep2)).send({ lines: [{ name: '授权', quantity: 1, unitPriceCents: 200_000 }] });
    expect(q.status).toBe(201);
    for (const t of [
      await api().get(`/api/v1/quotes/${q.body.id}`).set(as(o.rep)),
      await api().post(`/api/v1/quotes/${q.body.id}/send`).set(as(o.rep)),
      await api().post(`/api/v1/quotes/${q.body.id}/accept`).set(as(o.rep)).send({}),
      await api().post(`/api/v1/quotes/${q.body.id}/reject`).set(as(o.rep)).send({}),
    ]) {
      expect([t.status, t.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    }
    expect((await api().get(`/api/v1/quotes/${q.body.id}`).set(as(o.manager))).status).toBe(200);
  });

  it('bad input answers 4xx naming the field and writes nothing', async () => {
    const customerId = await o.customer({ owner: o.rep });
    const deal = await create(o.rep, { customerId, name: '好商机', amountCents: 500_000, expectedCloseDate: '2026-12-31' });
    const foreignCustomer = await o2.customer({ owner: o2.rep });
    const before = await counts();
    const cases: [string, () => request.Test, number[], string][] = [
      ['unknown stage (create)', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', stage: 'nonsense' }), [400, 422], 'stage'],
      ['unknown stage (move)', () => api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(o.rep)).send({ stage: '不存在的阶段' }), [400, 422], 'stage'],
      ['negative amount (create)', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', amountCents: -1 }), [400], 'amountCents'],
      ['negative amount (patch)', () => api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.rep)).send({ amountCents: -100 }), [400], 'amountCents'],
      ['amount over the cap of 10^12 cents', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', amountCents: 1e12 + 1 }), [400], 'amountCents'],
      ['fraction of a cent (create)', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', amountCents: 100.5 }), [400], 'amountCents'],
      ['fraction of a cent (patch)', () => api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.rep)).send({ amountCents: 100.5 }), [400], 'amountCents'],
      ['fraction of a cent (line)', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', lines: [{ name: 'l', quantity: 1, unitPriceCents: 99.9 }] }), [400], 'lines.0.unitPriceCents'],
      ['close date before creation (create)', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', expectedCloseDate: '2026-01-01' }), [400, 422], 'expectedCloseDate'],
      ['close date before creation (patch)', () => api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.rep)).send({ expectedCloseDate: '2025-12-31' }), [400, 422], 'expectedCloseDate'],
      ['impossible close date', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', expectedCloseDate: '2027-02-30' }), [400], 'expectedCloseDate'],
      ['nonexistent customer', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId: 2_000_000_000, name: 'x' }), [404], 'customerId'],
      ["another team's customer", () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId: foreignCustomer, name: 'x' }), [403, 404], 'customerId'],
      ['customer id as text', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId: '1', name: 'x' }), [400], 'customerId'],
      ['empty name', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: ' ' }), [400], 'name'],
      ['unknown field', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', amount: 5 }), [400], ''],
      // Links set by their own routes only (a caller could otherwise claim another customer's contract or lead).
      ['renewal link', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', renewalOfContractId: 1 }), [400], ''],
      ['lead link', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', leadId: 1 }), [400], ''],
      ['unknown pipeline', () => api().post('/api/v1/opportunities').set(as(o.rep)).send({ customerId, name: 'x', pipelineId: 2_000_000_000 }), [400, 404], 'pipelineId'],
      ['lost without a reason', () => api().post(`/api/v1/opportunities/${deal.id}/close`).set(as(o.rep)).send({ outcome: 'lost' }), [400, 422], 'lossReason'],
      ['unknown loss reason', () => api().post(`/api/v1/opportunities/${deal.id}/close`).set(as(o.rep)).send({ outcome: 'lost', lossReason: 'aliens' }), [400], 'lossReason'],
      ['probability over 100', () => api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.manager)).send({ probability: 101 }), [400], 'probability'],
      ['stale version', () => api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.rep)).send({ expectedVersion: deal.version + 5, name: '新名' }), [409], ''],
      ['bad period (funnel)', () => api().get('/api/v1/pipeline/funnel?period=2027-13').set(as(o.rep)), [400], 'period'],
      ['bad period (forecast)', () => api().get('/api/v1/pipeline/forecast?period=下辈子').set(as(o.rep)), [400], 'period'],
      ["manager asking for another team's funnel", () => api().get(`/api/v1/pipeline/funnel?period=2026-12&teamId=${o2.manager.teamId}`).set(as(o.manager)), [404], 'teamId'],
      ["manager asking for another team's forecast", () => api().get(`/api/v1/pipeline/forecast?period=2026-12&teamId=${o2.manager.teamId}`).set(as(o.manager)), [404], 'teamId'],
      ['bad list filter', () => api().get('/api/v1/opportunities?closeFrom=2026-02-30').set(as(o.rep)), [400], 'closeFrom'],
      ['bad status filter', () => api().get('/api/v1/opportunities?status=maybe').set(as(o.rep)), [400], 'status'],
      ['settings by a rep', () => api().patch('/api/v1/pipeline/settings').set(as(o.rep)).send({ stuckDays: 3 }), [403], ''],
      ['settings with a fraction', () => api().patch('/api/v1/pipeline/settings').set(as(o.admin)).send({ largeDealCents: 0.5 }), [400], 'largeDealCents'],
    ];
    for (const [what, send, statuses, field] of cases) {
      const res = await send();
      expect([what, statuses.includes(res.status) ? 'ok' : res.status, res.body.error?.field ?? '']).toEqual([what, 'ok', field || (res.body.error?.field ?? '')]);
    }
    expect(await counts()).toEqual(before);
    const after = (await api().get(`/api/v1/opportunities/${deal.id}`).set(as(o.rep))).body;
    expect(after).toMatchObject({ version: deal.version, amountCents: 500_000, expectedCloseDate: '2026-12-31', status: 'open', probability: 10 });
    expect((await api().get('/api/v1/pipeline/settings').set(as(o.rep))).body).toEqual({ largeDealCents: 50_000_000, stuckDays: 14 });
  });

  it('stage rules through the API: requirements, close, reopen (manager), stale version 409', async () => {
    const deal = await create(o.rep, { customerId: await o.customer({ owner: o.rep }), name: '无金额商机' });
    const noAmount = await api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(o.rep)).send({ stage: 'proposal' });
    expect([noAmount.status >= 400 && noAmount.status < 500, noAmount.body.error?.field]).toEqual([true, 'amountCents']);
    const patched = await api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.rep)).send({ amountCents: 800_000, expectedVersion: deal.version });
    expect(patched.status).toBe(200);
    const moved = await api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(o.rep)).send({ stage: '方案报价' });
    expect([moved.status, moved.body.changed, moved.body.opportunity.stage, moved.body.opportunity.probability]).toEqual([200, true, 'proposal', 50]);
    const again = await api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(o.rep)).send({ stage: 'proposal' });
    expect([again.status, again.body.changed]).toEqual([200, false]);
    const stale = await api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(o.rep)).send({ stage: 'negotiation', expectedVersion: deal.version });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'CONFLICT']);
    const lost = await api().post(`/api/v1/opportunities/${deal.id}/close`).set(as(o.rep)).send({ outcome: 'lost', lossReason: 'competitor', lossNote: '对手降价' });
    expect([lost.status, lost.body.status, lost.body.stage, lost.body.lossReason]).toEqual([200, 'lost', 'lost', 'competitor']);
    const back = await api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(o.rep)).send({ stage: 'negotiation' });
    expect(back.status).toBeGreaterThanOrEqual(400);
    expect(back.status).toBeLessThan(500);
    expect((await api().post(`/api/v1/opportunities/${deal.id}/reopen`).set(as(o.rep)).send({ reason: '客户回来了' })).status).toBe(403);
    const reopened = await api().post(`/api/v1/opportunities/${deal.id}/reopen`).set(as(o.manager)).send({ reason: '客户回来了', stage: 'negotiation' });
    expect([reopened.status, reopened.body.status, reopened.body.stage]).toEqual([200, 'open', 'negotiation']);
    const hist = (await api().get(`/api/v1/opportunities/${deal.id}/history`).set(as(o.rep))).body.items as Hist[];
    expect(hist.filter((x) => x.field === 'amount').map((x) => [x.from, x.to])).toEqual([[null, '800000']]);
    expect(hist.filter((x) => x.field === 'reopen').map((x) => [x.from, x.to])).toEqual([['lost', 'negotiation']]);
    assertStageChain(hist, 'negotiation');
  });

  it("probability overrides (manager only) survive moves until cleared; a transfer moves visibility with the owner", async () => {
    const deal = await create(o.rep, { customerId: await o.customer({ owner: o.rep }), name: '赢率商机', amountCents: 300_000 });
    const byRep = await api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.rep)).send({ probability: 90 });
    expect([byRep.status, byRep.body.error.field]).toEqual([403, 'probability']);
    const set = await api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.manager)).send({ probability: 35 });
    expect([set.body.probability, set.body.probabilityOverridden, set.body.weightedCents]).toEqual([35, true, 105_000]);
    const moved = (await api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(o.rep)).send({ stage: 'negotiation' })).body.opportunity;
    expect([moved.stage, moved.probability, moved.probabilityOverridden]).toEqual(['negotiation', 35, true]);
    const cleared = await api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.manager)).send({ probability: null });
    expect([cleared.body.probability, cleared.body.probabilityOverridden, cleared.body.weightedCents]).toEqual([80, false, 240_000]);

    const moved2 = await api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.manager)).send({ ownerId: o.rep2.id });
    expect([moved2.status, moved2.body.ownerId]).toEqual([200, o.rep2.id]);
    expect((await api().get(`/api/v1/opportunities/${deal.id}`).set(as(o.rep))).status).toBe(404);
    const hist = (await api().get(`/api/v1/opportunities/${deal.id}/history`).set(as(o.rep2))).body.items as Hist[];
    expect(hist.filter((x) => x.field === 'probability').map((x) => [x.from, x.to])).toEqual([['10', '35'], ['35', '80']]);
    expect(hist.filter((x) => x.field === 'owner').map((x) => [x.from, x.to])).toEqual([[String(o.rep.id), String(o.rep2.id)]]);
    const toOtherTeam = await api().patch(`/api/v1/opportunities/${deal.id}`).set(as(o.manager)).send({ ownerId: o2.rep.id });
    expect([toOtherTeam.status, toOtherTeam.body.error.field]).toEqual([403, 'ownerId']);
  });

  it('keyset pages: more than one page, every item once, newest first, filters applied', async () => {
    const customerId = await o.customer({ owner: o.rep2 });
    const ids: number[] = [];
    for (let i = 0; i < 23; i++) ids.push((await create(o.rep2, { customerId, name: `分页${i}`, amountCents: 1000 + i, expectedCloseDate: i % 2 ? '2027-01-15' : '2026-12-15' })).id);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await api().get('/api/v1/opportunities').query({ customerId, limit: 10, ...(cursor ? { cursor } : {}) }).set(as(o.manager));
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as { id: number }[]).map((i) => i.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort((a, b) => b - a));
    const jan = await api().get('/api/v1/opportunities').query({ customerId, closeFrom: '2027-01-01', closeTo: '2027-01-31', limit: 100 }).set(as(o.rep2));
    expect((jan.body.items as { id: number }[]).map((i) => i.id)).toEqual(ids.filter((_, i) => i % 2).sort((a, b) => b - a));
    const byName = await api().get('/api/v1/opportunities').query({ customerId, q: '分页7' }).set(as(o.rep2));
    expect((byName.body.items as { name: string }[]).map((i) => i.name)).toEqual(['分页7']);
    expect((await api().get('/api/v1/opportunities').query({ customerId }).set(as(o.rep))).body.items).toEqual([]);
    const badCursor = await api().get('/api/v1/opportunities').query({ cursor: 'not-a-cursor' }).set(as(o.rep2));
    expect(badCursor.status).toBe(400);
  });

  it('two managers moving the same opportunity at once leave one consistent history', async () => {
    const deal = await create(o.rep, { customerId: await o.customer({ owner: o.rep }), name: '抢着推进', amountCents: 9_000_000 });
    const targets = ['qualified', 'proposal', 'negotiation', 'qualified', 'proposal', 'initial', 'negotiation', 'qualified'];
    const results = await Promise.all(
      targets.map((stage, i) => api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(i % 2 ? manager2 : o.manager)).send({ stage })),
    );
    for (const r of results) expect([200, 409]).toContain(r.status);
    const changed = results.filter((r) => r.status === 200 && r.body.changed).length;
    const now = (await api().get(`/api/v1/opportunities/${deal.id}`).set(as(o.rep))).body;
    const hist = (await api().get(`/api/v1/opportunities/${deal.id}/history`).set(as(o.manager))).body.items as Hist[];
    const stages = assertStageChain(hist, now.stage);
    // One history row per move that said it changed something (plus the creation row, when the core writes one).
    expect(stages.filter((x) => x.from !== null).length).toBe(changed);
    expect(stages.filter((x) => x.from === null).length).toBeLessThanOrEqual(1);
    expect(now.version).toBeGreaterThanOrEqual(deal.version + changed);

    // With expectedVersion, the same race has exactly one winner and one 409.
    const two = ['initial', 'qualified', 'proposal', 'negotiation'].filter((s) => s !== now.stage).slice(0, 2);
    const race = await Promise.all([o.manager, manager2].map((m, i) => api().post(`/api/v1/opportunities/${deal.id}/stage`).set(as(m)).send({ stage: two[i], expectedVersion: now.version })));
    expect(race.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(race.find((r) => r.status === 409)!.body.error.code).toBe('CONFLICT');
    const after = (await api().get(`/api/v1/opportunities/${deal.id}/history`).set(as(o.manager))).body.items as Hist[];
    assertStageChain(after, (await api().get(`/api/v1/opportunities/${deal.id}`).set(as(o.rep))).body.stage);
  });

  it('more races: concurrent amount edits chain, concurrent quotes get versions 1..n, won vs lost and accept vs reject have one winner', async () => {
    const customerId = await o.customer({ owner: o.rep });
    const deal = await create(o.rep, { customerId, name: '并发编辑', amountCents: 100_000 });
    const edits = await Promise.all([1, 2, 3, 4, 5].map((i) => api().patch(`/api/v1/opportunities/${deal.id}`).set(as(i % 2 ? o.manager : manager2)).send({ amountCents: 100_000 + i })));
    expect(edits.map((e) => e.status)).toEqual([200, 200, 200, 200, 200]);
    const hist = (await api().get(`/api/v1/opportunities/${deal.id}/history`).set(as(o.rep))).body.items as Hist[];
    const amounts = hist.filter((x) => x.field === 'amount');
    expect(amounts).toHaveLength(6);
    for (let i = 1; i < amounts.length; i++) expect(amounts[i].from).toBe(amounts[i - 1].to);
    const final = (await api().get(`/api/v1/opportunities/${deal.id}`).set(as(o.rep))).body;
    expect(String(final.amountCents)).toBe(amounts.at(-1)!.to);

    const quotes = await Promise.all(Array.from({ length: 5 }, () => api().post(`/api/v1/opportunities/${deal.id}/quotes`).set(as(o.rep)).send({})));
    expect(quotes.map((q) => q.status)).toEqual([201, 201, 201, 201, 201]);
    const listed = (await api().get(`/api/v1/opportunities/${deal.id}/quotes`).set(as(o.rep))).body.items as { version: number; status: string }[];
    expect(listed.map((q) => [q.version, q.status])).toEqual([[5, 'draft'], [4, 'superseded'], [3, 'superseded'], [2, 'superseded'], [1, 'superseded']]);
    const latest = quotes.find((q) => q.body.version === 5)!.body;
    const superseded = quotes.find((q) => q.body.version === 1)!.body;
    expect((await api().post(`/api/v1/quotes/${superseded.id}/accept`).set(as(o.rep)).send({})).status).toBe(409);
    await api().post(`/api/v1/quotes/${latest.id}/send`).set(as(o.rep));
    const before = await counts();
    const ar = await Promise.all([api().post(`/api/v1/quotes/${latest.id}/accept`).set(as(o.rep)).send({}), api().post(`/api/v1/quotes/${latest.id}/reject`).set(as(o.rep)).send({ reason: '客户改主意' })]);
    const winner = ar.find((r) => r.status < 300)!;
    expect(ar.filter((r) => r.status < 300)).toHaveLength(1);
    expect(ar.find((r) => r.status >= 300)!.status).toBe(409);
    const status = (await api().get(`/api/v1/quotes/${latest.id}`).set(as(o.rep))).body.status;
    expect((await counts()).contracts - before.contracts).toBe(status === 'accepted' ? 1 : 0);
    expect(winner === ar[0] ? 'accepted' : 'rejected').toBe(status);

    const other = await create(o.rep, { customerId, name: '同时输赢', amountCents: 100_000 });
    const wl = await Promise.all([api().post(`/api/v1/opportunities/${other.id}/close`).set(as(o.manager)).send({ outcome: 'won' }), api().post(`/api/v1/opportunities/${other.id}/close`).set(as(manager2)).send({ outcome: 'lost', lossReason: 'price' })]);
    expect(wl.map((r) => r.status).sort()).toEqual([200, 409]);
    const closed = (await api().get(`/api/v1/opportunities/${other.id}`).set(as(o.rep))).body;
    expect(closed.status).toBe(wl[0].status === 200 ? 'won' : 'lost');
    assertStageChain((await api().get(`/api/v1/opportunities/${other.id}/history`).set(as(o.rep))).body.items, closed.stage);
  });

  it('a quote accepted twice at once drafts exactly one contract', async () => {
    const deal = await create(o.rep, { customerId: await o.customer({ owner: o.rep }), name: '报价商机', lines: [{ name: '软件授权', quantity: 2, unitPriceCents: 150_000, discountBp: 1000 }] });
    const quote = await api().post(`/api/v1/opportunities/${deal.id}/quotes`).set(as(o.rep)).send({ validUntil: '2026-12-31', note: '含税' });
    expect([quote.status, quote.body.amountCents, quote.body.listCents, quote.body.status]).toEqual([201, 270_000, 300_000, 'draft']);
    expect((await api().post(`/api/v1/quotes/${quote.body.id}/send`).set(as(o.rep))).body.status).toBe('sent');
    const listed = await api().get(`/api/v1/opportunities/${deal.id}/quotes`).set(as(o.rep));
    expect((listed.body.items as { id: number }[]).map((q) => q.id)).toEqual([quote.body.id]);
    const before = await counts();
    const accepts = await Promise.all(Array.from({ length: 4 }, () => api().post(`/api/v1/quotes/${quote.body.id}/accept`).set(as(o.rep)).send({ startDate: '2027-01-01', endDate: '2027-12-31' })));
    for (const a of accepts) expect([200, 201, 409]).toContain(a.status);
    expect(accepts.filter((a) => a.status === 201)).toHaveLength(1);
    const contractIds = new Set(accepts.filter((a) => a.status < 300).map((a) => a.body.contract.id));
    expect(contractIds.size).toBe(1);
    const after = await counts();
    expect(after.contracts - before.contracts).toBe(1);
    const rows = await h.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM contracts WHERE quote_id = :q', { q: quote.body.id });
    expect(Number(rows[0].n)).toBe(1);
    const accepted = accepts.find((a) => a.status === 201)!.body;
    expect([accepted.quote.status, accepted.contract.amountCents]).toEqual(['accepted', 270_000]);
    expect((await api().get(`/api/v1/quotes/${quote.body.id}`).set(as(o.rep))).body).toMatchObject({ status: 'accepted', contractId: accepted.contract.id });
    // Rejecting an accepted quote is refused, and changes nothing.
    const rej = await api().post(`/api/v1/quotes/${quote.body.id}/reject`).set(as(o.rep)).send({ reason: '太贵' });
    expect(rej.status).toBeGreaterThanOrEqual(400);
    expect(rej.status).toBeLessThan(500);

    // The contract approved → the opportunity is won (history + wonContractId).
    let step = accepted.approval?.currentStep as { id: number; approverId: number } | null;
    const people = [o.admin, o.manager, o.finance, o.director, o.deputy, manager2];
    for (let guard = 0; step && guard < 10; guard++) {
      const r = await decideStep(h.ctx, o.as(people.find((u) => u.id === step!.approverId)!), 'api', { stepId: step.id, decision: 'approve' });
      step = r.finished ? null : (r.view.currentStep as { id: number; approverId: number } | null);
    }
    const won = (await api().get(`/api/v1/opportunities/${deal.id}`).set(as(o.rep))).body;
    expect([won.status, won.stage, won.wonContractId]).toEqual(['won', 'won', accepted.contract.id]);
  });

  it('a renewal opportunity from a contract: created once, then answered again', async () => {
    const customerId = await o.customer({ owner: o.rep });
    const c = await api().post('/api/v1/contracts').set(as(o.rep)).send({ customerId, startDate: '2026-01-01', endDate: '2026-12-31', lines: [{ name: '年费', quantity: 1, unitPriceCents: 1_200_000 }] });
    expect(c.status).toBe(201);
    const people = [o.admin, o.manager, o.finance, o.director, o.deputy, manager2];
    let step = (await api().post(`/api/v1/contracts/${c.body.id}/submit`).set(as(o.rep)).send({})).body.currentStep as { id: number; approverId: number } | null;
    for (let guard = 0; step && guard < 10; guard++) {
      const r = await decideStep(h.ctx, o.as(people.find((u) => u.id === step!.approverId)!), 'api', { stepId: step.id, decision: 'approve' });
      step = r.finished ? null : (r.view.currentStep as { id: number; approverId: number } | null);
    }
    const both = await Promise.all([1, 2].map(() => api().post(`/api/v1/contracts/${c.body.id}/renewal-opportunity`).set(as(o.rep))));
    expect(both.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(both[0].body.opportunity.id).toBe(both[1].body.opportunity.id);
    expect(both[0].body.opportunity).toMatchObject({ pipelineKey: 'renewal', source: 'renewal', renewalOfContractId: c.body.id, expectedCloseDate: '2026-12-31', amountCents: 1_200_000 });
    expect((await api().post(`/api/v1/contracts/${c.body.id}/renewal-opportunity`).set(as(o2.rep))).status).toBeGreaterThanOrEqual(403);
  });

  it('reads are budgeted like the other /api/v1 reads: a text query is a search, a page a list, one record a lookup', async () => {
    const small = (await testApp(h.ctx, [opportunitiesApiRouter], { CRM_READ_SEARCH_PER_WINDOW: '1', CRM_READ_LIST_PER_WINDOW: '2', CRM_READ_LOOKUP_PER_WINDOW: '2' })).app.callback();
    // A user of their own (budgets are per user and shared through the database; the test clock stands still).
    const u = await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '预算经理', role: 'manager', team: '预算组', email: 'budget@t.cn', larkOpenId: `ou_budget_${process.pid}` });
    keys.set(u.id, (await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: 'budget', userId: u.id })).key);
    const deal = await create(u, { customerId: await o2.customer({ owner: u }), name: '预算商机' });
    const statuses = async (path: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await request(small).get(path).set(as(u))).status);
      return out;
    };
    expect(await statuses(`/api/v1/opportunities/${deal.id}`, 2)).toEqual([200, 200]);
    const over = await request(small).get(`/api/v1/opportunities/${deal.id}/history`).set(as(u));
    expect([over.status, over.body.error.code, Number(over.headers['retry-after']) > 0]).toEqual([429, 'RATE_LIMITED', true]);
    expect(await statuses('/api/v1/opportunities?q=预算', 2)).toEqual([200, 429]);
    expect(await statuses('/api/v1/pipeline/forecast?period=2026-12', 1)).toEqual([200]);
    expect(await statuses('/api/v1/pipeline/funnel?period=2026-12', 2)).toEqual([200, 429]);
  });

  it('pipelines: listed for everyone, stages replaced by an admin only, refused when they break the rules', async () => {
    const list = await api().get('/api/v1/pipelines').set(as(o.rep));
    expect(list.status).toBe(200);
    const keysOf = (list.body.items as { key: string }[]).map((p) => p.key).sort();
    expect(keysOf).toEqual(['default', 'renewal']);
    const renewal = (list.body.items as { id: number; key: string; stages: { key: string; probability: number }[] }[]).find((p) => p.key === 'renewal')!;
    expect((await api().put(`/api/v1/pipelines/${renewal.id}`).set(as(o.manager)).send({ name: '续约' })).status).toBe(403);
    const noWon = renewal.stages.filter((s) => s.key !== 'won');
    const bad = await api().put(`/api/v1/pipelines/${renewal.id}`).set(as(o.admin)).send({ stages: noWon });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toMatch(/^stages/);
    const stages = renewal.stages.map((s) => (s.key === 'renewal_due' ? { ...s, probability: 35 } : s));
    const ok = await api().put(`/api/v1/pipelines/${renewal.id}`).set(as(o.admin)).send({ stages });
    expect(ok.status).toBe(200);
    expect(ok.body.stages.find((s: { key: string }) => s.key === 'renewal_due').probability).toBe(35);
    const doc = (await api().get('/api/v1/openapi.json')).body;
    for (const p of ['/api/v1/opportunities', '/api/v1/opportunities/{id}/stage', '/api/v1/quotes/{id}/accept', '/api/v1/pipeline/forecast', '/api/v1/pipelines/{id}']) expect(Object.keys(doc.paths)).toContain(p);
    expect(doc.paths['/api/v1/opportunities'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['cursor', 'limit', 'stage', 'closeFrom', 'teamId', 'q']));
    expect(doc.paths['/api/v1/opportunities/{id}'].get.responses['200'].content['application/json'].schema.properties.amountCents).toBeDefined();
  });
});

/** The stage rows of a history, oldest first, checked to form one chain: each row's from is the previous row's to. */
function assertStageChain(hist: Hist[], current: string): Hist[] {
  const stages = hist.filter((x) => x.field === 'stage'); // a reopen writes its own audit row and a stage row
  const ordered = [...stages].sort((a, b) => a.id - b.id);
  expect(stages.map((x) => x.id)).toEqual(ordered.map((x) => x.id));
  for (let i = 1; i < ordered.length; i++) expect([i, ordered[i].from]).toEqual([i, ordered[i - 1].to]);
  expect(ordered.at(-1)?.to ?? null).toBe(current);
  return ordered;
}
