/**
 * Every performance target of the project, in one place, with the issue it comes from.
 * Scenarios reference these ids in `Scenario.targets` and `Figure.target`; bench/README.md shows them with
 * the latest figures. Ratio and throughput targets are held against the median of at least 3 rounds; latency,
duration and count targets against every measured sample pooled (or the worst round). Noise never excuses a miss.
 */
import type { Unit } from './types';

export interface Target {
  /** Issue number the target is taken from. */
  issue: number;
  /** What is held, in words (with the load conditions the issue names). */
  description: string;
  /** 'max': the figure must be at most `value`; 'min': at least `value`. */
  kind: 'max' | 'min';
  value: number;
  unit: Unit;
  /** A hard limit beyond the target, when the issue names one (reported, same direction). */
  hardLimit?: number;
  /** Scale the target is defined at; at other scales the verdict is reported but never fails the run. */
  scale?: 'full';
  /** Database the target is defined on; on another the verdict is reported but never fails the run. */
  dialect?: 'mysql';
  /** Not a timing (e.g. a bundle size): one measurement is the figure, no rounds needed. */
  deterministic?: true;
}

export const TARGETS = {
  'health.ratio': {
    issue: 3,
    description: 'GET /healthz throughput ≥ 0.5× a bare koa route running the same SELECT 1 through the raw driver (framework + Sequelize overhead)',
    kind: 'min',
    value: 0.5,
    unit: 'ratio',
    dialect: 'mysql',
  },
  'health.p99': { issue: 3, description: 'GET /healthz p99 < 50 ms at 50 connections', kind: 'max', value: 50, unit: 'ms' },

  'webhook-ack.p99': { issue: 4, description: 'Lark event acknowledgement p99 < 50 ms at a sustained 200 events/s', kind: 'max', value: 50, unit: 'ms' },
  'outbox.fraction': { issue: 4, description: 'outbox delivery ≥ 90% of the 50 msg/s app limit against the fake Lark', kind: 'min', value: 0.9, unit: 'ratio' },
  'outbox.429s': { issue: 4, description: 'zero 429s caused by us during outbox delivery', kind: 'max', value: 0, unit: 'count' },
  'scale-out.fraction': { issue: 20, description: 'outbox delivery by 3 processes on one MySQL sharing the Lark budget ≥ 90% of the 50 msg/s app limit against the fake Lark', kind: 'min', value: 0.9, unit: 'ratio', dialect: 'mysql' },
  'scale-out.429s': { issue: 20, description: 'zero 429s during outbox delivery by 3 processes sharing the Lark budget', kind: 'max', value: 0, unit: 'count' },

  'customer-360.ratio': { issue: 5, description: '360° view throughput ≥ 0.6× raw mysql2 running the same SQL (1M customers, 5M activities)', kind: 'min', value: 0.6, unit: 'ratio', scale: 'full', dialect: 'mysql' },
  'customer-360.p99': { issue: 5, description: '360° view p99 < 100 ms at 50 connections', kind: 'max', value: 100, unit: 'ms', scale: 'full', dialect: 'mysql' },
  'recycle.duration': { issue: 5, description: 'daily recycle job over 1M customers < 2 s', kind: 'max', value: 2, unit: 's', scale: 'full', dialect: 'mysql' },
  'pool-claim.p99': { issue: 5, description: '100 concurrent claimers p99 < 100 ms (all claim at once, then each again 250–750 ms after its answer; every answer counts)', kind: 'max', value: 100, unit: 'ms', dialect: 'mysql' },

  'lead-import.ratio': { issue: 6, description: 'importing 100,000 leads with de-dup ≥ 0.3× a raw multi-row INSERT of the same rows', kind: 'min', value: 0.3, unit: 'ratio', scale: 'full', dialect: 'mysql' },
  'reminder.p99': { issue: 6, description: 'reminder delivery latency (due → sent) p99 < 5 s with 10,000 due at once', kind: 'max', value: 5000, unit: 'ms' },

  'ticket-list.ratio': { issue: 7, description: 'ticket list route throughput ≥ 0.6× raw mysql2 on the same SQL', kind: 'min', value: 0.6, unit: 'ratio', scale: 'full', dialect: 'mysql' },
  'ticket-detail.ratio': { issue: 7, description: 'ticket detail route throughput ≥ 0.6× raw mysql2 on the same SQL', kind: 'min', value: 0.6, unit: 'ratio', scale: 'full', dialect: 'mysql' },
  'miniapp.weapp-main': { issue: 7, description: 'weapp main package < 1 MB (hard limit 2 MB)', kind: 'max', value: 1024, unit: 'KB', hardLimit: 2048, deterministic: true },
  'miniapp.h5-first-load': { issue: 7, description: 'H5 first-load JS gzipped < 250 KB', kind: 'max', value: 250, unit: 'KB', deterministic: true },

  'pipeline.ratio': { issue: 15, description: 'funnel + forecast (one team, one quarter) through the API ≥ 0.6× raw mysql2 running the same SQL (500,000 opportunities, 2,000,000 history rows)', kind: 'min', value: 0.6, unit: 'ratio', scale: 'full', dialect: 'mysql' },
  'pipeline.p99': { issue: 15, description: 'funnel + forecast (one team, one quarter) p99 < 150 ms at 50 connections (open loop: 50 requests/s over at most 50 connections, latency from the scheduled send)', kind: 'max', value: 150, unit: 'ms', scale: 'full', dialect: 'mysql' },
  'pipeline.year-forecast': { issue: 15, description: 'company-wide forecast for a year < 1 s (every pipeline, 500,000 opportunities)', kind: 'max', value: 1000, unit: 'ms', scale: 'full', dialect: 'mysql' },

  'approval.p99': { issue: 8, description: 'approve/reject card action p99 < 300 ms under 50 concurrent approvers (MySQL)', kind: 'max', value: 300, unit: 'ms', dialect: 'mysql' },

  'org-sync.seconds': { issue: 26, description: 'full org sync of 10,000 users < 60 s against the fake Contact API at the documented rate limit', kind: 'max', value: 60, unit: 's', scale: 'full' },
  'org-sync.429s': { issue: 26, description: 'zero 429s caused by the org sync (the contact limits are respected)', kind: 'max', value: 0, unit: 'count' },

  'sandbox.p95': { issue: 17, description: 'chat sandbox message round trip (POST /sandbox/api/messages → the bot’s answer on the SSE stream) p95 < 300 ms', kind: 'max', value: 300, unit: 'ms' },
  'parse.p99': { issue: 16, description: 'chat understanding p99 < 5 ms per message on one core with a dictionary of 1M customers', kind: 'max', value: 5, unit: 'ms', scale: 'full' },
  'parse.dictionary-memory': { issue: 16, description: 'customer dictionary of 1M customers < 200 MB (heapUsed + external delta)', kind: 'max', value: 200, unit: 'MB', scale: 'full', deterministic: true },
} satisfies Record<string, Target>;

export type TargetId = keyof typeof TARGETS;

export function target(id: TargetId): Target {
  return TARGETS[id];
}
