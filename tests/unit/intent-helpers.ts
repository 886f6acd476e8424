import { parseMessage } from '../../core/intent/parse';
import type { ParsedIntent } from '../../core/intent/types';

/** Expected value for one phrase; `at` is next_at for follow-ups/leads and due_at for tasks. */
export interface Expect {
  intent: ParsedIntent['intent'];
  customer?: string | null;
  channel?: ParsedIntent['channel'];
  at?: string | null;
  contact?: ParsedIntent['contact'];
  summary?: string;
}

/** "2026-12-02 09:00" → "2026-12-02T09:00:00+08:00" (Asia/Shanghai has no DST). */
export const iso = (s: string) => `${s.replace(' ', 'T')}:00+08:00`;

export function check(now: string, text: string, e: Expect): void {
  const got = parseMessage(text, { now: new Date(now), timezone: 'Asia/Shanghai' });
  const want: Partial<ParsedIntent> = { intent: e.intent };
  if (e.customer !== undefined) want.customer = e.customer;
  if (e.channel !== undefined) want.channel = e.channel;
  if (e.contact !== undefined) want.contact = e.contact;
  if (e.summary !== undefined) want.summary = e.summary;
  if (e.at !== undefined) {
    const at = e.at === null ? null : iso(e.at);
    if (e.intent === 'create_task') Object.assign(want, { due_at: at, next_at: null });
    else Object.assign(want, { next_at: at, due_at: null });
  }
  expect(got).toMatchObject(want);
}
