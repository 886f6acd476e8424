import type { Job, JobDeps, Worker } from './jobs';
import { escalateOverdueLeads } from '../core/leads/operations';

/**
 * Leads' and tasks' scheduled jobs and workers. Each is safe from several processes at once: the SLA sweep
 * escalates with a conditional UPDATE and outbox dedupe keys.
 */
export const LEAD_JOBS: Job[] = [
  {
    name: 'leads.sla',
    cron: '*/5 * * * *',
    async run({ core, logger }) {
      const r = await escalateOverdueLeads(core);
      if (r.escalated.length) logger.info({ job: 'leads.sla', escalated: r.escalated.length }, 'hot leads escalated');
      return r;
    },
  },
];

export const LEAD_WORKERS: ((deps: JobDeps) => Worker)[] = [];
