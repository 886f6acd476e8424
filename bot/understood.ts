import { toDbId } from '../core/shared/fields';
import type { ParsedIntent } from '../core/intent/types';
import type { Reading } from '../core/intent/score';
import type { ChatCommand } from './types';

/**
 * What the dispatcher understood of a chat message, as handlers use it: the reading (core/intent), its close second
 * readings (`alternatives`) and the CRM record its customer matched (`customer_match`). Handlers act on this reading; they never parse the text again.
 */
export type Understood = ParsedIntent;

const EMPTY: Understood = { intent: 'unknown', customer: null, contact: null, channel: null, summary: '', next_at: null, due_at: null, confidence: 0, alternatives: [] };

/** The reading attached to a text message (the dispatcher always sets it; an empty reading otherwise). */
export const understood = (cmd: ChatCommand): Understood => (cmd.intent as Understood | undefined) ?? { ...EMPTY, summary: cmd.text };

/** The customer (not lead) the message's customer matched in the sender's dictionary, with its id. */
export function matchedCustomer(p: Understood): { id: number; name: string; exact: boolean } | null {
  const m = p.customer_match;
  if (!m || m.kind !== 'customer') return null;
  const id = toDbId(Number(m.id));
  return id ? { id, name: m.name, exact: m.exact } : null;
}

/** The scored fields of a reading (tests/phrases/CONVENTIONS.md §2): what a correction records as "what we read". */
export function readingOf(p: ParsedIntent): Reading {
  return { intent: p.intent, customer: p.customer, channel: p.channel, contact: p.contact, next_at: p.next_at, due_at: p.due_at };
}
