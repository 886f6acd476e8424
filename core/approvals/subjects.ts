import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';

/**
 * What is being approved (a contract today; targets or discounts later). The approval engine calls
 * these inside its transaction when the flow ends, so the subject's state moves atomically with it.
 */
export interface ApprovalSubject {
  /** A plain summary for the approval card (customer, amount, lines, history…). */
  describe(ctx: CoreContext, t: Transaction, entityId: number): Promise<Record<string, unknown>>;
  onApproved(ctx: CoreContext, t: Transaction, entityId: number, actor: Actor): Promise<void>;
  onRejected(ctx: CoreContext, t: Transaction, entityId: number, reason: string): Promise<void>;
  onWithdrawn(ctx: CoreContext, t: Transaction, entityId: number): Promise<void>;
}

const subjects = new Map<string, ApprovalSubject>();

export function registerApprovalSubject(entityType: string, subject: ApprovalSubject): void {
  subjects.set(entityType, subject);
}

export function approvalSubject(entityType: string): ApprovalSubject {
  const s = subjects.get(entityType);
  if (!s) throw new Error(`no approval subject registered for ${entityType}`);
  return s;
}
