import type { CoreContext } from '../context';
import { underLease } from '../db/lease';
import { runContractLifecycle, runRenewalReminders, DEFAULT_RENEWAL_DAYS } from './operations';
import { runReceivablesDaily } from '../receivables/operations';
import { DEFAULT_GRACE_DAYS, DEFAULT_REMINDER_DAYS } from '../receivables/rules';

const keyCol = (ctx: CoreContext) => (ctx.db.dialect === 'mysql' ? '`key`' : '"key"');

/** Tunables kept in the settings table (admins change them without a deploy); defaults otherwise. */
export async function contractSettings(ctx: CoreContext): Promise<{ reminderDays: number; graceDays: number; renewalDays: number }> {
  const rows = await ctx.db.select<{ k: string; value: string }>(`SELECT ${keyCol(ctx)} AS k, value FROM settings WHERE ${keyCol(ctx)} IN (:keys)`, {
    keys: ['receivables.reminder_days', 'receivables.grace_days', 'contracts.renewal_days'],
  });
  const get = (k: string, d: number) => {
    const v = Number(rows.find((r) => r.k === k)?.value);
    return Number.isInteger(v) && v >= 0 && v <= 365 ? v : d;
  };
  return {
    reminderDays: get('receivables.reminder_days', DEFAULT_REMINDER_DAYS),
    graceDays: get('receivables.grace_days', DEFAULT_GRACE_DAYS),
    renewalDays: get('contracts.renewal_days', DEFAULT_RENEWAL_DAYS),
  };
}

/** The contracts.daily job: contract lifecycle, then receivable statuses and reminders, then renewal reminders. */
export async function runContractsDaily(ctx: CoreContext) {
  return underLease(ctx, 'contracts.daily', 15 * 60_000, async () => {
    const s = await contractSettings(ctx);
    const lifecycle = await runContractLifecycle(ctx);
    const receivables = await runReceivablesDaily(ctx, { reminderDays: s.reminderDays, graceDays: s.graceDays });
    const renewals = await runRenewalReminders(ctx, { daysBefore: s.renewalDays });
    return { lifecycle, receivables, renewals };
  });
}
