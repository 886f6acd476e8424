import type { Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { businessDay, daysBetween, toDay } from '../contracts/dates';
import { toCents } from '../contracts/money';
import { creditRisk, type CreditRisk, type PaymentHistory } from './rules';

export interface CustomerReceivableSummary {
  contracts: number;
  contractCents: number;
  receivableCents: number;
  paidCents: number;
  outstandingCents: number;
  overdueCents: number;
  history: PaymentHistory;
  risk: CreditRisk;
}

const LATE_DAYS = 7;

/** One customer's contract and payment history with the credit-risk flag (360° view, approval cards). */
export async function customerReceivableSummary(ctx: CoreContext, customerId: number, t?: Transaction): Promise<CustomerReceivableSummary> {
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  const contracts = await ctx.db.select<{ n: number; total: unknown }>(
    `SELECT COUNT(*) AS n, SUM(amount_cents) AS total FROM contracts WHERE customer_id = :c AND status IN ('approved', 'active', 'expired', 'terminated')`,
    { c: customerId },
    t,
  );
  const inst = await ctx.db.select<{ amount_cents: unknown; paid_cents: unknown; due_date: unknown; paid_on: unknown }>(
    'SELECT amount_cents, paid_cents, due_date, paid_on FROM receivable_instalments WHERE customer_id = :c AND live = :live',
    { c: customerId, live: true },
    t,
  );
  const h: PaymentHistory = { paidCount: 0, latePaidCount: 0, overdueCount: 0, overdueCents: 0, maxOverdueDays: 0 };
  let receivable = 0;
  let paid = 0;
  for (const r of inst) {
    const amount = toCents(r.amount_cents);
    const p = toCents(r.paid_cents);
    const due = toDay(r.due_date)!;
    receivable += amount;
    paid += p;
    if (p >= amount) {
      h.paidCount++;
      const on = toDay(r.paid_on);
      if (on && daysBetween(due, on) > LATE_DAYS) h.latePaidCount++;
    } else if (due < today) {
      h.overdueCount++;
      h.overdueCents += amount - p;
      h.maxOverdueDays = Math.max(h.maxOverdueDays, daysBetween(due, today));
    }
  }
  return {
    contracts: Number(contracts[0]?.n ?? 0),
    contractCents: toCents(contracts[0]?.total ?? 0),
    receivableCents: receivable,
    paidCents: paid,
    outstandingCents: receivable - paid,
    overdueCents: h.overdueCents,
    history: h,
    risk: creditRisk(h),
  };
}
