import type Koa from 'koa';
import { AppError } from '../../core/errors';
import { INT_MAX } from '../../core/shared/fields';

/**
 * A path id (`:id` by default): a decimal 1..2147483647 (the INT id columns). Anything else names no record, so it is
 * answered 404 NOT_FOUND naming the parameter, like an id that does not exist — the same on every route, and the
 * database (e.g. MariaDB's claim procedure) never sees it. Shared by /api/v1 and /mp/v1.
 */
export function pathId(raw: string | undefined, field: string): number {
  const n = raw !== undefined && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : 0;
  if (n < 1 || n > INT_MAX) throw new AppError('NOT_FOUND', { field });
  return n;
}

export function idParam(ctx: Koa.Context, name = 'id'): number {
  return pathId(ctx.params[name], name);
}
