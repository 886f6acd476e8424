import schedule from 'node-schedule';
import type { CoreContext } from '../core/context';
import type { Job } from '../core/registry';
import type { Worker } from '../bot/jobs';
import type { Logger } from './logger';
import { withTrace } from '../core/shared/trace';
import { metricsFor } from './metrics';

export type { Job } from '../core/registry';
export type { Worker } from '../bot/jobs';

export interface JobDeps {
  core: CoreContext;
  logger: Logger;
  /** Told of every finished run (default: the process's metrics, server/metrics.ts metricsFor). */
  metrics?: { jobRun(job: string, seconds: number, ok: boolean): void };
}

export interface RunningJobs {
  stop(): Promise<void>;
}

/**
 * Schedules `jobs` (cron rules read in CRM_TIMEZONE) and starts `workers`; the caller decides what runs
 * (server/compose.ts: the core registry's jobs plus the bot's, and the bot's workers). A job never starts while its
 * previous run is still going in this process (a tick that finds it busy is skipped); across processes each job
 * guards itself (lease, conditional updates).
 * A finished run logs `{job, ...result}` at info unless the job's `logWhen` says it is not worth a line; a failed run
 * logs the error and the next tick runs as usual.
 */
export function startJobs(deps: JobDeps, what: { jobs: Job[]; workers: Worker[] }): RunningJobs {
  const running = new Map<string, Promise<void>>();
  const runOnce = (job: Job) => {
    if (running.has(job.name)) return;
    const p = Promise.resolve()
      .then(() => runObserved(job, deps))
      .then(
        (result) => {
          if (job.logWhen && !job.logWhen(result)) return;
          const fields = result !== null && typeof result === 'object' && !Array.isArray(result) ? result : { result };
          deps.logger.info({ job: job.name, ...fields }, 'job finished');
        },
        (err) => deps.logger.error({ err, job: job.name }, 'job failed'),
      )
      .finally(() => running.delete(job.name));
    running.set(job.name, p);
  };
  const scheduled = what.jobs.map((job) => schedule.scheduleJob({ rule: job.cron, tz: deps.core.timezone }, () => runOnce(job)));
  const workers = what.workers;
  for (const w of workers) w.start();
  return {
    async stop() {
      for (const s of scheduled) s?.cancel();
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.allSettled([...running.values()]);
    },
  };
}

/**
 * One run of `job`: its log lines (and the outbox messages it enqueues) carry `job` (core/shared/trace.ts), and the
 * process's metrics count it with its duration and outcome.
 */
export function runObserved(job: Job, deps: JobDeps): Promise<unknown> {
  const started = performance.now();
  const metrics = deps.metrics ?? metricsFor(deps.core, deps.logger);
  const done = (ok: boolean) => metrics.jobRun(job.name, (performance.now() - started) / 1000, ok);
  return withTrace({ job: job.name }, () => Promise.resolve().then(() => job.run(deps.core))).then(
    (result) => {
      done(true);
      return result;
    },
    (err: unknown) => {
      done(false);
      throw err;
    },
  );
}
