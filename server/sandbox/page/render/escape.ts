/**
 * The only ways card content reaches HTML: every text goes through `esc`, every attribute through `attr`, every
 * link through `safeUrl`. Card content is data from the CRM (customer names, notes typed by anyone): it never
 * becomes markup.
 */
const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => HTML[c]);
}

export const attr = esc;

/** http(s), mailto and tel links only (no javascript:, data:, vbscript: …); anything else → null (shown as text). */
export function safeUrl(u: unknown): string | null {
  if (typeof u !== 'string') return null;
  const s = u.trim();
  if (/^(https?:\/\/|mailto:|tel:)/i.test(s) && !/[\s<>"'`]/.test(s)) return s;
  return null;
}

/** A CSS class suffix from card data: letters, digits, dashes and underscores only. */
export function token(s: unknown, fallback = 'default'): string {
  return typeof s === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(s) ? s : fallback;
}

/** A colour name or #hex from card data (font colours, tag colours, chart colours); anything else → null. */
export function safeColor(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  return /^#[0-9a-fA-F]{3,8}$/.test(s) || /^[a-z][a-z-]{0,30}$/.test(s) ? s : null;
}
