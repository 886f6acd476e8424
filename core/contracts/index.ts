import type { CoreRegistry } from '../registry';
import { contractApprovalSubject, listCustomerContracts } from './operations';
import { runContractsDaily } from './daily';

/**
 * Contracts: the approval subject 'contract', the 360° 'contracts' section, and the daily run (lifecycle,
 * receivable statuses, renewal reminders) early in CRM_TIMEZONE, so reminders wait in the outbox before work starts.
 */
export function register(r: CoreRegistry): void {
  r.approvalSubject('contract', contractApprovalSubject);
  r.view360Section('contracts', (ctx, customerId) => listCustomerContracts(ctx, customerId, 10));
  r.job({ name: 'contracts.daily', cron: '5 8 * * *', run: (ctx) => runContractsDaily(ctx) });
}
