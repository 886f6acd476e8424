import { describeEachDb, type DbHandle } from '../helpers/db';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { listCorrections } from '../../core/intent/corrections';
import { composeBot } from '../../bot/compose';
import { defaultBotConfig } from '../../bot/config';
import { onceForKey } from '../../bot/actions';
import { assertAnswerCard } from '../helpers/fake-lark';
import type { ParsedIntent } from '../../core/intent/types';
import type { CardActionCommand, CardActionResult, ChatCommand, HandlerKit } from '../../bot/types';
import type { OutboundMessage } from '../../core/notifications/outbox';
import type { Actor } from '../../core/context';

/**
 * The understood card with a given reading (what the dispatcher attaches to a message): close second readings as
 * "改为：…" buttons, the customer_match the handlers act on, and the corrections a save records. The readings are
 * given here, so these hold whatever the parser's scoring does (the end-to-end flow is tests/bot/understanding-chat).
 */
jest.setTimeout(60_000);
const { actionHandler, intentHandler } = composeBot();
const system: Actor = { kind: 'system' };
const SENT = new Date('2026-11-23T08:00:00Z'); // Monday 16:00 in Shanghai

type Sent = Omit<OutboundMessage, 'to'>;
const reading = (over: Partial<ParsedIntent>): ParsedIntent => ({
  intent: 'create_task', customer: null, contact: null, channel: null, summary: '', next_at: null, due_at: null, confidence: 0.55, alternatives: [], ...over,
});

async function chat(h: DbHandle, user: UserDto, text: string, p: ParsedIntent): Promise<Sent[]> {
  const sent: Sent[] = [];
  const cmd: ChatCommand = { type: 'text', eventId: `e${Math.random()}`, messageId: `m${Math.random()}`, chatId: 'c1', chatType: 'p2p', openId: 'ou_x', user, text, sentAt: SENT, intent: { ...p, summary: p.summary || text } };
  await h.db.tx(async (t) => {
    const kit: HandlerKit = { deps: { core: h.ctx, locale: 'zh-CN', config: defaultBotConfig() }, t, reply: async (m) => void sent.push(m) };
    await intentHandler(p.intent)!(cmd, kit);
  });
  return sent;
}

async function click(h: DbHandle, user: UserDto, value: Record<string, unknown>, formValue: Record<string, unknown> = {}): Promise<CardActionResult> {
  const cmd: CardActionCommand = { eventId: 'x', openId: 'ou_x', user, openMessageId: null, chatId: 'c1', value: value as CardActionCommand['value'], formValue, token: null };
  const r = await h.db.tx(async (t) => {
    const kit: HandlerKit = { deps: { core: h.ctx, locale: 'zh-CN', config: defaultBotConfig() }, t, reply: async () => undefined };
    const handler = actionHandler(String(value.action))!;
    return value.key ? onceForKey(kit, `${value.action}:${value.key}`, String(value.action), user.id, () => handler(cmd, kit)) : handler(cmd, kit);
  });
  if (r.card) assertAnswerCard({ card: { type: 'raw', data: r.card } });
  return r;
}

function valuesOf(cardJson: unknown, action: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  JSON.stringify(cardJson, (_k, v) => {
    if (v && typeof v === 'object' && (v as { action?: string }).action === action) out.push(v);
    return v;
  });
  return out;
}
const cardOf = (m: Sent) => (m.payload as { card: unknown }).card;

describeEachDb('the understood card', (h) => {
  let rep: UserDto;
  let jinding: number;
  let twin: number;
  beforeAll(async () => {
    h.clock.set(SENT);
    rep = await createUser(h.ctx, system, 'cli', { name: 'Rep', role: 'rep' });
    jinding = (await createCustomer(h.ctx, actorOf(rep), 'api', { name: '金鼎机械' })).customer.id;
    // a name the plain search finds twice: only customer_match's id tells them apart
    twin = (await createCustomer(h.ctx, actorOf(rep), 'api', { name: '远航科技有限公司' })).customer.id;
    await createCustomer(h.ctx, actorOf(rep), 'api', { name: '远航科技（深圳）有限公司' });
  });

  const task = reading({
    intent: 'create_task', customer: '金鼎机械', channel: 'visit', due_at: '2026-11-25T09:00:00+08:00',
    alternatives: [{ intent: 'log_followup', customer: '金鼎机械', next_at: '2026-11-25T09:00:00+08:00', due_at: null, confidence: 0.45 }],
    customer_match: { id: '0', kind: 'customer', name: '金鼎机械', exact: true, score: 1 },
  });

  it('offers a close second reading as a button; taking it re-renders the card and offers the first one back', async () => {
    const [m] = await chat(h, rep, '约了金鼎机械周三过去', { ...task, customer_match: { ...task.customer_match!, id: String(jinding) } });
    const card = JSON.stringify(cardOf(m));
    expect(card).toContain('新建任务');
    expect(card).toContain('改为：记录跟进');
    const [alt] = valuesOf(cardOf(m), 'draft.alt');
    const r = await click(h, rep, alt);
    const switched = JSON.stringify(r.card);
    expect(switched).toContain('记录跟进');
    expect(switched).toContain('**下次跟进**：11月25日 周三 09:00');
    expect(switched).toContain('改为：新建任务');
    expect(switched).not.toContain('未匹配到已有客户'); // the same customer, still resolved
    const saved = await click(h, rep, valuesOf(r.card, 'draft.save')[0]);
    expect(saved.toast).toMatchObject({ type: 'success', content: '已记录跟进' });
    expect(await h.db.select('SELECT id FROM activities WHERE customer_id = :c', { c: jinding })).toHaveLength(1);
    const [c] = await listCorrections(h.ctx);
    expect(c).toMatchObject({
      text: '约了金鼎机械周三过去', fields: ['intent', 'next_at', 'due_at'],
      read: { intent: 'create_task', due_at: '2026-11-25T09:00:00+08:00' },
      chosen: { intent: 'log_followup', customer: '金鼎机械', channel: 'visit', next_at: '2026-11-25T09:00:00+08:00', due_at: null },
    });
  });

  it('no alternatives, no button; alternatives that are no card of their own (find, claim) are not offered', async () => {
    const [m] = await chat(h, rep, '金鼎机械周五发报价', { ...task, alternatives: [{ intent: 'find_customer', customer: '金鼎机械', next_at: null, due_at: null, confidence: 0.4 }], customer_match: { ...task.customer_match!, id: String(jinding) } });
    expect(valuesOf(cardOf(m), 'draft.alt')).toEqual([]);
    expect(JSON.stringify(cardOf(m))).not.toContain('改为');
  });

  it('the matched id decides between customers a name search cannot tell apart', async () => {
    const p = reading({ intent: 'log_followup', customer: '远航科技', channel: 'phone', customer_match: { id: String(twin), kind: 'customer', name: '远航科技有限公司', exact: true, score: 1 } });
    const [m] = await chat(h, rep, '远航科技电话聊了方案', p);
    const card = JSON.stringify(cardOf(m));
    expect(card).toContain('**客户**：远航科技有限公司');
    expect(card).not.toContain('匹配多个客户');
    const r = await click(h, rep, valuesOf(cardOf(m), 'draft.save')[0]);
    expect(r.toast?.type).toBe('success');
    expect(await h.db.select('SELECT id FROM activities WHERE customer_id = :c', { c: twin })).toHaveLength(1);
    // saved as read: the customer as written (远航科技) is no correction of the full name shown
    expect((await listCorrections(h.ctx)).map((c) => c.text)).not.toContain('远航科技电话聊了方案');
  });

  it('turning a follow-up into a lead is a correction of the intent', async () => {
    const p = reading({ intent: 'log_followup', customer: '新星光电', channel: 'visit' });
    const [m] = await chat(h, rep, '拜访了新星光电，聊得不错', p);
    expect(JSON.stringify(cardOf(m))).toContain('没有找到这个客户');
    const r = await click(h, rep, valuesOf(cardOf(m), 'draft.to_lead')[0]);
    const saved = await click(h, rep, valuesOf(r.card, 'draft.save')[0]);
    expect(saved.toast).toMatchObject({ type: 'success', content: '线索已创建' });
    const c = (await listCorrections(h.ctx)).find((x) => x.text === '拜访了新星光电，聊得不错');
    expect(c).toMatchObject({ fields: ['intent', 'channel'], chosen: { intent: 'create_lead', customer: '新星光电', channel: null } });
  });

  it('a message too long to carry on the card is saved without a correction', async () => {
    const long = `金鼎机械${'很长的会议纪要。'.repeat(70)}`;
    const [m] = await chat(h, rep, long, { ...task, customer_match: { ...task.customer_match!, id: String(jinding) } });
    const [alt] = valuesOf(cardOf(m), 'draft.alt');
    const r = await click(h, rep, alt);
    expect((await click(h, rep, valuesOf(r.card, 'draft.save')[0])).toast?.type).toBe('success');
    expect((await listCorrections(h.ctx)).map((c) => c.text)).not.toContain(long);
  });

  it('find and claim offer the fuzzy match when the name as written finds nothing', async () => {
    const pool = (await createCustomer(h.ctx, system, 'api', { name: '华南冷链物流' })).customer.id;
    const match = (id: number, name: string) => ({ id: String(id), kind: 'customer' as const, name, exact: false, score: 0.8 });
    const [pick] = await chat(h, rep, '金顶机械最近怎么样？', reading({ intent: 'find_customer', customer: '金顶机械', customer_match: match(jinding, '金鼎机械') }));
    expect(pick.kind).toBe('customer.pick');
    expect(pick.payload).toMatchObject({ query: '金顶机械', suggest: true, items: [{ id: jinding, name: '金鼎机械' }] });
    const sent = await chat(h, rep, '公海里的华南冷炼我领了', reading({ intent: 'claim', customer: '华南冷炼', customer_match: match(pool, '华南冷链物流') }));
    expect(sent.map((m) => m.kind)).toEqual(['text', 'pool.list']);
    expect((sent[0].payload as { text: string }).text).toBe('公海里没有“华南冷炼”。您是不是指「华南冷链物流」？');
    expect(JSON.stringify(sent[1].payload)).toContain(`"id":${pool}`);
    // nothing was claimed on a guess
    const [c] = await h.db.select<{ owner_id: number | null }>('SELECT owner_id FROM customers WHERE id = :id', { id: pool });
    expect(c.owner_id).toBeNull();
  });
});
