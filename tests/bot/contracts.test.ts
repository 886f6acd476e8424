import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { composeBot } from '../../bot/compose';
import { fitsLimit } from '../../bot/cards/kit';
import { parseNewContractText } from '../../bot/handlers/contracts';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { cardActionEvent, messageEvent, postEvent } from '../helpers/fake-lark';
import { makeOrg, type Org } from '../integration/contracts/fixtures';
import type { UserDto } from '../../core/users/operations';

const { render } = composeBot();

const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };

describe('new-contract text (pure)', () => {
  it('reads customer, product, quantity, price, discount, dates', () => {
    expect(parseNewContractText('新合同 远航科技 软件授权 10套 单价5000 折扣10% 2026-12-01 2027-11-30')).toEqual({
      customer: '远航科技', product: '软件授权', quantity: 10, unitPriceCents: 500_000, discountBp: 1000, startDate: '2026-12-01', endDate: '2027-11-30',
    });
    expect(parseNewContractText('新合同 远航科技 12万 85折')).toEqual(expect.objectContaining({ customer: '远航科技', quantity: 1, unitPriceCents: 12_000_000, discountBp: 1500 }));
    expect(parseNewContractText('新合同 远航科技 10000 9折').discountBp).toBe(1000);
    expect(parseNewContractText('新合同 远航科技 10000 9.5折').discountBp).toBe(500);
    expect(parseNewContractText('新合同')).toEqual(expect.objectContaining({ customer: null, unitPriceCents: null }));
  });
});

interface OutboxRow { id: number; kind: string; recipient: string; op: string; update_of: string | null; dedupe_key: string | null; payload: unknown }
const payloadOf = (r: OutboxRow) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>;

describeEachDb('contracts in chat', (h: DbHandle) => {
  let server: ReturnType<import('koa')['callback']>;
  let o: Org;
  let customerName: string;
  let customerId: number;
  beforeAll(async () => {
    o = await makeOrg(h.ctx);
    customerId = await o.customer();
    customerName = (await h.db.select<{ name: string }>('SELECT name FROM customers WHERE id = :id', { id: customerId }))[0].name;
    const { app } = await testApp(h.ctx, [larkRouter], env);
    server = app.callback();
  });
  const idle = () => botFor(h.ctx, memoryLogger().logger).idle();
  const say = async (u: UserDto, text: string) => {
    await postEvent(server, messageEvent({ openId: u.larkOpenId!, text }), secrets);
    await idle();
  };
  const click = async (u: UserDto, value: Record<string, unknown>, formValue?: Record<string, unknown>) =>
    (await postEvent(server, cardActionEvent({ openId: u.larkOpenId!, value: value as { action: string }, formValue }), secrets)).body as { toast?: { type: string; content: string }; card?: { data: Record<string, unknown> } };
  const lastOutbox = async (where: string, r: Record<string, unknown> = {}) => (await h.db.select<OutboxRow>(`SELECT id, kind, recipient, op, update_of, dedupe_key, payload FROM outbox WHERE ${where} ORDER BY id DESC LIMIT 1`, r))[0];

  it('"新合同 …" drafts, the card submits, the approver approves once; every copy updated; the submitter told', async () => {
    await say(o.rep, `新合同 ${customerName} 软件授权 10套 单价5000 折扣10%`);
    const draft = await lastOutbox("kind = 'contract.draft'");
    const contract = payloadOf(draft).contract as { id: number; amountCents: number };
    expect(contract.amountCents).toBe(4_500_000);
    const msg = await render('contract.draft', payloadOf(draft), { locale: 'zh-CN', core: h.ctx });
    expect(JSON.stringify(msg.content)).toContain('contract.submit');

    const submitted = await click(o.rep, { action: 'contract.submit', contractId: contract.id }, { note: '老客户续费' });
    expect(submitted.toast?.type).toBe('success');
    const approverCard = await lastOutbox("kind = 'approval.request' AND recipient = :r AND op = 'send'", { r: String(o.manager.id) });
    const p = payloadOf(approverCard) as { view: { currentStep: { id: number }; requestId: number } };
    const rendered = await render('approval.request', p, { locale: 'zh-CN', core: h.ctx });
    expect(fitsLimit(rendered.content)).toBe(true);
    const json = JSON.stringify(rendered.content);
    for (const s of ['approval.approve', 'approval.reject', 'approval.comment', customerName, '老客户续费', '10.00%']) expect(json).toContain(s);
    // the submitter's copy has no approve button but a withdraw button
    const mine = await render('approval.request', { ...p, viewerId: o.rep.id }, { locale: 'zh-CN', core: h.ctx });
    expect(JSON.stringify(mine.content)).not.toContain('approval.approve');
    expect(JSON.stringify(mine.content)).toContain('approval.withdraw');

    // a non-approver clicking is refused; reject without a reason is refused
    expect((await click(o.rep2, { action: 'approval.approve', stepId: p.view.currentStep.id })).toast?.type).toBe('error');
    expect((await click(o.manager, { action: 'approval.reject', stepId: p.view.currentStep.id }, { comment: '' })).toast?.content).toContain('原因');

    // double-click approve: one success, then "already done" with the current card
    const [a, b] = await Promise.all([
      click(o.manager, { action: 'approval.approve', stepId: p.view.currentStep.id }, { comment: '同意' }),
      click(o.manager, { action: 'approval.approve', stepId: p.view.currentStep.id }, { comment: '同意' }),
    ]);
    expect([a.toast?.type, b.toast?.type].sort()).toEqual(['info', 'success']);
    expect([a, b].find((x) => x.toast?.type === 'info')!.toast!.content).toContain('已处理');
    for (const x of [a, b]) expect(JSON.stringify(x.card?.data)).not.toContain('approval.approve');

    const updates = await h.db.select<OutboxRow>(`SELECT id, kind, recipient, op, update_of, dedupe_key, payload FROM outbox WHERE op = 'update' AND update_of IN (:keys) ORDER BY id`, {
      keys: [`approval:${p.view.requestId}:submitter`, approverCard.dedupe_key],
    });
    // the submitter's copy is updated once through the outbox; the approver's own copy only by the click's answer (a, b above)
    expect(updates.map((u) => u.update_of)).toEqual([`approval:${p.view.requestId}:submitter`]);
    const outcome = await lastOutbox("kind = 'approval.outcome'");
    expect(outcome.recipient).toBe(String(o.rep.id));
    expect((await render('approval.outcome', payloadOf(outcome), { locale: 'zh-CN', core: h.ctx })).content.text).toContain('审批通过');

    // "回款 <customer> 20000" → oldest open instalment
    await say(o.rep, `回款 ${customerName} 20000`);
    const reply = await lastOutbox("kind = 'text'");
    expect(String(payloadOf(reply).text)).toContain('已登记回款');
    expect(String(payloadOf(reply).text)).toContain('25,000.00');
  });

  it('overdue reminder carries a record-payment button; a double submit records once', async () => {
    const { runReceivablesDaily } = await import('../../core/receivables/operations');
    h.clock.set('2026-11-26T02:00:00Z');
    await runReceivablesDaily(h.ctx);
    const reminder = await lastOutbox("kind = 'receivable.overdue'");
    const rendered = await render('receivable.overdue', payloadOf(reminder), { locale: 'zh-CN', core: h.ctx });
    const json = JSON.stringify(rendered.content);
    expect(json).toContain('receivable.record');
    const value = JSON.parse(json.match(/"value":(\{"action":"receivable.record"[^}]*\})/)![1]);
    const [a, b] = await Promise.all([click(o.rep, value, { amount: '5000' }), click(o.rep, value, { amount: '5000' })]);
    expect([a.toast?.type, b.toast?.type].sort()).toEqual(['info', 'success']);
    const paid = await h.db.select<{ s: unknown }>('SELECT SUM(amount_cents) AS s FROM receivable_payments WHERE customer_id = :c', { c: customerId });
    expect(Number(paid[0].s)).toBe(2_500_000);
  });

  it('the form card drafts; withdraw and comment from the card; the renewal tap is idempotent; 回款 asks when ambiguous', async () => {
    h.clock.set('2026-11-23T02:00:00Z');
    await say(o.rep, '新合同');
    expect((await lastOutbox("kind = 'contract.form'")).recipient).toBeTruthy();
    const formValue = { customer: customerName, product: '实施服务', quantity: '2', price: '1.5万', discount: '5', start: '2026-01-01', end: '2026-12-20' };
    const made = await click(o.rep, { action: 'contract.create_form', key: `f-${Date.now()}` }, formValue);
    expect(made.toast?.type).toBe('success');
    const draftJson = JSON.stringify(made.card?.data);
    expect(draftJson).toContain('28,500.00'); // 2 × 15,000 × 95%
    const contractId = Number(/"contractId":(\d+)/.exec(draftJson)![1]);
    const sub = await click(o.rep, { action: 'contract.submit', contractId });
    expect(sub.toast?.type).toBe('success');
    const again = await click(o.rep, { action: 'contract.submit', contractId });
    expect(again.toast?.type).toBe('info');
    const card = await lastOutbox("kind = 'approval.request' AND recipient = :r AND op = 'send'", { r: String(o.manager.id) });
    const view = (payloadOf(card) as { view: { requestId: number; currentStep: { id: number } } }).view;
    expect((await click(o.manager, { action: 'approval.delegate', stepId: view.currentStep.id }, { delegate: '没有这个人' })).toast?.type).toBe('error');
    const handed = await click(o.manager, { action: 'approval.delegate', stepId: view.currentStep.id }, { delegate: o.deputy.name });
    expect(handed.toast?.type).toBe('success');
    expect(JSON.stringify(handed.card?.data)).not.toContain('approval.approve');
    const deputyCard = await lastOutbox("kind = 'approval.request' AND recipient = :r AND op = 'send'", { r: String(o.deputy.id) });
    expect(JSON.stringify((await render('approval.request', payloadOf(deputyCard), { locale: 'zh-CN', core: h.ctx })).content)).toContain('approval.approve');
    const commented = await click(o.manager, { action: 'approval.comment', requestId: view.requestId }, { comment: '回款记录如何？' });
    expect(JSON.stringify(commented.card?.data)).toContain('回款记录如何？');
    const withdrawn = await click(o.rep, { action: 'approval.withdraw', requestId: view.requestId });
    expect(withdrawn.toast?.type).toBe('success');
    const late = await click(o.deputy, { action: 'approval.approve', stepId: view.currentStep.id });
    expect(late.toast).toEqual({ type: 'info', content: '提交人已撤回该申请' });
    // resubmit and approve so the contract can be renewed
    await click(o.rep, { action: 'contract.submit', contractId });
    const card2 = await lastOutbox("kind = 'approval.request' AND recipient = :r AND op = 'send'", { r: String(o.manager.id) });
    const step2 = (payloadOf(card2) as { view: { currentStep: { id: number } } }).view.currentStep.id;
    expect((await click(o.manager, { action: 'approval.approve', stepId: step2 })).toast?.type).toBe('success');
    const [r1, r2] = [await click(o.rep, { action: 'contract.renew', contractId }), await click(o.rep, { action: 'contract.renew', contractId })];
    expect([r1.toast?.type, r2.toast?.type]).toEqual(['success', 'info']);
    // the tap opens the renewal opportunity (renewal pipeline), shown with its stage buttons
    expect(JSON.stringify(r1.card?.data)).toContain('续约商机');
    expect(JSON.stringify(r1.card?.data)).toContain('opportunity.stage');
    expect(JSON.stringify(r2.card?.data)).toContain('续约商机');
    // two contracts with money open now → "回款" asks which one
    await say(o.rep, `回款 ${customerName} 100`);
    const choose = await lastOutbox("kind = 'receivable.choose'");
    expect((payloadOf(choose).options as unknown[]).length).toBe(2);
  });

  it('renders the renewal, digest and choose cards within the size limit', async () => {
    for (const [kind, payload] of [
      ['contract.renewal_due', { contractId: 1, number: 'HT-1', customerName: '某公司', amountCents: 100, endDate: '2026-12-24', daysLeft: 30 }],
      ['receivable.digest', { week: { from: '2026-11-23', to: '2026-11-29' }, dueThisWeek: [], dueThisWeekCents: 0, overdueByOwner: [], forecast: { overdueCents: 0, months: [{ month: '2026-12', outstandingCents: 5 }] } }],
      ['receivable.choose', { customerName: '某公司', amountCents: 100, options: [{ contractId: 1, number: 'HT-1', outstandingCents: 100, nextDueDate: '2026-12-01' }] }],
      ['contract.form', { customer: '某公司' }],
    ] as const) {
      const m = await render(kind, payload as unknown as Record<string, unknown>, { locale: 'en', core: h.ctx });
      expect(m.msg_type).toBe('interactive');
      expect(fitsLimit(m.content)).toBe(true);
    }
  });
});
