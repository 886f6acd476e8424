import type { Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { businessDay, daysBetween, toDay } from '../shared/dates';
import { toCents } from '../shared/money';
import { txSelect } from '../shared/txsql';
import { creditRisk, type CreditRisk, type PaymentHistory } from './rules';

export interface CustomerReceivableSummary {
  /** Contracts that were approved (approved, active, expired, terminated) and their total. */
  contracts: number;
  contractCents: number;
  receivableCents: number;
  paidCents: number;
  outstandingCents: number;
  overdueCents: number;
  history: PaymentHistory;
  risk: CreditRisk;
  /** The next open instalments, soonest first (at most 5). */
  upcoming: { instalmentId: number; contractId: number; number: string; dueDate: string; outstandingCents: number; status: string }[];
}

const LATE_DAYS = 7;

/**
 * One customer's contract and payment history with the credit-risk flag (360° view, approval cards).
 * ONE indexed query (instalments by customer_id, joined to their contracts by primary key).
 */
export async function customerReceivableSummary(ctx: CoreContext, customerId: number, t?: Transaction): Promise<CustomerReceivableSummary> {
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  const rows = await txSelect<{ id: number; contract_id: number; number: string; c_amount: unknown; amount_cents: unknown; paid_cents: unknown; due_date: unknown; paid_on: unknown; status: string }>(
    ctx,
    `SELECT i.id, i.contract_id, c.number, c.amount_cents AS c_amount, i.amount_cents, i.paid_cents, i.due_date, i.paid_on, i.status
     FROM receivable_instalments i JOIN contracts c ON c.id = i.contract_id
     WHERE i.customer_id = :c AND i.live = :live`,
    { c: customerId, live: true },
    t,
  );
  const h: PaymentHistory = { paidCount: 0, latePaidCount: 0, overdueCount: 0, overdueCents: 0, maxOverdueDays: 0 };
  const contracts = new Map<number, number>();
  let receivable = 0;
  let paid = 0;
  const open: CustomerReceivableSummary['upcoming'] = [];
  for (const r of rows) {
    contracts.set(r.contract_id, toCents(r.c_amount));
    const amount = toCents(r.amount_cents);
    const p = toCents(r.paid_cents);
    const due = toDay(r.due_date)!;
    receivable += amount;
    paid += p;
    if (p >= amount) {
      h.paidCount++;
      const on = toDay(r.paid_on);
      if (on && daysBetween(due, on) > LATE_DAYS) h.latePaidCount++;
      continue;
    }
    open.push({ instalmentId: r.id, contractId: r.contract_id, number: r.number, dueDate: due, outstandingCents: amount - p, status: r.status });
    if (due < today) {
      h.overdueCount++;
      h.overdueCents += amount - p;
      h.maxOverdueDays = Math.max(h.maxOverdueDays, daysBetween(due, today));
    }
  }
  open.sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.instalmentId - b.instalmentId));
  return {
    contracts: contracts.size,
    contractCents: [...contracts.values()].reduce((a, b) => a + b, 0),
    receivableCents: receivable,
    paidCents: paid,
    outstandingCents: receivable - paid,
    overdueCents: h.overdueCents,
    history: h,
    risk: creditRisk(h),
    upcoming: open.slice(0, 5),
  };
}
