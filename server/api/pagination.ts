import { z } from 'zod';

/**
 * Keyset pagination at the HTTP edge: `?limit=20&cursor=…` in, `{items, nextCursor}` out.
 * The cursor is opaque (see core/db/keyset.ts); core list operations take `{limit, cursor}` and answer a Page.
 */
export { encodeCursor, decodeCursor, pageOf, type Page } from '../../core/db/keyset';

export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().max(500).optional(),
});

/** The response schema of a page of `item` (for registerOperation). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** Query-string booleans: "true"/"1" → true, "false"/"0" → false. */
export const queryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');
