import { describeEachDb, type DbHandle } from '../helpers/db';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { parseMessage } from '../../core/intent/parse';
import { toDate } from '../../core/db/connection';
import { composeBot } from '../../bot/compose';
import { defaultBotConfig } from '../../bot/config';
import { onceForKey } from '../../bot/actions';
import * as chatImport from '../../bot/handlers/lead-import';
import type { CardActionCommand, CardActionResult, ChatCommand, HandlerKit } from '../../bot/types';
import type { OutboundMessage } from '../../core/notifications/outbox';
import type { Actor } from '../../core/context';
import { assertAnswerCard } from '../helpers/fake-lark';

jest.setTimeout(30_000);
const { actionHandler, intentHandler, matchTextIntent, render } = composeBot();
const system: Actor = { kind: 'system' };

type Sent = Omit<OutboundMessage, 'to'>;
async function chat(h: DbHandle, user: UserDto, text: string, extra: Partial<ChatCommand> = {}): Promise<Sent[]> {
  const sent: Sent[] = [];
  const sentAt = h.clock.now();
  const cmd: ChatCommand = {
    type: 'text', eventId: `e${Math.random()}`, messageId: `m${Math.random()}`, chatId: 'c1', chatType: 'p2p', openId: 'ou_x', user, text, sentAt,
    intent: parseMessage(text, { now: sentAt, timezone: 'Asia/Shanghai' }), ...extra,
  };
  let name = cmd.type === 'text' ? cmd.intent!.intent : `message.${cmd.type}`;
  if (name === 'unknown') name = matchTextIntent(text) ?? name;
  await h.db.tx(async (t) => {
    const kit: HandlerKit = { deps: { core: h.ctx, locale: 'zh-CN', config: defaultBotConfig() }, t, reply: async (m) => void sent.push(m) };
    await intentHandler(name)!(cmd, kit);
  });
  return sent;
}

async function click(h: DbHandle, user: UserDto, value: Record<string, unknown>, formValue: Record<string, unknown> = {}): Promise<CardActionResult> {
  const cmd: CardActionCommand = { eventId: 'x', openId: 'ou_x', user, openMessageId: null, chatId: 'c1', value: value as CardActionCommand['value'], formValue, token: null };
  return h.db.tx(async (t) => {
    const kit: HandlerKit = { deps: { core: h.ctx, locale: 'zh-CN', config: defaultBotConfig() }, t, reply: async () => undefined };
    const handler = actionHandler(String(value.action))!;
    // the dispatcher's per-click idempotence for buttons carrying `key`
    return value.key ? onceForKey(kit, `${value.action}:${value.key}`, String(value.action), user.id, () => handler(cmd, kit)) : handler(cmd, kit);
  }).then((r) => {
    // The card answered to a click must pass the Card JSON 2.0 rules, as in postEvent.
    if (r.card) assertAnswerCard({ card: { type: 'raw', data: r.card } });
    return r;
  });
}

/** Finds the first button value with this action in a card. */
function buttonValue(card: unknown, action: string): Record<string, unknown> {
  let found: Record<string, unknown> | null = null;
  JSON.stringify(card, (_k, v) => {
    if (!found && v && typeof v === 'object' && (v as { action?: string }).action === action) found = v;
    return v;
  });
  if (!found) throw new Error(`no ${action} button`);
  return found;
}
const cardOf = (m: Sent) => (m.payload as { card: unknown }).card;

describeEachDb('chat: follow-ups, tasks, leads, check-ins', (h) => {
  let rep: UserDto;
  let yuanhang: number;
  const count = async (sql: string, r: Record<string, unknown> = {}) => Number((await h.db.select<{ n: number }>(sql, r))[0].n);
  beforeAll(async () => {
    rep = await createUser(h.ctx, system, 'cli', { name: 'Rep', role: 'rep' });
    yuanhang = (await createCustomer(h.ctx, actorOf(rep), 'api', { name: '远航科技' })).customer.id;
    await createCustomer(h.ctx, actorOf(rep), 'api', { name: '星海集团华东' });
    await createCustomer(h.ctx, actorOf(rep), 'api', { name: '星海集团华南' });
  });

  it('the issue example: shows what was understood, saves on Save (follow-up + next-time task), a second click does nothing', async () => {
    const [msg] = await chat(h, rep, '跟进 远航科技 电话聊了方案，下周三再联系');
    expect(msg.kind).toBe('leads.card');
    const text = JSON.stringify(cardOf(msg));
    expect(text).toContain('远航科技');
    expect(text).toContain('电话');
    expect(await count('SELECT COUNT(*) AS n FROM activities WHERE customer_id = :c', { c: yuanhang })).toBe(0); // nothing before Save
    const save = buttonValue(cardOf(msg), 'draft.save');
    const r = await click(h, rep, save);
    expect(r.toast?.type).toBe('success');
    const acts = await h.db.select<{ channel: string; summary: string }>('SELECT channel, summary FROM activities WHERE customer_id = :c', { c: yuanhang });
    expect(acts).toEqual([{ channel: 'phone', summary: '电话聊了方案，下周三再联系' }]);
    const task = (await h.db.select<{ due_at: unknown; remind_at: unknown }>('SELECT due_at, remind_at FROM tasks WHERE customer_id = :c', { c: yuanhang }))[0];
    expect(toDate(task.due_at)!.toISOString()).toBe('2026-12-02T01:00:00.000Z');
    const again = await click(h, rep, save);
    expect(again.toast?.type).toBe('info');
    expect(await count('SELECT COUNT(*) AS n FROM activities WHERE customer_id = :c', { c: yuanhang })).toBe(1);
    // exactly one reminder task for the one follow-up (the core creates it; the bot no longer adds its own)
    expect(await count('SELECT COUNT(*) AS n FROM tasks WHERE customer_id = :c', { c: yuanhang })).toBe(1);
  });

  it('Edit opens a prefilled form; its values (natural-language time too) are what gets saved', async () => {
    const [msg] = await chat(h, rep, '跟进 远航科技 微信发了资料');
    const edit = await click(h, rep, buttonValue(cardOf(msg), 'draft.edit'));
    expect(JSON.stringify(edit.card)).toContain('微信发了资料');
    const save = buttonValue(edit.card, 'draft.save');
    const r = await click(h, rep, save, { summary: '微信发了报价单', channel: 'wechat', at: '后天下午2点' });
    expect(r.toast?.type).toBe('success');
    const a = await h.db.select<{ summary: string; channel: string }>('SELECT summary, channel FROM activities WHERE customer_id = :c ORDER BY id DESC LIMIT 1', { c: yuanhang });
    expect(a[0]).toEqual({ summary: '微信发了报价单', channel: 'wechat' });
    expect((await click(h, rep, { ...save, key: 'other' }, { at: '某个时候' })).toast?.type).toBe('error');
  });

  it('an ambiguous customer gives a pick list; an unknown one offers a lead — never a guess', async () => {
    const [pick] = await chat(h, rep, '跟进 星海集团 电话沟通了');
    expect(JSON.stringify(cardOf(pick))).toContain('星海集团华南');
    const chosen = await click(h, rep, buttonValue(cardOf(pick), 'draft.pick'));
    expect(JSON.stringify(chosen.card)).toContain('draft.save');
    const [unknown] = await chat(h, rep, '跟进 蓝鲸航运 电话聊了 13900001111');
    expect(JSON.stringify(cardOf(unknown))).toContain('draft.to_lead');
    const leadDraft = await click(h, rep, buttonValue(cardOf(unknown), 'draft.to_lead'));
    const saved = await click(h, rep, buttonValue(leadDraft.card, 'draft.save'));
    expect(saved.toast?.type).toBe('success');
    const lead = (await h.db.select<{ company: string; phone_norm: string; source: string }>("SELECT company, phone_norm, source FROM leads WHERE company = '蓝鲸航运'"))[0];
    expect(lead).toEqual({ company: '蓝鲸航运', phone_norm: '13900001111', source: 'chat' });
  });

  it('create_lead and create_task from one message each', async () => {
    const [l] = await chat(h, rep, '新线索 北京蓝天信息技术有限公司 张伟 13812345678');
    const r = await click(h, rep, buttonValue(cardOf(l), 'draft.save'));
    expect(r.toast?.type).toBe('success');
    expect(await count("SELECT COUNT(*) AS n FROM leads WHERE phone_norm = '13812345678' AND contact_name = '张伟'")).toBe(1);
    const [tk] = await chat(h, rep, '明天下午3点拜访远航科技');
    const saved = await click(h, rep, buttonValue(cardOf(tk), 'draft.save'));
    expect(JSON.stringify(saved.card)).toContain('task.done');
    expect(await count("SELECT COUNT(*) AS n FROM tasks WHERE title = '明天下午3点拜访远航科技' AND channel = 'visit'")).toBe(1);
  });

  it('reminder card buttons: snooze once per card, done idempotent; renderers produce cards', async () => {
    const { createTask } = await import('../../core/tasks/operations');
    const { deliverDueReminders } = await import('../../core/tasks/reminders');
    const task = await createTask(h.ctx, actorOf(rep), 'chat', { title: '回访', dueAt: h.clock.now() });
    await deliverDueReminders(h.ctx);
    const row = (await h.db.select<{ payload: unknown }>("SELECT payload FROM outbox WHERE dedupe_key = :k", { k: `task.remind:${task.id}:0` }))[0];
    const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
    const msg = await render('task.reminder', payload, { locale: 'zh-CN', core: h.ctx });
    expect(msg.msg_type).toBe('interactive');
    const snooze = buttonValue(msg.content, 'task.snooze');
    expect((await click(h, rep, snooze)).toast?.type).toBe('success');
    expect((await click(h, rep, snooze)).toast?.type).toBe('info');
    const done = buttonValue(msg.content, 'task.done');
    expect((await click(h, rep, done)).toast?.type).toBe('success');
    expect((await click(h, rep, done)).toast?.type).toBe('info');
  });

  it('an SLA escalation card lets a manager hand the lead to a rep (once)', async () => {
    const { setLeadsConfig } = await import('../../core/leads/config');
    const { captureLead, escalateOverdueLeads } = await import('../../core/leads/operations');
    const mgr = await createUser(h.ctx, system, 'cli', { name: 'Mgr', role: 'manager' });
    await setLeadsConfig(h.ctx, { assign: { strategy: 'match', fallback: 'none' }, scoring: { hotThreshold: 10 }, sla: { hotUnassignedMinutes: 1 } });
    const lead = (await captureLead(h.ctx, system, 'api', { company: '急单公司', phone: '13500009876', source: '转介绍', region: '火星' })).lead!;
    expect(lead.ownerId).toBeNull();
    h.clock.advance(2 * 60_000);
    await escalateOverdueLeads(h.ctx);
    const row = (await h.db.select<{ payload: unknown }>("SELECT payload FROM outbox WHERE dedupe_key = :k", { k: `lead.sla:${lead.id}:${mgr.id}` }))[0];
    const msg = await render('lead.sla_escalated', typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload, { locale: 'zh-CN', core: h.ctx });
    expect(JSON.stringify(msg.content)).toContain('Rep');
    const assign = buttonValue(msg.content, 'lead.assign_to');
    expect((await click(h, mgr, assign, { userId: String(rep.id) })).toast?.type).toBe('success');
    expect((await click(h, mgr, assign, { userId: String(rep.id) })).toast?.type).toBe('info');
    await expect(click(h, rep, assign, { userId: String(rep.id) })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await setLeadsConfig(h.ctx, {});
  });

  it('tasks from cards: the follow-up card offers a new task; urgent messages make high-priority tasks', async () => {
    const [msg] = await chat(h, rep, '跟进 远航科技 电话确认了需求');
    const saved = await click(h, rep, buttonValue(cardOf(msg), 'draft.save'));
    const form = await click(h, rep, buttonValue(saved.card, 'task.new'));
    const create = buttonValue(form.card, 'task.create');
    const r = await click(h, rep, create, { title: '准备报价单', at: '周五下午2点', priority: 'high' });
    expect(r.toast?.type).toBe('success');
    const t1 = (await h.db.select<{ priority: string; customer_id: number }>("SELECT priority, customer_id FROM tasks WHERE title = '准备报价单'"))[0];
    expect({ priority: t1.priority, customer: Number(t1.customer_id) }).toEqual({ priority: 'high', customer: yuanhang });
    const [urgent] = await chat(h, rep, '提醒我明天上午紧急给远航科技回电话');
    await click(h, rep, buttonValue(cardOf(urgent), 'draft.save'));
    expect((await h.db.select<{ priority: string }>("SELECT priority FROM tasks WHERE title LIKE '%紧急给远航科技回电话%'"))[0].priority).toBe('high');
  });

  it('agenda by day and by week', async () => {
    const [week] = await chat(h, rep, '本周日程');
    const text = JSON.stringify(cardOf(week));
    expect(text).toContain('本周日程');
    expect(text).toContain('明天下午3点拜访远航科技');
    const [day] = await chat(h, rep, '今日日程');
    expect(JSON.stringify(cardOf(day))).toContain('今日日程');
  });

  it('check-in: 签到 then a location records position and a visit; a photo is attached', async () => {
    const [start] = await chat(h, rep, '签到 远航科技');
    expect(JSON.stringify(start.payload)).toContain('请发送你的位置');
    const [loc] = await chat(h, rep, '', { type: 'location', location: { name: '远航大厦', latitude: 31.23, longitude: 121.47 } });
    expect(JSON.stringify(loc.payload)).toContain('已签到');
    const [img] = await chat(h, rep, '', { type: 'image', image: { imageKey: 'img_v2_123' } });
    expect(JSON.stringify(img.payload)).toContain('照片');
    const c = (await h.db.select<{ customer_id: number; status: string; address: string; image_key: string; latitude: number }>('SELECT customer_id, status, address, image_key, latitude FROM checkins'))[0];
    expect({ ...c, customer_id: Number(c.customer_id), latitude: Number(c.latitude) }).toEqual({ customer_id: yuanhang, status: 'done', address: '远航大厦', image_key: 'img_v2_123', latitude: 31.23 });
    expect(await count("SELECT COUNT(*) AS n FROM activities WHERE customer_id = :c AND channel = 'visit'", { c: yuanhang })).toBe(1);
    const [stray] = await chat(h, rep, '', { type: 'location', location: { name: 'X', latitude: 1, longitude: 2 } });
    expect(JSON.stringify(stray.payload)).toContain('请先发送');
  });

  it('a CSV sent in chat gets a dry-run card; confirming imports in the background and patches the same card', async () => {
    chatImport.setFileFetcher(async () => Buffer.from(['公司名称,联系人,手机号', '聊天导入甲,甲,13000000001', '聊天导入乙,乙,bad', '聊天导入丙,丙,13000000003'].join('\n')));
    try {
      const [msg] = await chat(h, rep, '', { type: 'file', messageId: 'om_file1', file: { fileKey: 'file_v2_1', fileName: 'leads.csv' } });
      expect(msg.dedupeKey).toBe('lead-import:om_file1');
      const text = JSON.stringify(cardOf(msg));
      expect(text).toContain('有效 **2**');
      expect(text).toContain('第 3 行');
      expect(await count("SELECT COUNT(*) AS n FROM leads WHERE company LIKE '聊天导入%'")).toBe(0);
      const r = await click(h, rep, buttonValue(cardOf(msg), 'leads.import_commit'));
      expect(JSON.stringify(r.card)).toContain('导入中');
      await chatImport.lastImport;
      expect(await count("SELECT COUNT(*) AS n FROM leads WHERE company LIKE '聊天导入%' AND source = 'import'")).toBe(2);
      const patches = await h.db.select<{ dedupe_key: string; payload: unknown }>("SELECT dedupe_key, payload FROM outbox WHERE update_of = 'lead-import:om_file1' ORDER BY id");
      expect(patches.at(-1)!.dedupe_key).toBe('lead-import:om_file1:final');
      expect(JSON.stringify(patches.at(-1)!.payload)).toContain('导入完成');
      // a second click is "already done" and imports nothing more
      expect((await click(h, rep, buttonValue(cardOf(msg), 'leads.import_commit'))).toast?.type).toBe('info');
    } finally {
      chatImport.setFileFetcher(null);
    }
  });
});
