import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import { AppError, ERROR_MESSAGES, type ErrorCode, type Locale } from '../../core/errors';
import type { Logger } from '../logger';

/** The one mapping from AppError codes to HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  DUPLICATE: 409,
  CONFLICT: 409,
  INVALID_STATE: 409,
  ALREADY_DONE: 409,
  LIMIT_REACHED: 422,
  COOLDOWN: 422,
  EXPIRED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function requestLocale(ctx: Koa.Context, fallback: Locale): Locale {
  const h = ctx.get('accept-language').toLowerCase();
  if (h.startsWith('en')) return 'en';
  if (h.startsWith('zh')) return 'zh-CN';
  return fallback;
}

/** Errors thrown by koa's body parser and friends carry an HTTP status; give them a code too. */
function fromHttpError(e: { status?: number; statusCode?: number; expose?: boolean; type?: string }): AppError | null {
  const status = e.status ?? e.statusCode;
  if (!status || status >= 500) return null;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', { field: 'body' });
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA', { field: 'body' });
  if (status === 400 || status === 422) {
    return new AppError('VALIDATION', { field: 'body', detail: { 'zh-CN': '请求体不是有效的 JSON', en: 'The request body is not valid JSON' } });
  }
  if (status === 401) return new AppError('UNAUTHENTICATED');
  if (status === 403) return new AppError('FORBIDDEN');
  if (status === 404) return new AppError('NOT_FOUND');
  if (status === 429) return new AppError('RATE_LIMITED');
  return null;
}

/** The single AppError → HTTP mapping. Unknown errors: logged with the id, answered 500 without detail. */
export function errorMiddleware(logger: Logger, defaultLocale: Locale): Koa.Middleware {
  return async (ctx, next) => {
    // Set by requestIdMiddleware (server/http/request-id.ts), mounted before this one.
    const requestId = (ctx.state.requestId as string | undefined) ?? randomUUID();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError('NOT_FOUND', { detail: { 'zh-CN': '没有这个接口', en: 'No such route' } });
      }
    } catch (err) {
      const appError = err instanceof AppError ? err : fromHttpError(err as object);
      const locale = requestLocale(ctx, defaultLocale);
      if (appError && appError.code !== 'INTERNAL') {
        ctx.status = HTTP_STATUS[appError.code];
        const body: Record<string, unknown> = { code: appError.code, message: appError.localized(locale) };
        if (appError.field) body.field = appError.field;
        if (appError.data) body.data = appError.data;
        ctx.body = { error: body };
        if (appError.code === 'RATE_LIMITED' && appError.data?.retryAfterSeconds) ctx.set('Retry-After', String(appError.data.retryAfterSeconds));
        return;
      }
      logger.error({ err, requestId, method: ctx.method, path: ctx.path }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: { code: 'INTERNAL', message: ERROR_MESSAGES.INTERNAL[locale], requestId } };
    }
  };
}
