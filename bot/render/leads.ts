import { DateTime } from 'luxon';
import { button, buttonRow, card, divider, form, input, markdown, md, note, selectStatic, INPUT_MAX_LENGTH, type Card, type CardElement } from '../cards/kit';
import { CHANNEL_NAMES, t, type Locale, type Texts } from '../i18n';
import { cardMessage, type Renderer } from './registry';
import type { BotRegistry } from '../registry';
import type { TaskDto } from '../../core/tasks/operations';
import type { LeadDto } from '../../core/leads/operations';
import { activeReps } from '../../core/users/directory';
import type { Reading } from '../../core/intent/score';

/**
 * Cards of leads, follow-ups from chat, tasks and reminders. Pure functions of their payload (testable by JSON).
 */

export const CHANNELS = CHANNEL_NAMES;

export const fmtTime = (iso: string | null | undefined, tz: string, locale: Locale): string =>
  iso ? DateTime.fromISO(iso, { zone: tz }).setLocale(locale === 'en' ? 'en' : 'zh-CN').toFormat(locale === 'en' ? 'ccc LLL d, HH:mm' : 'M月d日 ccc HH:mm') : '—';

/** What the bot understood from a message, carried in card buttons until it is saved. */
export interface Draft {
  kind: 'followup' | 'task' | 'lead';
  customerId: number | null;
  customerName: string | null;
  contact: { name: string | null; phone: string | null; email: string | null } | null;
  channel: string | null;
  summary: string;
  /** next_at for a follow-up or lead, due_at for a task (ISO with offset). */
  at: string | null;
  /** A per-message nonce: the idempotency key of its save button. */
  nonce: string;
  /** 紧急 / urgent / asap in the message → high. */
  priority?: 'high' | 'normal' | 'low';
  /**
   * The customer as the rep wrote it (or typed it on the edit form); customerName may be the matched record's full
   * name. A correction compares this one (the reading's `customer` is the organisation as written).
   */
  customerText?: string | null;
  /** What the parser read from the message: recorded as a correction when the saved card differs (core/intent/corrections.ts). */
  origin?: { text: string; sentAt: string; read: Reading };
  /** Close second readings, offered as "改为：…" buttons (draft.alt). */
  alts?: DraftAlt[];
  /** A fuzzy match of the customer in the CRM: "您是不是指 …？" with a button that takes it (draft.match). */
  suggest?: { id: number; name: string };
}

/** Another reading of the same message the card can switch to. */
export interface DraftAlt {
  kind: Draft['kind'];
  customer: string | null;
  at: string | null;
}

const KIND_TITLE: Record<Draft['kind'], Texts> = {
  followup: { 'zh-CN': '记录跟进', en: 'Log follow-up' },
  task: { 'zh-CN': '新建任务', en: 'New task' },
  lead: { 'zh-CN': '新建线索', en: 'New lead' },
};

function draftLines(d: Draft, locale: Locale, tz: string): string {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  const rows = [
    `**${L('客户', 'Customer')}**：${d.customerName ? md(d.customerName) : L('（未识别）', '(not recognised)')}${d.customerId ? '' : d.customerName ? L('（未匹配到已有客户）', ' (no existing customer)') : ''}`,
    d.contact ? `**${L('联系人', 'Contact')}**：${[d.contact.name, d.contact.phone, d.contact.email].filter(Boolean).map((x) => md(x!)).join(' · ')}` : null,
    d.kind !== 'lead' ? `**${L('方式', 'Channel')}**：${d.channel ? t(locale, CHANNELS[d.channel] ?? CHANNELS.other) : L('未说明', 'not said')}` : null,
    `**${L('内容', 'Summary')}**：${md(d.summary)}`,
    `**${d.kind === 'task' ? L('时间', 'Due') : L('下次跟进', 'Next follow-up')}**：${d.at ? fmtTime(d.at, tz, locale) : L('无', 'none')}`,
    d.kind === 'task' && d.priority === 'high' ? `**${L('优先级', 'Priority')}**：${L('高', 'high')}` : null,
  ];
  return rows.filter(Boolean).join('\n').replace(/：/g, locale === 'en' ? ': ' : '：');
}

/**
 * The confirmation card: everything understood, with Save and Edit. Nothing is written before Save — a misread
 * customer or date would otherwise land in the customer's history (and move its recycle clock, which only goes forward).
 */
export function draftCard(d: Draft, locale: Locale, tz: string): Card {
  const suggest = d.suggest && !d.customerId ? d.suggest : null;
  const alts = (d.alts ?? []).map((a, i) => ({ a, i })).filter(({ a }) => a.kind !== d.kind);
  return card({
    title: t(locale, KIND_TITLE[d.kind]),
    subtitle: t(locale, { 'zh-CN': '请确认我理解得对', en: 'Check that I got it right' }),
    template: 'blue',
    elements: [
      markdown(draftLines(d, locale, tz)),
      suggest ? markdown(t(locale, { 'zh-CN': `您是不是指 **${md(suggest.name)}**？`, en: `Did you mean **${md(suggest.name)}**?` })) : null,
      suggest ? buttonRow([
        button({ text: t(locale, { 'zh-CN': '是，就是它', en: 'Yes, that one' }), value: { action: 'draft.match', draft: d } }),
      ]) : null,
      buttonRow([
        button({ text: t(locale, { 'zh-CN': '保存', en: 'Save' }), type: 'primary', value: { action: 'draft.save', draft: d, key: d.nonce } }),
        button({ text: t(locale, { 'zh-CN': '修改', en: 'Edit' }), value: { action: 'draft.edit', draft: d } }),
      ]),
      alts.length ? note(t(locale, { 'zh-CN': '也可能是：', en: 'It might also be:' })) : null,
      alts.length ? buttonRow(alts.map(({ a, i }) => button({
        text: t(locale, { 'zh-CN': `改为：${t(locale, KIND_TITLE[a.kind])}`, en: `Change to: ${t(locale, KIND_TITLE[a.kind]).toLowerCase()}` }),
        value: { action: 'draft.alt', draft: d, alt: i },
      }))) : null,
    ],
  });
}

export function draftEditCard(d: Draft, locale: Locale, tz: string): Card {
  const at = d.at ? DateTime.fromISO(d.at, { zone: tz }).toFormat('yyyy-MM-dd HH:mm') : '';
  return card({
    title: `${t(locale, KIND_TITLE[d.kind])} · ${t(locale, { 'zh-CN': '修改', en: 'edit' })}`,
    template: 'blue',
    elements: [
      form('draft', [
        input({ name: 'customer', label: t(locale, { 'zh-CN': '客户', en: 'Customer' }), defaultValue: d.customerName ?? '', maxLength: 200 }),
        d.kind === 'lead' ? null : selectStatic({
          name: 'channel', placeholder: t(locale, { 'zh-CN': '方式', en: 'Channel' }), initial: d.channel ?? 'other',
          options: Object.entries(CHANNELS).map(([value, names]) => ({ value, text: t(locale, names) })),
        }),
        input({ name: 'summary', label: t(locale, { 'zh-CN': '内容', en: 'Summary' }), defaultValue: d.summary, required: true, maxLength: INPUT_MAX_LENGTH, multiline: true }),
        input({
          name: 'at', label: t(locale, d.kind === 'task' ? { 'zh-CN': '时间（如 2026-12-02 15:00 或 下周三下午3点）', en: 'When (2026-12-02 15:00 or "next Wednesday 3pm")' } : { 'zh-CN': '下次跟进（可空）', en: 'Next follow-up (optional)' }),
          defaultValue: at, maxLength: 60,
        }),
        button({ text: t(locale, { 'zh-CN': '保存', en: 'Save' }), type: 'primary', submit: true, name: 'save', value: { action: 'draft.save', draft: d, key: d.nonce } }),
      ].filter(Boolean) as CardElement[]),
    ],
  });
}

export interface PickItemLite {
  id: number;
  name: string;
  ownerName: string | null;
  inPool: boolean;
}

/** Several customers match: pick one (never guessed), or make it a lead. */
export function draftPickCard(query: string, items: PickItemLite[], d: Draft, locale: Locale): Card {
  return card({
    title: t(locale, { 'zh-CN': `“${query}”匹配多个客户`, en: `"${query}" matches several customers` }),
    template: 'wathet',
    elements: [
      note(t(locale, { 'zh-CN': '请选择是哪一个：', en: 'Which one do you mean?' })),
      ...items.map((c) => buttonRow([
        button({
          text: `${c.name}${c.inPool ? t(locale, { 'zh-CN': '（公海）', en: ' (pool)' }) : c.ownerName ? ` · ${c.ownerName}` : ''}`,
          value: { action: 'draft.pick', customerId: c.id, customerName: c.name, draft: d },
        }),
      ])),
      divider(),
      button({ text: t(locale, { 'zh-CN': '都不是，创建为线索', en: 'None of these: create a lead' }), value: { action: 'draft.to_lead', draft: d } }),
    ],
  });
}

/** Nobody matches: offer a lead (or editing the name). */
export function draftUnknownCard(d: Draft, locale: Locale): Card {
  return card({
    title: t(locale, { 'zh-CN': '没有找到这个客户', en: 'No such customer' }),
    template: 'orange',
    elements: [
      markdown(d.customerName
        ? t(locale, { 'zh-CN': `没有找到“${md(d.customerName)}”（你负责的客户和公海中）。要把它创建为线索吗？`, en: `No customer "${md(d.customerName)}" among yours and the pool. Create it as a lead?` })
        : t(locale, { 'zh-CN': '没有识别出客户名称。可以修改后保存，或创建为线索。', en: 'I did not catch a customer name. Edit it, or create a lead.' })),
      buttonRow([
        button({ text: t(locale, { 'zh-CN': '创建线索', en: 'Create lead' }), type: 'primary', value: { action: 'draft.to_lead', draft: d } }),
        button({ text: t(locale, { 'zh-CN': '修改', en: 'Edit' }), value: { action: 'draft.edit', draft: d } }),
      ]),
    ],
  });
}

export function savedCard(title: string, body: string, template: 'green' | 'orange' = 'green', extra: CardElement[] = []): Card {
  return card({ title, template, elements: [markdown(body), ...extra] });
}

// ------------------------------------------------------------------ outbox renderers

/** The 'lead.assigned' and 'lead.sla_escalated' payloads (core/leads/assign.ts, core/leads/operations.ts): a lead's fields. */
type LeadPayload = Pick<LeadDto, 'company' | 'contactName' | 'source' | 'campaign' | 'score'>
  & Partial<Pick<LeadDto, 'phone' | 'email' | 'region' | 'industry' | 'scoreReasons'>>
  & { leadId: number; why?: NonNullable<LeadDto['assignReason']>; waitedMinutes?: number; slaMinutes?: number };

export function leadAssignedCard(p: LeadPayload, locale: Locale): Card {
  const zh = locale !== 'en';
  const reasons = (p.scoreReasons ?? []).map((r) => `- ${md(zh ? r.zh : r.en)}：${r.points}/${r.max}`.replace('：', zh ? '：' : ': '));
  return card({
    title: t(locale, { 'zh-CN': `新线索：${p.company ?? p.contactName ?? ''}`, en: `New lead: ${p.company ?? p.contactName ?? ''}` }),
    subtitle: t(locale, { 'zh-CN': `评分 ${p.score}`, en: `Score ${p.score}` }),
    template: p.score >= 70 ? 'red' : 'blue',
    elements: [
      markdown([
        p.contactName ? `**${t(locale, { 'zh-CN': '联系人', en: 'Contact' })}**：${md(p.contactName)}` : null,
        p.phone ? `**${t(locale, { 'zh-CN': '电话', en: 'Phone' })}**：${md(p.phone)}` : null,
        p.email ? `**E-mail**：${md(p.email)}` : null,
        `**${t(locale, { 'zh-CN': '来源', en: 'Source' })}**：${md(p.source)}${p.campaign ? ` · ${md(p.campaign)}` : ''}`,
        p.why ? `**${t(locale, { 'zh-CN': '为什么分给你', en: 'Why you' })}**：${md(zh ? p.why.zh : p.why.en)}` : null,
      ].filter(Boolean).join('\n').replace(/：/g, zh ? '：' : ': ')),
      reasons.length ? note(`${t(locale, { 'zh-CN': '评分依据', en: 'Score breakdown' })}\n${reasons.join('\n')}`) : null,
      buttonRow([
        button({ text: t(locale, { 'zh-CN': '转为客户', en: 'Convert to customer' }), type: 'primary', value: { action: 'lead.convert', leadId: p.leadId, key: `lead.convert:${p.leadId}` } }),
      ]),
    ],
  });
}

export function taskCard(task: TaskDto, seq: number | null, locale: Locale, tz: string, done = false): Card {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  const buttons = done || task.status !== 'open' ? [] : [
    button({ text: L('完成', 'Done'), type: 'primary', value: { action: 'task.done', taskId: task.id, key: `task.done:${task.id}` } }),
    button({ text: L('1小时后提醒', 'Snooze 1 h'), value: { action: 'task.snooze', taskId: task.id, how: '1h', seq } }),
    button({ text: L('明天9点', 'Tomorrow 9:00'), value: { action: 'task.snooze', taskId: task.id, how: 'tomorrow9', seq } }),
    button({ text: L('改时间', 'Reschedule'), value: { action: 'task.reschedule_form', taskId: task.id } }),
  ];
  return card({
    title: `${task.status === 'done' ? '✓ ' : '⏰ '}${task.title}`,
    template: task.status === 'done' ? 'grey' : task.priority === 'high' ? 'red' : 'orange',
    elements: [
      markdown([
        `**${L('时间', 'Due')}**：${fmtTime(task.dueAt, tz, locale)}`,
        task.customerName ? `**${L('客户', 'Customer')}**：${md(task.customerName)}` : null,
        task.channel ? `**${L('方式', 'Channel')}**：${t(locale, CHANNELS[task.channel] ?? CHANNELS.other)}` : null,
      ].filter(Boolean).join('\n').replace(/：/g, locale === 'en' ? ': ' : '：')),
      buttons.length ? buttonRow(buttons) : null,
    ],
  });
}

export function rescheduleFormCard(task: TaskDto, locale: Locale, tz: string): Card {
  return card({
    title: t(locale, { 'zh-CN': `改时间：${task.title}`, en: `Reschedule: ${task.title}` }),
    template: 'orange',
    elements: [form('reschedule', [
      input({ name: 'at', label: t(locale, { 'zh-CN': '新时间（如 2026-12-02 15:00 或 周五下午3点）', en: 'New time (2026-12-02 15:00 or "Friday 3pm")' }), defaultValue: task.dueAt ? DateTime.fromISO(task.dueAt, { zone: tz }).toFormat('yyyy-MM-dd HH:mm') : '', required: true, maxLength: 60 }),
      button({ text: t(locale, { 'zh-CN': '保存', en: 'Save' }), type: 'primary', submit: true, name: 'save', value: { action: 'task.reschedule', taskId: task.id } }),
    ])],
  });
}

interface AgendaPayload {
  day: string;
  today: TaskDto[];
  overdue: TaskDto[];
  followups: Array<{ customerId: number; name: string; nextAt: string | null; summary: string }>;
  nearRecycling: Array<{ customerId: number; name: string; dueAt: string | null }>;
}

export function agendaCard(p: AgendaPayload, locale: Locale, tz: string): Card {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  const list = (items: string[]) => (items.length ? items.join('\n') : L('无', 'none'));
  const hm = (iso: string | null) => (iso ? DateTime.fromISO(iso, { zone: tz }).toFormat('HH:mm') : '');
  return card({
    title: L(`今日日程 ${p.day}`, `Agenda ${p.day}`),
    template: 'blue',
    elements: [
      markdown(`**${L('今天的任务', "Today's tasks")}**\n${list(p.today.map((x) => `- ${hm(x.dueAt)} ${md(x.title)}${x.customerName ? ` · ${md(x.customerName)}` : ''}`))}`),
      p.overdue.length ? markdown(`**${L('已逾期', 'Overdue')}**\n${list(p.overdue.map((x) => `- ${fmtTime(x.dueAt, tz, locale)} ${md(x.title)}`))}`) : null,
      p.followups.length ? markdown(`**${L('待跟进', 'Follow-ups due')}**\n${list(p.followups.map((f) => `- ${md(f.name)}：${md(f.summary.slice(0, 40))}`))}`) : null,
      p.nearRecycling.length ? markdown(`**${L('即将回收到公海', 'About to return to the pool')}**\n${list(p.nearRecycling.map((c) => `- ${md(c.name)}${c.dueAt ? ` · ${fmtTime(c.dueAt, tz, locale)}` : ''}`))}`) : null,
      note(L('订阅日历：发送“日历”获取 ICS 订阅链接。', 'Calendar: send "calendar" for your ICS subscription link.')),
    ],
  });
}

/** To managers: a hot lead nobody took in time, with a form to hand it to an active rep. */
export function slaEscalatedCard(p: LeadPayload, reps: Array<{ id: number; name: string }>, locale: Locale): Card {
  return card({
    title: t(locale, { 'zh-CN': `热线索无人跟进：${p.company ?? p.contactName ?? ''}`, en: `Hot lead unassigned: ${p.company ?? p.contactName ?? ''}` }),
    template: 'red',
    elements: [
      markdown(t(locale, {
        'zh-CN': `评分 ${p.score}，来源 ${md(p.source)}${p.campaign ? ` · ${md(p.campaign)}` : ''}，已等待 ${p.waitedMinutes} 分钟（时限 ${p.slaMinutes} 分钟）。请指派销售。`,
        en: `Score ${p.score}, source ${md(p.source)}${p.campaign ? ` · ${md(p.campaign)}` : ''}, waiting ${p.waitedMinutes} min (SLA ${p.slaMinutes} min). Please assign a rep.`,
      })),
      reps.length ? form('assign_form', [
        selectStatic({ name: 'userId', placeholder: t(locale, { 'zh-CN': '选择销售', en: 'Pick a rep' }), required: true, options: reps.map((r) => ({ text: r.name, value: String(r.id) })) }),
        button({ text: t(locale, { 'zh-CN': '指派', en: 'Assign' }), type: 'primary', submit: true, name: 'assign', value: { action: 'lead.assign_to', leadId: p.leadId } }),
      ]) : note(t(locale, { 'zh-CN': '当前没有在岗的销售。', en: 'No rep is available right now.' })),
    ],
  });
}

const leadSlaEscalatedRenderer: Renderer<LeadPayload> = async (p, ctx) => cardMessage(slaEscalatedCard(p, await activeReps(ctx.core, 50), ctx.locale));

/** The calendar view in chat: a rep's open tasks by day, for today or this week (Mon–Sun). */
export function weekCard(tasks: TaskDto[], range: 'day' | 'week', locale: Locale, tz: string): Card {
  const byDay = new Map<string, TaskDto[]>();
  for (const x of tasks) {
    const d = x.dueAt ? DateTime.fromISO(x.dueAt, { zone: tz }).setLocale(locale === 'en' ? 'en' : 'zh-CN').toFormat(locale === 'en' ? 'ccc LLL d' : 'M月d日 ccc') : '—';
    byDay.set(d, [...(byDay.get(d) ?? []), x]);
  }
  return card({
    title: t(locale, range === 'week' ? { 'zh-CN': '本周日程', en: 'This week' } : { 'zh-CN': '今日日程', en: 'Today' }),
    template: 'blue',
    elements: [
      tasks.length ? null : markdown(t(locale, { 'zh-CN': '没有安排。', en: 'Nothing planned.' })),
      ...[...byDay.entries()].map(([day, xs]) => markdown(`**${day}**\n${xs.map((x) => `- ${x.dueAt ? DateTime.fromISO(x.dueAt, { zone: tz }).toFormat('HH:mm') : ''} ${md(x.title)}${x.customerName ? ` · ${md(x.customerName)}` : ''}`).join('\n')}`)),
      note(t(locale, { 'zh-CN': '发送“本周日程”或“今日日程”；“日历”获取订阅链接。', en: 'Send "agenda week" or "agenda"; "calendar" for the subscription link.' })),
    ],
  });
}

/** A new task from a card (any card may carry a `task.new` button with an optional customerId/customerName). */
export function newTaskFormCard(customer: { id: number | null; name: string | null }, nonce: string, locale: Locale): Card {
  return card({
    title: t(locale, customer.name ? { 'zh-CN': `新建任务：${customer.name}`, en: `New task: ${customer.name}` } : { 'zh-CN': '新建任务', en: 'New task' }),
    template: 'blue',
    elements: [form('task', [
      input({ name: 'title', label: t(locale, { 'zh-CN': '任务', en: 'Task' }), required: true, maxLength: 500 }),
      input({ name: 'at', label: t(locale, { 'zh-CN': '时间（如 2026-12-02 15:00 或 周五下午3点）', en: 'When (2026-12-02 15:00 or "Friday 3pm")' }), maxLength: 60 }),
      selectStatic({ name: 'priority', initial: 'normal', options: [
        { value: 'high', text: t(locale, { 'zh-CN': '高', en: 'High' }) },
        { value: 'normal', text: t(locale, { 'zh-CN': '普通', en: 'Normal' }) },
        { value: 'low', text: t(locale, { 'zh-CN': '低', en: 'Low' }) },
      ] }),
      button({ text: t(locale, { 'zh-CN': '创建', en: 'Create' }), type: 'primary', submit: true, name: 'create', value: { action: 'task.create', customerId: customer.id, key: nonce } }),
    ])],
  });
}

/** Outbox kinds of leads and tasks. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.renderer<LeadPayload>('lead.assigned', (p, ctx) => cardMessage(leadAssignedCard(p, ctx.locale)));
  r.renderer('lead.sla_escalated', leadSlaEscalatedRenderer);
  r.renderer<{ task: TaskDto; seq: number }>('task.reminder', (p, ctx) => cardMessage(taskCard(p.task, p.seq, ctx.locale, ctx.core.timezone)));
  r.renderer<AgendaPayload>('task.agenda', (p, ctx) => cardMessage(agendaCard(p, ctx.locale, ctx.core.timezone)));
  r.renderer<{ card: Card }>('leads.card', (p) => cardMessage(p.card));
}
