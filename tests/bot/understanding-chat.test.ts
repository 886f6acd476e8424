import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { composeBot } from '../../bot/compose';
import { fitsLimit } from '../../bot/cards/kit';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { cardActionEvent, messageEvent, postEvent } from '../helpers/fake-lark';
import { createUser, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { listCorrections } from '../../core/intent/corrections';
import type { Actor } from '../../core/context';
import { toDate } from '../../core/db/connection';
import { valuesOf } from '../helpers/card-values';

/**
 * The chat flow with the issue-16 reading, end to end: free-form messages as reps write them arrive as signed Lark
 * events; the bot answers through the outbox (the strict fake's Card JSON 2.0 rules apply to every card) and what is
 * saved is read back from the database. The handlers act on the parsed reading and its customer_match (the
 * dispatcher reads each message with the customer dictionary as its sender sees it).
 */
jest.setTimeout(60_000);

const { render } = composeBot();
const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };
const system: Actor = { kind: 'system' };

interface OutboxRow { id: number; kind: string; payload: unknown }
type Answer = { toast?: { type: string; content: string }; card?: { data: Record<string, unknown> } };
const payloadOf = (r: OutboxRow) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>;

describeEachDb('chat understanding end to end', (h: DbHandle) => {
  let server: ReturnType<import('koa')['callback']>;
  let rep: UserDto;
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    h.clock.set('2026-11-23T08:00:00Z'); // Monday 16:00 in Shanghai
    rep = await createUser(h.ctx, system, 'cli', { name: '李娜', role: 'rep', larkOpenId: `ou_h2_rep_${process.pid}` });
    const repActor: Actor = { kind: 'user', userId: rep.id, role: 'rep', teamId: rep.teamId };
    for (const name of ['金鼎机械', '华晨汽车', '星河电气', 'Wayne Enterprises']) ids[name] = (await createCustomer(h.ctx, repActor, 'api', { name })).customer.id;
    ids['华南冷链'] = (await createCustomer(h.ctx, system, 'api', { name: '华南冷链' })).customer.id; // in the public pool
    const { app } = await testApp(h.ctx, [larkRouter], env);
    server = app.callback();
  });

  const idle = () => botFor(h.ctx, memoryLogger().logger).idle();
  let lastId = 0;
  /** Sends a signed message event; returns what the bot answered to it (outbox rows written since the last one). */
  const say = async (text: string): Promise<OutboxRow[]> => {
    const status = (await postEvent(server, messageEvent({ openId: rep.larkOpenId!, text, createTime: h.clock.now() }), secrets)).status;
    expect(status).toBe(200);
    await idle();
    const rows = await h.db.select<OutboxRow>('SELECT id, kind, payload FROM outbox WHERE id > :after ORDER BY id', { after: lastId });
    if (rows.length) lastId = Number(rows[rows.length - 1].id);
    return rows.filter((r) => !['lead.assigned'].includes(r.kind));
  };
  const click = async (value: Record<string, unknown>, formValue?: Record<string, unknown>) =>
    (await postEvent(server, cardActionEvent({ openId: rep.larkOpenId!, value: value as { action: string }, formValue }), secrets)).body as Answer;
  /** The one card answered, rendered as Lark gets it (and within the size limit). */
  const cardOf = async (rows: OutboxRow[], kind = 'leads.card') => {
    const row = rows.find((r) => r.kind === kind);
    expect(row).toBeDefined();
    const msg = await render(kind, payloadOf(row!), { locale: 'zh-CN', core: h.ctx });
    expect(fitsLimit(msg.content)).toBe(true);
    return { content: msg.content, json: JSON.stringify(msg.content) };
  };
  const textOf = (rows: OutboxRow[]) => rows.filter((r) => r.kind === 'text').map((r) => String(payloadOf(r).text));

  it('a follow-up with no command word: the card shows what was read; Save logs it and its next step', async () => {
    const rows = await say('下午去了趟金鼎机械，见了技术部李工，周三再约');
    const card = await cardOf(rows);
    expect(card.json).toContain('记录跟进');
    expect(card.json).toContain('**客户**：金鼎机械\\n'); // not 趟金鼎机械
    expect(card.json).toContain('**联系人**：李工');
    expect(card.json).toContain('**方式**：拜访');
    expect(card.json).toContain('**下次跟进**：11月25日 周三 09:00');
    expect(card.json).not.toContain('未匹配到已有客户'); // the dictionary's exact match is the customer
    const [save] = valuesOf(card.content, 'draft.save');
    const r = await click(save);
    expect(r.toast).toMatchObject({ type: 'success', content: '已记录跟进' });
    const acts = await h.db.select<{ channel: string; next_at: unknown; summary: string }>('SELECT channel, next_at, summary FROM activities WHERE customer_id = :c', { c: ids['金鼎机械'] });
    expect(acts).toHaveLength(1);
    expect(acts[0].channel).toBe('visit');
    expect(toDate(acts[0].next_at)?.toISOString()).toBe('2026-11-25T01:00:00.000Z');
    const tasks = await h.db.select<{ owner_id: number }>('SELECT owner_id FROM tasks WHERE customer_id = :c', { c: ids['金鼎机械'] });
    expect(tasks.map((t) => Number(t.owner_id))).toEqual([rep.id]);
    expect(await listCorrections(h.ctx)).toEqual([]); // saved as read: no correction
  });

  it('an English report with its next step: the call back is the next follow-up', async () => {
    const card = await cardOf(await say('Called Wayne Enterprises, they want a call back on Friday next week'));
    expect(card.json).toContain('**客户**：Wayne Enterprises');
    expect(card.json).toContain('**方式**：电话');
    expect(card.json).toContain('**下次跟进**：12月4日 周五 09:00');
    expect((await click(valuesOf(card.content, 'draft.save')[0])).toast?.type).toBe('success');
    const [a] = await h.db.select<{ channel: string; next_at: unknown }>('SELECT channel, next_at FROM activities WHERE customer_id = :c', { c: ids['Wayne Enterprises'] });
    expect(a.channel).toBe('phone');
    expect(toDate(a.next_at)?.toISOString()).toBe('2026-12-04T01:00:00.000Z');
  });

  it('a task with a time and no command word: saved with its due time, customer and channel', async () => {
    const card = await cardOf(await say('明天晚上6点请华晨汽车的李总吃饭'));
    expect(card.json).toContain('新建任务');
    expect(card.json).toContain('11月24日');
    expect(card.json).toContain('18:00');
    const r = await click(valuesOf(card.content, 'draft.save')[0]);
    expect(r.toast).toMatchObject({ type: 'success', content: '已创建任务' });
    const [task] = await h.db.select<{ due_at: unknown; channel: string | null; title: string }>('SELECT due_at, channel, title FROM tasks WHERE customer_id = :c', { c: ids['华晨汽车'] });
    expect(toDate(task.due_at)?.toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(task.channel).toBe('visit');
  });

  it('a new lead from an expo contact: the landline keeps its area code', async () => {
    const card = await cardOf(await say('展会认识的：合肥徽商物流 运营总监孙磊 0551-62345678'));
    expect(card.json).toContain('新建线索');
    const r = await click(valuesOf(card.content, 'draft.save')[0]);
    expect(r.toast).toMatchObject({ type: 'success', content: '线索已创建' });
    const leads = await h.db.select<{ company: string; contact_name: string; phone: string; source: string }>('SELECT company, contact_name, phone, source FROM leads');
    expect(leads).toEqual([{ company: '合肥徽商物流', contact_name: '孙磊', phone: '055162345678', source: 'chat' }]);
  });

  it('a question about a customer opens its 360° card', async () => {
    const rows = await say('金鼎机械最近怎么样了？');
    const card = await cardOf(rows, 'customer.360');
    expect(card.json).toContain('金鼎机械');
    expect((payloadOf(rows.find((r) => r.kind === 'customer.360')!).view as { customer: { id: number } }).customer.id).toBe(ids['金鼎机械']);
  });

  it('a claim verb inside a question claims the pool customer', async () => {
    const rows = await say('公海里的华南冷链还在吗？在的话我领了');
    expect(textOf(rows)).toEqual(['已领取「华南冷链」。']);
    const [c] = await h.db.select<{ owner_id: number }>('SELECT owner_id FROM customers WHERE id = :id', { id: ids['华南冷链'] });
    expect(Number(c.owner_id)).toBe(rep.id);
  });

  it('a how-to question gets the help card', async () => {
    const rows = await say('怎么用这个机器人？');
    expect(rows.map((r) => r.kind)).toEqual(['help']);
    expect((await cardOf(rows, 'help')).json).toContain('帮助');
  });

  it('chit-chat is not guessed as anything', async () => {
    const rows = await say('收到，马上到');
    expect(rows.map((r) => r.kind)).toEqual(['text']);
    expect(textOf(rows)[0]).toContain('没有理解');
  });

  it('a fuzzy customer: "您是不是指 星河电气？"; the button takes the matched customer', async () => {
    const card = await cardOf(await say('下周三和星河电器开会'));
    expect(card.json).toContain('您是不是指 **星河电气**？');
    const [yes] = valuesOf(card.content, 'draft.match');
    const r = await click(yes);
    expect(JSON.stringify(r.card)).not.toContain('您是不是指');
    const r2 = await click(valuesOf(r.card!.data, 'draft.save')[0]);
    expect(r2.toast).toMatchObject({ type: 'success', content: '已创建任务' });
    const [task] = await h.db.select<{ channel: string }>('SELECT channel FROM tasks WHERE customer_id = :c', { c: ids['星河电气'] });
    expect(task.channel).toBe('meeting');
  });

  it('a rep who changes the date on the card records a correction (message, what was read, what was chosen)', async () => {
    const card = await cardOf(await say('华晨汽车赵总来电问发票，下周四再联系'));
    const edit = await click(valuesOf(card.content, 'draft.edit')[0]);
    const [submit] = valuesOf(edit.card!.data, 'draft.save');
    const r = await click(submit, { customer: '华晨汽车', channel: 'phone', summary: '赵总来电问发票', at: '2026-12-04 10:00' });
    expect(r.toast).toMatchObject({ type: 'success', content: '已记录跟进' });
    const corrections = await listCorrections(h.ctx);
    expect(corrections).toHaveLength(1);
    expect(corrections[0]).toMatchObject({
      userId: rep.id,
      text: '华晨汽车赵总来电问发票，下周四再联系',
      sentAt: '2026-11-23T08:00:00.000Z',
      fields: ['next_at'],
      read: { intent: 'log_followup', customer: '华晨汽车', channel: 'phone', next_at: '2026-12-03T09:00:00+08:00' },
      chosen: { intent: 'log_followup', customer: '华晨汽车', channel: 'phone', next_at: '2026-12-04T10:00:00+08:00' },
    });
    const audit = await h.db.select("SELECT id FROM audit_log WHERE action = 'intent.correct'");
    expect(audit).toHaveLength(1);
  });
});
