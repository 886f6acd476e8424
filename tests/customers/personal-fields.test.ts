import request from 'supertest';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createApiKey } from '../../core/apikeys/operations';
import { createCustomer, findCustomersByName, searchCustomers, updateCustomer } from '../../core/customers/operations';
import { addContact } from '../../core/customers/contacts';
import { assignLeadTo, captureLead } from '../../core/leads/operations';
import { importLeads } from '../../core/leads/import';
import { customersApiRouter } from '../../server/api/customers';
import type { Actor } from '../../core/context';

jest.setTimeout(30_000);

const system: Actor = { kind: 'system' };

/**
 * Issue #24: masked personal fields are not recoverable. Searches (API and core lookups used by chat) match a phone
 * or e-mail only on customers whose unmasked value the caller may see; de-dup answers say only what README's
 * "撞单" section allows — per role: rep, the owner, manager, admin, service, an integration key.
 */
describeEachDb('personal fields: no search oracle, 撞单 answers per role', (h) => {
  let mgr: UserDto, owner: UserDto, rep: UserDto, otherMgr: UserDto, admin: UserDto, service: UserDto;
  let keys: Record<'owner' | 'rep' | 'mgr' | 'otherMgr' | 'admin' | 'integration', string>;
  let app: Awaited<ReturnType<typeof testApp>>['app'];
  let ownedId: number, poolId: number;
  const OWNED = { name: '青松精密机械有限公司', phone: '13955501234', email: 'ceo@qingsong.cn', contactPhone: '13655507777', contactEmail: 'buyer@qingsong.cn' };
  const POOL = { name: '白鹭湾物产有限公司', phone: '13712341275', email: 'info@bailu.cn', contactPhone: '13512348888' };
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const get = (key: string, q: string) => request(app.callback()).get(`/api/v1/customers?q=${encodeURIComponent(q)}`).set(as(key));

  beforeAll(async () => {
    mgr = await createUser(h.ctx, system, 'cli', { name: '王经理', role: 'manager', team: '一组' });
    owner = await createUser(h.ctx, system, 'cli', { name: '张三', role: 'rep', teamId: mgr.teamId });
    rep = await createUser(h.ctx, system, 'cli', { name: '李四', role: 'rep', teamId: mgr.teamId });
    otherMgr = await createUser(h.ctx, system, 'cli', { name: '赵经理', role: 'manager', team: '二组' });
    admin = await createUser(h.ctx, system, 'cli', { name: '管理员', role: 'admin' });
    service = await createUser(h.ctx, system, 'cli', { name: '客服', role: 'service' });
    const key = async (name: string, userId?: number) => (await createApiKey(h.ctx, system, 'cli', { name, userId })).key;
    keys = {
      owner: await key('owner', owner.id), rep: await key('rep', rep.id), mgr: await key('mgr', mgr.id), otherMgr: await key('om', otherMgr.id),
      admin: await key('admin', admin.id), integration: await key('erp'),
    };
    app = (await testApp(h.ctx, [customersApiRouter])).app;
    ownedId = (await createCustomer(h.ctx, actorOf(owner), 'api', { name: OWNED.name, phone: OWNED.phone, email: OWNED.email, contact: { name: '钱经理', phone: OWNED.contactPhone, email: OWNED.contactEmail } })).customer.id;
    poolId = (await createCustomer(h.ctx, system, 'api', { name: POOL.name, phone: POOL.phone, email: POOL.email, toPool: true, contact: { name: '孙主任', phone: POOL.contactPhone } })).customer.id;
  });

  const ids = (items: { id: number }[]) => items.map((c) => c.id);

  describe('search: a personal field matches only where the caller sees it unmasked', () => {
    const probes = () => [
      ['pool phone', POOL.phone, 'pool'],
      ['pool phone, other formatting', `+86 137-1234-1275`, 'pool'],
      ['pool e-mail', POOL.email.toUpperCase(), 'pool'],
      ['pool contact phone', POOL.contactPhone, 'pool'],
      ['owned phone', OWNED.phone, 'owned'],
      ['owned e-mail', OWNED.email, 'owned'],
      ['owned contact phone', OWNED.contactPhone, 'owned'],
      ['owned contact e-mail', OWNED.contactEmail, 'owned'],
    ] as const;
    // Who finds what: a rep only their own customers' personal fields; managers their team's and the pool's;
    // admin / service / an integration key everything; a manager of another team only the pool.
    const finds: Record<string, { pool: boolean; owned: boolean }> = {
      rep: { pool: false, owned: false },
      owner: { pool: false, owned: true },
      mgr: { pool: true, owned: true },
      otherMgr: { pool: true, owned: false },
      admin: { pool: true, owned: true },
      service: { pool: true, owned: true },
      integration: { pool: true, owned: true },
    };
    const actorOfRole = (role: string): Actor => {
      const u = { rep, owner, mgr, otherMgr, admin, service } as Record<string, UserDto>;
      return role === 'integration' ? { kind: 'api', keyId: 1 } : actorOf(u[role]);
    };

    it.each(Object.keys(finds))('core search and chat lookup as %s', async (role) => {
      const actor = actorOfRole(role);
      for (const [what, q, target] of probes()) {
        const expected = finds[role][target] ? [target === 'pool' ? poolId : ownedId] : [];
        expect([what, ids((await searchCustomers(h.ctx, actor, { q })).items)]).toEqual([what, expected]);
        expect([what, ids(await findCustomersByName(h.ctx, actor, q, 10))]).toEqual([what, expected]);
      }
    });

    it('the API: a rep searching a pool customer\'s full phone finds nothing; its owner finds their own', async () => {
      const repHit = await get(keys.rep, POOL.phone);
      expect(repHit.status).toBe(200);
      expect(repHit.body.items).toEqual([]);
      expect((await get(keys.rep, OWNED.phone)).body.items).toEqual([]);
      expect(ids((await get(keys.owner, OWNED.phone)).body.items)).toEqual([ownedId]);
      expect((await get(keys.owner, POOL.phone)).body.items).toEqual([]);
      expect(ids((await get(keys.mgr, POOL.phone)).body.items)).toEqual([poolId]);
      expect(ids((await get(keys.integration, OWNED.contactEmail)).body.items)).toEqual([ownedId]);
      // A wrong guess and a right guess answer the same for the rep: nothing tells them apart.
      const wrong = await get(keys.rep, '13712341276');
      expect(wrong.body).toEqual(repHit.body);
    });

    it('names still match for everyone who may see the customer (masked fields stay masked)', async () => {
      const r = await get(keys.rep, '白鹭湾');
      expect(ids(r.body.items)).toEqual([poolId]);
      expect(r.body.items[0].phone).toBe('137****1275');
      expect(r.body.items[0].email).not.toContain('info');
    });
  });

  describe('撞单: what a de-dup check tells each role', () => {
    const noLeak = (body: unknown, record: { name: string; phone: string }, id: number) => {
      const s = JSON.stringify(body);
      expect(s).not.toContain(record.name);
      expect(s).not.toContain(record.phone.slice(-4));
      expect(s).not.toMatch(new RegExp(`#${id}\\b|"(id|customerId|existingId)":${id}\\b`));
      expect(s).not.toMatch(/existingId|createdAt|teamId|ownerId|"id":\d/);
    };

    it('create with another rep\'s customer\'s phone: 409, only the owner\'s name to ask', async () => {
      const r = await request(app.callback()).post('/api/v1/customers').set(as(keys.rep)).send({ name: '某新公司', phone: OWNED.phone });
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'DUPLICATE', field: 'phone', data: { ownerName: '张三' } });
      expect(r.body.error.message).toContain('该客户已由 张三 负责，请联系其协作');
      noLeak(r.body, OWNED, ownedId);
      // By a contact's e-mail, by name: the same answer.
      for (const body of [{ name: '某新公司二', email: OWNED.contactEmail }, { name: '青松精密机械（有限公司）' }]) {
        const x = await request(app.callback()).post('/api/v1/customers').set(as(keys.rep)).send(body);
        expect(x.status).toBe(409);
        expect(x.body.error.data).toEqual({ ownerName: '张三' });
        noLeak(x.body, OWNED, ownedId);
      }
    });

    it('create with a pool customer\'s phone (rep): only "in the public pool", not which', async () => {
      const r = await request(app.callback()).post('/api/v1/customers').set(as(keys.rep)).send({ name: '某新公司三', phone: POOL.phone });
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'DUPLICATE', data: { inPool: true } });
      expect(r.body.error.message).toContain('该号码已属于公海中的客户');
      noLeak(r.body, POOL, poolId);
    });

    it('the owner, their manager, admin and an integration key learn the existing record', async () => {
      for (const k of [keys.owner, keys.mgr, keys.admin, keys.integration]) {
        const r = await request(app.callback()).post('/api/v1/customers').set(as(k)).send({ name: '另一家', phone: OWNED.phone });
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ duplicate: true, customer: { id: ownedId, name: OWNED.name } });
      }
      // A manager of another team: the owner's name only.
      const other = await request(app.callback()).post('/api/v1/customers').set(as(keys.otherMgr)).send({ name: '另一家', phone: OWNED.phone });
      expect(other.status).toBe(409);
      expect(other.body.error.data).toEqual({ ownerName: '张三' });
    });

    it('patching your own customer onto another\'s phone: 409 without existingId unless you may see it', async () => {
      const mine = (await createCustomer(h.ctx, actorOf(rep), 'api', { name: '李四自己的客户' })).customer;
      const r = await request(app.callback()).patch(`/api/v1/customers/${mine.id}`).set(as(keys.rep)).send({ phone: OWNED.phone });
      expect(r.status).toBe(409);
      expect(r.body.error.data).toEqual({ ownerName: '张三' });
      noLeak(r.body, OWNED, ownedId);
      const pool = await request(app.callback()).patch(`/api/v1/customers/${mine.id}`).set(as(keys.rep)).send({ email: POOL.email });
      expect(pool.status).toBe(409);
      expect(pool.body.error.data).toEqual({ inPool: true });
      expect(pool.body.error.message).toContain('该邮箱已属于公海中的客户');
      // The manager patching the same customer learns the id and name (both visible to them).
      const m = await request(app.callback()).patch(`/api/v1/customers/${mine.id}`).set(as(keys.mgr)).send({ phone: OWNED.phone });
      expect(m.status).toBe(409);
      expect(m.body.error.data).toEqual({ existingId: ownedId, name: OWNED.name });
      await expect(updateCustomer(h.ctx, actorOf(admin), 'api', mine.id, { phone: OWNED.phone })).rejects.toMatchObject({ data: { existingId: ownedId } });
    });

    it('a contact whose phone is also on another rep\'s customer: alsoOn names only customers the caller may see', async () => {
      const mine = (await createCustomer(h.ctx, actorOf(rep), 'api', { name: '李四的第二个客户' })).customer;
      const r = await addContact(h.ctx, actorOf(rep), 'api', mine.id, { name: '钱经理', phone: OWNED.contactPhone });
      expect(r.alsoOn).toEqual([]);
      const byMgr = await addContact(h.ctx, actorOf(mgr), 'api', mine.id, { name: '钱经理2', email: OWNED.contactEmail });
      expect(byMgr.alsoOn).toEqual([ownedId]);
    });

    it('lead capture in chat by a rep: linked, but said only whose it is', async () => {
      const r = await captureLead(h.ctx, actorOf(rep), 'chat', { contactName: '钱', phone: OWNED.contactPhone, source: 'chat' });
      expect(r.lead).toBeNull();
      expect(r.duplicateOf).toMatchObject({ kind: 'customer', id: null });
      expect(r.duplicateOf!.notice!['zh-CN']).toContain('张三');
      noLeak(r, OWNED, ownedId);
      const pool = await captureLead(h.ctx, actorOf(rep), 'chat', { contactName: '孙', phone: POOL.contactPhone, source: 'chat' });
      expect(pool.duplicateOf).toMatchObject({ kind: 'customer', id: null });
      expect(pool.duplicateOf!.notice!['zh-CN']).toContain('公海');
      const byOwner = await captureLead(h.ctx, actorOf(owner), 'chat', { contactName: '钱', phone: OWNED.contactPhone, source: 'chat' });
      expect(byOwner.duplicateOf).toEqual({ kind: 'customer', id: ownedId });
    });

    it('lead capture matching another person\'s lead: its id only for whoever may see that lead', async () => {
      const phone = '13800137000';
      const first = await captureLead(h.ctx, system, 'api', { company: '远帆贸易', contactName: '周', phone, source: 'web' });
      const leadId = first.lead!.id;
      await assignLeadTo(h.ctx, system, leadId, owner.id);
      const again = (a: Actor) => captureLead(h.ctx, a, 'chat', { contactName: '周', phone, source: 'chat' });
      const byRep = await again(actorOf(rep));
      expect(byRep.lead).toBeNull();
      expect(byRep.duplicateOf).toMatchObject({ kind: 'lead', id: null });
      expect(byRep.duplicateOf!.notice!['zh-CN']).toContain('张三');
      expect(JSON.stringify(byRep)).not.toContain(phone);
      for (const a of [actorOf(owner), actorOf(mgr), actorOf(admin)]) expect((await again(a)).duplicateOf).toEqual({ kind: 'lead', id: leadId });
      expect((await again(actorOf(otherMgr))).duplicateOf).toMatchObject({ kind: 'lead', id: null });
    });

    it('CSV import rows by a rep: a duplicate of another\'s record carries no id', async () => {
      const csv = ['公司名称,联系人,手机号', `新的公司甲,钱,${OWNED.phone}`, `新的公司乙,孙,${POOL.phone}`].join('\n');
      const r = await importLeads(h.ctx, actorOf(rep), Buffer.from(csv), { fileName: 'x.csv', dryRun: true });
      expect(r.duplicate).toBe(2);
      expect(r.undisclosed).toBe(2);
      for (const row of r.rows) expect(row.duplicateOf).toBeUndefined();
      expect(r.rows.map((x) => x.reason?.zh)).toEqual([expect.stringContaining('张三'), expect.stringContaining('公海')]);
      noLeak(r.rows, OWNED, ownedId);
      noLeak(r.rows, POOL, poolId);
      const bySystem = await importLeads(h.ctx, system, Buffer.from(csv), { fileName: 'x.csv', dryRun: true });
      expect(bySystem.rows.map((x) => x.duplicateOf)).toEqual([{ kind: 'customer', id: ownedId }, { kind: 'customer', id: poolId }]);
    });
  });
});
