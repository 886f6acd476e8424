import { describeEachDb } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { cardActionEvent, messageEvent, postEvent } from '../helpers/fake-lark';
import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { composeBot } from '../../bot/compose';
import { parsePoolFilters } from '../../bot/handlers/customers';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { createPool } from '../../core/pool/operations';
import type { Actor } from '../../core/context';

const { render } = composeBot();

const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };
const system: Actor = { kind: 'system' };

describe('pool filter parsing', () => {
  it.each([
    ['公海', {}],
    ['公海 华东', { region: '华东' }],
    ['公海 高价值 制造业', { tier: 'high_value', industry: '制造业' }],
    ['pool at risk', { industry: 'at', q: 'risk' }],
    ['公海 浙江省 潜力', { region: '浙江省', tier: 'potential' }],
  ])('%s', (text, expected) => expect(parsePoolFilters(text)).toEqual(expected));
});

describeEachDb('customers in chat', (h) => {
  let server: ReturnType<import('koa')['callback']>;
  let rep1: UserDto, rep2: UserDto, mgr: UserDto;
  const idle = () => botFor(h.ctx, memoryLogger().logger).idle();
  const lastOut = async (recipient?: string) =>
    (await h.db.select<{ kind: string; payload: unknown; recipient: string }>(
      `SELECT kind, payload, recipient FROM outbox ${recipient ? 'WHERE recipient = :r' : ''} ORDER BY id DESC LIMIT 1`,
      { r: recipient },
    ))[0];
  const payloadOf = (row: { payload: unknown }) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>;
  const say = async (openId: string, text: string) => {
    const res = await postEvent(server, messageEvent({ openId, text }), secrets);
    expect(res.status).toBe(200);
    await idle();
    return lastOut(`oc_p2p_${openId}`);
  };
  const click = async (openId: string, value: Record<string, unknown>, formValue?: Record<string, unknown>) =>
    (await postEvent(server, cardActionEvent({ openId, value, formValue }), secrets)).body as { toast?: { type: string; content: string }; card?: { data: Record<string, unknown> } };

  beforeAll(async () => {
    mgr = await createUser(h.ctx, system, 'cli', { name: '王经理', role: 'manager', team: '一组', larkOpenId: 'ou_mgr' });
    rep1 = await createUser(h.ctx, system, 'cli', { name: '李娜', role: 'rep', teamId: mgr.teamId, larkOpenId: 'ou_rep1' });
    rep2 = await createUser(h.ctx, system, 'cli', { name: '张伟', role: 'rep', teamId: mgr.teamId, larkOpenId: 'ou_rep2' });
    server = (await testApp(h.ctx, [larkRouter], env)).app.callback();
    await createCustomer(h.ctx, actorOf(rep1), 'api', { name: '星辰软件有限公司', phone: '13712345678', region: '华东', contact: { name: '周杰', title: '采购经理' } });
    await createCustomer(h.ctx, actorOf(rep1), 'api', { name: '星辰制造有限公司', region: '华南' });
    await createCustomer(h.ctx, system, 'api', { name: '海纳公海科技', region: '华东', industry: '制造业' });
  });

  it('"查" with one match answers the 360 card; several → a pick list; a rep cannot find another rep\'s customer', async () => {
    const one = await say('ou_rep1', '查 星辰软件');
    expect(one.kind).toBe('customer.360');
    const msg = await render('customer.360', payloadOf(one), { locale: 'zh-CN', core: h.ctx });
    const json = JSON.stringify(msg.content);
    expect(json).toContain('星辰软件有限公司');
    expect(json).toContain('周杰');
    expect(json).toContain('customer.followup_form');
    expect(json).toContain('customer.release');
    const many = await say('ou_rep1', '查 星辰');
    expect(many.kind).toBe('customer.pick');
    expect((payloadOf(many).items as unknown[]).length).toBe(2);
    const other = await say('ou_rep2', '查 星辰软件');
    expect(other.kind).toBe('text');
    expect(JSON.stringify(payloadOf(other))).toContain('没有找到');
    // Even a forged "view" click for that id is refused by the core.
    const id = (payloadOf(one).view as { customer: { id: number } }).customer.id;
    const forged = await click('ou_rep2', { action: 'customer.view', customerId: id });
    expect(forged.toast?.type).toBe('error');
    expect(forged.card).toBeUndefined();
    const byManager = await click('ou_mgr', { action: 'customer.view', customerId: id });
    expect(JSON.stringify(byManager.card)).toContain('customer.reassign_form');
  });

  it('"公海" lists claimable customers with claim buttons; claim explains refusals; repeat click is "already done"', async () => {
    const list = await say('ou_rep2', '公海 华东');
    expect(list.kind).toBe('pool.list');
    const items = payloadOf(list).items as { id: number; name: string }[];
    expect(items.map((i) => i.name)).toEqual(['海纳公海科技']);
    const rendered = JSON.stringify((await render('pool.list', payloadOf(list), { locale: 'zh-CN', core: h.ctx })).content);
    expect(rendered).toContain('pool.claim');
    const ok = await click('ou_rep2', { action: 'pool.claim', customerId: items[0].id });
    expect(ok.toast).toMatchObject({ type: 'success' });
    const again = await click('ou_rep2', { action: 'pool.claim', customerId: items[0].id });
    expect(again.toast).toMatchObject({ type: 'info', content: '你已经领取了该客户' });
    const late = await click('ou_rep1', { action: 'pool.claim', customerId: items[0].id });
    expect(late.toast).toMatchObject({ type: 'error', content: '该客户已被他人领取' });
    // Release from the 360 card, then a re-claim is refused with the cooldown end.
    const rel = await click('ou_rep2', { action: 'customer.release', customerId: items[0].id });
    expect(rel.toast?.type).toBe('success');
    const cool = await click('ou_rep2', { action: 'pool.claim', customerId: items[0].id });
    expect(cool.toast?.content).toMatch(/冷却期内，.* 后才能再次领取/);
  });

  it('"认领 <name>" claims from the pool; a daily limit is explained', async () => {
    const tight = (await createPool(h.ctx, system, 'cli', { name: 'tight', rules: { maxClaimsPerDay: 0 } })).id;
    await createCustomer(h.ctx, system, 'api', { name: '云帆物流', poolId: tight });
    await createCustomer(h.ctx, system, 'api', { name: '鼎盛建材' });
    const r = await say('ou_rep1', '认领 鼎盛建材');
    expect(r.kind).toBe('customer.360');
    expect((payloadOf(r).view as { customer: { ownerId: number } }).customer.ownerId).toBe(rep1.id);
    const refused = await say('ou_rep1', '认领 云帆物流');
    expect(refused.kind).toBe('text');
    expect(String(payloadOf(refused).text)).toContain('每日上限');
  });

  it('follow-up form → saved once (double submit is already done) and the card refreshes; manager reassigns', async () => {
    const found = await say('ou_rep1', '查 星辰软件');
    const id = (payloadOf(found).view as { customer: { id: number } }).customer.id;
    const formRes = await click('ou_rep1', { action: 'customer.followup_form', customerId: id });
    const formJson = JSON.stringify(formRes.card);
    const key = /"action":"customer.followup_submit","customerId":\d+,"key":"([^"]+)"/.exec(formJson)![1];
    const value = { action: 'customer.followup_submit', customerId: id, key };
    const formValue = { channel: 'visit', summary: '上门演示', nextStep: '发报价', nextAt: '2026-11-30' };
    const saved = await click('ou_rep1', value, formValue);
    expect(saved.toast?.type).toBe('success');
    expect(JSON.stringify(saved.card)).toContain('上门演示');
    const twice = await click('ou_rep1', value, formValue);
    expect(twice.toast?.content).toBe('已处理，无需重复操作');
    const n = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM activities WHERE customer_id = :id AND summary = '上门演示'", { id });
    expect(Number(n[0].n)).toBe(1);
    // the next step with a date became one reminder task (a core rule: every transport gets it), once
    const next = await h.db.select<{ title: string }>('SELECT title FROM tasks WHERE customer_id = :id', { id });
    expect(next.map((x) => x.title)).toEqual(['发报价']);
    expect(JSON.stringify(saved.card)).toMatch(/待办任务 1/);
    // rep2 cannot log on rep1's customer
    const denied = await click('ou_rep2', { action: 'customer.followup_form', customerId: id });
    expect(denied.toast?.type).toBe('error');
    // A task straight from the 360 card (once per form), shown on the refreshed card.
    const taskForm = JSON.stringify((await click('ou_rep1', { action: 'customer.task_form', customerId: id })).card);
    const taskKey = /"action":"customer.task_submit","customerId":\d+,"key":"([^"]+)"/.exec(taskForm)![1];
    const made = await click('ou_rep1', { action: 'customer.task_submit', customerId: id, key: taskKey }, { title: '发送报价单', dueAt: '2026-12-01' });
    expect(made.toast?.type).toBe('success');
    expect(JSON.stringify(made.card)).toMatch(/待办任务 2/); // the follow-up's next step and this one
    expect((await click('ou_rep1', { action: 'customer.task_submit', customerId: id, key: taskKey }, { title: '发送报价单' })).toast?.content).toBe('已处理，无需重复操作');
    const reassign = await click('ou_mgr', { action: 'customer.reassign', customerId: id }, { userId: String(rep2.id) });
    expect(reassign.toast?.content).toContain('张伟');
    expect((await say('ou_rep2', '查 星辰软件')).kind).toBe('customer.360');
  });

  it('notices render: recycle warning with a one-tap follow-up, recycled', async () => {
    const warn = await render('pool.recycle_warning', { count: 1, customers: [{ id: 5, name: '某客户', dueAt: '2026-11-26T01:00:00Z', reason: 'no_followup' }] }, { locale: 'zh-CN', core: h.ctx });
    expect(JSON.stringify(warn.content)).toContain('customer.followup_form');
    const done = await render('pool.recycled', { count: 1, customers: [{ id: 5, name: '某客户' }] }, { locale: 'en', core: h.ctx });
    expect(JSON.stringify(done.content)).toContain('went back to the pool');
  });
});
