import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import type { Alternative, IntentName, ParsedIntent, ParseOptions } from './types';
import { extractWhen, formatWhen } from './dates';
import { detectChannel } from './channels';
import { extractName, extractPhoneEmail, maskSpans } from './contacts';
import { findCustomer, type Found } from './customer';
import { classify, FIND_SUFFIX, matchPrefix } from './classify';
import { parseOpportunity, type OpportunityIntent } from './opportunity';
import { normalise } from './normalise';
import { segment } from './segment';
import type { DictionaryHit } from './dictionary';

const PIPELINE_INTENT: Record<OpportunityIntent['kind'], IntentName> = { create: 'create_opportunity', move: 'move_stage', list: 'my_pipeline', forecast: 'forecast' };

const CUSTOMER_PLAN = /(?:说|表示|提到|计划|打算|准备|预计|考虑|想)[^，,。]{0,6}(?:要|会|想|打算|准备)?[^，,。]{0,4}(?:上|换|采购|招标|立项|启动|做|买|引入|选型|评估|预算)|\b(?:plans?|planning|wants?|looking)\s+to\b/i;
const REP_STEP = /我|再|约|回访|联系|拜访|跟进|打给|打电话|发给|寄|上门|\b(?:i'll|i\s+will|we'll|call|visit|follow\s+up|send)\b/i;
const round2 = (p: number) => Math.round(p * 100) / 100;
/** How close a second reading must be to be offered (the card shows it as a button). */
const CLOSE = 0.25;
const DATED: ReadonlySet<IntentName> = new Set(['log_followup', 'create_lead', 'create_task']);
const NO_CHANNEL: ReadonlySet<IntentName> = new Set(['create_lead', 'find_customer', 'claim', 'help', 'unknown']);
const NO_CONTACT: ReadonlySet<IntentName> = new Set(['find_customer', 'claim', 'help']);

/**
 * Chat text → intent (zh-CN and English). Pure: the same text, `now` and dictionary always give the same JSON.
 * The stages, each in its own module and testable alone:
 *   normalise (normalise.ts) → segment (segment.ts, jieba POS) → phones/e-mails (contacts.ts, so their digits are
 *   never dates) → times (dates.ts) → customer (customer.ts, the dictionary first) → contact name → channel
 *   (channels.ts) → intent scored from the whole message (classify.ts) → confidence and close alternatives.
 * Each stage reads the text with what the earlier ones understood masked out (normalise keeps every index).
 */
export function parseMessage(text: string, opts: ParseOptions): ParsedIntent {
  const { text: norm, display: raw } = normalise(text);
  const zone = opts.timezone ?? 'Asia/Shanghai';
  const now = DateTime.fromJSDate(opts.now, { zone: fastZone(zone, opts.now) });
  const base: ParsedIntent = { intent: 'unknown', customer: null, contact: null, channel: null, summary: raw, next_at: null, due_at: null, confidence: 1, alternatives: [] };
  if (opts.dictionary) base.customer_match = null;
  if (!norm) return base;

  const prefix = matchPrefix(norm);
  if (prefix?.intent === 'help') return { ...base, intent: 'help' };

  // The pipeline first: its words (商机, a stage of the pipelines, 赢单/输了, 预测) are specific, and a new deal
  // must not be read as a lead or a follow-up (see opportunity.ts). A question about a deal is a look-up.
  const deal = parseOpportunity(norm, { now: opts.now, timezone: zone, stages: opts.stages });
  const opportunity = deal && deal.kind === 'move' && /[?？]\s*$|[吗没]\s*$/.test(norm) ? null : deal;
  if (opportunity) {
    const customer = opportunity.kind === 'create' ? opportunity.customer : null;
    const out: ParsedIntent = { ...base, intent: PIPELINE_INTENT[opportunity.kind], customer, opportunity, confidence: 0.95 };
    if (opts.dictionary && customer) out.customer_match = toMatch(opts.dictionary.lookup(customer, opts.viewer));
    return out;
  }

  const reach = extractPhoneEmail(norm);
  const noReach = maskSpans(norm, reach.spans);
  const when = extractWhen(noReach, now);
  const masked = maskSpans(noReach, when.spans);
  const tokens = segment(masked);

  // An explicit look-up / claim command names its customer right after the command word.
  let found: Found | null = null;
  let match: DictionaryHit | null = null;
  const findSuffix = FIND_SUFFIX.exec(masked.trim());
  if (prefix && (prefix.intent === 'claim' || prefix.intent === 'find_customer')) {
    const body = masked.slice(prefix.rest).trim().replace(/[。.!！?？]+$/, '');
    const name = (FIND_SUFFIX.exec(body)?.[1] ?? body).trim();
    const r = findCustomer(masked, prefix.rest, tokens, opts.dictionary, opts.viewer);
    found = r.found && r.found.start >= prefix.rest ? r.found : name ? { name, start: prefix.rest, end: norm.length } : null;
    match = r.match ?? (found && opts.dictionary ? opts.dictionary.lookup(found.name, opts.viewer) : null);
  } else if (!prefix && findSuffix && !reach.phone && !reach.email && !/[，,。]/.test(findSuffix[1])) {
    const r = findCustomer(findSuffix[1], null, tokens, opts.dictionary, opts.viewer);
    found = r.found ?? { name: findSuffix[1].trim(), start: 0, end: findSuffix[1].length };
    match = r.match;
  } else {
    const r = findCustomer(masked, prefix ? prefix.rest : null, tokens, opts.dictionary, opts.viewer);
    found = r.found;
    match = r.match;
  }

  const forName = found ? maskSpans(masked, [[found.start, found.end]]) : masked;
  const person = extractName(forName, reach.phoneStart);
  const channelText = person ? maskSpans(forName, [person.span]) : forName;

  // Clauses: punctuation, and a space between Chinese words (金桥物流 周经理 电话沟通 下周再跟).
  const clauseText = norm.replace(/(?<=[\u4e00-\u9fa5])\s+(?=[\u4e00-\u9fa5\d])/g, (w) => '，'.repeat(w.length));
  const clauses = [...clauseText.matchAll(/[^，,。.;；!！?？…]+/g)].map((c) => ({
    text: c[0],
    hasTime: when.spans.some(([a, b]) => a < c.index! + c[0].length && b > c.index! && norm.slice(a, b).trim() !== '' && !/^(?:昨天|前天|刚才|上午|早上|今早|今天|today|yesterday)/.test(norm.slice(a, b))),
  }));
  const ranked = classify({
    clauses,
    masked, text: norm, prefix: prefix?.intent ?? null, hasFuture: !!when.at, hasPastTime: when.past,
    hasReach: !!(reach.phone || reach.email), hasCustomer: !!found, knownCustomer: !!match && match.level <= 2,
    hasPerson: !!person, findSuffix: !!findSuffix && !prefix, hasVerb: tokens.some((t) => t.tag.startsWith('v') && masked.slice(t.start, t.end).trim() !== ''),
  });
  const intent = ranked[0].intent;
  const at = formatWhen(when.at);
  // In a lead, a time inside the customer's own plan (说下个月要上CRM, 计划明年换系统) is no next step of the rep.
  const planOnly = !!when.at && clauses.filter((c) => c.hasTime).every((c) => CUSTOMER_PLAN.test(c.text) && !REP_STEP.test(c.text));
  const timesFor = (i: IntentName) => ({
    next_at: DATED.has(i) && i !== 'create_task' && !(i === 'create_lead' && planOnly) ? at : null,
    due_at: i === 'create_task' ? at : null,
  });
  const customerFor = (i: IntentName) => (i === 'help' ? null : found?.name ?? null);
  const alternatives: Alternative[] = ranked.slice(1, 3)
    .filter((r) => r.p >= 0.1 && ranked[0].p - r.p <= CLOSE)
    .map((r) => ({ intent: r.intent, customer: customerFor(r.intent), ...timesFor(r.intent), confidence: round2(r.p) }));

  const contact = !NO_CONTACT.has(intent) && (person || reach.phone || reach.email) ? { name: person?.name ?? null, phone: reach.phone, email: reach.email } : null;
  const out: ParsedIntent = {
    intent,
    customer: customerFor(intent),
    contact,
    channel: NO_CHANNEL.has(intent) ? null : detectChannel(channelText),
    summary: summarise(raw, prefix?.rest ?? 0, found),
    ...timesFor(intent),
    confidence: round2(ranked[0].p),
    alternatives,
  };
  if (opts.dictionary) out.customer_match = intent === 'help' ? null : toMatch(match);
  return out;
}

const zones = new Map<string, Zone | string>();
/**
 * A zone without daylight saving around `at` (Asia/Shanghai) as a fixed offset: the same dates and ISO strings, without
 * luxon asking Intl for the offset on every date operation (the parse's largest cost). Zones with DST stay IANA.
 */
function fastZone(zone: string, at: Date): Zone | string {
  const year = at.getUTCFullYear();
  const key = `${zone}:${year}`;
  let z = zones.get(key);
  if (!z) {
    const iana = IANAZone.create(zone);
    const offsets = [0, 3, 6, 9, 12].map((m) => iana.offset(Date.UTC(year, m, 1)));
    z = iana.isValid && offsets.every((o) => o === offsets[0]) ? FixedOffsetZone.instance(offsets[0]) : zone;
    zones.set(key, z);
  }
  return z;
}

function toMatch(h: DictionaryHit | null): ParsedIntent['customer_match'] {
  return h ? { id: String(h.id), kind: h.kind, name: h.name, exact: h.exact, score: round2(h.score) } : null;
}

/** The message minus its command word and a leading customer name: what the rep said happened / wants done. */
function summarise(raw: string, afterPrefix: number, customer: { start: number; end: number } | null): string {
  let start = afterPrefix;
  if (customer && raw.slice(afterPrefix, customer.start).trim() === '') start = customer.end;
  const rest = raw.slice(start).replace(/^[\s,，。:：;；、\-–—]+/, '').replace(/^的(?=\S)/, '').trim();
  return rest || raw;
}
