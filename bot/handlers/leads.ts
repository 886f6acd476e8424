import { randomUUID } from 'node:crypto';
import { toDbId } from '../../core/shared/fields';
import { DateTime } from 'luxon';
import type { BotRegistry, HelpEntry } from '../registry';
import { t } from '../i18n';
import { errorText } from '../errors';
import { isAppError } from '../../core/errors';
import { actorOf } from '../../core/users/operations';
import { findCustomersByName } from '../../core/customers/operations';
import { logActivity } from '../../core/activities/operations';
import { ACTIVITY_CHANNELS, type ActivityChannel } from '../../core/activities/model';
import { assignLeadTo, captureLead, convertLead } from '../../core/leads/operations';
import { completeTask, createTask, listOwnerTasks, loadTask, snoozeTask } from '../../core/tasks/operations';
import { createCalendarFeed } from '../../core/tasks/reminders';
import { attachCheckinPhoto, recordCheckinLocation, startCheckin } from '../../core/checkins/operations';
import { parseMessage } from '../../core/intent/parse';
import { recordCorrection } from '../../core/intent/corrections';
import type { IntentName } from '../../core/intent/types';
import type { Reading } from '../../core/intent/score';
import { matchedCustomer, readingOf, understood } from '../understood';
import { button, buttonRow, card } from '../cards/kit';
import {
  draftCard, draftEditCard, draftPickCard, draftUnknownCard, fmtTime, newTaskFormCard, rescheduleFormCard, savedCard, taskCard, weekCard, CHANNELS, type Draft, type DraftAlt,
} from '../render/leads';
import { chargeDedup, dedupBlocked } from '../read-budget';
import type { CardActionCommand, CardActionHandler, CardActionResult, ChatCommand, ChatHandler, HandlerKit } from '../types';

/**
 * Follow-ups, leads, tasks and check-ins from chat. A message becomes a draft shown on a card with Save / Edit:
 * nothing is written until Save (see draftCard for why). The customer is resolved among what the sender may see:
 * one match is used, several give a pick list, none offers a lead — never a silent guess.
 */

/** An id from a card value: the one id rule (core/shared/input.ts). */
const num = toDbId;

const KIND_OF: Partial<Record<IntentName, Draft['kind']>> = { log_followup: 'followup', create_task: 'task', create_lead: 'lead' };
const INTENT_OF: Record<Draft['kind'], IntentName> = { followup: 'log_followup', task: 'create_task', lead: 'create_lead' };
/**
 * A message longer than this is not carried on the card for a correction: the draft rides on every button and a card
 * is at most 30 KB. Chat messages are far shorter.
 */
const ORIGIN_MAX = 500;

function draftOf(cmd: ChatCommand, kind: Draft['kind']): Draft {
  const p = understood(cmd);
  const alts: DraftAlt[] = [];
  for (const a of p.alternatives ?? []) {
    const k = KIND_OF[a.intent];
    if (k && k !== kind && !alts.some((x) => x.kind === k)) alts.push({ kind: k, customer: a.customer, at: k === 'task' ? a.due_at : a.next_at });
  }
  return {
    kind,
    customerId: null,
    customerName: p.customer,
    customerText: p.customer,
    contact: p.contact,
    channel: p.channel,
    summary: p.summary || cmd.text,
    at: kind === 'task' ? p.due_at : p.next_at,
    nonce: `draft:${cmd.messageId || randomUUID()}`,
    priority: /紧急|加急|急事|尽快|重要|urgent|asap|important/i.test(cmd.text) ? 'high' : 'normal',
    origin: [...cmd.text].length <= ORIGIN_MAX ? { text: cmd.text, sentAt: cmd.sentAt.toISOString(), read: readingOf(p) } : undefined,
    alts: alts.length ? alts : undefined,
  };
}

/** What the rep chose, as a reading: the card's kind, the customer as written or typed, its channel and time. */
function chosenOf(d: Draft): Reading {
  const channel = d.kind !== 'lead' && d.channel && d.channel !== 'other' ? (d.channel as Reading['channel']) : null;
  return {
    intent: INTENT_OF[d.kind],
    customer: d.customerText === undefined ? d.customerName : d.customerText,
    channel,
    contact: d.contact,
    next_at: d.kind === 'task' ? null : d.at,
    due_at: d.kind === 'task' ? d.at : null,
  };
}

/**
 * A saved card that differs from what was read is a correction (core/intent/corrections.ts), recorded in the save's
 * transaction. Recording it never fails the save: a reading that cannot be stored is left out.
 */
async function noteCorrection(kit: HandlerKit, cmd: CardActionCommand, d: Draft): Promise<void> {
  if (!d.origin) return;
  try {
    await recordCorrection(kit.deps.core, actorOf(cmd.user), 'card', { text: d.origin.text, sentAt: d.origin.sentAt, read: d.origin.read, chosen: chosenOf(d) }, kit.t);
  } catch (e) {
    if (!isAppError(e)) throw e;
  }
}

type Resolution = { card: Record<string, unknown> };

/** Resolves draft.customerName to one visible customer; otherwise the pick-list or the lead-offer card. */
async function resolveCustomer(kit: HandlerKit, user: ChatCommand['user'], d: Draft): Promise<Draft | Resolution> {
  const locale = kit.deps.locale;
  if (d.customerId) return d;
  if (!d.customerName) return d.kind === 'followup' ? { card: draftUnknownCard(d, locale) } : d;
  const found = await findCustomersByName(kit.deps.core, actorOf(user), d.customerName, 8);
  const exact = found.filter((c) => c.name === d.customerName);
  const pick = exact.length === 1 ? exact : found;
  if (pick.length === 1) return { ...d, customerId: pick[0].id, customerName: pick[0].name };
  if (pick.length > 1) return { card: draftPickCard(d.customerName, pick.map((c) => ({ id: c.id, name: c.name, ownerName: c.ownerName, inPool: c.inPool })), d, locale) };
  return { card: draftUnknownCard(d, locale) };
}

/**
 * The understood card. The customer the dictionary matched exactly is used as is; a fuzzy match is asked about
 * ("您是不是指 …？"); without a match the name is looked up among what the sender may see.
 */
async function showDraft(cmd: ChatCommand, kit: HandlerKit, kind: Draft['kind']): Promise<void> {
  let d = draftOf(cmd, kind);
  if (kind !== 'lead') {
    const m = matchedCustomer(understood(cmd));
    if (m?.exact) d = { ...d, customerId: m.id, customerName: m.name };
    else if (m) d = { ...d, suggest: { id: m.id, name: m.name } };
    else {
      const r = await resolveCustomer(kit, cmd.user, d);
      if ('card' in r) {
        await kit.reply({ kind: 'leads.card', payload: { card: r.card } });
        return;
      }
      d = r;
    }
  }
  await kit.reply({ kind: 'leads.card', payload: { card: draftCard(d, kit.deps.locale, kit.deps.core.timezone) } });
}

/** "2026-12-02 15:00" or anything the parser understands ("下周三下午3点", "Friday 3pm"); null for empty. */
export function parseWhen(text: string, now: Date, tz: string): string | null | 'invalid' {
  const s = text.trim();
  if (!s) return null;
  const exact = DateTime.fromFormat(s, 'yyyy-MM-dd HH:mm', { zone: tz });
  if (exact.isValid) return exact.toISO({ suppressMilliseconds: true });
  const p = parseMessage(`提醒我 ${s}`, { now, timezone: tz });
  return p.due_at ?? 'invalid';
}

function draftFromCard(cmd: CardActionCommand): Draft | null {
  const d = cmd.value.draft as Draft | undefined;
  if (!d || typeof d !== 'object' || !['followup', 'task', 'lead'].includes(d.kind)) return null;
  return { ...d };
}

const bad = (kit: HandlerKit): CardActionResult => ({ toast: { type: 'error', content: t(kit.deps.locale, { 'zh-CN': '卡片已失效', en: 'This card is no longer valid' }) } });

const draftEditAction: CardActionHandler = async (cmd, kit) => {
  const d = draftFromCard(cmd);
  if (!d) return bad(kit);
  return { card: draftEditCard(d, kit.deps.locale, kit.deps.core.timezone) };
};

const draftPickAction: CardActionHandler = async (cmd, kit) => {
  const d = draftFromCard(cmd);
  const id = num(cmd.value.customerId);
  if (!d || !id) return bad(kit);
  return { card: draftCard({ ...d, customerId: id, customerName: String(cmd.value.customerName ?? d.customerName) }, kit.deps.locale, kit.deps.core.timezone) };
};

const draftToLeadAction: CardActionHandler = async (cmd, kit) => {
  const d = draftFromCard(cmd);
  if (!d) return bad(kit);
  return { card: draftCard({ ...d, kind: 'lead', customerId: null, nonce: `${d.nonce}:lead` }, kit.deps.locale, kit.deps.core.timezone) };
};

/** "改为：创建任务": the same message read the other way; the reading it replaces becomes the alternative. */
const draftAltAction: CardActionHandler = async (cmd, kit) => {
  const d = draftFromCard(cmd);
  const i = Number(cmd.value.alt);
  const alt = Number.isInteger(i) ? d?.alts?.[i] : undefined;
  if (!d || !alt || !['followup', 'task', 'lead'].includes(alt.kind)) return bad(kit);
  const written = d.customerText === undefined ? d.customerName : d.customerText;
  const sameCustomer = (alt.customer ?? null) === (written ?? null);
  let next: Draft = {
    ...d,
    kind: alt.kind,
    at: alt.at,
    customerText: alt.customer,
    customerId: sameCustomer && alt.kind !== 'lead' ? d.customerId : null,
    customerName: sameCustomer ? d.customerName : alt.customer,
    suggest: sameCustomer ? d.suggest : undefined,
    alts: [{ kind: d.kind, customer: written ?? null, at: d.at }, ...(d.alts ?? []).filter((_, j) => j !== i)],
    nonce: `${d.nonce.replace(/:as:\w+$/, '')}:as:${alt.kind}`,
  };
  if (next.kind !== 'lead' && !next.customerId && !next.suggest) {
    const r = await resolveCustomer(kit, cmd.user, next);
    if ('card' in r) return { card: r.card };
    next = r;
  }
  return { card: draftCard(next, kit.deps.locale, kit.deps.core.timezone) };
};

/** "您是不是指 远航科技有限公司？" → yes: the matched customer is taken (the core checks it may be used on save). */
const draftMatchAction: CardActionHandler = async (cmd, kit) => {
  const d = draftFromCard(cmd);
  const id = num(d?.suggest?.id);
  if (!d || !id) return bad(kit);
  return { card: draftCard({ ...d, customerId: id, customerName: d.suggest!.name, suggest: undefined }, kit.deps.locale, kit.deps.core.timezone) };
};

/** Save: applies the edit form's values (if any), re-resolves a changed customer, then writes. Idempotent by the draft's nonce key. */
const draftSaveAction: CardActionHandler = async (cmd, kit) => {
  const locale = kit.deps.locale;
  const tz = kit.deps.core.timezone;
  let d = draftFromCard(cmd);
  if (!d) return bad(kit);
  const f = cmd.formValue ?? {};
  if (typeof f.summary === 'string' && f.summary.trim()) d.summary = f.summary.trim();
  if (typeof f.channel === 'string' && f.channel in CHANNELS) d.channel = f.channel;
  if (typeof f.at === 'string') {
    const at = parseWhen(f.at, kit.deps.core.clock.now(), tz);
    if (at === 'invalid') return { toast: { type: 'error', content: t(locale, { 'zh-CN': `看不懂时间“${f.at}”`, en: `Cannot read the time "${f.at}"` }) } };
    d.at = at;
  }
  if (typeof f.customer === 'string' && f.customer.trim() !== (d.customerName ?? '')) {
    d = { ...d, customerId: null, customerName: f.customer.trim() || null, customerText: f.customer.trim() || null, suggest: undefined };
  }
  const actor = actorOf(cmd.user);
  try {
    if (d.kind === 'lead') {
      const saved = await saveLead(kit, actor, d);
      await noteCorrection(kit, cmd, d);
      return saved;
    }
    const r = await resolveCustomer(kit, cmd.user, d);
    if ('card' in r) return { card: r.card };
    d = r;
    if (d.kind === 'followup') {
      const channel: ActivityChannel = (ACTIVITY_CHANNELS as readonly string[]).includes(d.channel ?? '') ? (d.channel as ActivityChannel) : 'other';
      // With a next time, the core also creates the task whose reminder arrives at that minute.
      await logActivity(kit.deps.core, actor, 'chat', { customerId: d.customerId!, channel, summary: d.summary, nextAt: d.at ? new Date(d.at) : null }, kit.t);
      await noteCorrection(kit, cmd, d);
      return {
        toast: { type: 'success', content: t(locale, { 'zh-CN': '已记录跟进', en: 'Follow-up logged' }) },
        card: savedCard(t(locale, { 'zh-CN': `✓ 已记录跟进：${d.customerName}`, en: `✓ Follow-up logged: ${d.customerName}` }),
          `${d.summary}${d.at ? `\n${t(locale, { 'zh-CN': '下次跟进', en: 'Next follow-up' })}: ${fmtTime(d.at, tz, locale)}` : ''}`, 'green',
          [buttonRow([
            button({ text: t(locale, { 'zh-CN': '再建一个任务', en: 'Add a task' }), value: { action: 'task.new', customerId: d.customerId, customerName: d.customerName } }),
            button({ text: t(locale, { 'zh-CN': '建商机', en: 'Create opportunity' }), value: { action: 'opportunity.create_form', customerId: d.customerId, customerName: d.customerName } }),
          ])]),
      };
    }
    const task = await createTask(kit.deps.core, actor, 'chat', { title: d.summary, priority: d.priority ?? 'normal', dueAt: d.at ? new Date(d.at) : null, customerId: d.customerId, channel: (d.channel ?? null) as never }, kit.t);
    await noteCorrection(kit, cmd, d);
    return { toast: { type: 'success', content: t(locale, { 'zh-CN': '已创建任务', en: 'Task created' }) }, card: taskCard(task, null, locale, tz) };
  } catch (e) {
    if (isAppError(e)) return { toast: { type: 'error', content: errorText(e, locale) } };
    throw e;
  }
};

async function saveLead(kit: HandlerKit, actor: ReturnType<typeof actorOf>, d: Draft): Promise<CardActionResult> {
  const locale = kit.deps.locale;
  const isCompany = !!d.customerName;
  const blocked = await dedupBlocked(kit, actor);
  if (blocked) return { toast: { type: 'error', content: blocked } };
  const r = await captureLead(kit.deps.core, actor, 'chat', {
    company: d.customerName, contactName: d.contact?.name ?? (isCompany ? null : d.summary.slice(0, 100)),
    phone: d.contact?.phone, email: d.contact?.email, source: 'chat', message: d.summary,
  }, kit.t);
  if (r.duplicateOf) {
    // 撞单: the core decides what may be said (an id only of a record this user may see; else whose it is).
    const d = r.duplicateOf;
    if (d.id === null) await chargeDedup(kit, actor, 1);
    const what = d.id === null
      ? t(locale, { 'zh-CN': `${d.notice?.['zh-CN'] ?? '已存在'}；已记录这次接触`, en: `${d.notice?.en ?? 'Already exists'}; this touch was recorded` })
      : d.kind === 'customer'
        ? t(locale, { 'zh-CN': `已是客户 #${d.id}，已记录这次接触`, en: `Already customer #${d.id}; this touch was recorded` })
        : t(locale, { 'zh-CN': `已存在线索 #${d.id}，已合并记录`, en: `Existing lead #${d.id}; linked to it` });
    return { toast: { type: 'info', content: what }, card: savedCard(t(locale, { 'zh-CN': '重复线索', en: 'Duplicate lead' }), what, 'orange') };
  }
  const lead = r.lead!;
  const owner = lead.ownerId ? t(locale, { 'zh-CN': `已分配给 #${lead.ownerId}（${lead.assignReason?.zh ?? ''}）`, en: `assigned to #${lead.ownerId} (${lead.assignReason?.en ?? ''})` }) : t(locale, { 'zh-CN': '待分配', en: 'unassigned' });
  return {
    toast: { type: 'success', content: t(locale, { 'zh-CN': '线索已创建', en: 'Lead created' }) },
    card: savedCard(t(locale, { 'zh-CN': `✓ 线索 #${lead.id}：${lead.company ?? lead.contactName}`, en: `✓ Lead #${lead.id}: ${lead.company ?? lead.contactName}` }),
      `${t(locale, { 'zh-CN': '评分', en: 'Score' })} ${lead.score} · ${owner}`),
  };
}

const leadConvertAction: CardActionHandler = async (cmd, kit) => {
  const id = num(cmd.value.leadId);
  if (!id) return bad(kit);
  const r = await convertLead(kit.deps.core, actorOf(cmd.user), 'card', id, kit.t);
  return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': `已转为客户 #${r.customerId}`, en: `Converted to customer #${r.customerId}` }) } };
};

const leadAssignToAction: CardActionHandler = async (cmd, kit) => {
  const leadId = num(cmd.value.leadId);
  const userId = num(cmd.formValue?.userId);
  if (!leadId || !userId) return { toast: { type: 'error', content: t(kit.deps.locale, { 'zh-CN': '请选择销售', en: 'Pick a rep' }) } };
  const r = await assignLeadTo(kit.deps.core, actorOf(cmd.user), leadId, userId, kit.t);
  return r.assigned
    ? { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '已指派', en: 'Assigned' }) } }
    : { toast: { type: 'info', content: t(kit.deps.locale, { 'zh-CN': '该线索已有负责人', en: 'This lead already has an owner' }) } };
};

// ------------------------------------------------------------------ task buttons

const taskNewAction: CardActionHandler = async (cmd, kit) => ({
  card: newTaskFormCard({ id: num(cmd.value.customerId), name: typeof cmd.value.customerName === 'string' ? cmd.value.customerName : null }, `task.new:${randomUUID()}`, kit.deps.locale),
});

const taskCreateAction: CardActionHandler = async (cmd, kit) => {
  const locale = kit.deps.locale;
  const f = cmd.formValue ?? {};
  const title = String(f.title ?? '').trim();
  if (!title) return { toast: { type: 'error', content: t(locale, { 'zh-CN': '请填写任务', en: 'Enter the task' }) } };
  const at = parseWhen(String(f.at ?? ''), kit.deps.core.clock.now(), kit.deps.core.timezone);
  if (at === 'invalid') return { toast: { type: 'error', content: t(locale, { 'zh-CN': `看不懂时间“${String(f.at)}”`, en: `Cannot read the time "${String(f.at)}"` }) } };
  const priority = f.priority === 'high' || f.priority === 'low' ? f.priority : 'normal';
  const task = await createTask(kit.deps.core, actorOf(cmd.user), 'card', { title, priority, dueAt: at ? new Date(at) : null, customerId: num(cmd.value.customerId) }, kit.t);
  return { toast: { type: 'success', content: t(locale, { 'zh-CN': '已创建任务', en: 'Task created' }) }, card: taskCard(task, null, locale, kit.deps.core.timezone) };
};

const taskDoneAction: CardActionHandler = async (cmd, kit) => {
  const id = num(cmd.value.taskId);
  if (!id) return bad(kit);
  const r = await completeTask(kit.deps.core, actorOf(cmd.user), 'card', id, kit.t);
  return {
    toast: r.changed ? { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '已完成', en: 'Done' }) } : { type: 'info', content: t(kit.deps.locale, { 'zh-CN': '已处理，无需重复操作', en: 'Already done' }) },
    card: taskCard(r.task, null, kit.deps.locale, kit.deps.core.timezone, true),
  };
};

const taskSnoozeAction: CardActionHandler = async (cmd, kit) => {
  const id = num(cmd.value.taskId);
  const how = cmd.value.how === 'tomorrow9' ? 'tomorrow9' : cmd.value.how === '1h' ? '1h' : null;
  if (!id || !how) return bad(kit);
  const seq = Number.isInteger(cmd.value.seq) ? (cmd.value.seq as number) : undefined;
  const r = await snoozeTask(kit.deps.core, actorOf(cmd.user), 'card', id, { kind: how }, seq, kit.t);
  const locale = kit.deps.locale;
  if (!r.changed) return { toast: { type: 'info', content: t(locale, { 'zh-CN': '已处理，无需重复操作', en: 'Already done' }) } };
  return { toast: { type: 'success', content: t(locale, { 'zh-CN': `将在 ${fmtTime(r.task.remindAt, kit.deps.core.timezone, locale)} 再提醒`, en: `Will remind again ${fmtTime(r.task.remindAt, kit.deps.core.timezone, locale)}` }) } };
};

const taskRescheduleFormAction: CardActionHandler = async (cmd, kit) => {
  const id = num(cmd.value.taskId);
  const task = id ? await loadTask(kit.deps.core, id, kit.t) : null;
  if (!task) return bad(kit);
  return { card: rescheduleFormCard(task, kit.deps.locale, kit.deps.core.timezone) };
};

const taskRescheduleAction: CardActionHandler = async (cmd, kit) => {
  const id = num(cmd.value.taskId);
  if (!id) return bad(kit);
  const raw = String(cmd.formValue?.at ?? '');
  const at = parseWhen(raw, kit.deps.core.clock.now(), kit.deps.core.timezone);
  if (!at || at === 'invalid') return { toast: { type: 'error', content: t(kit.deps.locale, { 'zh-CN': `看不懂时间“${raw}”`, en: `Cannot read the time "${raw}"` }) } };
  const r = await snoozeTask(kit.deps.core, actorOf(cmd.user), 'card', id, { kind: 'reschedule', at: new Date(at) }, undefined, kit.t);
  return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '已改时间', en: 'Rescheduled' }) }, card: taskCard(r.task, null, kit.deps.locale, kit.deps.core.timezone) };
};

// ------------------------------------------------------------------ check-in

const checkinIntent: ChatHandler = async (cmd, kit) => {
  const locale = kit.deps.locale;
  const name = (cmd.intent?.customer ?? cmd.text.replace(/^(签到|check\s*-?in)\s*/i, '')).trim();
  let customer: { id: number; name: string } | null = null;
  if (name) {
    const found = await findCustomersByName(kit.deps.core, actorOf(cmd.user), name, 8);
    const exact = found.filter((c) => c.name === name);
    const pick = exact.length === 1 ? exact : found;
    if (pick.length > 1) {
      await kit.reply({ kind: 'leads.card', payload: { card: card({
        title: t(locale, { 'zh-CN': `签到：“${name}”匹配多个客户`, en: `Check-in: "${name}" matches several customers` }),
        template: 'wathet',
        elements: pick.map((c) => button({ text: c.name, value: { action: 'checkin.pick', customerId: c.id, customerName: c.name } })),
      }) } });
      return;
    }
    customer = pick[0] ?? null;
  }
  await startCheckin(kit.deps.core, actorOf(cmd.user), customer?.id ?? null, kit.t);
  await kit.reply({ kind: 'text', payload: { text: customer
    ? t(locale, { 'zh-CN': `开始签到：${customer.name}。请发送你的位置（可再发一张现场照片）。`, en: `Check-in at ${customer.name}: send your location (and a photo if you like).` })
    : t(locale, { 'zh-CN': `${name ? `没有找到“${name}”，` : ''}签到将不关联客户。请发送你的位置。`, en: `${name ? `No customer "${name}"; ` : ''}the check-in will not be linked to a customer. Send your location.` }) } });
};

const checkinPickAction: CardActionHandler = async (cmd, kit) => {
  const id = num(cmd.value.customerId);
  if (!id) return bad(kit);
  await startCheckin(kit.deps.core, actorOf(cmd.user), id, kit.t);
  return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': `开始签到：${String(cmd.value.customerName ?? '')}，请发送位置`, en: `Check-in at ${String(cmd.value.customerName ?? '')}: send your location` }) } };
};

const messageLocationIntent: ChatHandler = async (cmd, kit) => {
  const locale = kit.deps.locale;
  const loc = cmd.location;
  const done = loc ? await recordCheckinLocation(kit.deps.core, actorOf(cmd.user), { latitude: loc.latitude, longitude: loc.longitude, address: loc.name || null }, kit.t) : null;
  await kit.reply({ kind: 'text', payload: { text: done
    ? t(locale, { 'zh-CN': `✓ 已签到：${loc!.name || `${loc!.latitude}, ${loc!.longitude}`}，${fmtTime(done.occurredAt, kit.deps.core.timezone, locale)}`, en: `✓ Checked in at ${loc!.name || `${loc!.latitude}, ${loc!.longitude}`}, ${fmtTime(done.occurredAt, kit.deps.core.timezone, locale)}` })
    : t(locale, { 'zh-CN': '如需签到，请先发送“签到 客户名”，再发送位置。', en: 'To check in, send "check in <customer>" first, then your location.' }) } });
};

const messageImageIntent: ChatHandler = async (cmd, kit) => {
  const locale = kit.deps.locale;
  const done = cmd.image ? await attachCheckinPhoto(kit.deps.core, actorOf(cmd.user), cmd.image.imageKey, kit.t) : null;
  await kit.reply({ kind: 'text', payload: { text: done
    ? t(locale, { 'zh-CN': '✓ 已附上签到照片', en: '✓ Photo added to your check-in' })
    : t(locale, { 'zh-CN': '暂不支持处理这类消息。发送“帮助”查看我能做什么。', en: 'I cannot handle this kind of message yet. Send "help" to see what I can do.' }) } });
};

// ------------------------------------------------------------------ calendar feed

const calendarIntent: ChatHandler = async (cmd, kit) => {
  const { token } = await createCalendarFeed(kit.deps.core, actorOf(cmd.user), cmd.user.id);
  const base = kit.deps.config.publicUrl;
  await kit.reply({ kind: 'text', payload: { text: t(kit.deps.locale, {
    'zh-CN': `你的日历订阅地址（请勿转发；再次发送“日历”会生成新地址并使旧地址失效）：${base}/calendar/${token}.ics`,
    en: `Your calendar feed (keep it secret; sending "calendar" again makes a new one and revokes this): ${base}/calendar/${token}.ics`,
  }) } });
};

// ------------------------------------------------------------------ calendar view in chat

const agendaIntent: ChatHandler = async (cmd, kit) => {
  const tz = kit.deps.core.timezone;
  const week = /周|week/i.test(cmd.text);
  const now = DateTime.fromJSDate(kit.deps.core.clock.now(), { zone: tz });
  const start = week ? now.startOf('week') : now.startOf('day');
  const end = week ? start.plus({ weeks: 1 }) : start.plus({ days: 1 });
  const tasks = await listOwnerTasks(kit.deps.core, cmd.user.id, start.toJSDate(), end.toJSDate());
  await kit.reply({ kind: 'leads.card', payload: { card: weekCard(tasks, week ? 'week' : 'day', kit.deps.locale, tz) } });
};

const LEADS_HELP: HelpEntry[] = [
  { id: 'checkin', title: { 'zh-CN': '现场签到', en: 'Field check-in' }, example: { 'zh-CN': '签到 远航科技，然后发送位置和照片', en: 'check in Acme, then send your location and a photo' } },
  { id: 'agenda', title: { 'zh-CN': '日程', en: 'Agenda' }, example: { 'zh-CN': '今日日程 / 本周日程 / 日历', en: 'agenda / agenda week / calendar' } },
  { id: 'lead_import', title: { 'zh-CN': '批量导入线索', en: 'Import leads' }, example: { 'zh-CN': '直接发送 CSV 或 Excel 文件', en: 'send a CSV or Excel file' } },
];

/** Follow-ups, leads, tasks, check-ins and the agenda in chat. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.intent('log_followup', (cmd, kit) => showDraft(cmd, kit, 'followup'));
  r.intent('create_task', (cmd, kit) => showDraft(cmd, kit, 'task'));
  r.intent('create_lead', (cmd, kit) => showDraft(cmd, kit, 'lead'));
  r.action('draft.edit', draftEditAction);
  r.action('draft.pick', draftPickAction);
  r.action('draft.to_lead', draftToLeadAction);
  r.action('draft.alt', draftAltAction);
  r.action('draft.match', draftMatchAction);
  r.action('draft.save', draftSaveAction);
  r.action('lead.convert', leadConvertAction);
  r.action('lead.assign_to', leadAssignToAction);
  r.action('task.new', taskNewAction);
  r.action('task.create', taskCreateAction);
  r.action('task.done', taskDoneAction);
  r.action('task.snooze', taskSnoozeAction);
  r.action('task.reschedule_form', taskRescheduleFormAction);
  r.action('task.reschedule', taskRescheduleAction);
  r.textIntent('checkin', /^(签到|check\s*-?in)(\s|$)/i);
  r.intent('checkin', checkinIntent);
  r.action('checkin.pick', checkinPickAction);
  r.intent('message.location', messageLocationIntent);
  r.intent('message.image', messageImageIntent);
  r.textIntent('calendar', /^(日历|我的日历|calendar|my calendar)$/i);
  r.intent('calendar', calendarIntent);
  r.textIntent('agenda', /^(日程|今日日程|今天日程|本周日程|这周日程|agenda|agenda week|my week|this week)$/i);
  r.intent('agenda', agendaIntent);
  for (const e of LEADS_HELP) r.help(e);
}
