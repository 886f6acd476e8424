import schedule from 'node-schedule';
import type { Job, JobDeps, Worker } from './jobs';
import { escalateOverdueLeads } from '../core/leads/operations';
import { deliverDueReminders, sendDailyAgendas } from '../core/tasks/reminders';
import '../core/tasks/sections';

/**
 * Leads' and tasks' scheduled jobs and workers. Each is safe from several processes at once: the SLA sweep
 * escalates with a conditional UPDATE, reminders and agendas carry outbox dedupe keys (see core/tasks/reminders.ts).
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
  {
    name: 'tasks.agenda',
    cron: '0 9 * * *',
    async run({ core, logger }) {
      const r = await sendDailyAgendas(core);
      logger.info({ job: 'tasks.agenda', ...r }, 'daily agendas sent');
      return r;
    },
  },
];

/** Polls the reminder due-list every second (node-schedule, second granularity); one poll at a time per process. */
export function reminderWorker(deps: JobDeps, rule = '* * * * * *'): Worker {
  let job: schedule.Job | null = null;
  let running: Promise<unknown> | null = null;
  return {
    name: 'tasks.reminders',
    start() {
      job = schedule.scheduleJob(rule, () => {
        if (running) return;
        running = deliverDueReminders(deps.core)
          .catch((err) => deps.logger.error({ err, worker: 'tasks.reminders' }, 'reminder poll failed'))
          .finally(() => {
            running = null;
          });
      });
    },
    async stop() {
      job?.cancel();
      await running;
    },
  };
}

export const LEAD_WORKERS: ((deps: JobDeps) => Worker)[] = [(deps) => reminderWorker(deps)];
