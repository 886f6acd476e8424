import { compactChain, DEFAULT_POLICY, selectRules, approvalPolicy } from '../../core/approvals/rules';
import { creditRisk, instalmentStatus } from '../../core/receivables/rules';

const names = (amountCents: number, listCents: number, tier: string | null = null) => selectRules(DEFAULT_POLICY, { amountCents, listCents, tier }).map((r) => r.name);

describe('approval chain rules (default policy)', () => {
  it('≤ ¥100,000: team manager only — exactly at the threshold too', () => {
    expect(names(100_000_00, 100_000_00)).toEqual(['manager']);
    expect(names(1, 1)).toEqual(['manager']);
  });
  it('one cent above ¥100,000: manager then finance', () => {
    expect(names(100_000_01, 100_000_01)).toEqual(['manager', 'finance']);
  });
  it('discount exactly 20%: no director; a hair above: director, before finance', () => {
    expect(names(80_000_00, 100_000_00)).toEqual(['manager']);
    expect(names(79_999_99, 100_000_00)).toEqual(['manager', 'sales_director']);
    expect(names(160_000_00, 200_000_01)).toEqual(['manager', 'sales_director', 'finance']);
    expect(names(160_000_01, 200_000_01)).toEqual(['manager', 'finance']);
  });
  it('key customers (tier A) add the director', () => {
    expect(names(10_000_00, 10_000_00, 'A')).toEqual(['manager', 'sales_director']);
    expect(names(10_000_00, 10_000_00, 'B')).toEqual(['manager']);
  });
  it('policies are data and validated', () => {
    expect(approvalPolicy.safeParse(DEFAULT_POLICY).success).toBe(true);
    expect(approvalPolicy.safeParse({ version: 1, discountLimitBp: 2000, rules: [{ name: 'x', label: { 'zh-CN': 'x', en: 'x' }, order: 1, approver: { kind: 'boss' } }] }).success).toBe(false);
  });
  it('never the submitter, never the same person twice in a row', () => {
    expect(compactChain([{ rule: 'a', label: 'a', approverId: 1 }, { rule: 'b', label: 'b', approverId: 2 }, { rule: 'c', label: 'c', approverId: 2 }, { rule: 'd', label: 'd', approverId: 3 }], 1).map((s) => s.approverId)).toEqual([2, 3]);
  });
});

describe('receivable rules', () => {
  it('instalment status', () => {
    expect(instalmentStatus(100, 100, '2026-01-01', '2026-02-01')).toBe('paid');
    expect(instalmentStatus(100, 50, '2026-01-01', '2026-02-01')).toBe('overdue');
    expect(instalmentStatus(100, 50, '2026-03-01', '2026-02-01')).toBe('partially_paid');
    expect(instalmentStatus(100, 0, '2026-02-01', '2026-02-01')).toBe('pending');
  });
  it('credit risk from history', () => {
    const base = { paidCount: 0, latePaidCount: 0, overdueCount: 0, overdueCents: 0, maxOverdueDays: 0 };
    expect(creditRisk(base)).toBe('none');
    expect(creditRisk({ ...base, paidCount: 4 })).toBe('low');
    expect(creditRisk({ ...base, paidCount: 3, latePaidCount: 1 })).toBe('medium');
    expect(creditRisk({ ...base, paidCount: 3, overdueCount: 1, overdueCents: 5, maxOverdueDays: 3 })).toBe('medium');
    expect(creditRisk({ ...base, overdueCount: 1, overdueCents: 5, maxOverdueDays: 31 })).toBe('high');
    expect(creditRisk({ ...base, overdueCount: 2, overdueCents: 5, maxOverdueDays: 2 })).toBe('high');
  });
});
