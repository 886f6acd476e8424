// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { composeBot } from '../../bot/compose';
import { fitsLimit } from '../../bot/cards/kit';
import { describeEachDb } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { cardActionEvent, messageEvent, postEvent } from '../helpers/fake-lark';
import { makeWorld, outbox, type ServiceWorld } from './fixtures';
import { createTicket } from '../../core/tickets/operations';
import { getTicket } from '../../core/tickets/queries';
import { listSurveys, answerSurvey } from '../../core/surveys/operations';
import { createArticle } from '../../core/knowledge/operations';
import { redeemInvite } from '../../core/mp/operations';
import { validateCard } from '../helpers/lark-card';

const { render } = composeBot();

const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };

describeEachDb('service desk in chat', (h) => {
  let w: ServiceWorld;
  let server: ReturnType<import('koa')['callback']>;
  const idle = () => botFor(h.ctx, memoryLogger().logger).idle();
  beforeAll(async () => {
    w = await makeWorld(h.ctx, [['维修']]);
    server = (await testApp(h.ctx, [larkRouter], env)).app.callback();
  });

  it('renders every service message kind as a valid card under the size limit', async () => {
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: '投影仪坏了'.repeat(200) });
    const [assigned] = (await outbox(h.ctx, 'ticket.assigned')).filter((m) => m.payload.ticketId === t.id);
    for (const locale of ['zh-CN', 'en'] as const) {
      const msg = await render('ticket.assigned', assigned.payload, { locale, core: h.ctx });
      expect(msg.msg_type).toBe('interactive');
      expect(fitsLimit(msg.content)).toBe(true);
      expect(validateCard(msg.content)).toEqual([]);
      const json = JSON.stringify(msg.content);
      expect(json).toContain('ticket.accept');
      expect(json).toContain('ticket.resolve');
      expect(json).toContain('ticket.comment');
      for (const kind of ['ticket.sla_warning', 'ticket.sla_breach']) {
        const m = await render(kind, { ...assigned.payload, clock: 'frt', dueAt: new Date().toISOString(), escalated: true }, { locale, core: h.ctx });
        expect(fitsLimit(m.content)).toBe(true);
        expect(validateCard(m.content)).toEqual([]);
      }
      const low = await render('survey.low_score', { surveyId: 1, kind: 'csat', score: 1, max: 5, comment: '<b>差</b>', ticketNo: 'T000001', ticketTitle: 'x', customerName: 'c', contactName: 'd', agentName: 'e' }, { locale, core: h.ctx });
      expect(JSON.stringify(low.content)).not.toContain('<b>');
    }
  });

  it('the agent accepts, replies and resolves from the card; repeated clicks do nothing twice', async () => {
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: '空调不制冷' });
    const openId = w.agents[0].larkOpenId!;
    const accept = await postEvent(server, cardActionEvent({ openId, value: { action: 'ticket.accept', ticketId: t.id } }), secrets);
    expect(accept.status).toBe(200);
    expect(accept.body.toast.type).toBe('success');
    expect(JSON.stringify(accept.body.card)).not.toContain('ticket.accept');
    const again = await postEvent(server, cardActionEvent({ openId, value: { action: 'ticket.accept', ticketId: t.id } }), secrets);
    expect(again.body.toast.type).toBe('info');
    const reply = await postEvent(server, cardActionEvent({ openId, value: { action: 'ticket.comment', ticketId: t.id }, formValue: { body: '师傅下午到' } }), secrets);
    expect(reply.body.toast.type).toBe('success');
    const empty = await postEvent(server, cardActionEvent({ openId, value: { action: 'ticket.comment', ticketId: t.id }, formValue: { body: ' ' } }), secrets);
    expect(empty.body.toast.type).toBe('error');
    const resolve = await postEvent(server, cardActionEvent({ openId, value: { action: 'ticket.resolve', ticketId: t.id } }), secrets);
    expect(resolve.body.toast.type).toBe('success');
    const twice = await postEvent(server, cardActionEvent({ openId, value: { action: 'ticket.resolve', ticketId: t.id } }), secrets);
    expect(twice.body.toast.type).toBe('info');
    const mine = await getTicket(h.ctx, w.customerA.actor, t.id);
    expect(mine.status).toBe('resolved');
    expect(mine.timeline.some((e) => e.kind === 'comment' && e.body === '师傅下午到')).toBe(true);
    const s = (await listSurveys(h.ctx, w.customerA.actor, {})).items.find((x) => x.ticket?.id === t.id)!;
    await answerSurvey(h.ctx, w.customerA.actor, { surveyId: s.id, score: 2, comment: '太慢' });
    const alerts = (await outbox(h.ctx, 'survey.low_score')).filter((m) => m.payload.surveyId === s.id);
    expect(alerts.map((a) => a.recipient)).toEqual([String(w.manager.id)]);
    // A rep cannot work tickets from a forwarded card.
    const t2 = await createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: '灯坏了' });
    await h.ctx.models.User.update({ lark_open_id: 'ou_rep_x' }, { where: { id: w.rep.id } });
    const rep = await postEvent(server, cardActionEvent({ openId: 'ou_rep_x', value: { action: 'ticket.resolve', ticketId: t2.id } }), secrets);
    expect(rep.body.toast.type).toBe('error');
  });

  it('"邀请 <客户> <联系人>" gives the rep a one-time code that signs the contact in', async () => {
    await h.ctx.models.User.update({ lark_open_id: 'ou_rep_inv' }, { where: { id: w.rep.id } });
    const [cust] = await h.db.select<{ name: string }>('SELECT name FROM customers WHERE id = :id', { id: w.customerA.id });
    const ev = messageEvent({ openId: 'ou_rep_inv', text: `邀请 ${cust.name} 新同事` });
    expect((await postEvent(server, ev, secrets)).status).toBe(200);
    await idle();
    const rows = await h.db.select<{ payload: unknown }>("SELECT payload FROM outbox WHERE kind = 'text' AND recipient = :chat ORDER BY id DESC LIMIT 1", { chat: ev.event.message.chat_id });
    const text = String((typeof rows[0].payload === 'string' ? JSON.parse(rows[0].payload) : rows[0].payload).text);
    const code = /邀请码：([A-Z0-9]{8})/.exec(text)![1];
    expect(text).toContain(`/?invite=${code}`);
    const r = await redeemInvite(h.ctx, { code });
    expect(r.customer.id).toBe(w.customerA.id);
    expect(r.contact.name).toBe('新同事');
  });

  it('"知识 <问题>" searches the knowledge base for agents', async () => {
    await createArticle(h.ctx, { kind: 'system' }, { title: '空调不制冷的排查步骤', body: '检查滤网和冷媒。' });
    const ev = messageEvent({ openId: w.agents[0].larkOpenId!, text: '知识 空调不制冷' });
    await postEvent(server, ev, secrets);
    await idle();
    const rows = await h.db.select<{ payload: unknown }>("SELECT payload FROM outbox WHERE kind = 'text' AND recipient = :chat ORDER BY id DESC LIMIT 1", { chat: ev.event.message.chat_id });
    expect(JSON.stringify(rows[0].payload)).toContain('空调不制冷的排查步骤');
  });

  it('"服务统计" answers the agent with their own figures', async () => {
    const ev = messageEvent({ openId: w.agents[0].larkOpenId!, text: '服务统计' });
    await postEvent(server, ev, secrets);
    await idle();
    const rows = await h.db.select<{ payload: unknown }>("SELECT payload FROM outbox WHERE kind = 'text' AND recipient = :chat ORDER BY id DESC LIMIT 1", { chat: ev.event.message.chat_id });
    expect(JSON.stringify(rows[0].payload)).toMatch(/已解决 1 个.*满意度 2\.00（1 份，低分 1 份）/);
  });
});
