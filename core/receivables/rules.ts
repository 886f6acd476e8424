/** Pure receivables policy: instalment status and the credit-risk flag from payment history. */
import type { InstalmentStatus } from './model';

export const DEFAULT_REMINDER_DAYS = 3;
export const DEFAULT_GRACE_DAYS = 7;

/** overdue beats partially_paid: an instalment past due and not fully paid is overdue. */
export function instalmentStatus(amountCents: number, paidCents: number, dueDate: string, today: string): InstalmentStatus {
  if (paidCents >= amountCents) return 'paid';
  if (dueDate < today) return 'overdue';
  return paidCents > 0 ? 'partially_paid' : 'pending';
}

export type CreditRisk = 'none' | 'low' | 'medium' | 'high';

export interface PaymentHistory {
  /** Instalments fully paid, and of those how many were paid more than 7 days after due. */
  paidCount: number;
  latePaidCount: number;
  /** Open instalments past due now, the outstanding on them, and the oldest one's age in days. */
  overdueCount: number;
  overdueCents: number;
  maxOverdueDays: number;
}

/**
 * none: no history yet. high: something is more than 30 days overdue, or 2+ instalments are overdue.
 * medium: anything overdue now, or at least a third of paid instalments came late. low: pays on time.
 */
export function creditRisk(h: PaymentHistory): CreditRisk {
  if (h.paidCount === 0 && h.overdueCount === 0) return 'none';
  if (h.maxOverdueDays > 30 || h.overdueCount >= 2) return 'high';
  if (h.overdueCount > 0 || (h.paidCount > 0 && h.latePaidCount * 3 >= h.paidCount)) return 'medium';
  return 'low';
}
