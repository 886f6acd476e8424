import type { BotRegistry } from '../registry';
import { toDbId } from '../../core/shared/fields';
import { approvalCard, draftCard } from '../render/contracts';
import { card, markdown, md } from '../cards/kit';
import { t } from '../i18n';
import type { CardActionHandler, CardActionResult, ChatHandler, HandlerKit } from '../types';
import { AppError, isAppError, invalid } from '../../core/errors';
import { actorOf, type UserDto } from '../../core/users/operations';
import { colleaguesNamed } from '../../core/users/directory';
import { findCustomersByName } from '../../core/customers/operations';
import { createContract, getContract, submitContract } from '../../core/contracts/operations';
import { renewalAnswer } from './opportunities';
import { commentApproval, decideStep, delegateStep, getApprovalView, withdrawApproval } from '../../core/approvals/operations';
import { recordPayment } from '../../core/receivables/operations';
import { formatCents, parseYuan, percentToBp } from '../../core/shared/money';
import { addDays, businessDay, isDay } from '../../core/shared/dates';

/**
 * Contracts in chat: "新合同 …" drafts (or opens the form), "回款 <客户> <金额>" records a payment,
 * and the approval / renewal / payment card actions. The intent parser does not know these two
 * commands, so they are matched here by our own patterns (only when the parser answers 'unknown').
 */

export const NEW_CONTRACT_RE = /^(?:新合同|新建合同|签合同|new\s+contract)(?:\s+|$)/i;
export const PAYMENT_RE = /^(?:回款|收款|到账|payment)\s+\S+/i;

export interface NewContractText {
  customer: string | null;
  product: string;
  quantity: number;
  unitPriceCents: number | null;
  discountBp: number;
  startDate: string | null;
  endDate: string | null;
}

const AMOUNT = String.raw`[¥￥]?\d[\d,]*(?:\.\d+)?\s*(?:万|w|W|k|K|千|元)?`;

/** "新合同 远航科技 软件授权 10套 单价5000 折扣10% 2026-12-01 2027-11-30" → its parts (pure; amounts in cents). */
export function parseNewContractText(text: string): NewContractText {
  let rest = text.replace(NEW_CONTRACT_RE, ' ').trim();
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (m) rest = (rest.slice(0, m.index) + ' ' + rest.slice(m.index + m[0].length)).trim();
    return m;
  };
  const dates: string[] = [];
  for (let m = take(/(\d{4})-(\d{1,2})-(\d{1,2})/); m; m = take(/(\d{4})-(\d{1,2})-(\d{1,2})/)) dates.push(`${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`);
  let discountBp = 0;
  const pctM = take(/(?:折扣|优惠|discount)\s*(\d{1,3}(?:\.\d{1,2})?)\s*[%％]|(\d{1,3}(?:\.\d{1,2})?)\s*[%％]\s*(?:off|折扣)?/i);
  // 9折 = pay 90%, 8.5折 / 85折 = pay 85%
  const zheM = pctM ? null : take(/(?<![\d.])(\d(?:\.\d)?|\d\d)\s*折/);
  if (pctM) discountBp = percentToBp(pctM[1] ?? pctM[2]);
  else if (zheM) {
    const z = zheM[1];
    const paidPct = z.includes('.') ? Number(z.replace('.', '')) : z.length === 2 ? Number(z) : Number(z) * 10;
    discountBp = 10_000 - paidPct * 100;
  }
  const qtyM = take(/(?:^|\s)(?:[x×*]\s*)?(\d{1,6})\s*(?:套|个|件|份|台|年|人|users?|seats?|licen[cs]es?|pcs)(?=\s|$)/i);
  const priceM = take(new RegExp(String.raw`(?:单价|@|unit\s*price)\s*(${AMOUNT})`, 'i'));
  const tokens = rest.split(/\s+/).filter(Boolean);
  const customer = tokens.shift() ?? null;
  let unitPriceCents = priceM ? parseYuan(priceM[1], 'price') : null;
  const productTokens: string[] = [];
  for (const tok of tokens) {
    if (unitPriceCents === null && new RegExp(`^${AMOUNT}$`).test(tok)) unitPriceCents = parseYuan(tok, 'price');
    else productTokens.push(tok);
  }
  return {
    customer,
    product: productTokens.join(' ') || '产品/服务',
    quantity: qtyM ? Number(qtyM[1]) : 1,
    unitPriceCents,
    discountBp,
    startDate: dates[0] ?? null,
    endDate: dates[1] ?? null,
  };
}

/** One customer by name for the sender, or a question back. */
async function resolveCustomer(kit: HandlerKit, user: UserDto, name: string): Promise<{ id: number; name: string } | null> {
  const L = (zh: string, en: string) => t(kit.deps.locale, { 'zh-CN': zh, en });
  const found = await findCustomersByName(kit.deps.core, actorOf(user), name, 5);
  if (!found.length) {
    await kit.reply({ kind: 'text', payload: { text: L(`找不到客户“${name}”。`, `No customer called "${name}".`) } });
    return null;
  }
  const exact = found.find((c) => c.name === name);
  if (exact || found.length === 1) return { id: (exact ?? found[0]).id, name: (exact ?? found[0]).name };
  await kit.reply({ kind: 'text', payload: { text: L(`“${name}”对应多个客户，请写全名：${found.map((c) => c.name).join('、')}`, `"${name}" matches several customers; use the full name: ${found.map((c) => c.name).join(', ')}`) } });
  return null;
}

function defaultTerm(kit: HandlerKit, start: string | null, end: string | null): { startDate: string; endDate: string } {
  const s = start ?? businessDay(kit.deps.core.clock.now(), kit.deps.core.timezone);
  const [y, m, d] = s.split('-');
  return { startDate: s, endDate: end ?? addDays(`${Number(y) + 1}-${m}-${d}`, -1) };
}

const contractNewIntent: ChatHandler = async (cmd, kit) => {
  const parsed = parseNewContractText(cmd.text);
  if (!parsed.customer || parsed.unitPriceCents === null) {
    await kit.reply({ kind: 'contract.form', payload: { customer: parsed.customer ?? undefined } });
    return;
  }
  const customer = await resolveCustomer(kit, cmd.user, parsed.customer);
  if (!customer) return;
  const contract = await createContract(
    kit.deps.core,
    actorOf(cmd.user),
    'chat',
    {
      customerId: customer.id,
      ...defaultTerm(kit, parsed.startDate, parsed.endDate),
      lines: [{ name: parsed.product, quantity: parsed.quantity, unitPriceCents: parsed.unitPriceCents, discountBp: parsed.discountBp }],
    },
    kit.t,
  );
  await kit.reply({ kind: 'contract.draft', payload: { contract } });
};

function paymentText(locale: string, r: Extract<Awaited<ReturnType<typeof recordPayment>>, { status: 'recorded' }>): string {
  const parts = r.allocations.map((a) => `${t(locale, { 'zh-CN': `第${a.seq}期`, en: `#${a.seq}` })} ¥${formatCents(a.amountCents)}`).join('，');
  return t(locale, {
    'zh-CN': `✅ 已登记回款到合同 ${r.number}：${parts}。合同剩余未收 ¥${formatCents(r.contractOutstandingCents)}`,
    en: `✅ Payment recorded on ${r.number}: ${parts}. Still outstanding ¥${formatCents(r.contractOutstandingCents)}`,
  });
}

const receivableRecordIntent: ChatHandler = async (cmd, kit) => {
  const m = new RegExp(String.raw`^(?:回款|收款|到账|payment)\s+(.+?)\s+(${AMOUNT})\s*$`, 'i').exec(cmd.text.trim());
  if (!m) {
    await kit.reply({ kind: 'text', payload: { text: t(kit.deps.locale, { 'zh-CN': '格式：回款 <客户> <金额>，例如：回款 远航科技 50000', en: 'Format: payment <customer> <amount>, e.g. payment Acme 50000' }) } });
    return;
  }
  const amountCents = parseYuan(m[2], 'amount');
  const customer = await resolveCustomer(kit, cmd.user, m[1].trim());
  if (!customer) return;
  const r = await recordPayment(kit.deps.core, actorOf(cmd.user), 'chat', { customerId: customer.id, amountCents }, kit.t);
  if (r.status === 'ambiguous') {
    await kit.reply({ kind: 'receivable.choose', payload: { customerName: customer.name, amountCents, options: r.options } });
    return;
  }
  await kit.reply({ kind: 'text', payload: { text: paymentText(kit.deps.locale, r) } });
};

// ------------------------------------------------------------------------------------------
// Card actions

const num = (v: unknown, field: string): number => {
  const n = toDbId(v);
  if (n === null) throw invalid(field, '卡片参数无效', 'Invalid card value');
  return n;
};
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** A decision that came too late or twice answers "already done" with the card as it is now. */
async function lateAnswer(e: unknown, kit: HandlerKit, viewerId: number): Promise<CardActionResult> {
  if (isAppError(e) && (e.code === 'ALREADY_DONE' || e.code === 'INVALID_STATE') && typeof e.data?.requestId === 'number') {
    const view = await getApprovalView(kit.deps.core, e.data.requestId, kit.t);
    return { toast: { type: 'info', content: e.localized(kit.deps.locale) }, card: approvalCard(view, viewerId, kit.deps.locale) };
  }
  throw e;
}

const approvalDecisionAction = (decision: 'approve' | 'reject'): CardActionHandler => async (cmd, kit) => {
  const stepId = num(cmd.value.stepId, 'stepId');
  try {
    // This answer updates the clicked copy; the core updates the others through the outbox (one update per copy).
    const r = await decideStep(kit.deps.core, actorOf(cmd.user), 'card', { stepId, decision, comment: text(cmd.formValue.comment) || null }, kit.t, { answeredCopy: { viewerId: cmd.user.id, stepId } });
    const L = (zh: string, en: string) => t(kit.deps.locale, { 'zh-CN': zh, en });
    const toast = decision === 'reject' ? L('已驳回', 'Rejected') : r.finished ? L('已通过', 'Approved') : L('已同意，已转下一位审批人', 'Approved; passed to the next approver');
    return { toast: { type: 'success', content: toast }, card: approvalCard(r.view, cmd.user.id, kit.deps.locale) };
  } catch (e) {
    return lateAnswer(e, kit, cmd.user.id);
  }
};

const approvalCommentAction: CardActionHandler = async (cmd, kit) => {
  const comment = text(cmd.formValue.comment);
  if (!comment) throw new AppError('VALIDATION', { field: 'comment', detail: { 'zh-CN': '请先填写评论内容', en: 'Write a comment first' } });
  const view = await commentApproval(kit.deps.core, actorOf(cmd.user), 'card', { requestId: num(cmd.value.requestId, 'requestId'), text: comment }, kit.t, { answeredCopy: { viewerId: cmd.user.id } });
  return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '已评论', en: 'Comment added' }) }, card: approvalCard(view, cmd.user.id, kit.deps.locale) };
};

const approvalDelegateAction: CardActionHandler = async (cmd, kit) => {
  const name = text(cmd.formValue.delegate);
  if (!name) throw invalid('delegate', '请填写要转交的同事姓名', 'Enter the colleague’s name');
  const users = await colleaguesNamed(kit.deps.core, name, kit.t);
  if (users.length !== 1) {
    throw new AppError('VALIDATION', { field: 'delegate', detail: { 'zh-CN': users.length ? `有多位同事叫“${name}”，请联系管理员` : `找不到同事“${name}”`, en: users.length ? `Several colleagues are called "${name}"` : `No colleague called "${name}"` } });
  }
  try {
    const stepId = num(cmd.value.stepId, 'stepId');
    const view = await delegateStep(kit.deps.core, actorOf(cmd.user), 'card', { stepId, toUserId: users[0].id }, kit.t, { answeredCopy: { viewerId: cmd.user.id, stepId } });
    return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': `已转交给 ${name}`, en: `Handed over to ${name}` }) }, card: approvalCard(view, cmd.user.id, kit.deps.locale) };
  } catch (e) {
    return lateAnswer(e, kit, cmd.user.id);
  }
};

const approvalWithdrawAction: CardActionHandler = async (cmd, kit) => {
  try {
    const view = await withdrawApproval(kit.deps.core, actorOf(cmd.user), 'card', { requestId: num(cmd.value.requestId, 'requestId') }, kit.t, { answeredCopy: { viewerId: cmd.user.id } });
    return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '已撤回，合同回到草稿', en: 'Withdrawn; the contract is a draft again' }) }, card: approvalCard(view, cmd.user.id, kit.deps.locale) };
  } catch (e) {
    return lateAnswer(e, kit, cmd.user.id);
  }
};

const contractSubmitAction: CardActionHandler = async (cmd, kit) => {
  const contractId = num(cmd.value.contractId, 'contractId');
  const actor = actorOf(cmd.user);
  try {
    const view = await submitContract(kit.deps.core, actor, 'card', { contractId, note: text(cmd.formValue.note) || null }, kit.t);
    const chain = view.steps.map((s) => s.approverName).join(' → ');
    const contract = await getContract(kit.deps.core, actor, contractId, kit.t);
    return {
      toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': `已提交审批：${chain}`, en: `Submitted: ${chain}` }) },
      card: draftCard(contract, kit.deps.locale, { submitted: true, headline: t(kit.deps.locale, { 'zh-CN': `审批人：${md(chain)}`, en: `Approvers: ${md(chain)}` }) }),
    };
  } catch (e) {
    if (isAppError(e) && e.code === 'ALREADY_DONE') {
      const contract = await getContract(kit.deps.core, actor, contractId, kit.t);
      return { toast: { type: 'info', content: e.localized(kit.deps.locale) }, card: draftCard(contract, kit.deps.locale, { submitted: true }) };
    }
    throw e;
  }
};

const contractCreateFormAction: CardActionHandler = async (cmd, kit) => {
  const f = cmd.formValue;
  const customerName = text(f.customer);
  if (!customerName) throw invalid('customer', '请填写客户', 'Enter a customer');
  const customer = await resolveCustomer(kit, cmd.user, customerName);
  if (!customer) return { toast: { type: 'warning', content: t(kit.deps.locale, { 'zh-CN': '请确认客户名称', en: 'Check the customer name' }) } };
  const quantity = Number(text(f.quantity) || '1');
  if (!Number.isInteger(quantity) || quantity < 1) throw invalid('quantity', '数量应为正整数', 'Quantity must be a positive whole number');
  const start = text(f.start) || null;
  const end = text(f.end) || null;
  if (start && !isDay(start)) throw invalid('start', '开始日期格式应为 YYYY-MM-DD', 'Start must be YYYY-MM-DD');
  if (end && !isDay(end)) throw invalid('end', '结束日期格式应为 YYYY-MM-DD', 'End must be YYYY-MM-DD');
  const contract = await createContract(
    kit.deps.core,
    actorOf(cmd.user),
    'card',
    {
      customerId: customer.id,
      ...defaultTerm(kit, start, end),
      lines: [{ name: text(f.product) || '产品/服务', quantity, unitPriceCents: parseYuan(text(f.price), 'price'), discountBp: text(f.discount) ? percentToBp(text(f.discount)) : 0 }],
    },
    kit.t,
  );
  return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '草稿已创建', en: 'Draft created' }) }, card: draftCard(contract, kit.deps.locale) };
};

/** The renewal reminder's one tap: a renewal opportunity (bot/handlers/opportunities.ts), no longer a bare contract draft. */
const contractRenewAction: CardActionHandler = (cmd, kit) => renewalAnswer(cmd, kit);

const receivableRecordAction: CardActionHandler = async (cmd, kit) => {
  const typed = text(cmd.formValue.amount);
  const amountCents = typed ? parseYuan(typed, 'amount') : num(cmd.value.amountCents, 'amount');
  const target = cmd.value.instalmentId ? { instalmentId: num(cmd.value.instalmentId, 'instalmentId') } : { contractId: num(cmd.value.contractId, 'contractId') };
  const r = await recordPayment(kit.deps.core, actorOf(cmd.user), 'card', { ...target, amountCents }, kit.t);
  if (r.status !== 'recorded') throw new AppError('CONFLICT');
  const msg = paymentText(kit.deps.locale, r);
  return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '已登记回款', en: 'Payment recorded' }) }, card: card({ title: t(kit.deps.locale, { 'zh-CN': '回款已登记', en: 'Payment recorded' }), template: 'green', elements: [markdown(md(msg))] }) };
};

/** Contracts, approvals and payments in chat. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.textIntent('contract.new', NEW_CONTRACT_RE);
  r.textIntent('receivable.record', PAYMENT_RE);
  r.help({ id: 'contract.new', title: { 'zh-CN': '新建合同并提交审批', en: 'Draft a contract and submit it' }, example: { 'zh-CN': '新合同 远航科技 软件授权 10套 单价5000 折扣10%', en: 'new contract Acme licences 10 @5000 discount 10%' } });
  r.help({ id: 'receivable.record', title: { 'zh-CN': '登记回款', en: 'Record a payment' }, example: { 'zh-CN': '回款 远航科技 50000', en: 'payment Acme 50000' } });
  r.intent('contract.new', contractNewIntent);
  r.intent('receivable.record', receivableRecordIntent);
  r.action('approval.approve', approvalDecisionAction('approve'));
  r.action('approval.reject', approvalDecisionAction('reject'));
  r.action('approval.comment', approvalCommentAction);
  r.action('approval.delegate', approvalDelegateAction);
  r.action('approval.withdraw', approvalWithdrawAction);
  r.action('contract.submit', contractSubmitAction);
  r.action('contract.create_form', contractCreateFormAction);
  r.action('contract.renew', contractRenewAction);
  r.action('receivable.record', receivableRecordAction);
}
