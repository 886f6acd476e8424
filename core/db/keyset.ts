import { AppError } from '../errors';

/**
 * Keyset ("seek") pagination: the cursor is an opaque, URL-safe encoding of the last row's sort key,
 * so page N costs the same as page 1 (no OFFSET). Shared by core list operations and the HTTP APIs.
 */
export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function encodeCursor(key: Record<string, string | number | null>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<K extends Record<string, string | number | null>>(cursor: string | null | undefined, field = 'cursor'): K | null {
  if (!cursor) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as K;
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION', { field, detail: { 'zh-CN': '分页游标无效', en: 'Invalid pagination cursor' } });
}

/** Given `limit + 1` fetched rows, trims to `limit` and derives the next cursor from the last kept row. */
export function pageOf<R, T>(rows: R[], limit: number, key: (r: R) => Record<string, string | number | null>, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more && kept.length ? encodeCursor(key(kept[kept.length - 1])) : null };
}
