import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { consumeOrRefuse, sharedRateLimiter } from '../http/rate-limit';
import { z } from 'zod';
import type { RouterFactory } from '../app';
import { submitWebForm, webFormInput } from '../../core/leads/forms';
import type { ApiOperation } from './openapi';

export interface PublicLeadsOptions {
  /** Submissions per client IP per minute (default 10). */
  perIpPerMinute?: number;
  /** Submissions per form token per minute (default 120). */
  perFormPerMinute?: number;
}

export const publicLeadOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/public/leads',
    summary: 'Submit a lead from a public web form (per-form token; rate limited; honeypot field `website`)',
    tags: ['leads'],
    request: webFormInput,
    response: z.object({ accepted: z.literal(true) }),
    status: 202,
    public: true,
  },
];

/**
 * POST /api/v1/public/leads: JSON or an HTML form post. No API key: the form token identifies the form (source,
 * campaign). Always 202 {accepted: true} for a valid token — the public never learns whether it was a duplicate or
 * caught by the honeypot. Rate limited per IP and per form token, shared by every process (server/http/rate-limit.ts).
 */
export function publicLeadsRouter(opts: PublicLeadsOptions = {}): RouterFactory {
  return (deps) => {
    const { core } = deps;
    const perIp = sharedRateLimiter(deps, { keyPrefix: 'lead-ip', points: opts.perIpPerMinute ?? 10, duration: 60 });
    const perForm = sharedRateLimiter(deps, { keyPrefix: 'lead-form', points: opts.perFormPerMinute ?? 120, duration: 60 });
    const router = new Router({ prefix: '/api/v1/public' });
    // Landing pages on other origins post with fetch: allow any origin (no cookies; the form token is the credential).
    const cors = (ctx: { set(k: string, v: string): void }) => {
      ctx.set('Access-Control-Allow-Origin', '*');
      ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', 'Content-Type, X-Form-Token');
      ctx.set('Access-Control-Max-Age', '600');
    };
    router.options('/leads', (ctx) => {
      cors(ctx);
      ctx.status = 204;
    });
    router.post('/leads', async (ctx, next) => {
      cors(ctx);
      await next();
    }, bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '64kb', formLimit: '64kb' }), async (ctx) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const token = String(body.token ?? ctx.get('x-form-token') ?? '');
      await consumeOrRefuse(perIp, ctx.ip);
      if (token) await consumeOrRefuse(perForm, token.slice(0, 100));
      await submitWebForm(core, { ...body, token } as never);
      ctx.status = 202;
      ctx.body = { accepted: true };
    });
    return router;
  };
}
