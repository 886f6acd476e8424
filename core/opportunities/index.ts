import type { CoreRegistry } from '../registry';
import { customersWithOpenOpportunities, listCustomerOpportunities } from './operations';
import { runStuckDigest } from './forecast';

/**
 * Opportunities: the 360° 'opportunities' section, a customer with an open deal is never recycled to the pool, and
 * the daily stuck-deal digest (08:50 in CRM_TIMEZONE, before work starts; once per person and day).
 */
export function register(r: CoreRegistry): void {
  r.view360Section('opportunities', (ctx, customerId) => listCustomerOpportunities(ctx, customerId, 10));
  r.recycleExclusion('opportunities.open', 'opportunity', customersWithOpenOpportunities);
  r.job({ name: 'opportunities.stuck', cron: '50 8 * * *', run: (ctx) => runStuckDigest(ctx), logWhen: (res) => res.owners > 0 });
}
