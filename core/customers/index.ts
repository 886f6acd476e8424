import type { CoreRegistry } from '../registry';
import { recomputeAllTiers } from './tiers';

/** Customers: the nightly tier recompute (under a lease: every process may schedule it, one does the work). */
export function register(r: CoreRegistry): void {
  r.job({ name: 'customers.tiers', cron: '30 2 * * *', run: (ctx) => recomputeAllTiers(ctx) });
}
