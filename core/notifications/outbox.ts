import { randomUUID } from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { isUniqueViolation } from '../db/connection';
import { originOf } from '../shared/trace';

/**
 * A message to a person or chat, described in domain terms. The core writes it in the same transaction
 * as the business change that causes it; the bot renders `kind` + `payload` into a Lark message
 * (bot/render) and delivers it later (bot/outbox). The core never knows about cards.
 */
export interface OutboundMessage {
  /** A CRM user (resolved to their Lark open_id at delivery), a raw open_id, or a chat. */
  to: { userId: number } | { openId: string } | { chatId: string };
  /** Renderer name, e.g. 'text', 'help', 'lead.assigned', 'approval.request'. */
  kind: string;
  payload: Record<string, unknown>;
  /** Makes enqueueing idempotent: a second message with the same key is dropped (exactly-once reminders). */
  dedupeKey?: string;
  /** Update a card sent earlier (by that message's dedupeKey) in place instead of sending a new one. */
  updateOf?: string;
  /** Earliest delivery time (default now). */
  notBefore?: Date;
  locale?: string;
}

function recipient(to: OutboundMessage['to']): { recipient_type: string; recipient: string } {
  if ('userId' in to) return { recipient_type: 'user', recipient: String(to.userId) };
  if ('openId' in to) return { recipient_type: 'open_id', recipient: to.openId };
  return { recipient_type: 'chat_id', recipient: to.chatId };
}

/** Enqueues messages inside `t`. Returns how many were new (duplicates by dedupeKey are skipped). */
export async function enqueueMessages(ctx: CoreContext, t: Transaction, messages: OutboundMessage[]): Promise<number> {
  let added = 0;
  const now = ctx.clock.now();
  const origin = originOf(); // the request, event or job that causes the message: its delivery logs carry the same id
  for (const m of messages) {
    if (m.dedupeKey) {
      const exists = await ctx.db.select('SELECT id FROM outbox WHERE dedupe_key = :k', { k: m.dedupeKey }, t);
      if (exists.length) continue;
    }
    try {
      await ctx.db.sequelize.query(
        `INSERT INTO outbox (uuid, dedupe_key, op, update_of, recipient_type, recipient, kind, payload, locale, status, attempts, next_attempt_at, created_at, origin)
         VALUES (:uuid, :dedupe, :op, :updateOf, :rtype, :r, :kind, :payload, :locale, 'pending', 0, :next, :now, :origin)`,
        {
          type: QueryTypes.INSERT,
          transaction: t,
          replacements: {
            uuid: randomUUID(),
            dedupe: m.dedupeKey ?? null,
            op: m.updateOf ? 'update' : 'send',
            updateOf: m.updateOf ?? null,
            rtype: recipient(m.to).recipient_type,
            r: recipient(m.to).recipient,
            kind: m.kind,
            payload: JSON.stringify(m.payload),
            locale: m.locale ?? null,
            next: m.notBefore ?? now,
            now,
            origin,
          },
        },
      );
      added++;
    } catch (e) {
      if (!(m.dedupeKey && isUniqueViolation(e))) throw e;
    }
  }
  return added;
}

export async function enqueueMessage(ctx: CoreContext, t: Transaction, message: OutboundMessage): Promise<boolean> {
  return (await enqueueMessages(ctx, t, [message])) === 1;
}
