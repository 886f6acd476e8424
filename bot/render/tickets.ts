import { DateTime } from 'luxon';
import { button, buttonRow, card, divider, form, input, markdown, md, note, INPUT_MAX_LENGTH, type Card, type CardElement, type Template } from '../cards/kit';
import { t, type Locale } from '../i18n';
import { cardMessage, type Renderer } from './registry';
import type { BotRegistry } from '../registry';
import type { TicketDetailDto } from '../../core/tickets/queries';
import { PRIORITY_LABELS, STATUS_LABELS, type Priority, type TicketStatus } from '../../core/tickets/rules';
import type { SurveyKind } from '../../core/surveys/schemas';

/**
 * Service desk cards: the ticket card an agent gets on assignment (accept / comment / resolve), SLA warnings
 * and breach escalations, and the manager's low-score alert. Payloads are written by core/tickets and
 * core/surveys; card actions are handled in bot/handlers/tickets.ts.
 */
export interface TicketCardData {
  ticketId: number;
  no: string;
  title: string;
  description: string;
  typeLabel: string;
  priority: Priority;
  priorityLabel?: string;
  status: TicketStatus;
  customerName: string | null;
  contactName: string | null;
  agentName: string | null;
  firstResponseDueAt?: string | null;
  resolutionDueAt?: string | null;
}

const TEMPLATE: Record<Priority, Template> = { urgent: 'red', high: 'orange', normal: 'blue', low: 'grey' };

export function fmtTime(iso: string | null | undefined, zone: string, locale: Locale): string {
  if (!iso) return '—';
  return DateTime.fromISO(iso, { zone }).setLocale(locale === 'en' ? 'en' : 'zh-CN').toFormat(locale === 'en' ? 'MMM d HH:mm' : 'M月d日 HH:mm');
}

export function ticketActions(ticketId: number, status: TicketStatus, locale: Locale): CardElement[] {
  if (status === 'resolved' || status === 'closed') return [];
  const buttons: CardElement[] = [];
  if (status === 'new' || status === 'assigned') {
    buttons.push(button({ text: t(locale, { 'zh-CN': '接单', en: 'Accept' }), type: 'primary', value: { action: 'ticket.accept', ticketId } }));
  }
  buttons.push(
    button({
      text: t(locale, { 'zh-CN': '标记已解决', en: 'Resolve' }),
      type: 'default',
      value: { action: 'ticket.resolve', ticketId },
      confirm: { title: t(locale, { 'zh-CN': '确认已解决？', en: 'Resolve this ticket?' }), text: t(locale, { 'zh-CN': '客户将收到满意度调查。', en: 'The customer will get a satisfaction survey.' }) },
    }),
  );
  return [
    buttonRow(buttons),
    form(`ticket_comment_${ticketId}`, [
      input({ name: 'body', placeholder: t(locale, { 'zh-CN': '回复客户（客户可见）', en: 'Reply to the customer (visible to them)' }), maxLength: INPUT_MAX_LENGTH, multiline: true }),
      button({ text: t(locale, { 'zh-CN': '发送回复', en: 'Send reply' }), type: 'primary_filled', submit: true, name: 'send', value: { action: 'ticket.comment', ticketId } }),
    ]),
  ];
}

export function ticketCard(p: TicketCardData, opts: { locale: Locale; zone: string; heading?: string; template?: Template; extra?: CardElement[] }): Card {
  const { locale, zone } = opts;
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  const lines = [
    `**${L('客户', 'Customer')}**：${md(p.customerName ?? '—')}${p.contactName ? `（${md(p.contactName)}）` : ''}`,
    `**${L('类型', 'Type')}**：${md(p.typeLabel)}　**${L('优先级', 'Priority')}**：${md(p.priorityLabel ?? PRIORITY_LABELS[p.priority][locale])}　**${L('状态', 'Status')}**：${STATUS_LABELS[p.status][locale]}`,
    `**${L('处理人', 'Agent')}**：${md(p.agentName ?? L('未分配', 'unassigned'))}`,
  ];
  if (p.firstResponseDueAt || p.resolutionDueAt) {
    lines.push(`**${L('首次响应时限', 'First response by')}**：${fmtTime(p.firstResponseDueAt, zone, locale)}　**${L('解决时限', 'Resolve by')}**：${fmtTime(p.resolutionDueAt, zone, locale)}`);
  }
  return card({
    title: opts.heading ?? `${p.no} ${p.title}`,
    subtitle: opts.heading ? `${p.no} ${p.title}` : undefined,
    template: opts.template ?? TEMPLATE[p.priority],
    elements: [markdown(lines.join('\n')), divider(), markdown(md(p.description)), ...(opts.extra ?? []), ...ticketActions(p.ticketId, p.status, locale)],
  });
}

/** The same card rebuilt from a staff ticket view (after a card action). */
export function cardDataOf(d: TicketDetailDto): TicketCardData {
  return {
    ticketId: d.id,
    no: d.no,
    title: d.title,
    description: d.description.length > 300 ? `${d.description.slice(0, 300)}…` : d.description,
    typeLabel: d.typeLabel,
    priority: d.priority,
    status: d.status,
    customerName: d.customer?.name ?? null,
    contactName: d.contact?.name ?? null,
    agentName: d.agent?.name ?? null,
    firstResponseDueAt: d.sla?.firstResponse.stage === 'ok' || d.sla?.firstResponse.stage === 'warned' ? d.sla.firstResponse.dueAt : null,
    resolutionDueAt: d.sla?.resolution.stage === 'ok' || d.sla?.resolution.stage === 'warned' ? d.sla.resolution.dueAt : null,
  };
}

const ticketAssignedRenderer: Renderer<TicketCardData> = (p, ctx) =>
  cardMessage(ticketCard(p, { locale: ctx.locale, zone: ctx.core.timezone, heading: t(ctx.locale, { 'zh-CN': `新工单：${p.title}`, en: `New ticket: ${p.title}` }) }));

type SlaPayload = TicketCardData & { clock: 'frt' | 'res'; dueAt: string | null; escalated?: boolean };
const clockName = (c: 'frt' | 'res', locale: Locale) => (c === 'frt' ? t(locale, { 'zh-CN': '首次响应', en: 'First response' }) : t(locale, { 'zh-CN': '解决', en: 'Resolution' }));

const ticketSlaWarningRenderer: Renderer<SlaPayload> = (p, ctx) =>
  cardMessage(
    ticketCard(p, {
      locale: ctx.locale,
      zone: ctx.core.timezone,
      template: 'yellow',
      heading: t(ctx.locale, { 'zh-CN': `SLA 即将超时：${clockName(p.clock, ctx.locale)}`, en: `SLA about to breach: ${clockName(p.clock, ctx.locale)}` }),
      extra: [note(t(ctx.locale, { 'zh-CN': `时限 ${fmtTime(p.dueAt, ctx.core.timezone, ctx.locale)}，请尽快处理。`, en: `Due ${fmtTime(p.dueAt, ctx.core.timezone, ctx.locale)}; please act now.` }))],
    }),
  );

const ticketSlaBreachRenderer: Renderer<SlaPayload> = (p, ctx) =>
  cardMessage(
    ticketCard(p, {
      locale: ctx.locale,
      zone: ctx.core.timezone,
      template: 'red',
      heading: p.escalated
        ? t(ctx.locale, { 'zh-CN': `SLA 已超时（已升级）：${clockName(p.clock, ctx.locale)}`, en: `SLA breached (escalated): ${clockName(p.clock, ctx.locale)}` })
        : t(ctx.locale, { 'zh-CN': `SLA 已超时：${clockName(p.clock, ctx.locale)}`, en: `SLA breached: ${clockName(p.clock, ctx.locale)}` }),
      extra: [note(t(ctx.locale, { 'zh-CN': `时限为 ${fmtTime(p.dueAt, ctx.core.timezone, ctx.locale)}。`, en: `It was due ${fmtTime(p.dueAt, ctx.core.timezone, ctx.locale)}.` }))],
    }),
  );

interface LowScorePayload {
  surveyId: number;
  kind: SurveyKind;
  score: number;
  max: number;
  comment: string | null;
  ticketNo: string | null;
  ticketTitle: string | null;
  customerName: string | null;
  contactName: string | null;
  agentName: string | null;
}

const surveyLowScoreRenderer: Renderer<LowScorePayload> = (p, ctx) => {
  const L = (zh: string, en: string) => t(ctx.locale, { 'zh-CN': zh, en });
  const lines = [
    `**${L('客户', 'Customer')}**：${md(p.customerName ?? '—')}${p.contactName ? `（${md(p.contactName)}）` : ''}`,
    `**${p.kind === 'csat' ? L('满意度', 'CSAT') : 'NPS'}**：${p.score} / ${p.max}`,
  ];
  if (p.ticketNo) lines.push(`**${L('工单', 'Ticket')}**：${md(p.ticketNo)} ${md(p.ticketTitle ?? '')}`);
  if (p.agentName) lines.push(`**${L('处理人', 'Agent')}**：${md(p.agentName)}`);
  if (p.comment) lines.push(`**${L('客户留言', 'Comment')}**：${md(p.comment)}`);
  return cardMessage(card({ title: L('客户低分提醒', 'Low satisfaction score'), template: 'red', elements: [markdown(lines.join('\n')), note(L('请尽快回访客户。', 'Please follow up with the customer soon.'))] }));
};

/** Outbox kinds of the service desk. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.renderer('ticket.assigned', ticketAssignedRenderer);
  r.renderer('ticket.sla_warning', ticketSlaWarningRenderer);
  r.renderer('ticket.sla_breach', ticketSlaBreachRenderer);
  r.renderer('survey.low_score', surveyLowScoreRenderer);
}
