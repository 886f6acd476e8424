import type Koa from 'koa';
import type { CoreContext } from '../../core/context';
import { AppError } from '../../core/errors';
import { assertReadBudget, noteEmptySearch, spendReadBudget, type ReadBudgetConfig, type ReadKind } from '../../core/audit/read-budget';
import { apiActor } from './auth';

/**
 * /api/v1's per-user read budgets (core/audit/read-budget.ts holds the rule). After apiKeyAuth.
 *
 * - `spend(kind)`: the route is a read of `kind`; over budget → 429 RATE_LIMITED with Retry-After (server/http/errors.ts).
 *   A search answering no items also counts toward the burst audit.
 * - `dedupGuard()`: on a write that runs a de-dup check (create, patch, contacts): refused with 429 while the
 *   search budget is used up, and a DUPLICATE answer about a record the caller may not see (no `existingId`: README,
 *   "撞单") costs a search (so create/patch is no oracle).
 */
export function readBudget(core: CoreContext, cfg: ReadBudgetConfig) {
  return {
    spend(which: ReadKind | ((ctx: Koa.Context) => ReadKind)): Koa.Middleware {
      return async (ctx, next) => {
        const actor = apiActor(ctx);
        const kind = typeof which === 'function' ? which(ctx) : which;
        await spendReadBudget(core, actor, kind, cfg, { channel: 'api' });
        await next();
        const body = ctx.body as { items?: unknown[] } | undefined;
        if (kind === 'search' && ctx.status === 200 && Array.isArray(body?.items) && body.items.length === 0) {
          await noteEmptySearch(core, actor, cfg, { channel: 'api' });
        }
      };
    },
    /** The three read classes as middleware: a list with a text query `q` is a search. */
    get classes(): { search: Koa.Middleware; list: Koa.Middleware; lookup: Koa.Middleware } {
      return {
        search: this.spend((ctx) => (typeof ctx.query.q === 'string' && ctx.query.q.trim() ? 'search' : 'list')),
        list: this.spend('list'),
        lookup: this.spend('lookup'),
      };
    },
    dedupGuard(): Koa.Middleware {
      return async (ctx, next) => {
        const actor = apiActor(ctx);
        await assertReadBudget(core, actor, 'dedup.refused', cfg);
        try {
          await next();
        } catch (e) {
          if (e instanceof AppError && e.code === 'DUPLICATE' && e.data?.existingId === undefined) await spendReadBudget(core, actor, 'dedup.refused', cfg, { channel: 'api' }).catch(() => undefined);
          throw e;
        }
      };
    },
  };
}
