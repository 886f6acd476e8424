import { DateTime } from 'luxon';
import type { IntentName, ParsedIntent, ParseOptions } from './types';
import { extractWhen, formatWhen } from './dates';
import { detectChannel } from './channels';
import { extractName, extractPhoneEmail, maskSpans } from './contacts';
import { extractCustomer } from './customer';
import { classifyWithoutPrefix, FIND_SUFFIX, matchPrefix } from './classify';
import { parseOpportunity, type OpportunityIntent } from './opportunity';

const PIPELINE_INTENT: Record<OpportunityIntent['kind'], IntentName> = { create: 'create_opportunity', move: 'move_stage', list: 'my_pipeline', forecast: 'forecast' };

/**
 * Chat text → intent (zh-CN and English). Pure: the same text and `now` always give the same JSON.
 * Order: phones/e-mails are read first (so their digits are never dates), then dates/times, then the
 * command word, the customer, a contact name and the channel, each on the text with what was already
 * understood masked out. Rules are documented where they live (dates.ts, classify.ts, customer.ts).
 */
export function parseMessage(text: string, opts: ParseOptions): ParsedIntent {
  const raw = text.replace(/\s+/g, ' ').trim();
  const zone = opts.timezone ?? 'Asia/Shanghai';
  const now = DateTime.fromJSDate(opts.now, { zone });
  const base: ParsedIntent = { intent: 'unknown', customer: null, contact: null, channel: null, summary: raw, next_at: null, due_at: null };
  if (!raw) return base;

  const prefix = matchPrefix(raw);
  if (prefix?.intent === 'help') return { ...base, intent: 'help' };

  // The pipeline first: its words (商机, a stage of the pipelines, 赢单/输了, 预测) are specific, and a new deal
  // must not be read as a lead or a follow-up (see opportunity.ts for what is and is not a deal message).
  const opportunity = parseOpportunity(raw, { now: opts.now, timezone: zone, stages: opts.stages });
  if (opportunity) {
    return { ...base, intent: PIPELINE_INTENT[opportunity.kind], customer: opportunity.kind === 'create' ? opportunity.customer : null, opportunity };
  }

  const reach = extractPhoneEmail(raw);
  const noReach = maskSpans(raw, reach.spans);
  const when = extractWhen(noReach, now);
  const masked = maskSpans(noReach, when.spans);

  let intent: IntentName | null = prefix?.intent ?? null;
  let customer: { name: string; start: number; end: number } | null = null;

  if (intent === 'claim' || intent === 'find_customer') {
    const body = masked.slice(prefix!.rest).trim().replace(/[。.!！?？]+$/, '');
    const name = (FIND_SUFFIX.exec(body)?.[1] ?? body).trim();
    if (name) customer = { name, start: prefix!.rest, end: raw.length };
  } else if (!intent && FIND_SUFFIX.test(masked.trim()) && !reach.phone && !reach.email) {
    intent = 'find_customer';
    customer = { name: FIND_SUFFIX.exec(masked.trim())![1].trim(), start: 0, end: raw.length };
  } else {
    customer = extractCustomer(masked, prefix ? prefix.rest : null);
  }

  const forName = customer ? maskSpans(masked, [[customer.start, customer.end]]) : masked;
  const person = intent === 'claim' || intent === 'find_customer' ? null : extractName(forName, reach.phoneStart);
  const channelText = person ? maskSpans(forName, [person.span]) : forName;

  if (!intent) intent = classifyWithoutPrefix(masked, !!when.at, !!(reach.phone || reach.email), !!customer);

  const contact = person || reach.phone || reach.email ? { name: person?.name ?? null, phone: reach.phone, email: reach.email } : null;
  const at = formatWhen(when.at);
  const hasDates = intent === 'log_followup' || intent === 'create_lead' || intent === 'create_task';

  return {
    intent,
    customer: customer?.name ?? null,
    contact,
    channel: intent === 'claim' || intent === 'find_customer' ? null : detectChannel(channelText),
    summary: summarise(raw, prefix?.rest ?? 0, customer),
    next_at: hasDates && intent !== 'create_task' ? at : null,
    due_at: intent === 'create_task' ? at : null,
  };
}

/** The message minus its command word and a leading customer name: what the rep said happened / wants done. */
function summarise(raw: string, afterPrefix: number, customer: { start: number; end: number } | null): string {
  let start = afterPrefix;
  if (customer && raw.slice(afterPrefix, customer.start).trim() === '') start = customer.end;
  const rest = raw.slice(start).replace(/^[\s,，。:：;；、\-–—]+/, '').trim();
  return rest || raw;
}
