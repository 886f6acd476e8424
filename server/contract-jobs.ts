import type { Job } from './jobs';
import { runContractsDaily, runReceivablesDigest } from '../core/contracts/jobs';

/** Contracts and receivables: both take a database lease, so every server process may schedule them. */
export const CONTRACT_JOBS: Job[] = [
  {
    // Early morning in CRM_TIMEZONE: statuses settle before people start work, reminders wait in the outbox.
    name: 'contracts.daily',
    cron: '5 8 * * *',
    async run({ core, logger }) {
      const r = await runContractsDaily(core);
      logger.info({ job: 'contracts.daily', ...r }, 'contracts daily finished');
      return r;
    },
  },
  {
    name: 'receivables.digest',
    cron: '30 8 * * 1',
    async run({ core, logger }) {
      const r = await runReceivablesDigest(core);
      logger.info({ job: 'receivables.digest', ...r }, 'receivables digest finished');
      return r;
    },
  },
];
