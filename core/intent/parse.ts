import type { ParsedIntent, ParseOptions } from './types';

/**
 * Chat text → intent. PLACEHOLDER owned by the leads/follow-ups work (issue 6), which replaces this body
 * with the full zh-CN/English parser; the signature is the contract the bot dispatches on.
 */
export function parseMessage(text: string, _opts: ParseOptions): ParsedIntent {
  const t = text.trim();
  const base: ParsedIntent = { intent: 'unknown', customer: null, contact: null, channel: null, summary: t, next_at: null, due_at: null };
  if (/^(帮助|help|\?|？)$/i.test(t)) return { ...base, intent: 'help' };
  const find = /^(?:查|find)\s*(.+)$/i.exec(t);
  if (find) return { ...base, intent: 'find_customer', customer: find[1].trim() };
  return base;
}
