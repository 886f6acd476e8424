import type { Job } from './jobs';
import { runRecycle } from '../core/pool/recycle';
import { recomputeAllTiers } from '../core/customers/tiers';

/**
 * Customers' scheduled jobs. Both take a database lease, so every server process may schedule them:
 * one does the work, the others skip.
 */
export const CUSTOMER_JOBS: Job[] = [
  {
    // Morning in CRM_TIMEZONE: owners get today's warnings and recycle notices when they start work.
    name: 'pool.recycle',
    cron: '0 8 * * *',
    async run({ core, logger }) {
      const r = await runRecycle(core);
      logger.info({ job: 'pool.recycle', ...r }, 'pool recycle finished');
      return r;
    },
  },
  {
    name: 'customers.tiers',
    cron: '30 2 * * *',
    async run({ core, logger }) {
      const r = await recomputeAllTiers(core);
      logger.info({ job: 'customers.tiers', ...r }, 'tier recompute finished');
      return r;
    },
  },
];
