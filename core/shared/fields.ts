import { z } from 'zod';

/**
 * The shared zod builders, one per column type / value kind: every id and date field of every schema uses them, so
 * the same value gets the same answer on every route, in chat and in the CLI. zod and plain JavaScript only (no
 * luxon, no AppError): core/<context>/schemas.ts files import this and the mini-program type-checks them.
 */
/** Signed INT columns (every id column): ids are 1..2147483647. */
export const INT_MAX = 2_147_483_647;
/** Plausible calendar range for every date the CRM accepts (contracts, payments, instalments, tasks, tickets…). */
export const MIN_DAY = '1900-01-01';
export const MAX_DAY = '2199-12-31';

/** Is `n` an id a row can have (1..2147483647)? */
export const isDbId = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= INT_MAX;
/** An id from an untyped value (a card action's value, a form input): the number, or null when it cannot be an id. */
export function toDbId(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,10}$/.test(v.trim()) ? Number(v) : NaN;
  return isDbId(n) ? n : null;
}

/** A count or size stored in a signed INT column (not an id): 0..2147483647. */
export const int32 = z.number().int().min(0).max(INT_MAX);

/** An id in a body (a signed INT column): 1..2147483647. */
export const dbId = z.number().int().min(1).max(INT_MAX);
/** An id from a query string or path (text coerced to a number), same range. */
export const dbIdParam = z.coerce.number().int().min(1).max(INT_MAX);

/** A real calendar date 'YYYY-MM-DD' within MIN_DAY..MAX_DAY. */
export function isPlausibleDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m || s < MIN_DAY || s > MAX_DAY) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d; // 2026-02-30 rolls over
}
export const day = (field = 'date') => z.string().refine(isPlausibleDay, { message: `${field} must be a real date YYYY-MM-DD between ${MIN_DAY} and ${MAX_DAY}` }).describe('a calendar date YYYY-MM-DD');

/** An ISO-8601 date-time with an offset (or a Date), within the same plausible range; answered as a Date. */
export const dateTime = z
  .union([z.date(), z.string().datetime({ offset: true })])
  .transform((v) => (v instanceof Date ? v : new Date(v)))
  .refine((d) => !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) >= MIN_DAY && d.toISOString().slice(0, 10) <= MAX_DAY, {
    message: `a date-time between ${MIN_DAY} and ${MAX_DAY}`,
  });
