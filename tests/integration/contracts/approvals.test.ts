import { outcomeOf } from '../../helpers/outcome';
import { describeEachDb } from '../../helpers/db';
import { makeOrg, draft, type Org } from './fixtures';
import { createContract, submitContract, getContract, updateDraftContract } from '../../../core/contracts/operations';
import { decideStep, withdrawApproval, delegateStep, commentApproval, setApprovalDelegate, getApprovalView } from '../../../core/approvals/operations';
import { setApprovalPolicy } from '../../../core/approvals/chain';
import { DEFAULT_POLICY } from '../../../core/approvals/rules';
import { AppError } from '../../../core/errors';

const codeOf = (p: Promise<unknown>) => outcomeOf(p, 'OK');

describeEachDb('contract approvals', (h) => {
  let o: Org;
  beforeAll(async () => {
    o = await makeOrg(h.ctx);
  });

  async function submitted(listCents: number, discountBp = 0, opts: { tier?: string | null; lines?: unknown[] } = {}) {
    const cust = await o.customer({ tier: opts.tier ?? null });
    const input = { ...draft(cust, listCents, discountBp), ...(opts.lines ? { lines: opts.lines } : {}) };
    const c = await createContract(h.ctx, o.as(o.rep), 'chat', input as never);
    const view = await submitContract(h.ctx, o.as(o.rep), 'chat', { contractId: c.id, note: '请尽快' });
    return { c, view };
  }
  const chain = (v: { steps: { approverId: number }[] }) => v.steps.map((s) => s.approverId);

  it('chains at the thresholds: ¥100,000.00 manager only; ¥100,000.01 manager → finance', async () => {
    expect(chain((await submitted(100_000_00)).view)).toEqual([o.manager.id]);
    expect(chain((await submitted(100_000_01)).view)).toEqual([o.manager.id, o.finance.id]);
  });

  it('discount exactly 20% → manager; just above → manager → director; both → manager → director → finance', async () => {
    expect(chain((await submitted(100_000_00, 2000)).view)).toEqual([o.manager.id]);
    const above = [
      { name: 'A', quantity: 1, unitPriceCents: 100_000_00, discountBp: 2000 },
      { name: '赠品', quantity: 1, unitPriceCents: 1, discountBp: 10_000 },
    ];
    expect(chain((await submitted(0, 0, { lines: above })).view)).toEqual([o.manager.id, o.director.id]);
    expect(chain((await submitted(200_000_00, 2001)).view)).toEqual([o.manager.id, o.director.id, o.finance.id]);
  });

  it('a tier A customer adds the director', async () => {
    expect(chain((await submitted(10_000_00, 0, { tier: 'A' })).view)).toEqual([o.manager.id, o.director.id]);
  });

  it('sequential approval: step 2 only after step 1; the contract becomes approved and its plan live', async () => {
    const { c, view } = await submitted(150_000_00);
    expect(view.currentStep?.approverId).toBe(o.manager.id);
    expect(await codeOf(decideStep(h.ctx, o.as(o.finance), 'card', { stepId: view.steps[1].id, decision: 'approve' }))).toBe('INVALID_STATE');
    const r1 = await decideStep(h.ctx, o.as(o.manager), 'card', { stepId: view.steps[0].id, decision: 'approve', comment: '同意' });
    expect(r1.finished).toBe(false);
    expect(r1.view.currentStep?.approverId).toBe(o.finance.id);
    const r2 = await decideStep(h.ctx, o.as(o.finance), 'card', { stepId: view.steps[1].id, decision: 'approve' });
    expect(r2.finished).toBe(true);
    expect(r2.view.status).toBe('approved');
    const after = await getContract(h.ctx, o.as(o.rep), c.id);
    expect(after.status).toBe('approved'); // starts 2026-12-01, clock is 2026-11-23
    const won = await h.db.select<{ won_count: number; won_total_cents: unknown }>('SELECT won_count, won_total_cents FROM customers WHERE id = :id', { id: after.customerId });
    expect([Number(won[0].won_count), Number(won[0].won_total_cents)]).toEqual([1, 150_000_00]);
    const live = await h.db.select<{ live: unknown }>('SELECT live FROM receivable_instalments WHERE contract_id = :id', { id: c.id });
    expect(live.every((r) => Number(r.live) === 1 || r.live === true)).toBe(true);
    // every decision audited: who, when, channel, comment
    const audit = await h.db.select<{ actor_id: number; action: string; channel: string; data: unknown; created_at: unknown }>(
      `SELECT actor_id, action, channel, data, created_at FROM audit_log WHERE entity_type = 'approval' AND entity_id = :id ORDER BY id`,
      { id: view.requestId },
    );
    const decisions = audit.filter((a) => a.action === 'approval.approve');
    expect(decisions.map((a) => [a.actor_id, a.channel])).toEqual([[o.manager.id, 'card'], [o.finance.id, 'card']]);
    const d0 = typeof decisions[0].data === 'string' ? JSON.parse(decisions[0].data) : decisions[0].data;
    expect(d0.comment).toBe('同意');
    expect(decisions[0].created_at).toBeTruthy();
    // the submitter is told once
    const outcome = await h.db.select<{ payload: unknown }>(`SELECT payload FROM outbox WHERE kind = 'approval.outcome' AND recipient = :r`, { r: String(o.rep.id) });
    expect(outcome.filter((x) => (typeof x.payload === 'string' ? x.payload : JSON.stringify(x.payload)).includes(`"requestId":${view.requestId},`))).toHaveLength(1);
  });

  it('reject needs a reason; it ends the flow, skips later steps, and the contract is rejected', async () => {
    const { c, view } = await submitted(150_000_00);
    expect(await codeOf(decideStep(h.ctx, o.as(o.manager), 'card', { stepId: view.steps[0].id, decision: 'reject', comment: '  ' }))).toBe('VALIDATION');
    const r = await decideStep(h.ctx, o.as(o.manager), 'card', { stepId: view.steps[0].id, decision: 'reject', comment: '价格太低' });
    expect(r.view.status).toBe('rejected');
    expect(r.view.reason).toBe('价格太低');
    expect(r.view.steps.map((s) => s.status)).toEqual(['rejected', 'skipped']);
    expect((await getContract(h.ctx, o.as(o.rep), c.id)).status).toBe('rejected');
    expect(await codeOf(decideStep(h.ctx, o.as(o.finance), 'card', { stepId: view.steps[1].id, decision: 'approve' }))).toBe('ALREADY_DONE');
    // a rejected contract may be fixed and resubmitted; a lower amount takes a shorter chain
    expect(await codeOf(updateDraftContract(h.ctx, o.as(o.rep2), 'api', { contractId: c.id, note: 'x' }))).toBe('FORBIDDEN');
    const fixed = await updateDraftContract(h.ctx, o.as(o.rep), 'api', { contractId: c.id, lines: [{ name: '软件授权', quantity: 1, unitPriceCents: 90_000_00 }] });
    expect([fixed.amountCents, fixed.instalments.map((i) => i.amountCents)]).toEqual([90_000_00, [90_000_00]]);
    const again = await submitContract(h.ctx, o.as(o.rep), 'chat', { contractId: c.id });
    expect(again.status).toBe('pending');
    expect(chain(again)).toEqual([o.manager.id]);
    expect(await codeOf(updateDraftContract(h.ctx, o.as(o.rep), 'api', { contractId: c.id, note: 'x' }))).toBe('INVALID_STATE');
  });

  it('a non-approver is refused, even the submitter or an admin', async () => {
    const { view } = await submitted(10_000_00);
    for (const u of [o.rep, o.rep2, o.admin, o.finance]) {
      expect(await codeOf(decideStep(h.ctx, o.as(u), 'card', { stepId: view.steps[0].id, decision: 'approve' }))).toBe('FORBIDDEN');
    }
    expect((await getApprovalView(h.ctx, view.requestId)).status).toBe('pending');
  });

  it('withdraw while pending: contract back to draft; a late click gets a clear message; only the submitter may', async () => {
    const { c, view } = await submitted(10_000_00);
    expect(await codeOf(withdrawApproval(h.ctx, o.as(o.manager), 'chat', { requestId: view.requestId }))).toBe('FORBIDDEN');
    const w = await withdrawApproval(h.ctx, o.as(o.rep), 'chat', { requestId: view.requestId, reason: '改价' });
    expect(w.status).toBe('withdrawn');
    expect((await getContract(h.ctx, o.as(o.rep), c.id)).status).toBe('draft');
    try {
      await decideStep(h.ctx, o.as(o.manager), 'card', { stepId: view.steps[0].id, decision: 'approve' });
      throw new Error('should refuse');
    } catch (e) {
      expect((e as AppError).code).toBe('INVALID_STATE');
      expect((e as AppError).localized('zh-CN')).toContain('撤回');
    }
    expect(await codeOf(withdrawApproval(h.ctx, o.as(o.rep), 'chat', { requestId: view.requestId }))).toBe('INVALID_STATE');
    // resubmitting after withdrawal starts a new request
    const again = await submitContract(h.ctx, o.as(o.rep), 'chat', { contractId: c.id });
    expect(again.requestId).not.toBe(view.requestId);
  });

  it('an approver delegates a pending step; the delegate decides, the delegator no longer can', async () => {
    const { view } = await submitted(10_000_00);
    const step = view.steps[0].id;
    expect(await codeOf(delegateStep(h.ctx, o.as(o.rep2), 'card', { stepId: step, toUserId: o.deputy.id }))).toBe('FORBIDDEN');
    expect(await codeOf(delegateStep(h.ctx, o.as(o.manager), 'card', { stepId: step, toUserId: o.rep.id }))).toBe('VALIDATION');
    const d = await delegateStep(h.ctx, o.as(o.manager), 'card', { stepId: step, toUserId: o.deputy.id });
    expect(d.currentStep?.approverId).toBe(o.deputy.id);
    expect(d.steps[0].delegatedFromId).toBe(o.manager.id);
    expect(await codeOf(decideStep(h.ctx, o.as(o.manager), 'card', { stepId: step, decision: 'approve' }))).toBe('FORBIDDEN');
    const r = await decideStep(h.ctx, o.as(o.deputy), 'card', { stepId: step, decision: 'approve' });
    expect(r.view.status).toBe('approved');
    const card = await h.db.select('SELECT id FROM outbox WHERE dedupe_key = :k', { k: `approval:${view.requestId}:s${step}:u${o.deputy.id}` });
    expect(card).toHaveLength(1);
  });

  it('a standing "while away" delegation routes new steps to the delegate', async () => {
    await setApprovalDelegate(h.ctx, o.as(o.manager), 'chat', { delegateId: o.deputy.id, until: new Date(h.clock.now().getTime() + 86_400_000) });
    const { view } = await submitted(10_000_00);
    expect(view.currentStep?.approverId).toBe(o.deputy.id);
    expect(view.steps[0].delegatedFromId).toBe(o.manager.id);
    await setApprovalDelegate(h.ctx, o.as(o.manager), 'chat', { delegateId: null });
    expect((await submitted(10_000_00)).view.currentStep?.approverId).toBe(o.manager.id);
  });

  it('20 simultaneous approve clicks → exactly one decision', async () => {
    const { view } = await submitted(10_000_00);
    const clicks = await Promise.all(Array.from({ length: 20 }, () => codeOf(decideStep(h.ctx, o.as(o.manager), 'card', { stepId: view.steps[0].id, decision: 'approve' }))));
    expect(clicks.filter((c) => c === 'OK')).toHaveLength(1);
    expect(clicks.filter((c) => c === 'ALREADY_DONE')).toHaveLength(19);
    const audit = await h.db.select(`SELECT id FROM audit_log WHERE entity_type = 'approval' AND entity_id = :id AND action = 'approval.approve'`, { id: view.requestId });
    expect(audit).toHaveLength(1);
    const outcome = await h.db.select<{ payload: unknown }>(`SELECT payload FROM outbox WHERE kind = 'approval.outcome'`);
    expect(outcome.filter((x) => (typeof x.payload === 'string' ? x.payload : JSON.stringify(x.payload)).includes(`"requestId":${view.requestId},`))).toHaveLength(1);
  });

  it('approve and reject racing, and withdraw racing a click: one outcome wins', async () => {
    const { view } = await submitted(10_000_00);
    const res = await Promise.all([
      codeOf(decideStep(h.ctx, o.as(o.manager), 'card', { stepId: view.steps[0].id, decision: 'approve' })),
      codeOf(decideStep(h.ctx, o.as(o.manager), 'card', { stepId: view.steps[0].id, decision: 'reject', comment: '不行' })),
      codeOf(withdrawApproval(h.ctx, o.as(o.rep), 'chat', { requestId: view.requestId })),
    ]);
    expect(res.filter((c) => c === 'OK')).toHaveLength(1);
    const v = await getApprovalView(h.ctx, view.requestId);
    expect(['approved', 'rejected', 'withdrawn']).toContain(v.status);
  });

  it('every copy of the card is updated in place after a decision', async () => {
    const { view } = await submitted(10_000_00);
    await commentApproval(h.ctx, o.as(o.manager), 'card', { requestId: view.requestId, text: '客户信用如何？' });
    await decideStep(h.ctx, o.as(o.manager), 'card', { stepId: view.steps[0].id, decision: 'approve' });
    const rows = await h.db.select<{ op: string; update_of: string | null; recipient: string; payload: unknown }>(
      `SELECT op, update_of, recipient, payload FROM outbox WHERE kind = 'approval.request' AND (dedupe_key LIKE :p OR update_of LIKE :p) ORDER BY id`,
      { p: `approval:${view.requestId}:%` },
    );
    const updates = rows.filter((r) => r.op === 'update');
    const lastFor = (key: string) => updates.filter((u) => u.update_of === key).pop();
    const submitterKey = `approval:${view.requestId}:submitter`;
    const approverKey = `approval:${view.requestId}:s${view.steps[0].id}:u${o.manager.id}`;
    for (const k of [submitterKey, approverKey]) {
      const u = lastFor(k)!;
      const p = (typeof u.payload === 'string' ? JSON.parse(u.payload) : u.payload) as { view: { status: string; comments: { text: string }[] } };
      expect(p.view.status).toBe('approved');
      expect(p.view.comments.map((c) => c.text)).toEqual(['客户信用如何？']);
    }
    expect(lastFor(submitterKey)!.recipient).toBe(String(o.rep.id));
    expect(await codeOf(commentApproval(h.ctx, o.as(o.rep2), 'card', { requestId: view.requestId, text: 'x' }))).toBe('FORBIDDEN');
  });

  it('the policy is data: an admin can replace it (named approver), others cannot', async () => {
    expect(await codeOf(setApprovalPolicy(h.ctx, o.as(o.manager), DEFAULT_POLICY))).toBe('FORBIDDEN');
    expect(await codeOf(setApprovalPolicy(h.ctx, o.as(o.admin), { version: 1, rules: [] }))).toBe('VALIDATION');
    await setApprovalPolicy(h.ctx, o.as(o.admin), {
      ...DEFAULT_POLICY,
      rules: [...DEFAULT_POLICY.rules, { name: 'legal', label: { 'zh-CN': '法务', en: 'Legal' }, order: 40, when: [{ amountAboveCents: 500_000_00 }], approver: { kind: 'user', userId: o.deputy.id } }],
    });
    expect(chain((await submitted(500_000_01)).view)).toEqual([o.manager.id, o.finance.id, o.deputy.id]);
    await setApprovalPolicy(h.ctx, o.as(o.admin), DEFAULT_POLICY);
  });
});
