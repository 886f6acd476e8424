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

/** Claims the run of `job` scheduled at `slot` for this process; false → another process runs it. */
export type ClaimSlot = (job: string, slot: Date) => Promise<boolean>;

const SKIPPED = Symbol('skipped');

export interface RunningJobs {
  stop(): Promise<void>;
}

/**
 * Schedules `jobs` (cron rules read in CRM_TIMEZONE) and starts `workers`; the caller decides what runs
 * (server/compose.ts: the core registry's jobs plus the bot's, and the bot's workers). A job never starts while its
 * previous run is still going in this process (a tick that finds it busy is skipped); across processes each tick
 * runs in one process only (`claim`: the tick's scheduled time claimed in the database, core/db/lease.ts
 * claimJobSlot), and jobs that must never overlap also hold a lease (underLease). `cronOverride` (CRM_JOBS_CRON,
 * drills and tests only) replaces every job's schedule.
 * A finished run logs `{job, ...result}` at info unless the job's `logWhen` says it is not worth a line; a failed run
 * logs the error and the next tick runs as usual.
 */
export function startJobs(deps: JobDeps, what: { jobs: Job[]; workers: Worker[]; claim?: ClaimSlot; cronOverride?: string }): RunningJobs {
  const running = new Map<string, Promise<void>>();
  const runOnce = (job: Job, fireDate: Date) => {
    if (running.has(job.name)) return;
    const p = Promise.resolve()
      .then(async () => {
        // Several processes: the tick's scheduled time is claimed once across all of them (server/process.ts).
        if (what.claim && !(await what.claim(job.name, fireDate))) return SKIPPED;
        deps.logger.debug({ job: job.name, slot: fireDate.toISOString() }, 'job run');
        return runObserved(job, deps);
      })
      .then(
        (result) => {
          if (result === SKIPPED) return;
          if (job.logWhen && !job.logWhen(result)) return;
          const fields = result !== null && typeof result === 'object' && !Array.isArray(result) ? result : { result };
          deps.logger.info({ job: job.name, ...fields }, 'job finished');
        },
        (err) => deps.logger.error({ err, job: job.name }, 'job failed'),
      )
      .finally(() => running.delete(job.name));
    running.set(job.name, p);
  };
  const scheduled = what.jobs.map((job) =>
    schedule.scheduleJob({ rule: what.cronOverride ?? job.cron, tz: deps.core.timezone }, (fireDate: Date) => runOnce(job, fireDate ?? new Date())),
  );
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
