import { outcomeOf } from '../../helpers/outcome';
import { describeEachDb } from '../../helpers/db';
import { makeOrg, draft, type Org } from './fixtures';
import { createContract, submitContract, getContract, runRenewalReminders, createRenewalDraft, runContractLifecycle, terminateContract } from '../../../core/contracts/operations';
import { decideStep } from '../../../core/approvals/operations';
import { recordPayment, runReceivablesDaily, setReceivablePlan, cashInForecast, runWeeklyDigest } from '../../../core/receivables/operations';
import { customerReceivableSummary } from '../../../core/receivables/summary';
import { getCustomer360 } from '../../../core/customer360/view360';

const codeOf = (p: Promise<unknown>) => outcomeOf(p, 'OK');

describeEachDb('receivables and renewals', (h) => {
  let o: Org;
  beforeAll(async () => {
    o = await makeOrg(h.ctx);
  });
  beforeEach(() => h.clock.set('2026-11-23T02:00:00Z')); // 10:00 in Shanghai

  async function approved(customerId: number, listCents: number, extra: Record<string, unknown> = {}) {
    const c = await createContract(h.ctx, o.as(o.rep), 'chat', draft(customerId, listCents, 0, extra) as never);
    const v = await submitContract(h.ctx, o.as(o.rep), 'chat', { contractId: c.id });
    for (const s of v.steps) {
      const approver = [o.manager, o.finance, o.director].find((u) => u.id === s.approverId)!;
      await decideStep(h.ctx, o.as(approver), 'card', { stepId: s.id, decision: 'approve' });
    }
    return getContract(h.ctx, o.as(o.rep), c.id);
  }
  const outboxKeys = async (prefix: string) =>
    (await h.db.select<{ dedupe_key: string; recipient: string; kind: string }>('SELECT dedupe_key, recipient, kind FROM outbox WHERE dedupe_key LIKE :p ORDER BY id', { p: `${prefix}%` }));

  it('instalments must sum exactly to the amount; thirds split with no lost cent', async () => {
    const cust = await o.customer();
    expect(await codeOf(createContract(h.ctx, o.as(o.rep), 'chat', draft(cust, 100_000, 0, { instalments: [{ dueDate: '2026-12-01', amountCents: 50_000 }, { dueDate: '2027-01-01', amountCents: 49_999 }] }) as never))).toBe('VALIDATION');
    const c = await createContract(h.ctx, o.as(o.rep), 'chat', draft(cust, 100_001, 0, { instalmentCount: 3 }) as never);
    expect(c.instalments.map((i) => i.amountCents)).toEqual([33_334, 33_334, 33_333]);
    expect(c.instalments.map((i) => i.dueDate)).toEqual(['2026-12-01', '2027-01-01', '2027-02-01']);
    expect(c.instalments.reduce((a, i) => a + i.amountCents, 0)).toBe(c.amountCents);
    await setReceivablePlan(h.ctx, o.as(o.rep), 'api', { contractId: c.id, instalments: [{ dueDate: '2026-12-15', amountCents: 100_001 }] });
    expect((await getContract(h.ctx, o.as(o.rep), c.id)).instalments).toHaveLength(1);
  });

  it('partial and full payments, oldest first, spilling over; exact cents; never overpaid', async () => {
    const cust = await o.customer();
    const c = await approved(cust, 300_00, { instalments: [{ dueDate: '2026-12-01', amountCents: 100_00 }, { dueDate: '2027-01-01', amountCents: 100_00 }, { dueDate: '2027-02-01', amountCents: 100_00 }] });
    const p1 = await recordPayment(h.ctx, o.as(o.rep), 'chat', { customerId: cust, amountCents: 33_33 });
    expect(p1.status).toBe('recorded');
    if (p1.status !== 'recorded') return;
    expect(p1.allocations).toEqual([expect.objectContaining({ seq: 1, amountCents: 33_33, instalmentStatus: 'partially_paid' })]);
    const p2 = await recordPayment(h.ctx, o.as(o.rep), 'chat', { contractId: c.id, amountCents: 100_01 });
    if (p2.status !== 'recorded') throw new Error('expected recorded');
    expect(p2.allocations.map((a) => [a.seq, a.amountCents, a.instalmentStatus])).toEqual([[1, 66_67, 'paid'], [2, 33_34, 'partially_paid']]);
    expect(p2.contractOutstandingCents).toBe(300_00 - 33_33 - 100_01);
    expect(await codeOf(recordPayment(h.ctx, o.as(o.rep), 'chat', { contractId: c.id, amountCents: 166_67 }))).toBe('VALIDATION');
    expect(await codeOf(recordPayment(h.ctx, o.as(o.rep2), 'chat', { contractId: c.id, amountCents: 1 }))).toBe('FORBIDDEN');
    // concurrent payments of the whole remainder: exactly one fits
    const res = await Promise.all([1, 2, 3].map(() => codeOf(recordPayment(h.ctx, o.as(o.rep), 'chat', { contractId: c.id, amountCents: 166_66 }))));
    expect(res.filter((r) => r === 'OK')).toHaveLength(1);
    const after = await getContract(h.ctx, o.as(o.rep), c.id);
    expect(after.instalments.map((i) => [i.paidCents, i.status])).toEqual([[100_00, 'paid'], [100_00, 'paid'], [100_00, 'paid']]);
    const sum = await h.db.select<{ s: unknown }>('SELECT SUM(amount_cents) AS s FROM receivable_payments WHERE contract_id = :id', { id: c.id });
    expect(Number(sum[0].s)).toBe(300_00);
  });

  it('payment by customer with two open contracts asks which one; drafts take no payments', async () => {
    const cust = await o.customer();
    await approved(cust, 100_00);
    await approved(cust, 200_00);
    const r = await recordPayment(h.ctx, o.as(o.rep), 'chat', { customerId: cust, amountCents: 50_00 });
    expect(r.status).toBe('ambiguous');
    if (r.status === 'ambiguous') expect(r.options.map((x) => x.outstandingCents).sort()).toEqual([100_00, 200_00]);
    const d = await createContract(h.ctx, o.as(o.rep), 'chat', draft(cust, 100_00) as never);
    expect(await codeOf(recordPayment(h.ctx, o.as(o.rep), 'chat', { contractId: d.id, amountCents: 1 }))).toBe('INVALID_STATE');
  });

  it('overdue job: set-based, idempotent, reminders exactly once (owner, then manager after the grace period)', async () => {
    const cust = await o.customer();
    const c = await approved(cust, 200_00, { instalments: [{ dueDate: '2026-11-25', amountCents: 100_00 }, { dueDate: '2026-12-20', amountCents: 100_00 }] });
    const [i1, i2] = c.instalments;
    // 2026-11-23: due in 2 days → due-soon reminder (3 days ahead)
    const r1 = await runReceivablesDaily(h.ctx);
    expect(r1.dueSoon).toBeGreaterThanOrEqual(1);
    expect(await runReceivablesDaily(h.ctx)).toEqual({ markedOverdue: 0, dueSoon: 0, overdue: 0, escalated: 0 });
    expect((await outboxKeys(`receivable:${i1.id}:`)).map((k) => k.dedupe_key)).toEqual([`receivable:${i1.id}:due:2026-11-25`]);
    // 2026-11-26 in Shanghai (25th 16:30Z): overdue → owner told once
    h.clock.set('2026-11-25T16:30:00Z');
    const r2 = await runReceivablesDaily(h.ctx);
    expect(r2.markedOverdue).toBe(1);
    const r2b = await runReceivablesDaily(h.ctx);
    expect(r2b.markedOverdue + r2b.overdue + r2b.escalated).toBe(0);
    expect((await getContract(h.ctx, o.as(o.rep), c.id)).instalments.map((i) => i.status)).toEqual(['overdue', 'pending']);
    // partial payment keeps it overdue
    await recordPayment(h.ctx, o.as(o.rep), 'chat', { instalmentId: i1.id, amountCents: 10_00 });
    expect((await getContract(h.ctx, o.as(o.rep), c.id)).instalments[0].status).toBe('overdue');
    // 8 days overdue (> 7 grace) → the manager, once
    h.clock.set('2026-12-03T02:00:00Z');
    expect((await runReceivablesDaily(h.ctx)).escalated).toBe(1);
    expect((await runReceivablesDaily(h.ctx)).escalated).toBe(0);
    const keys = await outboxKeys(`receivable:${i1.id}:`);
    expect(keys.map((k) => [k.kind, k.recipient])).toEqual([
      ['receivable.due_soon', String(o.rep.id)],
      ['receivable.overdue', String(o.rep.id)],
      ['receivable.overdue_escalation', String(o.manager.id)],
    ]);
    expect(await outboxKeys(`receivable:${i2.id}:`)).toEqual([]);
    // risk flag from history: one overdue instalment → medium
    expect((await customerReceivableSummary(h.ctx, cust)).risk).toBe('medium');
    const v360 = await getCustomer360(h.ctx, o.as(o.rep), cust);
    expect(v360.sectionErrors ?? []).toEqual([]);
    expect((v360.sections.contracts as { id: number }[]).map((x) => x.id)).toEqual([c.id]);
    expect(v360.sections.receivables).toEqual(expect.objectContaining({ risk: 'medium', overdueCents: 90_00, outstandingCents: 190_00 }));
    // forecast by month (Shanghai) for the rep: December holds the second instalment
    const f = await cashInForecast(h.ctx, o.as(o.rep), { months: 3 });
    expect(f.months[0]).toEqual(expect.objectContaining({ month: '2026-12' }));
    expect(f.months[0].outstandingCents).toBeGreaterThanOrEqual(100_00);
    expect(f.overdueCents).toBeGreaterThanOrEqual(90_00);
    // weekly digest to the manager, once per week
    expect(await runWeeklyDigest(h.ctx)).toBeGreaterThanOrEqual(1);
    expect(await runWeeklyDigest(h.ctx)).toBe(0);
  });

  it('renewal reminders on the right Asia/Shanghai day, once; one tap makes one renewal draft', async () => {
    const cust = await o.customer();
    const c = await approved(cust, 500_00, { startDate: '2026-01-01', endDate: '2026-12-24' });
    expect(c.status).toBe('active');
    const key = `contract:${c.id}:renewal:2026-12-24`;
    // 2026-11-23 23:59 in Shanghai (15:59Z): 31 days left → nothing yet
    h.clock.set('2026-11-23T15:59:00Z');
    await runRenewalReminders(h.ctx);
    expect(await outboxKeys(key)).toEqual([]);
    // one minute later it is 2026-11-24 in Shanghai (still the 23rd in UTC): 30 days left → remind
    h.clock.set('2026-11-23T16:01:00Z');
    expect(await runRenewalReminders(h.ctx)).toBeGreaterThanOrEqual(1);
    await runRenewalReminders(h.ctx);
    expect(await outboxKeys(key)).toHaveLength(1);
    const taps = await Promise.all([1, 2, 3].map(() => createRenewalDraft(h.ctx, o.as(o.rep), 'card', { contractId: c.id })));
    expect(new Set(taps.map((t) => t.contract.id)).size).toBe(1);
    expect(taps.filter((t) => t.created)).toHaveLength(1);
    const r = taps[0].contract;
    expect([r.status, r.startDate, r.endDate, r.renewalOfId, r.amountCents]).toEqual(['draft', '2026-12-25', '2027-12-17', c.id, 500_00]);
    // with a renewal in place no further reminder is due (e.g. after the end date moved)
    h.clock.set('2026-12-01T02:00:00Z');
    expect(await runRenewalReminders(h.ctx)).toBe(0);
  });

  it('lifecycle: approved → active on the start day, active → expired after the end; terminate by a manager', async () => {
    const cust = await o.customer();
    const c = await approved(cust, 100_00, { startDate: '2026-11-24', endDate: '2026-11-30' });
    expect(c.status).toBe('approved');
    h.clock.set('2026-11-23T16:00:00Z'); // 2026-11-24 00:00 Shanghai
    await runContractLifecycle(h.ctx);
    expect((await getContract(h.ctx, o.as(o.rep), c.id)).status).toBe('active');
    h.clock.set('2026-11-30T16:00:00Z');
    await runContractLifecycle(h.ctx);
    expect((await getContract(h.ctx, o.as(o.rep), c.id)).status).toBe('expired');
    const c2 = await approved(await o.customer(), 100_00, { startDate: '2026-11-01' });
    expect(await codeOf(terminateContract(h.ctx, o.as(o.rep), 'api', { contractId: c2.id, reason: 'x' }))).toBe('FORBIDDEN');
    expect((await terminateContract(h.ctx, o.as(o.manager), 'api', { contractId: c2.id, reason: '客户破产' })).status).toBe('terminated');
  });
});
