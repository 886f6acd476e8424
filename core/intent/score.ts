import { z } from 'zod';
import { normalizePhone } from '../customers/normalize';

/**
 * How a reading is scored against what a careful reader expects (tests/phrases/CONVENTIONS.md §2): eight fields,
 * each right or wrong on its own. Used by the phrase-set test and by `npm run crm -- parse-eval` for both the
 * phrase sets and the recorded corrections. Pure.
 */
export const SCORED_FIELDS = ['intent', 'customer', 'channel', 'contact.name', 'contact.phone', 'contact.email', 'next_at', 'due_at'] as const;
export type ScoredField = (typeof SCORED_FIELDS)[number];

const INTENTS = [
  'log_followup', 'create_lead', 'find_customer', 'create_task', 'claim', 'help',
  'create_opportunity', 'move_stage', 'my_pipeline', 'forecast', 'unknown',
] as const;
const CHANNELS = ['phone', 'visit', 'wechat', 'email', 'meeting'] as const;

/** The scored part of a reading (the parse JSON's fields; anything else is ignored). */
export const readingSchema = z.object({
  intent: z.enum(INTENTS),
  customer: z.string().nullable(),
  channel: z.enum(CHANNELS).nullable(),
  contact: z.object({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable() }).nullable(),
  next_at: z.string().nullable(),
  due_at: z.string().nullable(),
});
export type Reading = z.infer<typeof readingSchema>;

/** One phrase of tests/phrases/*.json. */
export const phraseSchema = z.object({
  text: z.string().min(1),
  now: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?\+08:00$/),
  expect: readingSchema,
  note: z.string().optional(),
});
export type Phrase = z.infer<typeof phraseSchema>;
export const phraseSetSchema = z.array(phraseSchema);

const text = (s: string | null | undefined) => (s == null ? null : s.normalize('NFKC').replace(/\s+/g, ' ').trim() || null);
const instant = (s: string | null | undefined) => {
  if (s == null) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? `invalid:${s}` : new Date(t).toISOString();
};

/** The eight scored values of a reading, each in its comparable form. */
export function scoredValues(r: Partial<Reading> | null | undefined): Record<ScoredField, string | null> {
  const c = r?.contact ?? null;
  const phone = text(c?.phone);
  return {
    intent: r?.intent ?? null,
    customer: text(r?.customer),
    channel: r?.channel ?? null,
    'contact.name': text(c?.name),
    'contact.phone': phone === null ? null : normalizePhone(phone) ?? phone,
    'contact.email': text(c?.email)?.toLowerCase() ?? null,
    next_at: instant(r?.next_at),
    due_at: instant(r?.due_at),
  };
}

export interface Miss {
  field: ScoredField;
  want: string | null;
  got: string | null;
}

/** The fields where `got` differs from `want` (empty: all eight right). */
export function compareReadings(want: Partial<Reading>, got: Partial<Reading>): Miss[] {
  const w = scoredValues(want);
  const g = scoredValues(got);
  return SCORED_FIELDS.filter((f) => w[f] !== g[f]).map((field) => ({ field, want: w[field], got: g[field] }));
}

export interface FieldScore {
  right: number;
  total: number;
  /** right / total, 0..1 (1 for an empty set). */
  accuracy: number;
}
export interface SetScore {
  items: number;
  /** Items with all eight fields right. */
  exact: number;
  fields: Record<ScoredField, FieldScore>;
  misses: Array<{ text: string; misses: Miss[] }>;
}

/** Per-field accuracy of readings against expectations. */
export function scoreReadings(rows: Array<{ text: string; want: Partial<Reading>; got: Partial<Reading> }>): SetScore {
  const fields = Object.fromEntries(SCORED_FIELDS.map((f) => [f, { right: 0, total: 0, accuracy: 1 }])) as Record<ScoredField, FieldScore>;
  const misses: SetScore['misses'] = [];
  let exact = 0;
  for (const row of rows) {
    const m = compareReadings(row.want, row.got);
    for (const f of SCORED_FIELDS) {
      fields[f].total++;
      if (!m.some((x) => x.field === f)) fields[f].right++;
    }
    if (m.length) misses.push({ text: row.text, misses: m });
    else exact++;
  }
  for (const f of SCORED_FIELDS) fields[f].accuracy = fields[f].total ? fields[f].right / fields[f].total : 1;
  return { items: rows.length, exact, fields, misses };
}
