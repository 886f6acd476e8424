import { describeEachDb } from '../helpers/db';
import { createUser, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { CustomerDictionary, type Viewer } from '../../core/intent/dictionary';
import { DictionaryCache, refreshDictionary, viewerOf } from '../../core/intent/dictionary-loader';
import { parseMessage } from '../../core/intent/parse';
import type { Actor } from '../../core/context';

const system: Actor = { kind: 'system' };
const NOW = new Date('2026-11-23T10:00:00+08:00');

describeEachDb('customer dictionary: loader, incremental refresh, visibility', (h) => {
  let mgr: UserDto;
  let rep1: UserDto;
  let rep2: UserDto;
  let other: UserDto;
  const ids: Record<string, number> = {};
  const dict = new CustomerDictionary();
  const viewer = (u: UserDto): Viewer => ({ userId: u.id, role: u.role, teamIds: u.teamIds?.length ? u.teamIds : u.teamId ? [u.teamId] : [] });
  const stamp = (ms: number) => new Date(Date.now() + ms);

  beforeAll(async () => {
    mgr = await createUser(h.ctx, system, 'cli', { name: 'Boss', role: 'manager', team: 'East' });
    rep1 = await createUser(h.ctx, system, 'cli', { name: 'rep1', role: 'rep', teamId: mgr.teamId });
    rep2 = await createUser(h.ctx, system, 'cli', { name: 'rep2', role: 'rep', teamId: mgr.teamId });
    other = await createUser(h.ctx, system, 'cli', { name: 'west rep', role: 'rep', team: 'West', larkOpenId: 'ou_west_rep' });
    ids.ganglian = (await createCustomer(h.ctx, system, 'api', { name: '宁波港联物流有限公司', ownerId: rep1.id })).customer.id;
    ids.pool = (await createCustomer(h.ctx, system, 'api', { name: '华南冷链科技有限公司' })).customer.id;
    ids.west = (await createCustomer(h.ctx, system, 'api', { name: '西岭机械有限公司', ownerId: other.id })).customer.id;
    await h.db.sequelize.query(
      `INSERT INTO leads (company, name_norm, source, status, score, interactions, owner_id, created_at, updated_at)
       VALUES ('星河电气', '星河电气', 'web', 'new', 0, 0, :owner, :at, :at)`,
      { replacements: { owner: rep2.id, at: new Date() } },
    );
    ids.lead = Number((await h.db.select<{ id: number }>("SELECT id FROM leads WHERE company = '星河电气'"))[0].id);
  });

  it('loads customers and open leads with their short forms', async () => {
    expect(await refreshDictionary(h.db, dict)).toBe(4);
    expect(dict.size).toBe(4);
    const hit = dict.findAll('跟港联的吴经理聊了')[0];
    expect(hit).toMatchObject({ id: ids.ganglian, kind: 'customer', name: '宁波港联物流有限公司', exact: false, level: 2 });
    expect(dict.findAll('港联物流')[0]).toMatchObject({ exact: true, level: 1 });
    expect(dict.findAll('星河电气还在吗')[0]).toMatchObject({ id: ids.lead, kind: 'lead' });
  });

  it('matches only what the sender may see: rep own + pool, manager + team, admin all', async () => {
    const names = (v: Viewer) => ['港联', '华南冷链', '西岭机械', '星河电气'].filter((n) => dict.findAll(n, v).length > 0);
    expect(names(viewer(rep1))).toEqual(['港联', '华南冷链']);
    expect(names(viewer(rep2))).toEqual(['华南冷链', '星河电气']);
    expect(names(viewer(mgr))).toEqual(['港联', '华南冷链', '星河电气']);
    expect(names(viewer(other))).toEqual(['华南冷链', '西岭机械']);
    expect(names({ userId: 0, role: 'admin' })).toHaveLength(4);
    expect(await viewerOf(h.db, 'ou_west_rep')).toMatchObject({ userId: other.id, role: 'rep' });
    expect(await viewerOf(h.db, String(mgr.id))).toMatchObject({ userId: mgr.id, role: 'manager', teamIds: [mgr.teamId] });
    expect(await viewerOf(h.db, 'ou_nobody')).toBeNull();
  });

  it('parses with the dictionary: customer as written, customer_match the record', () => {
    const p = parseMessage('上午去了趟港联，吴经理说下周三签', { now: NOW, dictionary: dict, viewer: viewer(rep1) });
    expect(p).toMatchObject({ intent: 'log_followup', customer: '港联', customer_match: { id: String(ids.ganglian), kind: 'customer', name: '宁波港联物流有限公司', exact: false } });
    // another rep cannot see it: the text stays the customer, nothing matches
    const q = parseMessage('上午去了趟港联，吴经理说下周三签', { now: NOW, dictionary: dict, viewer: viewer(other) });
    expect(q.customer_match).toBeNull();
  });

  it('refreshes incrementally: renames, hand-overs, merges and converted leads', async () => {
    await h.db.sequelize.query("UPDATE customers SET name = '宁波港联国际物流有限公司', updated_at = :at WHERE id = :id", { replacements: { id: ids.ganglian, at: stamp(5000) } });
    await h.db.sequelize.query('UPDATE customers SET owner_id = :owner, updated_at = :at WHERE id = :id', { replacements: { id: ids.pool, owner: other.id, at: stamp(5000) } });
    await h.db.sequelize.query("UPDATE customers SET status = 'merged', updated_at = :at WHERE id = :id", { replacements: { id: ids.west, at: stamp(5000) } });
    await h.db.sequelize.query("UPDATE leads SET status = 'converted', updated_at = :at WHERE id = :id", { replacements: { id: ids.lead, at: stamp(5000) } });
    const read = await refreshDictionary(h.db, dict);
    expect(read).toBeGreaterThanOrEqual(4);
    expect(read).toBeLessThan(10); // only what changed (plus the overlap window), never a full reload
    expect(dict.size).toBe(2);
    expect(dict.findAll('港联国际物流')[0]).toMatchObject({ id: ids.ganglian, name: '宁波港联国际物流有限公司' });
    expect(dict.findAll('华南冷链', viewer(rep1))).toEqual([]); // handed over to another rep
    expect(dict.findAll('西岭机械')).toEqual([]);
    expect(dict.findAll('星河电气')).toEqual([]);
    // nothing changed: a refresh reads only the overlap window
    expect(await refreshDictionary(h.db, dict)).toBeLessThanOrEqual(4);
    expect(dict.size).toBe(2);
  });

  it('DictionaryCache refreshes at most every maxAge and keeps one copy', async () => {
    let t = 0;
    const cache = new DictionaryCache(h.db, 1000, () => t);
    const a = await cache.current();
    expect(a.size).toBe(2);
    const id = (await createCustomer(h.ctx, system, 'api', { name: '东岳集团' })).customer.id;
    // (the previous test stamped its changes 5 s ahead; keep this one after them)
    await h.db.sequelize.query('UPDATE customers SET updated_at = :at WHERE id = :id', { replacements: { id, at: stamp(6000) } });
    t = 500;
    expect((await cache.current()).findAll('东岳集团')).toEqual([]);
    t = 1500;
    expect(await cache.current()).toBe(a);
    expect(a.findAll('东岳集团')[0]).toMatchObject({ name: '东岳集团' });
  });
});

describeEachDb('customer dictionary cache: a slow first load does not hold messages up', (h) => {
  it('answers within its wait budget with what is loaded so far, and finishes the load in the background', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowDb = { ...h.db, select: async <R extends object>(sql: string, repl?: Record<string, unknown>) => { await gate; return h.db.select<R>(sql, repl); } };
    await createCustomer(h.ctx, { kind: 'system' }, 'api', { name: '慢速加载机械有限公司' });
    const cache = new DictionaryCache(slowDb as typeof h.db, 0, Date.now, 50);
    const started = Date.now();
    const d = await cache.current();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(d.size).toBe(0);
    release();
    await new Promise((r) => setTimeout(r, 200));
    expect(d.findAll('慢速加载机械')[0]).toMatchObject({ name: '慢速加载机械有限公司' });
  });
});
