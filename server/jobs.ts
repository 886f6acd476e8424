import schedule from 'node-schedule';
import type { CoreContext } from '../core/context';
import type { Logger } from './logger';
import { CONTRACT_JOBS } from './contract-jobs';
import { CUSTOMER_JOBS } from './customer-jobs';
import { LEAD_JOBS, LEAD_WORKERS } from './lead-jobs';
import { SERVICE_JOBS } from './service-jobs';
import { BOT_JOBS, BOT_WORKERS } from '../bot/jobs';

export interface JobDeps {
  core: CoreContext;
  logger: Logger;
}

/** A scheduled job: a cron rule in CRM_TIMEZONE and one core operation. Jobs must be safe to run from two processes. */
export interface Job {
  name: string;
  cron: string;
  run(deps: JobDeps): Promise<unknown>;
}

/** Every scheduled job; each capability adds its own here. */
export const JOBS: Job[] = [...CUSTOMER_JOBS, ...CONTRACT_JOBS, ...LEAD_JOBS, ...SERVICE_JOBS, ...BOT_JOBS];

/** Background loops that are not cron-shaped (outbox worker, reminder poller): started and stopped with the process. */
export interface Worker {
  name: string;
  start(deps: JobDeps): void;
  stop(): Promise<void>;
}
export const WORKERS: ((deps: JobDeps) => Worker)[] = [...LEAD_WORKERS, ...BOT_WORKERS];

export interface RunningJobs {
  stop(): Promise<void>;
}

export function startJobs(deps: JobDeps, jobs: Job[] = JOBS): RunningJobs {
  const running = new Set<Promise<unknown>>();
  const scheduled = jobs.map((job) =>
    schedule.scheduleJob({ rule: job.cron, tz: deps.core.timezone }, () => {
      const p = job
        .run(deps)
        .catch((err) => deps.logger.error({ err, job: job.name }, 'job failed'))
        .finally(() => running.delete(p));
      running.add(p);
    }),
  );
  const workers = WORKERS.map((make) => make(deps));
  for (const w of workers) w.start(deps);
  return {
    async stop() {
      for (const s of scheduled) s?.cancel();
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.allSettled([...running]);
    },
  };
}
