import type { Job } from './jobs';
import { runSlaSweep } from '../core/tickets/sla';
import { sendNpsSurveys } from '../core/surveys/operations';

/**
 * Service desk jobs. The SLA sweep runs every minute under a lease (one sweeper across processes) and is
 * exactly-once anyway (conditional stage UPDATE + outbox dedupe keys). The NPS relationship survey goes out
 * on the first of each quarter to contacts using the mini-program who got none in the last 90 days.
 */
export const SERVICE_JOBS: Job[] = [
  {
    name: 'tickets.sla',
    cron: '* * * * *',
    async run({ core, logger }) {
      const r = await runSlaSweep(core);
      if (r && (r.warned || r.breached || r.closed)) logger.info({ job: 'tickets.sla', ...r }, 'SLA sweep');
      return r;
    },
  },
  {
    name: 'surveys.nps',
    cron: '0 10 1 1,4,7,10 *',
    async run({ core, logger }) {
      const n = await sendNpsSurveys(core);
      logger.info({ job: 'surveys.nps', sent: n }, 'NPS surveys created');
      return n;
    },
  },
];
