import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { recordAudit } from './record';

/**
 * Per-user read budgets: how many searches, lists and lookups one person may run in a window, whichever transport
 * they use (an /api/v1 key bound to them, chat). The rule of what counts lives here, once (READS); the transports
 * only say which read they are about to run (server/api/read-budget.ts, bot/read-budget.ts).
 *
 * - Keyed by the person: a user (chat, or an API key bound to the user). The system, an integration key bound to no
 *   user (it sees every field unmasked, so nothing to guess; its limits are the integration's) and mini-program
 *   customers (their own limiter) have none.
 * - Stored in the database (table read_budgets, one row per user and class, one atomic upsert per read), so every
 *   process of the CRM shares the count; fixed windows of `windowSeconds`.
 * - Over budget: RATE_LIMITED with `retryAfterSeconds` (HTTP 429 + Retry-After; a zh-CN reply in chat). The first
 *   refusal of a window writes one audit row (`read.budget_exhausted`), not one per request.
 * - A de-dup check that refuses a duplicate the caller may not see (撞单) costs a search, so create/patch is no
 *   oracle either; a search that finds nothing is counted apart, and `emptyBurst` of them in a window write one
 *   audit row (`read.search_burst`).
 */
export type BudgetClass = 'search' | 'list' | 'lookup';

export const READS = {
  /** a search by text (/api/v1/customers?q=, chat 查 / 认领 <name>) */
  search: 'search',
  /** a list or page without a text query (/api/v1/customers, pools, contacts, follow-ups, forecasts; chat 公海) */
  list: 'list',
  /** one record by id (/api/v1/customers/:id, its 360° view, a contract; a chat card opening a customer) */
  lookup: 'lookup',
  /** a create / patch / lead capture / import row refused as a duplicate of a record the caller may not see */
  'dedup.refused': 'search',
} as const satisfies Record<string, BudgetClass>;
export type ReadKind = keyof typeof READS;

export interface ReadBudgetConfig {
  /** Reads of each class one user may run per window. */
  search: number;
  list: number;
  lookup: number;
  windowSeconds: number;
  /** Searches finding nothing in one window that make a burst worth an audit row. */
  emptyBurst: number;
}

export const DEFAULT_READ_BUDGET: ReadBudgetConfig = { search: 60, list: 300, lookup: 600, windowSeconds: 60, emptyBurst: 20 };

/** The budget's key for an actor; null = no per-user budget (see above). */
export function budgetOwner(actor: Actor): number | null {
  return actor.kind === 'user' ? actor.userId : null;
}

function windowOf(ctx: CoreContext, cfg: ReadBudgetConfig): { start: number; retryAfter: number } {
  const now = ctx.clock.now().getTime() / 1000;
  const start = Math.floor(now / cfg.windowSeconds) * cfg.windowSeconds;
  return { start, retryAfter: Math.max(1, Math.ceil(start + cfg.windowSeconds - now)) };
}

/** Adds `points` to the bucket's current window (a new window starts over) and answers the total: one statement. */
async function bump(ctx: CoreContext, t: Transaction, bucket: string, windowStart: number, points: number): Promise<number> {
  const sql = ctx.db.dialect === 'mysql'
    // Assignments run left to right: `used` reads the old window_start before it is moved.
    ? `INSERT INTO read_budgets (bucket, window_start, used) VALUES (:b, :w, :p)
       ON DUPLICATE KEY UPDATE used = IF(window_start = VALUES(window_start), used + VALUES(used), VALUES(used)), window_start = VALUES(window_start)`
    : `INSERT INTO read_budgets (bucket, window_start, used) VALUES (:b, :w, :p)
       ON CONFLICT(bucket) DO UPDATE SET used = CASE WHEN window_start = excluded.window_start THEN used + excluded.used ELSE excluded.used END,
       window_start = excluded.window_start`;
  await ctx.db.sequelize.query(sql, { replacements: { b: bucket, w: windowStart, p: points }, type: QueryTypes.INSERT, transaction: t });
  // The row stays locked (MySQL) / the writer is ours (SQLite) until commit: this reads our own total.
  const r = await ctx.db.select<{ used: number }>('SELECT used FROM read_budgets WHERE bucket = :b', { b: bucket }, t);
  return Number(r[0]?.used ?? points);
}

export interface SpendOptions {
  channel: Channel;
  /** Run inside the caller's transaction (the bot's handler transaction); otherwise one of its own. */
  t?: Transaction | null;
  points?: number;
}

/**
 * Spends one read of `kind` from the actor's budget; RATE_LIMITED when the window's budget is used up. Exact under
 * concurrency on both databases (the upsert serialises on the bucket's row).
 */
export async function spendReadBudget(ctx: CoreContext, actor: Actor, kind: ReadKind, cfg: ReadBudgetConfig, opts: SpendOptions): Promise<void> {
  const userId = budgetOwner(actor);
  if (userId === null) return;
  const cls = READS[kind];
  const limit = cfg[cls];
  const points = opts.points ?? 1;
  const w = windowOf(ctx, cfg);
  const over = await ctx.db.tx(async (t) => {
    const used = await bump(ctx, t, `u:${userId}:${cls}`, w.start, points);
    if (used <= limit) return false;
    if (used - points <= limit) {
      // The first refusal of this window: one audit row for the burst.
      await recordAudit(ctx, t, { actor, action: 'read.budget_exhausted', entityType: 'user', entityId: userId, channel: opts.channel, data: { budget: cls, read: kind, limit, windowSeconds: cfg.windowSeconds } });
    }
    return true;
  }, opts.t);
  if (over) throw rateLimited(w.retryAfter);
}

/** Refuses (RATE_LIMITED) when the class's budget of this window is already used up, spending nothing. */
export async function assertReadBudget(ctx: CoreContext, actor: Actor, kind: ReadKind, cfg: ReadBudgetConfig, t?: Transaction | null): Promise<void> {
  const userId = budgetOwner(actor);
  if (userId === null) return;
  const cls = READS[kind];
  const w = windowOf(ctx, cfg);
  const r = await ctx.db.select<{ used: number; window_start: number }>('SELECT used, window_start FROM read_budgets WHERE bucket = :b', { b: `u:${userId}:${cls}` }, t);
  if (r[0] && Number(r[0].window_start) === w.start && Number(r[0].used) >= cfg[cls]) throw rateLimited(w.retryAfter);
}

/** A search found nothing: counted apart; the `emptyBurst`-th of a window writes one audit row. */
export async function noteEmptySearch(ctx: CoreContext, actor: Actor, cfg: ReadBudgetConfig, opts: SpendOptions & { query?: string }): Promise<void> {
  const userId = budgetOwner(actor);
  if (userId === null) return;
  const w = windowOf(ctx, cfg);
  await ctx.db.tx(async (t) => {
    const used = await bump(ctx, t, `u:${userId}:empty`, w.start, 1);
    if (used === cfg.emptyBurst) {
      await recordAudit(ctx, t, { actor, action: 'read.search_burst', entityType: 'user', entityId: userId, channel: opts.channel, data: { emptySearches: used, windowSeconds: cfg.windowSeconds } });
    }
  }, opts.t);
}

export function rateLimited(retryAfterSeconds: number): AppError {
  return new AppError('RATE_LIMITED', {
    detail: { 'zh-CN': `查询过于频繁，请 ${retryAfterSeconds} 秒后再试`, en: `Too many searches; try again in ${retryAfterSeconds} s` },
    data: { retryAfterSeconds },
  });
}
