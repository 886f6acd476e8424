import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { composeBot } from '../../bot/compose';
import { fitsLimit } from '../../bot/cards/kit';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { cardActionEvent, messageEvent, postEvent } from '../helpers/fake-lark';
import { makeOrg, type Org } from '../integration/contracts/fixtures';
import { actorOf, type UserDto } from '../../core/users/operations';
import { createContract, submitContract } from '../../core/contracts/operations';
import { decideStep } from '../../core/approvals/operations';
import { releaseCustomer } from '../../core/pool/operations';
import { valuesOf } from '../helpers/card-values';

/**
 * The sales pipeline in chat, end to end: signed Lark events in, outbox rows and card answers out, on a real
 * database (SQLite always, MariaDB with TEST_MYSQL_URL). The strict fake Lark validates every card answered.
 */
const { render } = composeBot();
const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };

interface OutboxRow { id: number; kind: string; recipient: string; payload: unknown }
type Answer = { toast?: { type: string; content: string }; card?: { data: Record<string, unknown> } };
const payloadOf = (r: OutboxRow) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>;

describeEachDb('the sales pipeline in chat', (h: DbHandle) => {
  let server: ReturnType<import('koa')['callback']>;
  let o: Org;
  let customerName: string;
  let customerId: number;
  beforeAll(async () => {
    h.clock.set('2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai
    o = await makeOrg(h.ctx);
    customerId = await o.customer();
    customerName = (await h.db.select<{ name: string }>('SELECT name FROM customers WHERE id = :id', { id: customerId }))[0].name;
    const { app } = await testApp(h.ctx, [larkRouter], env);
    server = app.callback();
  });
  const idle = () => botFor(h.ctx, memoryLogger().logger).idle();
  const say = async (u: UserDto, text: string) => {
    await postEvent(server, messageEvent({ openId: u.larkOpenId!, text, createTime: h.clock.now() }), secrets);
    await idle();
  };
  const click = async (u: UserDto, value: Record<string, unknown>, formValue?: Record<string, unknown>) =>
    (await postEvent(server, cardActionEvent({ openId: u.larkOpenId!, value: value as { action: string }, formValue }), secrets)).body as Answer;
  // Chat answers go to the chat the message came from; the tests run one after another, so "the last one" is theirs.
  const last = async (kind: string) => (await h.db.select<OutboxRow>('SELECT id, kind, recipient, payload FROM outbox WHERE kind = :kind ORDER BY id DESC LIMIT 1', { kind }))[0];
  /** The card the bot last answered with (the kind a chat answer uses), rendered as Lark gets it. */
  const lastCard = async (_u: UserDto) => {
    const row = await last('opportunity.card');
    const msg = await render('opportunity.card', payloadOf(row), { locale: 'zh-CN', core: h.ctx });
    expect(fitsLimit(msg.content)).toBe(true);
    return { id: row.id, json: JSON.stringify(msg.content), content: msg.content };
  };
  const lastText = async (_u: UserDto) => String(payloadOf(await last('text')).text);
  const deal = async (name: string) =>
    (await h.db.select<{ id: number; stage: string; status: string; amount_cents: unknown; expected_close_date: unknown; owner_id: number; loss_reason: string | null; loss_note: string | null; version: number }>(
      'SELECT id, stage, status, amount_cents, expected_close_date, owner_id, loss_reason, loss_note, version FROM opportunities WHERE name = :name', { name },
    ))[0];
  const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

  it('creates a deal from one message, as reps write it', async () => {
    await say(o.rep, `商机 ${customerName} ERP升级 50万 12月底`);
    const d = await deal('ERP升级');
    expect(d).toBeDefined();
    expect(Number(d.amount_cents)).toBe(50_000_000);
    expect(day(d.expected_close_date)).toBe('2026-12-31');
    expect(d.owner_id).toBe(o.rep.id);
    const c = await lastCard(o.rep);
    expect(c.json).toContain('已创建商机');
    expect(c.json).toContain('opportunity.stage');
    expect(c.json).toContain('quote.create');

    // the customer written after the deal's name is still found
    await say(o.rep, `商机 门户改版 ${customerName} 20万`);
    expect(await deal('门户改版')).toMatchObject({ owner_id: o.rep.id });

    await say(o.rep, `新商机：${customerName}的数据中台，预计五十万，月底签`);
    const d2 = await deal('数据中台');
    expect(Number(d2.amount_cents)).toBe(50_000_000);
    expect(day(d2.expected_close_date)).toBe('2026-11-30');
  });

  it('an unknown customer is asked for, never guessed; the ask card creates once the customer is named', async () => {
    await say(o.rep, '商机 不存在的某某公司 仓储系统 30w 下个月');
    const ask = await lastCard(o.rep);
    expect(ask.json).toContain('没有找到客户');
    expect(await deal('仓储系统')).toBeUndefined();
    const [value] = valuesOf(ask.content, 'opportunity.create');
    const r = await click(o.rep, value, { customer: customerName });
    expect(r.toast?.type).toBe('success');
    const d = await deal('仓储系统');
    expect(Number(d.amount_cents)).toBe(30_000_000);
    expect(day(d.expected_close_date)).toBe('2026-12-31');
    // the same ask card submitted again: one deal per message
    expect((await click(o.rep, value, { customer: customerName })).toast?.type).toBe('info');
    expect(await h.db.select('SELECT id FROM opportunities WHERE name = :n', { n: '仓储系统' })).toHaveLength(1);
  });

  it('moves a stage by message and by button; the card updates in place; a stale card answers with the current one', async () => {
    const erp = await deal('ERP升级');
    const [{ dedupe_key: key }] = await h.db.select<{ dedupe_key: string }>("SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE :k AND op = 'send'", { k: `oppcard:${erp.id}:%` });
    await say(o.rep, 'ERP升级 进入谈判');
    expect((await deal('ERP升级')).stage).toBe('negotiation');
    // the card the deal was created with is updated in place (an outbox update of that message)
    const update = await h.db.select<OutboxRow & { update_of: string }>("SELECT id, kind, recipient, payload, update_of FROM outbox WHERE op = 'update' AND kind = 'opportunity.card' ORDER BY id DESC LIMIT 1");
    expect(update[0]?.update_of).toBe(key);
    expect(JSON.stringify(payloadOf(update[0]))).toContain('谈判');
    const c = await lastCard(o.rep);
    expect(c.json).toContain('已移到「谈判」');
    const toProposal = valuesOf(c.content, 'opportunity.stage').find((v) => v.stage === 'proposal')!;
    const a = await click(o.rep, toProposal);
    expect(a.toast?.type).toBe('success');
    expect(JSON.stringify(a.card?.data)).toContain('方案报价');
    expect((await deal('ERP升级')).stage).toBe('proposal');
    // the same button again: already done, no second move
    const again = await click(o.rep, toProposal);
    expect(again.toast?.type).toBe('info');
    // a stale button (the card the deal had before): the current card, no move
    const toInitial = valuesOf(c.content, 'opportunity.stage').find((v) => v.stage === 'initial')!;
    const stale = await click(o.rep, toInitial);
    expect(stale.toast?.type).toBe('info');
    expect(JSON.stringify(stale.card?.data)).toContain('方案报价');
    expect((await deal('ERP升级')).stage).toBe('proposal');
    const history = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM opportunity_history WHERE opportunity_id = :id AND field = 'stage'", { id: (await deal('ERP升级')).id });
    expect(Number(history[0].n)).toBe(3); // created, → negotiation, → proposal
    // ¥50万 is a large deal: its manager was told, and the notice renders with a button to the deal
    const notice = await h.db.select<OutboxRow>("SELECT id, kind, recipient, payload FROM outbox WHERE kind = 'opportunity.stage_changed' AND recipient = :m ORDER BY id DESC LIMIT 1", { m: String(o.manager.id) });
    expect(notice).toHaveLength(1);
    const shown = await render('opportunity.stage_changed', payloadOf(notice[0]), { locale: 'zh-CN', core: h.ctx });
    expect(JSON.stringify(shown.content)).toContain('方案报价');
    const [view] = valuesOf(shown.content, 'opportunity.view');
    expect(JSON.stringify((await click(o.manager, view)).card?.data)).toContain('ERP升级');
  });

  it('"进入下一阶段" moves to the stage after the current one', async () => {
    await say(o.rep, `商机 ${customerName} 运维外包 8万 下个月`);
    await say(o.rep, '运维外包 进入下一阶段');
    expect((await deal('运维外包')).stage).toBe('qualified');
    await say(o.rep, '运维外包往前推一步');
    expect((await deal('运维外包')).stage).toBe('proposal');
  });

  it("another rep's deal is invisible in chat: not found, by message and by button", async () => {
    await say(o.rep2, 'ERP升级 进入谈判');
    expect(await lastText(o.rep2)).toContain('没有找到');
    const d = await deal('ERP升级');
    const r = await click(o.rep2, { action: 'opportunity.stage', opportunityId: d.id, stage: 'won' });
    expect(r.toast?.type).toBe('error');
    expect(r.card).toBeUndefined();
    expect((await deal('ERP升级')).stage).toBe('proposal');
    await say(o.rep2, '我的商机');
    expect((await lastCard(o.rep2)).json).not.toContain('ERP升级');
  });

  it('a loss needs a reason: asked when missing, taken from the message when given', async () => {
    await say(o.rep, '数据中台那单输了');
    const form = await lastCard(o.rep);
    expect(form.json).toContain('opportunity.lose');
    expect((await deal('数据中台')).status).toBe('open');
    const [lose] = valuesOf(form.content, 'opportunity.lose');
    expect((await click(o.rep, lose, {})).toast?.type).toBe('error');
    const r = await click(o.rep, lose, { lossReason: 'competitor', lossNote: '客户选了友商' });
    expect(r.toast?.type).toBe('success');
    expect(await deal('数据中台')).toMatchObject({ status: 'lost', loss_reason: 'competitor', loss_note: '客户选了友商' });

    await say(o.rep, '仓储系统那单输了，价格原因');
    expect(await deal('仓储系统')).toMatchObject({ status: 'lost', loss_reason: 'price', loss_note: '价格原因' });
  });

  it('several deals match a phrase: a choose card, whose pick moves the one chosen', async () => {
    await say(o.rep, `商机 ${customerName} 云平台一期 20万 下个月`);
    await say(o.rep, `商机 ${customerName} 云平台二期 40万 下个月`);
    await say(o.rep, '云平台 进入需求确认');
    const choose = await lastCard(o.rep);
    const picks = valuesOf(choose.content, 'opportunity.stage');
    expect(picks).toHaveLength(2);
    const two = await deal('云平台二期');
    const r = await click(o.rep, picks.find((v) => v.opportunityId === two.id)!);
    expect(r.toast?.type).toBe('success');
    expect((await deal('云平台二期')).stage).toBe('qualified');
    expect((await deal('云平台一期')).stage).toBe('initial');
  });

  it('"my pipeline": stages with counts and amounts, top deals with stage buttons that refresh the list in place', async () => {
    await say(o.rep, '我的商机');
    const c = await lastCard(o.rep);
    expect(c.json).toContain('我的商机');
    expect(c.json).toContain('云平台二期');
    expect(c.json).toContain('需求确认');
    const move = valuesOf(c.content, 'opportunity.stage').find((v) => v.from === 'list' && v.opportunityId === (0 as unknown) || v.from === 'list')!;
    expect(move).toBeDefined();
    const r = await click(o.rep, move);
    expect(r.toast?.type).toBe('success');
    expect(JSON.stringify(r.card?.data)).toContain('我的商机');
  });

  it('the forecast card: the rep sees their own, the manager the team', async () => {
    await say(o.rep, '本月预测');
    const mine = await lastCard(o.rep);
    expect(mine.json).toContain('我的预测');
    expect(mine.json).toContain('漏斗');
    await say(o.manager, '这个季度能签多少');
    const team = await lastCard(o.manager);
    expect(team.json).toContain('团队预测');
    expect(team.json).toContain('2026-Q4');
    await say(o.admin, '今年能签多少');
    expect((await lastCard(o.admin)).json).toContain('全公司预测');
  });

  it('quote: create, send, customer accepted → the contract is drafted and pending approval; accepting twice gives one contract', async () => {
    const d = await deal('云平台二期');
    const created = await click(o.rep, { action: 'quote.create', opportunityId: d.id, key: `${d.id}:quote:test` });
    expect(created.toast?.type).toBe('success');
    const q = (await h.db.select<{ id: number }>('SELECT id FROM quotes WHERE opportunity_id = :id ORDER BY id DESC', { id: d.id }))[0];
    expect((await click(o.rep, { action: 'quote.send', quoteId: q.id })).toast?.type).toBe('success');
    const accepted = await click(o.rep, { action: 'quote.accept', quoteId: q.id });
    expect(accepted.toast?.type).toBe('success');
    expect(JSON.stringify(accepted.card?.data)).toContain('已提交审批');
    const again = await click(o.rep, { action: 'quote.accept', quoteId: q.id });
    expect(again.toast?.type).toBe('info');
    const contracts = await h.db.select<{ status: string }>('SELECT status FROM contracts WHERE quote_id = :q', { q: q.id });
    expect(contracts).toEqual([{ status: 'pending_approval' }]);
  });

  it('the renewal reminder tap creates one renewal opportunity (tapped twice → one)', async () => {
    const c = await createContract(h.ctx, o.as(o.rep), 'api', { customerId, startDate: '2025-12-01', endDate: '2026-12-15', title: '年度订阅', lines: [{ name: '订阅', quantity: 1, unitPriceCents: 90_000_00 }] });
    const v = await submitContract(h.ctx, o.as(o.rep), 'api', { contractId: c.id });
    await decideStep(h.ctx, actorOf(o.manager), 'card', { stepId: v.steps[0].id, decision: 'approve' });
    const card = await render('contract.renewal_due', { contractId: c.id, number: c.number, customerName, amountCents: c.amountCents, endDate: c.endDate, daysLeft: 22 }, { locale: 'zh-CN', core: h.ctx });
    const [tap] = valuesOf(card.content, 'contract.renew');
    const first = await click(o.rep, tap);
    const second = await click(o.rep, tap);
    expect([first.toast?.type, second.toast?.type]).toEqual(['success', 'info']);
    expect(JSON.stringify(first.card?.data)).toContain('续约');
    const rows = await h.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM opportunities WHERE renewal_of_contract_id = :c', { c: c.id });
    expect(Number(rows[0].n)).toBe(1);
    // a renewal deal moves with the words of the default pipeline: 谈判 → 续约谈判
    await say(o.rep, '年度订阅续约 进入谈判');
    const renewal = await h.db.select<{ stage: string }>('SELECT stage FROM opportunities WHERE renewal_of_contract_id = :c', { c: c.id });
    expect(renewal[0].stage).toBe('renewal_negotiation');
  });

  it('a public-pool customer is claimed first: one tap claims it and creates the deal', async () => {
    const poolId = await o.customer({ owner: o.rep2 });
    const poolName = (await h.db.select<{ name: string }>('SELECT name FROM customers WHERE id = :id', { id: poolId }))[0].name;
    await releaseCustomer(h.ctx, o.as(o.rep2), 'api', poolId, null);
    await say(o.rep, `商机 ${poolName} 安防改造 15万 下个月`);
    const ask = await lastCard(o.rep);
    expect(ask.json).toContain('公海');
    expect(await deal('安防改造')).toBeUndefined();
    const [tap] = valuesOf(ask.content, 'opportunity.claim_create');
    const r = await click(o.rep, tap);
    expect(r.toast?.type).toBe('success');
    expect((await deal('安防改造')).owner_id).toBe(o.rep.id);
    const owner = await h.db.select<{ owner_id: number }>('SELECT owner_id FROM customers WHERE id = :id', { id: poolId });
    expect(owner[0].owner_id).toBe(o.rep.id);
    expect((await click(o.rep, tap)).toast?.type).toBe('info'); // the same tap again: once
  });

  it('an English-speaking rep writes and reads in English', async () => {
    await h.db.sequelize.query('UPDATE users SET locale = :l WHERE id = :id', { replacements: { l: 'en', id: o.rep.id } });
    try {
      await say(o.rep, `new deal: ${customerName}, Data lake, 300k, next quarter`);
      const d = await deal('Data lake');
      expect(Number(d.amount_cents)).toBe(30_000_000);
      expect(day(d.expected_close_date)).toBe('2027-03-31');
      const c = await lastCard(o.rep);
      expect(c.json).toContain('Opportunity created');
      expect(c.json).toContain('Negotiation');
      await say(o.rep, 'Data lake moved to qualified');
      expect((await deal('Data lake')).stage).toBe('qualified');
      await say(o.rep, 'forecast this quarter');
      expect((await lastCard(o.rep)).json).toContain('My forecast');
    } finally {
      await h.db.sequelize.query('UPDATE users SET locale = NULL WHERE id = :id', { replacements: { id: o.rep.id } });
    }
  });

  it('a follow-up saved from chat offers 建商机; its form creates the deal', async () => {
    const form = await click(o.rep, { action: 'opportunity.create_form', customerId, customerName });
    const [submit] = valuesOf(form.card?.data, 'opportunity.create');
    const r = await click(o.rep, submit, { name: '运维服务', amount: '12万', expectedCloseDate: '2027-01-31' });
    expect(r.toast?.type).toBe('success');
    expect(Number((await deal('运维服务')).amount_cents)).toBe(12_000_000);
  });
});
