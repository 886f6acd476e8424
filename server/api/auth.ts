import type Koa from 'koa';
import type { Actor, CoreContext } from '../../core/context';
import { AppError } from '../../core/errors';
import { authenticateApiKey } from '../../core/apikeys/operations';

/**
 * Bearer API-key middleware for /api/v1: `Authorization: Bearer crm_…`. Sets `ctx.state.actor`.
 * Keys are looked up by SHA-256; a short in-process cache keeps the hot path to one hash (a revoked
 * key stops working within CACHE_MS).
 */
const CACHE_MS = 10_000;

export function apiKeyAuth(core: CoreContext): Koa.Middleware {
  const cache = new Map<string, { actor: Actor | null; until: number }>();
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new AppError('UNAUTHENTICATED', { detail: { 'zh-CN': '缺少 API 密钥（Authorization: Bearer …）', en: 'Missing API key (Authorization: Bearer …)' } });
    const key = m[1];
    const now = Date.now();
    let hit = cache.get(key);
    if (!hit || hit.until < now) {
      hit = { actor: await authenticateApiKey(core, key), until: now + CACHE_MS };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, hit);
    }
    if (!hit.actor) throw new AppError('UNAUTHENTICATED', { detail: { 'zh-CN': 'API 密钥无效或已吊销', en: 'Invalid or revoked API key' } });
    ctx.state.actor = hit.actor;
    await next();
  };
}

/** The authenticated actor of an /api/v1 request. */
export function apiActor(ctx: Koa.Context): Actor {
  const a = ctx.state.actor as Actor | undefined;
  if (!a) throw new AppError('UNAUTHENTICATED');
  return a;
}
