import { randomUUID } from 'node:crypto';
import { button, buttonRow, card, divider, form, input, markdown, md, note, type Card, type CardElement, type Template } from '../cards/kit';
import { t, type Locale } from '../i18n';
import { cardMessage, textMessage, type Renderer } from './registry';
import type { BotRegistry } from '../registry';
import { formatCents } from '../../core/shared/money';
import type { ApprovalCardPayload, ApprovalView } from '../../core/approvals/operations';
import type { ContractDto } from '../../core/contracts/operations';
import type { ContractApprovalSubject } from '../../core/contracts/schemas';

/**
 * Card JSON 2.0 for contracts, approvals and receivables. Buttons whose effect is not idempotent in the
 * core (record a payment, create a draft) carry a per-card `key`: a double-click answers "already done".
 */
const cardKey = () => randomUUID().slice(0, 18);

const yuan = (cents: number, currency = 'CNY') => (currency === 'CNY' ? `¥${formatCents(cents)}` : `${currency} ${formatCents(cents)}`);
const pct = (bp: number) => `${formatCents(bp)}%`;

const RISK: Record<string, { 'zh-CN': string; en: string }> = {
  none: { 'zh-CN': '无记录', en: 'no history' },
  low: { 'zh-CN': '低', en: 'low' },
  medium: { 'zh-CN': '中 ⚠️', en: 'medium ⚠️' },
  high: { 'zh-CN': '高 🔴', en: 'high 🔴' },
};

const STEP_STATUS: Record<string, { 'zh-CN': string; en: string }> = {
  waiting: { 'zh-CN': '⏳ 待前序审批', en: '⏳ waiting' },
  pending: { 'zh-CN': '🕒 审批中', en: '🕒 pending' },
  approved: { 'zh-CN': '✅ 同意', en: '✅ approved' },
  rejected: { 'zh-CN': '❌ 驳回', en: '❌ rejected' },
  withdrawn: { 'zh-CN': '↩️ 已撤回', en: '↩️ withdrawn' },
  skipped: { 'zh-CN': '— 未进行', en: '— skipped' },
};

const REQUEST_STATUS: Record<string, { text: { 'zh-CN': string; en: string }; template: Template }> = {
  pending: { text: { 'zh-CN': '审批中', en: 'Pending' }, template: 'orange' },
  approved: { text: { 'zh-CN': '已通过', en: 'Approved' }, template: 'green' },
  rejected: { text: { 'zh-CN': '已驳回', en: 'Rejected' }, template: 'red' },
  withdrawn: { text: { 'zh-CN': '已撤回', en: 'Withdrawn' }, template: 'grey' },
};

function lineText(l: ContractApprovalSubject['lines'][number], currency: string): string {
  const disc = l.discountBp ? ` −${pct(l.discountBp)}` : '';
  return `- ${md(l.name)} × ${l.quantity} @ ${yuan(l.unitPriceCents, currency)}${disc} = **${yuan(l.amountCents, currency)}**`;
}

/** The approval card as one person sees it: buttons only for the current approver, withdraw only for the submitter. */
export function approvalCard(view: ApprovalView, viewerId: number, locale: Locale): Card {
  const s = view.subject as ContractApprovalSubject; // the approval subject 'contract' (core/contracts/schemas.ts)
  const st = REQUEST_STATUS[view.status] ?? REQUEST_STATUS.pending;
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  const discount = s.discountOverLimit
    ? L(`**${pct(s.discountBp)}**（超出政策上限 ${pct(s.discountLimitBp)} ⚠️）`, `**${pct(s.discountBp)}** (above the ${pct(s.discountLimitBp)} policy limit ⚠️)`)
    : L(`${pct(s.discountBp)}（政策上限 ${pct(s.discountLimitBp)} 内）`, `${pct(s.discountBp)} (within the ${pct(s.discountLimitBp)} policy limit)`);
  const elements: (CardElement | null)[] = [
    markdown(
      [
        `**${L('客户', 'Customer')}**：${md(s.customer.name)}${s.customer.tier ? `（${md(s.customer.tier)}）` : ''}`,
        `**${L('金额', 'Amount')}**：${yuan(s.amountCents, s.currency)}${s.listCents !== s.amountCents ? L(`（原价 ${yuan(s.listCents, s.currency)}）`, ` (list ${yuan(s.listCents, s.currency)})`) : ''}`,
        `**${L('折扣', 'Discount')}**：${discount}`,
        `**${L('期限', 'Term')}**：${s.startDate} ~ ${s.endDate}`,
        `**${L('提交人', 'Submitted by')}**：${md(view.submitter.name)}`,
      ].join('\n'),
    ),
    markdown(s.lines.slice(0, 15).map((l) => lineText(l, s.currency)).join('\n') + (s.lines.length > 15 ? `\n… +${s.lines.length - 15}` : '')),
    view.note ? markdown(`**${L('说明', 'Note')}**：${md(view.note)}`) : null,
    note(
      L(
        `该客户历史：${s.history.contracts} 份合同 ${yuan(s.history.contractCents)}，已回款 ${yuan(s.history.paidCents)}，逾期 ${yuan(s.history.overdueCents)}，信用风险：${RISK[s.history.risk]?.['zh-CN'] ?? s.history.risk}`,
        `History: ${s.history.contracts} contracts ${yuan(s.history.contractCents)}, paid ${yuan(s.history.paidCents)}, overdue ${yuan(s.history.overdueCents)}, credit risk: ${RISK[s.history.risk]?.en ?? s.history.risk}`,
      ),
    ),
    divider(),
    markdown(
      view.steps
        .map((step) => {
          const who = step.delegatedFromName ? `${md(step.approverName)}（${L('代', 'for')} ${md(step.delegatedFromName)}）` : md(step.approverName);
          const c = step.comment ? `：${md(step.comment)}` : '';
          return `${step.seq}. ${md(step.label)} ${who} ${t(locale, STEP_STATUS[step.status] ?? STEP_STATUS.waiting)}${c}`;
        })
        .join('\n'),
    ),
    view.comments.length ? markdown(view.comments.map((c) => `💬 ${md(c.userName)}：${md(c.text)}`).join('\n')) : null,
    view.status === 'rejected' && view.reason ? markdown(`**${L('驳回原因', 'Reason')}**：${md(view.reason)}`) : null,
    view.status === 'withdrawn' ? note(L('提交人已撤回该申请', 'The submitter withdrew this request')) : null,
  ];
  const canDecide = view.status === 'pending' && view.currentStep?.approverId === viewerId;
  if (canDecide) {
    elements.push(
      form('approval', [
        input({ name: 'comment', placeholder: L('审批意见（驳回时必填）', 'Comment (required to reject)'), maxLength: 500 }),
        buttonRow([
          button({ text: L('同意', 'Approve'), type: 'primary_filled', submit: true, name: 'approve', value: { action: 'approval.approve', stepId: view.currentStep!.id } }),
          button({ text: L('驳回', 'Reject'), type: 'danger', submit: true, name: 'reject', value: { action: 'approval.reject', stepId: view.currentStep!.id } }),
          button({ text: L('评论', 'Comment'), submit: true, name: 'comment_only', value: { action: 'approval.comment', requestId: view.requestId } }),
        ]),
      ]),
      // Form names share the card-wide namespace of component names (form container page: both "unique within the card").
      form('delegate_form', [
        input({ name: 'delegate', placeholder: L('转交给（同事姓名）', 'Hand over to (colleague’s name)'), maxLength: 100 }),
        button({ text: L('转交', 'Delegate'), submit: true, name: 'delegate_step', value: { action: 'approval.delegate', stepId: view.currentStep!.id } }),
      ]),
    );
  } else if (view.status === 'pending' && viewerId === view.submitter.id) {
    elements.push(
      buttonRow([
        button({
          text: L('撤回申请', 'Withdraw'),
          value: { action: 'approval.withdraw', requestId: view.requestId },
          confirm: { title: L('撤回审批？', 'Withdraw?'), text: L('合同将回到草稿状态', 'The contract goes back to draft') },
        }),
      ]),
    );
  }
  return card({
    title: `${L('合同审批', 'Contract approval')} · ${s.number}`,
    subtitle: t(locale, st.text),
    template: st.template,
    elements,
  });
}

export function draftCard(c: ContractDto, locale: Locale, opts: { submitted?: boolean; headline?: string } = {}): Card {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  return card({
    title: `${L('合同草稿', 'Contract draft')} · ${c.number}`,
    template: opts.submitted ? 'orange' : 'blue',
    elements: [
      opts.headline ? markdown(opts.headline) : null,
      markdown(
        [
          `**${L('客户', 'Customer')}**：${md(c.customerName)}`,
          `**${L('金额', 'Amount')}**：${yuan(c.amountCents, c.currency)}${c.discountBp ? L(`（折扣 ${pct(c.discountBp)}）`, ` (discount ${pct(c.discountBp)})`) : ''}`,
          `**${L('期限', 'Term')}**：${c.startDate} ~ ${c.endDate}`,
          `**${L('回款计划', 'Receivable plan')}**：${c.instalments.map((i) => `${i.dueDate} ${yuan(i.amountCents, c.currency)}`).join('；')}`,
        ].join('\n'),
      ),
      markdown(c.lines.map((l) => lineText(l, c.currency)).join('\n')),
      opts.submitted
        ? note(L('已提交审批，审批结果会通知您。', 'Submitted for approval; you will be told the outcome.'))
        : form('submit_contract', [
            input({ name: 'note', placeholder: L('给审批人的说明（可选）', 'A note for the approvers (optional)'), maxLength: 500 }),
            button({ text: L('提交审批', 'Submit for approval'), type: 'primary_filled', submit: true, name: 'submit', value: { action: 'contract.submit', contractId: c.id } }),
          ]),
    ].filter(Boolean) as CardElement[],
  });
}

/** The "new contract" form (customer, product, quantity, unit price, discount, dates). */
export function contractFormCard(locale: Locale, prefill: { customer?: string } = {}): Card {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  return card({
    title: L('新建合同', 'New contract'),
    template: 'blue',
    elements: [
      form('new_contract', [
        input({ name: 'customer', label: L('客户', 'Customer'), defaultValue: prefill.customer, required: true, maxLength: 200 }),
        input({ name: 'product', label: L('产品/服务', 'Product / service'), required: true, maxLength: 200 }),
        input({ name: 'quantity', label: L('数量', 'Quantity'), defaultValue: '1', required: true }),
        input({ name: 'price', label: L('单价（元）', 'Unit price (CNY)'), required: true }),
        input({ name: 'discount', label: L('折扣 %（可选）', 'Discount % (optional)') }),
        input({ name: 'start', label: L('开始日期 YYYY-MM-DD（默认今天）', 'Start YYYY-MM-DD (default today)') }),
        input({ name: 'end', label: L('结束日期 YYYY-MM-DD（默认一年）', 'End YYYY-MM-DD (default one year)') }),
        button({ text: L('生成草稿', 'Create draft'), type: 'primary_filled', submit: true, name: 'create', value: { action: 'contract.create_form', key: cardKey() } }),
      ]),
    ],
  });
}

interface ReceivablePayload {
  instalmentId: number;
  contractId: number;
  number: string;
  customerName: string;
  ownerName: string;
  dueDate: string;
  outstandingCents: number;
  daysOverdue: number;
  daysLeft: number;
}

export function recordPaymentForm(locale: Locale, value: Record<string, unknown>, defaultYuan?: string): CardElement {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  return form('record_payment', [
    input({ name: 'amount', placeholder: L('回款金额（元），如 50000 或 5万', 'Amount received (CNY), e.g. 50000'), defaultValue: defaultYuan, required: true }),
    button({ text: L('登记回款', 'Record payment'), type: 'primary_filled', submit: true, name: 'record', value: { action: 'receivable.record', ...value, key: cardKey() } }),
  ]);
}

function receivableCard(p: ReceivablePayload, locale: Locale, kind: 'due' | 'overdue' | 'escalation'): Card {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  const title =
    kind === 'due' ? L('回款即将到期', 'Payment due soon') : kind === 'overdue' ? L('回款已逾期', 'Payment overdue') : L('下属回款逾期', 'Overdue payment in your team');
  const when = kind === 'due' ? L(`${p.daysLeft} 天后到期（${p.dueDate}）`, `due in ${p.daysLeft} days (${p.dueDate})`) : L(`已逾期 ${p.daysOverdue} 天（应于 ${p.dueDate}）`, `${p.daysOverdue} days overdue (due ${p.dueDate})`);
  return card({
    title,
    template: kind === 'due' ? 'yellow' : 'red',
    elements: [
      markdown(
        [
          `**${L('客户', 'Customer')}**：${md(p.customerName)}`,
          `**${L('合同', 'Contract')}**：${md(p.number)}`,
          `**${L('未收', 'Outstanding')}**：${yuan(p.outstandingCents)}，${when}`,
          kind === 'escalation' ? `**${L('负责人', 'Owner')}**：${md(p.ownerName)}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      ),
      kind === 'escalation' ? note(L('已超过宽限期，请跟进。', 'Past the grace period; please follow up.')) : recordPaymentForm(locale, { instalmentId: p.instalmentId }),
    ],
  });
}

const approvalOutcomeRenderer: Renderer<{ status: string; decidedByName: string; reason: string | null; subject: { number?: string; customer?: { name: string } } }> = (p, ctx) => {
  const L = (zh: string, en: string) => t(ctx.locale, { 'zh-CN': zh, en });
  const what = `${p.subject.number ?? ''} ${p.subject.customer?.name ?? ''}`.trim();
  if (p.status === 'approved') return textMessage(L(`✅ 合同 ${what} 已审批通过（${p.decidedByName}）`, `✅ Contract ${what} approved (${p.decidedByName})`));
  return textMessage(L(`❌ 合同 ${what} 被 ${p.decidedByName} 驳回：${p.reason ?? ''}`, `❌ Contract ${what} rejected by ${p.decidedByName}: ${p.reason ?? ''}`));
};

const contractRenewalDueRenderer: Renderer<{ contractId: number; number: string; customerName: string; amountCents: number; endDate: string; daysLeft: number }> = (p, ctx) => {
  const L = (zh: string, en: string) => t(ctx.locale, { 'zh-CN': zh, en });
  return cardMessage(
    card({
      title: L('合同即将到期，请安排续约', 'Contract ending: time to renew'),
      template: 'wathet',
      elements: [
        markdown(
          L(
            `**${md(p.customerName)}** 的合同 ${md(p.number)}（${yuan(p.amountCents)}）将于 **${p.endDate}** 到期，还有 ${p.daysLeft} 天。`,
            `Contract ${md(p.number)} with **${md(p.customerName)}** (${yuan(p.amountCents)}) ends on **${p.endDate}**, in ${p.daysLeft} days.`,
          ),
        ),
        buttonRow([button({ text: L('一键创建续约商机', 'Create the renewal opportunity'), type: 'primary_filled', value: { action: 'contract.renew', contractId: p.contractId } })]),
        note(L('续约商机进入续约流程，产品明细沿用原合同，预计成交日为原合同到期日。', 'The renewal deal starts in the renewal pipeline with the contract\'s lines, expected to close when the contract ends.')),
      ],
    }),
  );
};

interface DigestPayload {
  week: { from: string; to: string };
  dueThisWeek: { number: string; customerName: string; ownerName: string; dueDate: string; outstandingCents: number }[];
  dueThisWeekCents: number;
  overdueByOwner: { ownerName: string; count: number; outstandingCents: number }[];
  forecast: { overdueCents: number; months: { month: string; outstandingCents: number }[] };
}

const receivableDigestRenderer: Renderer<DigestPayload> = (p, ctx) => {
  const L = (zh: string, en: string) => t(ctx.locale, { 'zh-CN': zh, en });
  return cardMessage(
    card({
      title: L(`回款周报 ${p.week.from} ~ ${p.week.to}`, `Receivables ${p.week.from} – ${p.week.to}`),
      template: 'indigo',
      elements: [
        markdown(`**${L('本周到期', 'Due this week')}**：${yuan(p.dueThisWeekCents)}`),
        p.dueThisWeek.length ? markdown(p.dueThisWeek.map((d) => `- ${d.dueDate} ${md(d.customerName)} ${md(d.number)} ${yuan(d.outstandingCents)}（${md(d.ownerName)}）`).join('\n')) : note(L('本周没有到期款项', 'Nothing due this week')),
        divider(),
        markdown(`**${L('逾期（按负责人）', 'Overdue by owner')}**：${yuan(p.forecast.overdueCents)}`),
        p.overdueByOwner.length ? markdown(p.overdueByOwner.map((o) => `- ${md(o.ownerName)}：${o.count} ${L('笔', 'items')} ${yuan(o.outstandingCents)}`).join('\n')) : note(L('没有逾期', 'Nothing overdue')),
        divider(),
        markdown(`**${L('回款预测', 'Cash-in forecast')}**\n` + p.forecast.months.map((m) => `- ${m.month}：${yuan(m.outstandingCents)}`).join('\n')),
      ],
    }),
  );
};

export interface ChoosePayload {
  customerName: string;
  amountCents: number;
  options: { contractId: number; number: string; outstandingCents: number; nextDueDate: string }[];
}

/** "回款" with open instalments on several contracts: one button per contract. */
export function chooseContractCard(p: ChoosePayload, locale: Locale): Card {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  return card({
    title: L('请选择回款对应的合同', 'Which contract is this payment for?'),
    template: 'yellow',
    elements: [
      markdown(L(`${md(p.customerName)} 有多份合同待回款，本次回款 ${yuan(p.amountCents)}：`, `${md(p.customerName)} has several contracts with money outstanding; this payment is ${yuan(p.amountCents)}:`)),
      buttonRow(
        p.options.map((o) =>
          button({
            text: `${o.number}（${L('未收', 'due')} ${yuan(o.outstandingCents)}，${o.nextDueDate}）`,
            value: { action: 'receivable.record', contractId: o.contractId, amountCents: p.amountCents, key: cardKey() },
          }),
        ),
      ),
    ],
  });
}

/** Outbox kinds of contracts, approvals and receivables. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.renderer<ApprovalCardPayload>('approval.request', (p, ctx) => cardMessage(approvalCard(p.view, p.viewerId, ctx.locale)));
  r.renderer('approval.outcome', approvalOutcomeRenderer);
  r.renderer('contract.renewal_due', contractRenewalDueRenderer);
  r.renderer<ReceivablePayload>('receivable.due_soon', (p, ctx) => cardMessage(receivableCard(p, ctx.locale, 'due')));
  r.renderer<ReceivablePayload>('receivable.overdue', (p, ctx) => cardMessage(receivableCard(p, ctx.locale, 'overdue')));
  r.renderer<ReceivablePayload>('receivable.overdue_escalation', (p, ctx) => cardMessage(receivableCard(p, ctx.locale, 'escalation')));
  r.renderer('receivable.digest', receivableDigestRenderer);
  r.renderer<{ contract: ContractDto; headline?: string; submitted?: boolean }>('contract.draft', (p, ctx) => cardMessage(draftCard(p.contract, ctx.locale, p)));
  r.renderer<{ customer?: string }>('contract.form', (p, ctx) => cardMessage(contractFormCard(ctx.locale, p)));
  r.renderer<ChoosePayload>('receivable.choose', (p, ctx) => cardMessage(chooseContractCard(p, ctx.locale)));
}
