import Router from '@koa/router';
import type Koa from 'koa';
import { AppError } from '../core/errors';
import { botFor, type BotProcessDeps } from './instance';
import { normalizeLegacyCardAction } from './normalize';
import { verifyLarkRequest, type VerifyConfig } from './verify';

/** The bot's router factory; the process adapts it to its own (server/compose.ts). */
export type BotRouterFactory = (deps: BotProcessDeps) => Router;

/** Lark callbacks are small; anything larger is refused before parsing. */
export const LARK_BODY_LIMIT = 256 * 1024;

async function readRaw(ctx: Koa.Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw new AppError('PAYLOAD_TOO_LARGE', { field: 'body' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', { field: 'body' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reject(deps: BotProcessDeps, ctx: Koa.Context, status: 400 | 401, reason: string): never {
  deps.logger.warn({ path: ctx.path, reason, ip: ctx.ip }, 'lark callback rejected');
  if (status === 400) throw new AppError('VALIDATION', { field: 'body', detail: { 'zh-CN': '请求体不是有效的 JSON', en: 'The request body is not valid JSON' } });
  throw new AppError('UNAUTHENTICATED');
}

/**
 * POST /lark/events (all events incl. card.action.trigger) and POST /lark/cards (legacy card callbacks).
 * Verification (bot/verify.ts) runs over the raw bytes first; every failure is a 401/400 with nothing processed.
 * Message events are recorded in the inbox and acknowledged; processing starts after the response.
 */
export const larkRouter: BotRouterFactory = (deps) => {
  const cfg: VerifyConfig = { encryptKey: deps.config.lark.encryptKey, verificationToken: deps.config.lark.verificationToken };
  if (!cfg.encryptKey && !cfg.verificationToken) {
    deps.logger.warn('Lark callbacks are disabled: set LARK_VERIFICATION_TOKEN (and LARK_ENCRYPT_KEY) to accept /lark/events');
  } else if (!cfg.encryptKey) {
    deps.logger.warn('LARK_ENCRYPT_KEY is not set: Lark callback signatures are OFF, only the verification token is checked');
  }
  const bot = botFor(deps.core, deps.logger, deps.config, deps.registry, deps.dictionary);
  const router = new Router({ prefix: '/lark' });

  router.post('/events', async (ctx) => {
    const raw = await readRaw(ctx, LARK_BODY_LIMIT);
    const v = verifyLarkRequest('event', raw, ctx.headers, cfg);
    if (!v.ok) return reject(deps, ctx, v.status, v.reason);
    if (v.challenge !== undefined) {
      ctx.body = { challenge: v.challenge };
      return;
    }
    const answer = await bot.dispatch(v.body);
    ctx.body = answer ?? {};
  });

  router.post('/cards', async (ctx) => {
    const raw = await readRaw(ctx, LARK_BODY_LIMIT);
    const v = verifyLarkRequest('card', raw, ctx.headers, cfg);
    if (!v.ok) return reject(deps, ctx, v.status, v.reason);
    if (v.challenge !== undefined) {
      ctx.body = { challenge: v.challenge };
      return;
    }
    if ('schema' in v.body) {
      ctx.body = (await bot.dispatch(v.body)) ?? {};
      return;
    }
    // A legacy callback carries tenant_key (and app_id on some deliveries): compared like an event's header.
    if (bot.foreignEvent(v.body, 'legacy_card')) {
      ctx.body = {};
      return;
    }
    const cmd = normalizeLegacyCardAction(v.body);
    ctx.body = cmd ? await bot.cardAction(cmd) : {};
  });

  return router;
};
