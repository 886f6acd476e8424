import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import { withTrace } from '../../core/shared/trace';

/** An incoming X-Request-Id is kept when it is a plain token (a proxy's or a client's id); anything else is replaced. */
const SANE_ID = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;

export function requestIdOf(header: string | undefined): string {
  return header && SANE_ID.test(header) ? header : randomUUID();
}

/**
 * The request id: accepted from X-Request-Id or generated, echoed in the response header, kept in ctx.state.requestId
 * and in the trace (core/shared/trace.ts), so every log line of the work the request causes carries it.
 * Mounted first (server/app.ts).
 */
export function requestIdMiddleware(): Koa.Middleware {
  return async (ctx, next) => {
    const requestId = requestIdOf(ctx.get('x-request-id') || undefined);
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    await withTrace({ requestId }, next);
  };
}
