import request from 'supertest';
import { describeEachDb } from '../helpers/db';
import { memoryLogger, testApp } from '../helpers/app';
import { messageEvent, postEvent } from '../helpers/fake-lark';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createApiKey } from '../../core/apikeys/operations';
import { createCustomer } from '../../core/customers/operations';
import { spendReadBudget, DEFAULT_READ_BUDGET } from '../../core/audit/read-budget';
import { customersApiRouter } from '../../server/api/customers';
import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import type { Actor } from '../../core/context';

jest.setTimeout(60_000);

const system: Actor = { kind: 'system' };
const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const BUDGET = {
  CRM_READ_SEARCH_PER_WINDOW: '5', CRM_READ_LIST_PER_WINDOW: '8', CRM_READ_LOOKUP_PER_WINDOW: '4', CRM_READ_EMPTY_BURST: '3', CRM_READ_WINDOW_S: '60',
  LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken,
};

/** Issue #24: per-user read budgets, shared through the database, 429 + Retry-After, one audit row per burst. */
describeEachDb('per-user read budgets', (h) => {
  let app: Awaited<ReturnType<typeof testApp>>['app'];
  let n = 0;
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const freshUser = async (role: 'rep' | 'manager' | 'admin' = 'rep', larkOpenId?: string): Promise<{ user: UserDto; key: string }> => {
    const user = await createUser(h.ctx, system, 'cli', { name: `用户${++n}`, role, team: role === 'manager' ? `组${n}` : undefined, larkOpenId });
    return { user, key: (await createApiKey(h.ctx, system, 'cli', { name: `k${n}`, userId: user.id })).key };
  };
  const audits = async (action: string, userId: number) =>
    (await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = :action AND entity_type = 'user' AND entity_id = :id", { action, id: userId }))[0].n;
  let customerId: number;

  beforeAll(async () => {
    app = (await testApp(h.ctx, [customersApiRouter, larkRouter], BUDGET)).app;
    customerId = (await createCustomer(h.ctx, system, 'api', { name: '预算测试公海客户', phone: '13800009999', toPool: true })).customer.id;
  });

  it.each(['rep', 'manager', 'admin'] as const)('searches over budget (%s): 429 with Retry-After, one audit row per window, other classes unaffected', async (role) => {
    const { user, key } = await freshUser(role);
    for (let i = 0; i < 5; i++) expect((await request(app.callback()).get('/api/v1/customers?q=预算').set(as(key))).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const r = await request(app.callback()).get('/api/v1/customers?q=预算').set(as(key));
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('RATE_LIMITED');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(r.body.error.data.retryAfterSeconds).toBe(Number(r.headers['retry-after']));
    }
    expect(await audits('read.budget_exhausted', user.id)).toBe(1);
    // Lists and lookups have budgets of their own.
    expect((await request(app.callback()).get('/api/v1/customers').set(as(key))).status).toBe(200);
    expect((await request(app.callback()).get(`/api/v1/customers/${customerId}`).set(as(key))).status).toBe(200);
    // The next window starts over; exhausting it again is a second burst, a second row.
    h.clock.advance(60_000);
    for (let i = 0; i < 5; i++) expect((await request(app.callback()).get('/api/v1/customers?q=预算').set(as(key))).status).toBe(200);
    expect((await request(app.callback()).get('/api/v1/customers?q=预算').set(as(key))).status).toBe(429);
    expect(await audits('read.budget_exhausted', user.id)).toBe(2);
  });

  it('lookups and lists have their budgets (GET /customers/:id, /360, contacts)', async () => {
    const { key } = await freshUser();
    const paths = [`/api/v1/customers/${customerId}`, `/api/v1/customers/${customerId}/360`, `/api/v1/customers/${customerId}`, `/api/v1/customers/${customerId}/360`];
    for (const p of paths) expect((await request(app.callback()).get(p).set(as(key))).status).toBe(200);
    const over = await request(app.callback()).get(`/api/v1/customers/${customerId}`).set(as(key));
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    for (let i = 0; i < 8; i++) expect((await request(app.callback()).get(`/api/v1/customers/${customerId}/contacts`).set(as(key))).status).toBe(200);
    expect((await request(app.callback()).get(`/api/v1/customers/${customerId}/contacts`).set(as(key))).status).toBe(429);
  });

  it('counts exactly under concurrent requests', async () => {
    const { user, key } = await freshUser();
    const res = await Promise.all(Array.from({ length: 16 }, () => request(app.callback()).get('/api/v1/customers?q=预算').set(as(key))));
    expect(res.filter((r) => r.status === 200)).toHaveLength(5);
    expect(res.filter((r) => r.status === 429)).toHaveLength(11);
    expect(await audits('read.budget_exhausted', user.id)).toBe(1);
    // And straight on the core, across "processes" sharing the database: 30 concurrent spends of a budget of 12.
    const other = await freshUser();
    const cfg = { ...DEFAULT_READ_BUDGET, search: 12 };
    const out = await Promise.allSettled(Array.from({ length: 30 }, () => spendReadBudget(h.ctx, actorOf(other.user), 'search', cfg, { channel: 'api' })));
    expect(out.filter((o) => o.status === 'fulfilled')).toHaveLength(12);
    expect(out.filter((o) => o.status === 'rejected').every((o) => (o as PromiseRejectedResult).reason.code === 'RATE_LIMITED')).toBe(true);
  });

  it('an integration key (bound to no user) has no per-user budget', async () => {
    const { key } = await createApiKey(h.ctx, system, 'cli', { name: 'erp-budget' });
    for (let i = 0; i < 12; i++) expect((await request(app.callback()).get('/api/v1/customers?q=预算').set(as(key))).status).toBe(200);
  });

  it('a burst of searches finding nothing writes one audit row', async () => {
    const { user, key } = await freshUser();
    for (const q of ['13700000001', '13700000002', '13700000003', '13700000004']) {
      const r = await request(app.callback()).get(`/api/v1/customers?q=${q}`).set(as(key));
      expect(r.body.items).toEqual([]);
    }
    expect(await audits('read.search_burst', user.id)).toBe(1);
  });

  it('de-dup refusals of others\' records cost searches: create/patch is no oracle either', async () => {
    const owner = await freshUser();
    await createCustomer(h.ctx, actorOf(owner.user), 'api', { name: '撞单预算公司', phone: '13911112222' });
    const { key } = await freshUser();
    for (let i = 0; i < 5; i++) {
      const r = await request(app.callback()).post('/api/v1/customers').set(as(key)).send({ name: `猜测${i}`, phone: '13911112222' });
      expect(r.status).toBe(409);
    }
    const blocked = await request(app.callback()).post('/api/v1/customers').set(as(key)).send({ name: '猜测X', phone: '13911112222' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await request(app.callback()).get('/api/v1/customers?q=撞单').set(as(key))).status).toBe(429);
    // Creating a genuinely new customer costs nothing while the budget lasts (the owner's budget is untouched).
    expect((await request(app.callback()).post('/api/v1/customers').set(as(owner.key)).send({ name: '全新的公司' })).status).toBe(201);
  });

  it('chat: 查 spends the same per-user budget; over it, a zh-CN reply says when to try again', async () => {
    const { user } = await freshUser('rep', 'ou_budget_rep');
    const say = async (text: string) => {
      expect((await postEvent(app.callback(), messageEvent({ openId: 'ou_budget_rep', text }), secrets)).status).toBe(200);
      await botFor(h.ctx, memoryLogger().logger).idle();
      const row = (await h.db.select<{ kind: string; payload: unknown }>("SELECT kind, payload FROM outbox WHERE recipient = 'oc_p2p_ou_budget_rep' ORDER BY id DESC LIMIT 1"))[0];
      return { kind: row.kind, text: JSON.stringify(typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) };
    };
    // A rep's chat lookup of a pool customer's full phone finds nothing (the oracle is closed in chat too).
    const byPhone = await say('查 13800009999');
    expect(byPhone.text).toContain('没有找到');
    for (let i = 0; i < 4; i++) await say('查 预算测试');
    const over = await say('查 预算测试');
    expect(over.kind).toBe('text');
    expect(over.text).toMatch(/请 \d+ 秒后再试/);
    expect(await audits('read.budget_exhausted', user.id)).toBe(1);
  });
});
