import { registerView360Section } from '../customers/view360';
import { customerReceivableSummary } from '../receivables/summary';
import { listCustomerContracts } from './operations';

/** The 360° view's 'contracts' and 'receivables' (with the credit-risk flag): one indexed query each. */
let registered = false;
export function registerContractSections(): void {
  if (registered) return;
  registered = true;
  registerView360Section('contracts', (ctx, customerId) => listCustomerContracts(ctx, customerId, 10));
  registerView360Section('receivables', (ctx, customerId) => customerReceivableSummary(ctx, customerId));
}
registerContractSections();
