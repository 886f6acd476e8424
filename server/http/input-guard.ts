import type Koa from 'koa';
import { cleanInput } from '../../core/shared/input';

/**
 * The HTTP edge of the input policy (core/shared/input.ts), for every route the app mounts: the query string is checked
 * before any route runs, and whatever body parser a route uses (JSON, form, multipart fields) is checked the moment it
 * stores its result in ctx.request.body (refused when it is read) — so a route that forgets to validate still cannot store a NUL, a lone
 * surrogate, a bidi override or a 70 000-character string. Answered 400 VALIDATION naming the field path
 * (`name`, `items[2].note`, `q`). The Lark routes read raw bytes (never ctx.request.body): the bot applies the same
 * policy to messages and card values after verification (bot/normalize.ts), since Lark must be answered 200.
 */
export function inputGuard(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.querystring) {
      const q = ctx.query;
      const clean = cleanInput(q);
      if (clean !== q) ctx.query = clean;
    }
    // The refusal is thrown when the body is read, not when a parser stores it: some parsers (multer) store it from
    // inside a callback, where a throw would escape the request and leave it hanging.
    let body: unknown;
    let refused: unknown = null;
    Object.defineProperty(ctx.request, 'body', {
      configurable: true,
      enumerable: true,
      get: () => {
        if (refused) throw refused;
        return body;
      },
      set: (v: unknown) => {
        try {
          body = cleanInput(v);
          refused = null;
        } catch (e) {
          body = undefined;
          refused = e;
        }
      },
    });
    await next();
  };
}
