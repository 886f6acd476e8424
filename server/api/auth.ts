import type Koa from 'koa';
import type { Actor, CoreContext } from '../../core/context';
import { AppError } from '../../core/errors';
import { API_KEYS_CACHE, authenticateApiKey } from '../../core/apikeys/operations';
import { cacheVersion } from '../../core/db/cache-versions';

/**
 * Bearer API-key middleware for /api/v1: `Authorization: Bearer crm_…`. Sets `ctx.state.actor`.
 * Keys are looked up by SHA-256; a short in-process cache keeps the hot path to one hash. A revocation bumps the
 * `apikeys` cache version (core/db/cache-versions.ts), so a revoked key stops working in every process within a
 * second; CACHE_MS bounds an entry's life regardless.
 */
const CACHE_MS = 10_000;

export function apiKeyAuth(core: CoreContext): Koa.Middleware {
  const cache = new Map<string, { actor: Actor | null; until: number; version: number }>();
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new AppError('UNAUTHENTICATED', { detail: { 'zh-CN': '缺少 API 密钥（Authorization: Bearer …）', en: 'Missing API key (Authorization: Bearer …)' } });
    const key = m[1];
    const now = Date.now();
    const version = await cacheVersion(core.db, API_KEYS_CACHE);
    let hit = cache.get(key);
    if (!hit || hit.until < now || hit.version !== version) {
      hit = { actor: await authenticateApiKey(core, key), until: now + CACHE_MS, version };
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
