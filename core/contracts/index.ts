import type { CoreRegistry } from '../registry';
import { contractApprovalSubject, customersWithLiveContracts, listCustomerContracts } from './operations';
import { runContractsDaily } from './daily';

/**
 * Contracts: the approval subject 'contract', the 360° 'contracts' section, a customer with a live contract is never
 * recycled to the pool (when its pool's rules say so, the default), and the daily run (lifecycle, receivable
 * statuses, renewal reminders) early in CRM_TIMEZONE, so reminders wait in the outbox before work starts.
 */
export function register(r: CoreRegistry): void {
  r.approvalSubject('contract', contractApprovalSubject);
  r.view360Section('contracts', (ctx, customerId) => listCustomerContracts(ctx, customerId, 10));
  r.recycleExclusion('contracts.live', 'contract', customersWithLiveContracts);
  r.job({ name: 'contracts.daily', cron: '5 8 * * *', run: (ctx) => runContractsDaily(ctx) });
}
