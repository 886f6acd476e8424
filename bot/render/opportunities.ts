import {
  button, buttonRow, card, columnSet, datePicker, divider, form, input, markdown, md, note, selectStatic, INPUT_MAX_LENGTH, type Card, type CardElement, type Template,
} from '../cards/kit';
import { t, type Locale } from '../i18n';
import { cardMessage, type Renderer } from './registry';
import type { BotRegistry } from '../registry';
import { formatCents } from '../../core/shared/money';
import {
  LOSS_REASON_NAMES, LOSS_REASONS, type ForecastDto, type FunnelDto, type OpportunityDto, type PipelineDto, type QuoteDto, type StageChangedPayload, type StuckDigestPayload,
} from '../../core/opportunities/schemas';

/**
 * The sales pipeline's cards: the opportunity card (stage buttons that update the card in place, loss reason,
 * quotes), "my pipeline", the forecast, the choose cards of the chat flows, the create form, and the outbox kinds
 * 'opportunity.stage_changed' (a large deal moved: to the owner's manager) and 'opportunity.stuck_digest'.
 * Handlers: bot/handlers/opportunities.ts. Cards show business figures only: no phone, e-mail or other personal field.
 */

type L = (zh: string, en: string) => string;
const lang = (locale: Locale): L => (zh, en) => t(locale, { 'zh-CN': zh, en });

export function money(cents: number | null | undefined, currency = 'CNY'): string {
  if (cents === null || cents === undefined) return '—';
  return currency === 'CNY' ? `¥${formatCents(cents)}` : `${currency} ${formatCents(cents)}`;
}

/** A stage's name in the card's language (names are data: zh-CN `name`, English `nameEn`). */
export function stageLabel(pipeline: Pick<PipelineDto, 'stages'> | null, key: string, fallback: string, locale: Locale): string {
  const s = pipeline?.stages.find((x) => x.key === key);
  return s ? (locale === 'en' ? s.nameEn : s.name) : fallback;
}

const openStagesOf = (p: Pick<PipelineDto, 'stages'>) => p.stages.filter((s) => s.category !== 'won' && s.category !== 'lost');
const closingStage = (p: Pick<PipelineDto, 'stages'>, cat: 'won' | 'lost') => p.stages.find((s) => s.category === cat);

const STATUS_TEMPLATE: Record<OpportunityDto['status'], Template> = { open: 'blue', won: 'green', lost: 'grey' };

/** Stage buttons of an open deal: every other open stage, then 赢单 / 输单. Each click carries the version it saw. */
export function stageButtons(o: Pick<OpportunityDto, 'id' | 'stage' | 'status' | 'version'>, pipeline: Pick<PipelineDto, 'stages'>, locale: Locale, from: 'card' | 'list' = 'card'): CardElement[] {
  if (o.status !== 'open') return [];
  const L = lang(locale);
  const buttons = openStagesOf(pipeline)
    .filter((s) => s.key !== o.stage)
    .map((s) => button({ text: `→ ${locale === 'en' ? s.nameEn : s.name}`, value: { action: 'opportunity.stage', opportunityId: o.id, stage: s.key, version: o.version, from, key: `${o.id}:${o.version}:${s.key}` } }));
  const won = closingStage(pipeline, 'won');
  const lost = closingStage(pipeline, 'lost');
  if (won) {
    buttons.push(button({
      text: locale === 'en' ? won.nameEn : won.name, type: 'primary',
      value: { action: 'opportunity.stage', opportunityId: o.id, stage: won.key, version: o.version, from, key: `${o.id}:${o.version}:${won.key}` },
      confirm: { title: L('确认赢单？', 'Mark as won?'), text: L('商机将关闭为赢单。', 'The deal closes as won.') },
    }));
  }
  if (lost) buttons.push(button({ text: locale === 'en' ? lost.nameEn : lost.name, type: 'danger', value: { action: 'opportunity.lose_form', opportunityId: o.id, version: o.version, from } }));
  return buttons;
}

export interface OpportunityCardOptions {
  locale: Locale;
  heading?: string;
  /** Quotes of the deal, newest first (their buttons show on the card). */
  quotes?: QuoteDto[];
  extra?: CardElement[];
}

/** The opportunity card: figures, stage buttons (update this card in place), amount form when missing, quote buttons. */
export function opportunityCard(o: OpportunityDto, pipeline: Pick<PipelineDto, 'stages'>, opts: OpportunityCardOptions): Card {
  const { locale } = opts;
  const L = lang(locale);
  const stage = stageLabel(pipeline, o.stage, o.stageName, locale);
  const lines = [
    `**${L('客户', 'Customer')}**：${md(o.customerName)}`,
    `**${L('阶段', 'Stage')}**：${md(stage)}（${o.probability}%${o.probabilityOverridden ? L('，主管调整', ', set by a manager') : ''}）`,
    `**${L('金额', 'Amount')}**：${money(o.amountCents, o.currency)}　**${L('加权', 'Weighted')}**：${money(o.weightedCents, o.currency)}`,
    `**${L('预计成交', 'Expected close')}**：${o.expectedCloseDate}　**${L('负责人', 'Owner')}**：${md(o.ownerName)}`,
  ];
  if (o.nextStep) lines.push(`**${L('下一步', 'Next step')}**：${md(o.nextStep)}`);
  if (o.status === 'lost') {
    const reason = o.lossReason ? LOSS_REASON_NAMES[o.lossReason][locale] : '—';
    lines.push(`**${L('输单原因', 'Loss reason')}**：${md(reason)}${o.lossNote ? `（${md(o.lossNote)}）` : ''}`);
  }
  const els: CardElement[] = [markdown(lines.join('\n'))];
  if (o.lines.length) {
    els.push(note(o.lines.slice(0, 10).map((l) => `${md(l.name)} × ${l.quantity} = ${money(l.amountCents, o.currency)}`).join('\n') + (o.lines.length > 10 ? `\n… ${o.lines.length - 10}` : '')));
  }
  els.push(...(opts.extra ?? []));
  if (o.status === 'open') {
    els.push(divider(), buttonRow(stageButtons(o, pipeline, locale)));
    if (o.amountCents === null) {
      els.push(form(`opp_amount_${o.id}`, [
        input({ name: 'amount', placeholder: L('金额，例如 50万 / 80000', 'Amount, e.g. 500k / 80000'), maxLength: 40 }),
        button({ text: L('设置金额', 'Set amount'), type: 'primary_filled', submit: true, name: 'set_amount', value: { action: 'opportunity.set_amount', opportunityId: o.id, version: o.version } }),
      ]));
    }
    const live = (opts.quotes ?? []).find((q) => q.status === 'draft' || q.status === 'sent');
    const qButtons: CardElement[] = [button({ text: live ? L('重新报价', 'New quote version') : L('生成报价单', 'Create quote'), value: { action: 'quote.create', opportunityId: o.id, key: `${o.id}:${o.version}:quote` } })];
    if (live) qButtons.push(...quoteButtons(live, locale));
    els.push(buttonRow(qButtons));
    if (live) els.push(note(quoteLine(live, locale)));
  } else if (o.status === 'won') {
    els.push(note(L(`已赢单${o.closedAt ? `（${o.closedAt.slice(0, 10)}）` : ''}${o.wonContractId ? `，合同 #${o.wonContractId}` : ''}`, `Won${o.closedAt ? ` (${o.closedAt.slice(0, 10)})` : ''}${o.wonContractId ? `, contract #${o.wonContractId}` : ''}`)));
  }
  return card({
    title: opts.heading ?? `${L('商机', 'Opportunity')}：${o.name}`,
    subtitle: opts.heading ? o.name : o.customerName,
    template: STATUS_TEMPLATE[o.status],
    elements: els,
  });
}

/** "输单" needs a reason: the closed list, plus free text. */
export function lossFormCard(o: Pick<OpportunityDto, 'id' | 'name' | 'customerName' | 'version'>, locale: Locale, opts: { from?: 'card' | 'list' | 'chat'; reason?: string | null; note?: string | null } = {}): Card {
  const L = lang(locale);
  return card({
    title: L(`输单：${o.name}`, `Lost: ${o.name}`),
    subtitle: o.customerName,
    template: 'orange',
    elements: [
      markdown(L('请选择输单原因（必填），可补充说明。', 'Pick the reason (required) and add a note if you like.')),
      form(`opp_lose_${o.id}`, [
        selectStatic({ name: 'lossReason', placeholder: L('输单原因', 'Reason'), options: LOSS_REASONS.map((r) => ({ text: LOSS_REASON_NAMES[r][locale], value: r })), initial: opts.reason ?? undefined, required: true }),
        input({ name: 'lossNote', placeholder: L('补充说明（可选）', 'Note (optional)'), defaultValue: opts.note ?? undefined, maxLength: 500 }),
        button({ text: L('确认输单', 'Mark as lost'), type: 'danger_filled', submit: true, name: 'lose', value: { action: 'opportunity.lose', opportunityId: o.id, version: o.version, from: opts.from ?? 'card' } }),
      ]),
    ],
  });
}

// ------------------------------------------------------------------ quotes

const QUOTE_STATUS: Record<QuoteDto['status'], { 'zh-CN': string; en: string }> = {
  draft: { 'zh-CN': '草稿', en: 'Draft' },
  sent: { 'zh-CN': '已发送', en: 'Sent' },
  accepted: { 'zh-CN': '客户已接受', en: 'Accepted' },
  rejected: { 'zh-CN': '客户已拒绝', en: 'Rejected' },
  superseded: { 'zh-CN': '已作废（有新版本）', en: 'Superseded' },
};

function quoteLine(q: QuoteDto, locale: Locale): string {
  const L = lang(locale);
  return L(
    `报价单 ${md(q.number)} 第 ${q.version} 版 · ${money(q.amountCents, q.currency)} · ${QUOTE_STATUS[q.status]['zh-CN']} · 有效期至 ${q.validUntil}${q.expired ? '（已过期）' : ''}`,
    `Quote ${md(q.number)} v${q.version} · ${money(q.amountCents, q.currency)} · ${QUOTE_STATUS[q.status].en} · valid until ${q.validUntil}${q.expired ? ' (expired)' : ''}`,
  );
}

function quoteButtons(q: QuoteDto, locale: Locale): CardElement[] {
  const L = lang(locale);
  const out: CardElement[] = [];
  if (q.status === 'draft') out.push(button({ text: L('发送给客户', 'Send to customer'), type: 'primary', value: { action: 'quote.send', quoteId: q.id, key: `${q.id}:send` } }));
  if (q.status === 'sent' && !q.expired) {
    out.push(button({
      text: L('客户已接受', 'Customer accepted'), type: 'primary_filled', value: { action: 'quote.accept', quoteId: q.id, key: `${q.id}:accept` },
      confirm: { title: L('客户已接受报价？', 'Customer accepted?'), text: L('将按报价生成合同草稿并提交审批。', 'A contract draft is made from the quote and submitted for approval.') },
    }));
    out.push(button({ text: L('客户拒绝', 'Customer declined'), value: { action: 'quote.reject', quoteId: q.id, key: `${q.id}:reject` } }));
  }
  return out;
}

/** A quote: its lines, validity, and the next step's buttons (send → accepted / declined). */
export function quoteCard(q: QuoteDto, locale: Locale, opts: { heading?: string; contract?: { id: number; number: string; status: string } | null } = {}): Card {
  const L = lang(locale);
  const els: CardElement[] = [
    markdown([
      `**${L('客户', 'Customer')}**：${md(q.customerName)}　**${L('商机', 'Opportunity')}**：${md(q.opportunityName)}`,
      `**${L('金额', 'Amount')}**：${money(q.amountCents, q.currency)}${q.listCents !== q.amountCents ? L(`（原价 ${money(q.listCents, q.currency)}）`, ` (list ${money(q.listCents, q.currency)})`) : ''}`,
      `**${L('状态', 'Status')}**：${QUOTE_STATUS[q.status][locale]}　**${L('有效期至', 'Valid until')}**：${q.validUntil}${q.expired ? L('（已过期）', ' (expired)') : ''}`,
    ].join('\n')),
    note(q.lines.slice(0, 15).map((l) => `${md(l.name)} × ${l.quantity} @ ${money(l.unitPriceCents, q.currency)}${l.discountBp ? ` -${(l.discountBp / 100).toFixed(2)}%` : ''} = ${money(l.amountCents, q.currency)}`).join('\n') + (q.lines.length > 15 ? `\n… ${q.lines.length - 15}` : '')),
  ];
  if (opts.contract) {
    els.push(markdown(L(`合同 **${md(opts.contract.number)}** 已按报价生成${opts.contract.status === 'pending_approval' ? '，已提交审批' : ''}。`, `Contract **${md(opts.contract.number)}** drafted from the quote${opts.contract.status === 'pending_approval' ? ' and submitted for approval' : ''}.`)));
  }
  const buttons = quoteButtons(q, locale);
  if (buttons.length) els.push(buttonRow(buttons));
  els.push(buttonRow([button({ text: L('查看商机', 'Open the opportunity'), value: { action: 'opportunity.view', opportunityId: q.opportunityId } })]));
  return card({ title: opts.heading ?? L(`报价单 ${q.number}（第 ${q.version} 版）`, `Quote ${q.number} (v${q.version})`), subtitle: q.opportunityName, template: q.status === 'accepted' ? 'green' : q.status === 'rejected' || q.status === 'superseded' ? 'grey' : 'wathet', elements: els });
}

// ------------------------------------------------------------------ my pipeline

export interface PipelineSection {
  pipeline: PipelineDto;
  stages: { key: string; name: string; probability: number; count: number; amountCents: number; weightedCents: number }[];
  total: { count: number; amountCents: number; weightedCents: number };
  top: { id: number; name: string; customerName: string; stage: string; stageName: string; amountCents: number | null; expectedCloseDate: string; version: number }[];
}

const row = (cells: string[], weights: number[], bold = false): CardElement =>
  columnSet(cells.map((c, i) => ({ elements: [markdown(bold ? `**${c}**` : c, { textSize: 'notation' })], weight: weights[i] })), { horizontalSpacing: 'small' });

/** Stages with count, amount and weighted amount: one markdown block (a card holds at most 200 components). */
function stageTable(section: PipelineSection, locale: Locale): CardElement {
  const L = lang(locale);
  const lines = section.stages.map((s) => `${md(stageLabel(section.pipeline, s.key, s.name, locale))}（${s.probability}%）：**${s.count}** · ${money(s.amountCents)} · ${L('加权', 'weighted')} ${money(s.weightedCents)}`);
  lines.push(`**${L('合计', 'Total')}**：**${section.total.count}** · ${money(section.total.amountCents)} · ${L('加权', 'weighted')} ${money(section.total.weightedCents)}`);
  return markdown(lines.join('\n'));
}

/** The buttons of a deal in a list: its next open stage, 赢单, 输单, details (the deal's own card has every stage). */
function listButtons(d: PipelineSection['top'][number], pipeline: PipelineDto, locale: Locale): CardElement[] {
  const all = stageButtons({ id: d.id, stage: d.stage, status: 'open', version: d.version }, pipeline, locale, 'list');
  const open = openStagesOf(pipeline);
  const next = open[open.findIndex((s) => s.key === d.stage) + 1];
  const pickNext = all.filter((b) => {
    const v = ((b.behaviors as { value: Record<string, unknown> }[])[0]).value;
    return v.action !== 'opportunity.stage' || v.stage === next?.key || v.stage === closingStage(pipeline, 'won')?.key;
  });
  return [...pickNext, button({ text: lang(locale)('详情', 'Details'), type: 'text', value: { action: 'opportunity.view', opportunityId: d.id } })];
}

/** "My pipeline": per pipeline, the open deals by stage, then the largest deals with their stage buttons. */
/** Whose numbers a card shows: a rep's own, a manager's team, an admin's whole company. */
export type Audience = 'mine' | 'team' | 'company';
const AUDIENCE_TITLE: Record<Audience, { pipeline: [string, string]; forecast: [string, string] }> = {
  mine: { pipeline: ['我的商机', 'My pipeline'], forecast: ['我的预测', 'My forecast'] },
  team: { pipeline: ['团队商机', 'Team pipeline'], forecast: ['团队预测', 'Team forecast'] },
  company: { pipeline: ['全公司商机', 'Company pipeline'], forecast: ['全公司预测', 'Company forecast'] },
};

export function pipelineCard(sections: PipelineSection[], locale: Locale, opts: { audience?: Audience } = {}): Card {
  const L = lang(locale);
  const els: CardElement[] = [];
  const shown = sections.filter((s, i) => i === 0 || s.total.count > 0);
  for (const [i, s] of shown.entries()) {
    if (i > 0) els.push(divider());
    els.push(markdown(`**${md(s.pipeline.name)}**`), stageTable(s, locale));
    if (s.top.length) {
      els.push(markdown(`**${L('重点商机', 'Top deals')}**`));
      for (const d of s.top) {
        els.push(
          markdown(`${md(d.customerName)} · **${md(d.name)}** · ${md(stageLabel(s.pipeline, d.stage, d.stageName, locale))} · ${money(d.amountCents)} · ${L('预计', 'close')} ${d.expectedCloseDate}`),
          buttonRow(listButtons(d, s.pipeline, locale)),
        );
      }
    }
  }
  if (!shown.some((s) => s.total.count > 0)) els.push(note(L('还没有进行中的商机。发送“商机 客户名 项目 金额 日期”即可创建。', 'No open deals yet. Send "new deal <customer> <name> <amount> <date>" to create one.')));
  return card({ title: L(...AUDIENCE_TITLE[opts.audience ?? 'mine'].pipeline), template: 'blue', elements: els });
}

// ------------------------------------------------------------------ forecast

/** The forecast for a period (weighted, commit, best case, won; per month), and the funnel of that period. */
export function forecastCard(f: ForecastDto, funnel: FunnelDto | null, locale: Locale, opts: { audience?: Audience } = {}): Card {
  const L = lang(locale);
  const c = f.scope.currency;
  const tt = f.totals;
  const els: CardElement[] = [
    markdown([
      `**${L('加权预测', 'Weighted forecast')}**：${money(tt.weightedCents, c)}`,
      `**${L('承诺', 'Commit')}**：${money(tt.commitCents, c)}　**${L('最佳情况', 'Best case')}**：${money(tt.bestCaseCents, c)}`,
      `**${L('已赢单', 'Won')}**：${money(tt.wonCents, c)}（${tt.won}）　**${L('进行中', 'Open')}**：${tt.open} · ${money(tt.pipelineCents, c)}`,
    ].join('\n')),
  ];
  if (f.months.length > 1) {
    els.push(markdown(f.months.slice(0, 12).map((m) => `${m.month}：${L('加权', 'weighted')} ${money(m.weightedCents, c)} · ${L('承诺', 'commit')} ${money(m.commitCents, c)} · ${L('已赢单', 'won')} ${money(m.wonCents, c)}`).join('\n'), { textSize: 'notation' }));
  }
  if (funnel) {
    const w = [3, 1, 3, 2];
    els.push(divider(), markdown(`**${L('漏斗', 'Funnel')}**`), row([L('阶段', 'Stage'), L('数量', 'Deals'), L('金额', 'Amount'), L('转化', 'Conversion')], w, true));
    for (const s of funnel.stages) {
      const name = locale === 'en' ? s.nameEn : s.name;
      els.push(row([md(name), String(s.count), money(s.amountCents, c), s.conversionToNext === null ? '—' : `${Math.round(s.conversionToNext * 100)}%`], w));
    }
    const wr = funnel.winRate;
    els.push(note(L(`赢率 ${wr.rate === null ? '—' : `${Math.round(wr.rate * 100)}%`}（赢 ${wr.won} / 输 ${wr.lost}）`, `Win rate ${wr.rate === null ? '—' : `${Math.round(wr.rate * 100)}%`} (won ${wr.won} / lost ${wr.lost})`)));
  }
  els.push(note(L(`周期 ${f.period.from} ~ ${f.period.to}，按预计成交日期（已关闭的按关闭日期）统计。`, `Period ${f.period.from} – ${f.period.to}, by expected close date (closed deals by their close date).`)));
  const [zh, en] = AUDIENCE_TITLE[opts.audience ?? 'mine'].forecast;
  const title = L(`${zh} · ${f.period.label}`, `${en} · ${f.period.label}`);
  return card({ title, template: 'indigo', elements: els });
}

// ------------------------------------------------------------------ chat flows: choose, ask, create form

export interface ChooseItem {
  id: number;
  name: string;
  customerName: string;
  stageName: string;
  amountCents: number | null;
}

/** A phrase matched several deals: pick one; the button carries what the message asked (stage, loss reason). */
export function chooseOpportunityCard(ref: string, items: ChooseItem[], move: { stage: string; stageName: string; lossReason?: string | null; lossNote?: string | null }, locale: Locale): Card {
  const L = lang(locale);
  return card({
    title: L(`“${ref}”匹配到多个商机`, `"${ref}" matches several deals`),
    template: 'wathet',
    elements: [
      markdown(L(`要把哪一个移到 **${md(move.stageName)}**？`, `Which one moves to **${md(move.stageName)}**?`)),
      ...items.slice(0, 10).map((o) => columnSet([
        { elements: [markdown(`${md(o.customerName)} · **${md(o.name)}** · ${md(o.stageName)} · ${money(o.amountCents)}`)], weight: 4 },
        { elements: [button({ text: L('选这个', 'This one'), type: 'primary', value: { action: 'opportunity.stage', opportunityId: o.id, stage: move.stage, ...(move.lossReason ? { lossReason: move.lossReason } : {}), ...(move.lossNote ? { lossNote: move.lossNote } : {}), from: 'card' } })], width: 'auto' },
      ])),
    ],
  });
}

/** What a "new deal" message said, carried on the ask / choose cards until it is created. */
export interface OpportunityDraft {
  customer: string | null;
  name: string | null;
  amountCents: number | null;
  expectedCloseDate: string | null;
  stage: string | null;
  nonce: string;
}

function draftLines(d: OpportunityDraft, locale: Locale): string {
  const L = lang(locale);
  return [
    d.name ? `**${L('名称', 'Name')}**：${md(d.name)}` : null,
    d.amountCents !== null ? `**${L('金额', 'Amount')}**：${money(d.amountCents)}` : null,
    d.expectedCloseDate ? `**${L('预计成交', 'Expected close')}**：${d.expectedCloseDate}` : null,
  ].filter(Boolean).join('\n');
}

/** Several customers match the name: choose one (or type another). */
export function chooseCustomerCard(d: OpportunityDraft, customers: { id: number; name: string; ownerName: string | null; inPool: boolean }[], locale: Locale): Card {
  const L = lang(locale);
  return card({
    title: L(`新商机：“${d.customer ?? ''}”匹配到多个客户`, `New deal: "${d.customer ?? ''}" matches several customers`),
    template: 'wathet',
    elements: [
      markdown(draftLines(d, locale) || L('请选择客户。', 'Pick the customer.')),
      ...customers.slice(0, 8).map((c) => columnSet([
        { elements: [markdown(`**${md(c.name)}**${c.inPool ? L('（公海）', ' (pool)') : c.ownerName ? ` · ${md(c.ownerName)}` : ''}`)], weight: 4 },
        { elements: [button({ text: L('就是它', 'This one'), type: 'primary', value: { action: 'opportunity.create', customerId: c.id, draft: d, key: `${d.nonce}:${c.id}` } })], width: 'auto' },
      ])),
      askCustomerForm(d, locale),
    ],
  });
}

function askCustomerForm(d: OpportunityDraft, locale: Locale): CardElement {
  const L = lang(locale);
  return form(`opp_customer_${d.nonce.replace(/[^\w]/g, '').slice(-20)}`, [
    input({ name: 'customer', placeholder: L('客户名称', 'Customer name'), defaultValue: d.customer ?? undefined, maxLength: 100, required: true }),
    button({ text: L('用这个客户', 'Use this customer'), type: 'primary_filled', submit: true, name: 'use_customer', value: { action: 'opportunity.create', draft: d } }),
  ]);
}

/** No visible customer has that name (or none was named): ask for it. */
export function askCustomerCard(d: OpportunityDraft, locale: Locale): Card {
  const L = lang(locale);
  return card({
    title: d.customer ? L(`没有找到客户“${d.customer}”`, `No customer "${d.customer}"`) : L('新商机：是哪个客户的？', 'New deal: for which customer?'),
    template: 'orange',
    elements: [
      markdown(draftLines(d, locale) || L('请填写客户名称。', 'Enter the customer.')),
      note(L('只能为你负责的客户建商机；公海客户请先认领，新客户请先录入线索。', 'Deals are for customers you own: claim a pool customer first; add a new company as a lead first.')),
      askCustomerForm(d, locale),
    ],
  });
}

/** The customer is in the public pool: a deal needs an owner, so claim first (one tap does both). */
export function claimFirstCard(d: OpportunityDraft, customer: { id: number; name: string }, locale: Locale): Card {
  const L = lang(locale);
  return card({
    title: L(`「${customer.name}」在公海中`, `"${customer.name}" is in the public pool`),
    template: 'orange',
    elements: [
      markdown(draftLines(d, locale) || L('新商机', 'New deal')),
      note(L('公海客户需要先认领，才能为其建商机。', 'Claim a pool customer before creating a deal for it.')),
      buttonRow([button({ text: L('认领并创建商机', 'Claim and create the deal'), type: 'primary_filled', value: { action: 'opportunity.claim_create', customerId: customer.id, draft: d, key: `${d.nonce}:claim:${customer.id}` } })]),
    ],
  });
}

/** The "create opportunity" form (from a follow-up card or a customer). */
export function createFormCard(customer: { id: number; name: string }, nonce: string, locale: Locale): Card {
  const L = lang(locale);
  return card({
    title: L(`新商机：${customer.name}`, `New deal: ${customer.name}`),
    template: 'blue',
    elements: [form(`opp_new_${customer.id}`, [
      input({ name: 'name', label: L('商机名称', 'Name'), placeholder: L('例如 ERP升级', 'e.g. ERP upgrade'), maxLength: 200 }),
      input({ name: 'amount', label: L('金额', 'Amount'), placeholder: L('例如 50万 / 80000', 'e.g. 500k / 80000'), maxLength: 40 }),
      datePicker({ name: 'expectedCloseDate', placeholder: L('预计成交日期', 'Expected close date') }),
      input({ name: 'nextStep', label: L('下一步', 'Next step'), placeholder: L('可选', 'optional'), maxLength: INPUT_MAX_LENGTH }),
      button({ text: L('创建商机', 'Create'), type: 'primary_filled', submit: true, name: 'create', value: { action: 'opportunity.create', customerId: customer.id, draft: { customer: customer.name, name: null, amountCents: null, expectedCloseDate: null, stage: null, nonce }, form: true, key: nonce } }),
    ])],
  });
}

// ------------------------------------------------------------------ outbox renderers

/** A large deal changed stage (to the owner's manager). */
export function stageChangedCard(p: StageChangedPayload, locale: Locale): Card {
  const L = lang(locale);
  const won = p.toStage === 'won';
  return card({
    title: L(`大单阶段变化：${p.name}`, `Large deal moved: ${p.name}`),
    subtitle: p.customerName,
    template: won ? 'green' : 'orange',
    elements: [
      markdown([
        `**${L('客户', 'Customer')}**：${md(p.customerName)}　**${L('负责人', 'Owner')}**：${md(p.ownerName)}`,
        `**${L('阶段', 'Stage')}**：${md(p.fromStageName ?? '—')} → **${md(p.toStageName)}**（${p.probability}%）`,
        `**${L('金额', 'Amount')}**：${money(p.amountCents, p.currency)}　**${L('预计成交', 'Expected close')}**：${p.expectedCloseDate}`,
        p.byName ? `**${L('操作人', 'By')}**：${md(p.byName)}` : '',
      ].filter(Boolean).join('\n')),
      buttonRow([button({ text: L('查看商机', 'Open the opportunity'), value: { action: 'opportunity.view', opportunityId: p.opportunityId } })]),
    ],
  });
}

/** The daily list of stuck deals (no stage change for N days), to their owner or to the team's manager. */
export function stuckDigestCard(p: StuckDigestPayload, locale: Locale): Card {
  const L = lang(locale);
  const els: CardElement[] = [
    markdown(p.audience === 'manager'
      ? L(`团队有 **${p.total}** 个商机超过 ${p.stuckDays} 天没有推进，合计 ${money(p.totalCents)}。`, `Your team has **${p.total}** deals with no stage change for ${p.stuckDays}+ days, ${money(p.totalCents)} in all.`)
      : L(`你有 **${p.total}** 个商机超过 ${p.stuckDays} 天没有推进，合计 ${money(p.totalCents)}。`, `You have **${p.total}** deals with no stage change for ${p.stuckDays}+ days, ${money(p.totalCents)} in all.`)),
  ];
  for (const d of p.deals.slice(0, 10)) {
    els.push(columnSet([
      { elements: [markdown(`${md(d.customerName)} · **${md(d.name)}** · ${md(d.stageName)} · ${money(d.amountCents, d.currency)} · ${L(`${d.days} 天`, `${d.days} days`)}${p.audience === 'manager' ? ` · ${md(d.ownerName)}` : ''}`)], weight: 4 },
      { elements: [button({ text: L('查看', 'Open'), type: 'text', value: { action: 'opportunity.view', opportunityId: d.id } })], width: 'auto' },
    ]));
  }
  if (p.deals.length > 10) els.push(note(L(`另有 ${p.deals.length - 10} 个，发送“我的商机”查看。`, `${p.deals.length - 10} more; send "my pipeline" to see them.`)));
  return card({ title: L(`停滞商机提醒 · ${p.day}`, `Stuck deals · ${p.day}`), template: 'yellow', elements: els });
}

const stageChangedRenderer: Renderer<StageChangedPayload> = (p, ctx) => cardMessage(stageChangedCard(p, ctx.locale));
const stuckDigestRenderer: Renderer<StuckDigestPayload> = (p, ctx) => cardMessage(stuckDigestCard(p, ctx.locale));
/** A card the chat handler built already (its language is the sender's). */
const cardRenderer: Renderer<{ card: Card }> = (p) => cardMessage(p.card);

/** Outbox kinds of the sales pipeline. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.renderer('opportunity.stage_changed', stageChangedRenderer);
  r.renderer('opportunity.stuck_digest', stuckDigestRenderer);
  r.renderer('opportunity.card', cardRenderer);
}
