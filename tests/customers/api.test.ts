import request from 'supertest';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { createUser, type UserDto } from '../../core/users/operations';
import { createApiKey } from '../../core/apikeys/operations';
import { openApiRouter } from '../../server/api/openapi';
import { API_OPERATIONS } from '../../server/api';
import { customersApiRouter } from '../../server/api/customers';
import { runCli } from '../../server/cli/run';
import type { Actor } from '../../core/context';

const system: Actor = { kind: 'system' };

describeEachDb('customers API /api/v1', (h) => {
  let rep1: UserDto, rep2: UserDto, mgr: UserDto;
  let k1: string, k2: string, kMgr: string, kIntegration: string;
  let app: Awaited<ReturnType<typeof testApp>>['app'];
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    mgr = await createUser(h.ctx, system, 'cli', { name: 'M', role: 'manager', team: 'T' });
    rep1 = await createUser(h.ctx, system, 'cli', { name: 'R1', role: 'rep', teamId: mgr.teamId });
    rep2 = await createUser(h.ctx, system, 'cli', { name: 'R2', role: 'rep', teamId: mgr.teamId });
    k1 = (await createApiKey(h.ctx, system, 'cli', { name: 'r1', userId: rep1.id })).key;
    k2 = (await createApiKey(h.ctx, system, 'cli', { name: 'r2', userId: rep2.id })).key;
    kMgr = (await createApiKey(h.ctx, system, 'cli', { name: 'm', userId: mgr.id })).key;
    kIntegration = (await createApiKey(h.ctx, system, 'cli', { name: 'erp' })).key;
    app = (await testApp(h.ctx, [openApiRouter(API_OPERATIONS), customersApiRouter])).app;
  });

  it('rejects missing and unknown keys; stores only a hash', async () => {
    expect((await request(app.callback()).get('/api/v1/customers')).status).toBe(401);
    const bad = await request(app.callback()).get('/api/v1/customers').set(as('crm_nope'));
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('UNAUTHENTICATED');
    const stored = await h.db.select<{ key_hash: string }>('SELECT key_hash FROM api_keys');
    expect(stored.every((r) => r.key_hash.length === 64 && !r.key_hash.startsWith('crm_'))).toBe(true);
  });

  it('CLI apikey create prints the key once and it works', async () => {
    const out: string[] = [];
    const code = await runCli(['apikey', 'create', '--name', 'cli-key', '--user-id', String(rep1.id)], { DATABASE_URL: h.url }, { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(0);
    const key = out.find((l) => l.startsWith('crm_'))!;
    expect(key).toBeTruthy();
    expect((await request(app.callback()).get('/api/v1/customers').set(as(key))).status).toBe(200);
  });

  it('create → 201, duplicate → 200 with the existing record; bad input names the field', async () => {
    const c = await request(app.callback()).post('/api/v1/customers').set(as(k1)).send({ name: '蓝海物流有限公司', phone: '13600001111' });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ duplicate: false, customer: { name: '蓝海物流有限公司', ownerId: rep1.id } });
    const dup = await request(app.callback()).post('/api/v1/customers').set(as(k1)).send({ name: '蓝海物流股份有限公司' });
    expect(dup.status).toBe(200);
    expect(dup.body).toMatchObject({ duplicate: true, customer: { id: c.body.customer.id } });
    const bad = await request(app.callback()).post('/api/v1/customers').set(as(k1)).send({ name: 'x', phone: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('phone');
    // A path id that names no record (not a number, or past the INT column) is 404 like a missing one, on every route.
    for (const id of ['abc', '0', '-1', '2147483648', '9223372036854775808', '1e3']) {
      const badId = await request(app.callback()).get(`/api/v1/customers/${id}`).set(as(k1));
      expect([id, badId.status, badId.body.error.field]).toEqual([id, 404, 'id']);
    }
  });

  it('visibility: another rep gets 404 on read, 360, activities; the manager and an integration key see it', async () => {
    const c = (await request(app.callback()).post('/api/v1/customers').set(as(k1)).send({ name: '私有客户甲' })).body.customer;
    for (const path of [`/api/v1/customers/${c.id}`, `/api/v1/customers/${c.id}/360`, `/api/v1/customers/${c.id}/activities`, `/api/v1/customers/${c.id}/contacts`]) {
      expect((await request(app.callback()).get(path).set(as(k2))).status).toBe(404);
      expect((await request(app.callback()).get(path).set(as(kMgr))).status).toBe(200);
      expect((await request(app.callback()).get(path).set(as(kIntegration))).status).toBe(200);
    }
    const list = await request(app.callback()).get('/api/v1/customers').query({ q: '私有客户甲' }).set(as(k2));
    expect(list.body.items).toEqual([]);
    const post = await request(app.callback()).post(`/api/v1/customers/${c.id}/activities`).set(as(k2)).send({ channel: 'phone', summary: 'x' });
    expect(post.status).toBe(404);
  });

  it('activities, contacts, 360, search with keyset pages', async () => {
    const c = (await request(app.callback()).post('/api/v1/customers').set(as(k1)).send({ name: '接口客户', region: '华东' })).body.customer;
    expect((await request(app.callback()).post(`/api/v1/customers/${c.id}/activities`).set(as(k1)).send({ channel: 'visit', summary: '拜访', nextStep: '报价' })).status).toBe(201);
    expect((await request(app.callback()).post(`/api/v1/customers/${c.id}/activities`).set(as(k1)).send({ channel: 'fax', summary: 'x' })).body.error.field).toBe('channel');
    expect((await request(app.callback()).post(`/api/v1/customers/${c.id}/contacts`).set(as(k1)).send({ name: '赵六', phone: '13500002222' })).status).toBe(201);
    expect((await request(app.callback()).post(`/api/v1/customers/${c.id}/contacts`).set(as(k1)).send({ name: '赵六', phone: '+86 135 0000 2222' })).body.duplicate).toBe(true);
    const v = await request(app.callback()).get(`/api/v1/customers/${c.id}/360`).set(as(k1));
    expect(v.body.activities[0].summary).toBe('拜访');
    expect(v.body.contacts[0].name).toBe('赵六');
    expect(v.body.sections).toHaveProperty('tickets');
    for (let i = 0; i < 3; i++) await request(app.callback()).post('/api/v1/customers').set(as(k1)).send({ name: `翻页${i}` });
    const p1 = await request(app.callback()).get('/api/v1/customers').query({ q: '翻页', limit: 2 }).set(as(k1));
    expect(p1.body.items).toHaveLength(2);
    const p2 = await request(app.callback()).get('/api/v1/customers').query({ q: '翻页', limit: 2, cursor: p1.body.nextCursor }).set(as(k1));
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.nextCursor).toBeNull();
  });

  it('pool over HTTP: claim, refusals explained, release, assign, merge', async () => {
    const pooled = (await request(app.callback()).post('/api/v1/customers').set(as(kIntegration)).send({ name: '公海接口客户' })).body.customer;
    expect(pooled.inPool).toBe(true);
    const claim = await request(app.callback()).post(`/api/v1/customers/${pooled.id}/claim`).set(as(k2));
    expect(claim.status).toBe(200);
    expect(claim.body.customer.ownerId).toBe(rep2.id);
    const lost = await request(app.callback()).post(`/api/v1/customers/${pooled.id}/claim`).set(as(k1));
    expect(lost.status).toBe(409);
    expect((await request(app.callback()).post(`/api/v1/customers/${pooled.id}/claim`).set(as(kIntegration))).status).toBe(403);
    expect((await request(app.callback()).post(`/api/v1/customers/${pooled.id}/release`).set(as(k2)).send({ reason: '无需求' })).status).toBe(200);
    const cool = await request(app.callback()).post(`/api/v1/customers/${pooled.id}/claim`).set(as(k2)).set('Accept-Language', 'en');
    expect(cool.status).toBe(422);
    expect(cool.body.error.code).toBe('COOLDOWN');
    expect(cool.body.error.message).toMatch(/again after/);
    const assign = await request(app.callback()).post(`/api/v1/customers/${pooled.id}/assign`).set(as(kMgr)).send({ userId: rep1.id });
    expect(assign.body.ownerId).toBe(rep1.id);
    const other = (await request(app.callback()).post('/api/v1/customers').set(as(k1)).send({ name: '公海接口客户二号' })).body.customer;
    const merged = await request(app.callback()).post(`/api/v1/customers/${pooled.id}/merge`).set(as(kMgr)).send({ sourceId: other.id });
    expect(merged.status).toBe(200);
    expect((await request(app.callback()).get(`/api/v1/customers/${other.id}`).set(as(k1))).body.id).toBe(pooled.id);
    const pools = await request(app.callback()).get('/api/v1/pools').set(as(k1));
    expect(pools.body.items[0].rules.maxHeld).toBe(50);
    expect((await request(app.callback()).post('/api/v1/pools').set(as(k1)).send({ name: 'x' })).status).toBe(403);
  });

  it('tier thresholds: anyone reads, only an admin (or an unbound integration key) changes them', async () => {
    expect((await request(app.callback()).get('/api/v1/tiers/thresholds').set(as(k1))).body.recentDays).toBe(30);
    expect((await request(app.callback()).patch('/api/v1/tiers/thresholds').set(as(kMgr)).send({ recentDays: 20 })).status).toBe(403);
    const bad = await request(app.callback()).patch('/api/v1/tiers/thresholds').set(as(kIntegration)).send({ recentDays: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('recentDays');
  });

  it('serves an OpenAPI document listing the paths, without a key', async () => {
    const res = await request(app.callback()).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/customers', '/api/v1/customers/{id}/360', '/api/v1/customers/{id}/claim']));
    const post = res.body.paths['/api/v1/customers'].post;
    expect(post.requestBody.content['application/json'].schema.properties.name.type).toBe('string');
    expect(res.body.paths['/api/v1/customers'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['q', 'limit', 'cursor']));
  });
});
