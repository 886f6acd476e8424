import type { CoreContext } from './context';

/**
 * A scheduled job: a cron rule (in CRM_TIMEZONE, node-schedule syntax, seconds allowed) and one core operation.
 * Jobs must be safe to run from several processes at once (a database lease, conditional updates, outbox dedupe
 * keys); within one process the scheduler never starts a job while its previous run is still going.
 * `logWhen` decides whether a finished run is worth an info line (default: always).
 */
export interface Job<R = unknown> {
  name: string;
  cron: string;
  run(ctx: CoreContext): Promise<R>;
  logWhen?(result: R): boolean;
}
