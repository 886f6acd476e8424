import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from './context';

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

/** One section of the customer 360° view: ONE indexed query on customer_id (the view runs them all in one round). */
export type View360Section = (ctx: CoreContext, customerId: number) => Promise<unknown>;

/**
 * What is being approved (a contract today; targets or discounts later). The approval engine calls
 * these inside its transaction when the flow ends, so the subject's state moves atomically with it.
 */
export interface ApprovalSubject {
  /** A plain summary for the approval card (customer, amount, lines, history…). */
  describe(ctx: CoreContext, t: Transaction, entityId: number): Promise<Record<string, unknown>>;
  onApproved(ctx: CoreContext, t: Transaction, entityId: number, actor: Actor): Promise<void>;
  onRejected(ctx: CoreContext, t: Transaction, entityId: number, reason: string): Promise<void>;
  onWithdrawn(ctx: CoreContext, t: Transaction, entityId: number): Promise<void>;
}

/** Customers that must not be recycled to the pool: an open opportunity, an active contract, or anything a context adds. */
export type RecycleExclusion = (ctx: CoreContext, customerIds: number[], t?: Transaction | null) => Promise<Iterable<number>>;
export type RecycleExclusionKind = 'opportunity' | 'contract' | 'other';

/**
 * What the core contains, filled by each context's `register(r)` (core/<context>/index.ts), called in one list
 * by composeCore() (core/compose.ts). Nothing registers itself when a module is imported: every entry point
 * (server, bot, CLI, tests, bench) builds its context with createContext() and so holds the same registry.
 */
export class CoreRegistry {
  readonly view360Sections = new Map<string, View360Section>();
  readonly approvalSubjects = new Map<string, ApprovalSubject>();
  readonly recycleExclusions = new Map<string, { kind: RecycleExclusionKind; fn: RecycleExclusion }>();
  readonly jobs: Job[] = [];

  view360Section(name: string, fn: View360Section): this {
    if (this.view360Sections.has(name)) throw new Error(`view360 section ${name} registered twice`);
    this.view360Sections.set(name, fn);
    return this;
  }

  approvalSubject(entityType: string, subject: ApprovalSubject): this {
    if (this.approvalSubjects.has(entityType)) throw new Error(`approval subject ${entityType} registered twice`);
    this.approvalSubjects.set(entityType, subject);
    return this;
  }

  /** How a context tells "this customer is busy" from its own tables (one indexed query on customer_id). */
  recycleExclusion(name: string, kind: RecycleExclusionKind, fn: RecycleExclusion): this {
    if (this.recycleExclusions.has(name)) throw new Error(`recycle exclusion ${name} registered twice`);
    this.recycleExclusions.set(name, { kind, fn });
    return this;
  }

  job<R>(job: Job<R>): this {
    if (this.jobs.some((j) => j.name === job.name)) throw new Error(`job ${job.name} registered twice`);
    this.jobs.push(job as Job);
    return this;
  }
}
