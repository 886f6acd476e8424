import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { dbId, int32 } from '../shared/fields';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError, invalid } from '../errors';
import { parseInput } from '../validation';
import { isUniqueViolation } from '../db/connection';
import { enqueueMessages } from '../notifications/outbox';
import { recordAudit } from '../audit/record';
import { resolveChain, getApprovalPolicy } from '../approvals/chain';
import { startApproval, latestRequestId, getApprovalView, type ApprovalView } from '../approvals/operations';
import type { ApprovalSubject } from '../registry';
import { customerReceivableSummary } from '../receivables/summary';
import { assertPlanSums, day, instalmentPlanInput, writeInstalments } from '../receivables/plan';
import { recordWonDeal } from '../customers/operations';
import { markOpportunityWon } from '../opportunities/operations';
import { businessDay, daysBetween, addDays, toDay } from '../shared/dates';
import { discountBp, discountExceeds, splitEvenly, toCents } from '../shared/money';
import { lineInput, priceLines as priceLineItems, toPricedLine } from '../shared/lines';
import { txSelect, txUpdate } from '../shared/txsql';
import type { ContractApprovalSubject, ContractDto, ContractLineDto, ContractListItem, ContractStatus } from './schemas';

export type { ContractDto, ContractLineDto, ContractListItem, InstalmentDto } from './schemas';

const attachmentInput = z.object({
  fileName: z.string().trim().min(1).max(255),
  fileKey: z.string().trim().min(1).max(255),
  mime: z.string().max(100).optional().nullable(),
  sizeBytes: int32.optional().nullable(),
});


export const createContractInput = z.object({
  customerId: dbId,
  ownerId: dbId.optional(),
  number: z.string().trim().min(1).max(40).optional(),
  title: z.string().trim().max(200).optional().nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
  signDate: day('signDate').optional().nullable(),
  startDate: day('startDate'),
  endDate: day('endDate'),
  note: z.string().trim().max(1000).optional().nullable(),
  lines: z.array(lineInput).min(1).max(100),
  /** Receivable plan; defaults to one instalment of the whole amount due on the start date. */
  instalments: instalmentPlanInput.optional(),
  /** Or: split evenly into this many monthly instalments from the start date. */
  instalmentCount: z.number().int().min(1).max(60).optional(),
  attachments: z.array(attachmentInput).max(20).optional(),
  renewalOfId: dbId.optional(),
});
export type CreateContractInput = z.input<typeof createContractInput>;

function userActor(actor: Actor): Extract<Actor, { kind: 'user' }> {
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN');
  return actor;
}

interface CustomerRow {
  id: number;
  name: string;
  owner_id: number | null;
  team_id: number | null;
  tier: string | null;
}

async function loadCustomer(ctx: CoreContext, id: number, t?: Transaction): Promise<CustomerRow> {
  const c = (await txSelect<CustomerRow>(ctx, 'SELECT id, name, owner_id, team_id, tier FROM customers WHERE id = :id', { id }, t))[0];
  if (!c) throw new AppError('NOT_FOUND', { field: 'customerId', detail: { 'zh-CN': '客户不存在', en: 'No such customer' } });
  return c;
}

/** Reps work on their own customers; managers on their team's; admins on all. */
function assertMayContract(actor: Extract<Actor, { kind: 'user' }>, c: CustomerRow): void {
  if (actor.role === 'admin') return;
  if (c.owner_id === actor.userId) return;
  if (actor.role === 'manager' && actor.teamId !== null && c.team_id === actor.teamId) return;
  throw new AppError('FORBIDDEN', { field: 'customerId', detail: { 'zh-CN': '只能为自己负责的客户签合同', en: 'You can only contract for your own customers' } });
}

/** Lines → amounts, all integer cents (the one pricing rule, core/shared/lines.ts). */
export function priceLines(lines: z.output<typeof lineInput>[]): { lines: ContractLineDto[]; listCents: number; amountCents: number } {
  return priceLineItems(lines, { tooLarge: ['合同金额过大', 'Contract amount too large'] });
}

function monthlyPlan(total: number, n: number, startDate: string): { dueDate: string; amountCents: number }[] {
  return splitEvenly(total, n).map((amountCents, i) => ({ dueDate: i === 0 ? startDate : addMonthsKeepDay(startDate, i), amountCents }));
}

function addMonthsKeepDay(d: string, n: number): string {
  const [y, m, dd] = d.split('-').map(Number);
  const total = y * 12 + (m - 1) + n;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${ny}-${String(nm).padStart(2, '0')}-${String(Math.min(dd, last)).padStart(2, '0')}`;
}

/** Drafts a contract with its lines, receivable plan and attachment metadata. */
export async function createContract(ctx: CoreContext, actor: Actor, channel: Channel, raw: CreateContractInput, parent?: Transaction): Promise<ContractDto> {
  const input = parseInput(createContractInput, raw);
  const user = userActor(actor);
  if (input.endDate < input.startDate) throw invalid('endDate', '结束日期不能早于开始日期', 'The end date is before the start date');
  const priced = priceLines(input.lines);
  if (priced.amountCents <= 0) throw invalid('lines', '合同金额必须大于 0', 'The contract amount must be positive');
  const plan = input.instalments ?? monthlyPlan(priced.amountCents, input.instalmentCount ?? 1, input.startDate);
  assertPlanSums(plan, priced.amountCents);
  try {
    return await ctx.db.tx(async (t) => {
      const customer = await loadCustomer(ctx, input.customerId, t);
      assertMayContract(user, customer);
      let ownerId = user.userId;
      if (input.ownerId && input.ownerId !== user.userId) {
        if (user.role !== 'manager' && user.role !== 'admin') throw new AppError('FORBIDDEN', { field: 'ownerId' });
        ownerId = input.ownerId;
      }
      const owner = (await txSelect<{ team_id: number | null }>(ctx, 'SELECT team_id FROM users WHERE id = :id', { id: ownerId }, t))[0];
      if (!owner) throw new AppError('NOT_FOUND', { field: 'ownerId' });
      const now = ctx.clock.now();
      const c = await ctx.models.Contract.create(
        {
          number: input.number ?? `tmp-${randomUUID()}`,
          customer_id: customer.id,
          owner_id: ownerId,
          team_id: owner.team_id,
          title: input.title ?? null,
          currency: input.currency,
          list_cents: priced.listCents,
          amount_cents: priced.amountCents,
          discount_bp: discountBp(priced.listCents, priced.amountCents),
          sign_date: input.signDate ?? null,
          start_date: input.startDate,
          end_date: input.endDate,
          status: 'draft',
          note: input.note ?? null,
          renewal_of_id: input.renewalOfId ?? null,
          created_by: user.userId,
          created_at: now,
          updated_at: now,
        },
        { transaction: t },
      );
      const id = c.get('id');
      if (!input.number) {
        const number = `HT${businessDay(now, ctx.timezone).replace(/-/g, '')}-${String(id).padStart(5, '0')}`;
        await ctx.models.Contract.update({ number }, { where: { id }, transaction: t });
      }
      await ctx.models.ContractLine.bulkCreate(priced.lines.map((l) => ({ contract_id: id, seq: l.seq, name: l.name, quantity: l.quantity, unit_price_cents: l.unitPriceCents, discount_bp: l.discountBp, amount_cents: l.amountCents })), { transaction: t });
      await writeInstalments(ctx, t, { id, customer_id: customer.id, owner_id: ownerId }, plan, false);
      if (input.attachments?.length) {
        await ctx.models.ContractAttachment.bulkCreate(input.attachments.map((a) => ({ contract_id: id, file_name: a.fileName, file_key: a.fileKey, mime: a.mime ?? null, size_bytes: a.sizeBytes ?? null, uploaded_by: user.userId, created_at: now })), { transaction: t });
      }
      await recordAudit(ctx, t, { actor, action: 'contract.create', entityType: 'contract', entityId: id, channel, data: { customerId: customer.id, amountCents: priced.amountCents, renewalOfId: input.renewalOfId ?? null } });
      return getContract(ctx, actor, id, t);
    }, parent);
  } catch (e) {
    if (isUniqueViolation(e)) {
      const fields = Object.keys((e as { fields?: Record<string, unknown> }).fields ?? {}).join(',');
      if (fields.includes('renewal_of') || (!fields.includes('number') && input.renewalOfId)) throw new AppError('DUPLICATE', { field: 'renewalOfId', detail: { 'zh-CN': '该合同已有续约合同', en: 'This contract already has a renewal' } });
      throw new AppError('DUPLICATE', { field: 'number', detail: { 'zh-CN': '合同编号已存在', en: 'The contract number exists already' } });
    }
    throw e;
  }
}

interface ContractRow {
  id: number;
  number: string;
  customer_id: number;
  customer_name: string;
  customer_tier: string | null;
  owner_id: number;
  owner_name: string;
  team_id: number | null;
  title: string | null;
  currency: string;
  list_cents: unknown;
  amount_cents: unknown;
  discount_bp: number;
  sign_date: unknown;
  start_date: unknown;
  end_date: unknown;
  status: ContractStatus;
  note: string | null;
  renewal_of_id: number | null;
  opportunity_id: number | null;
  quote_id: number | null;
}

async function contractRow(ctx: CoreContext, id: number, t?: Transaction): Promise<ContractRow> {
  const r = (await txSelect<ContractRow>(
      ctx,
    `SELECT c.id, c.number, c.customer_id, cu.name AS customer_name, cu.tier AS customer_tier, c.owner_id, u.name AS owner_name, c.team_id, c.title, c.currency, c.list_cents, c.amount_cents,
            c.discount_bp, c.sign_date, c.start_date, c.end_date, c.status, c.note, c.renewal_of_id, c.opportunity_id, c.quote_id
     FROM contracts c JOIN customers cu ON cu.id = c.customer_id JOIN users u ON u.id = c.owner_id WHERE c.id = :id`,
    { id },
    t,
  ))[0];
  if (!r) throw new AppError('NOT_FOUND', { field: 'contractId', detail: { 'zh-CN': '合同不存在', en: 'No such contract' } });
  return r;
}

/** Who may see a contract: its owner, the owner's manager (same team), approvers of it, admins. */
async function assertMayRead(ctx: CoreContext, actor: Actor, c: ContractRow, t?: Transaction): Promise<void> {
  if (actor.kind === 'system') return;
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN');
  if (actor.role === 'admin' || c.owner_id === actor.userId) return;
  if (actor.role === 'manager' && actor.teamId !== null && c.team_id === actor.teamId) return;
  const approver = await txSelect(
      ctx,
    `SELECT s.id FROM approval_requests r JOIN approval_steps s ON s.request_id = r.id
     WHERE r.entity_type = 'contract' AND r.entity_id = :id AND (s.approver_id = :u OR s.delegated_from_id = :u) LIMIT 1`,
    { id: c.id, u: actor.userId },
    t,
  );
  if (approver.length) return;
  throw new AppError('FORBIDDEN', { field: 'contractId' });
}

export async function getContract(ctx: CoreContext, actor: Actor, id: number, t?: Transaction): Promise<ContractDto> {
  const c = await contractRow(ctx, id, t);
  await assertMayRead(ctx, actor, c, t);
  const [lines, inst, att] = [
    await txSelect<{ seq: number; name: string; quantity: number; unit_price_cents: unknown; discount_bp: number; amount_cents: unknown }>(ctx, 'SELECT seq, name, quantity, unit_price_cents, discount_bp, amount_cents FROM contract_lines WHERE contract_id = :id ORDER BY seq', { id }, t),
    await txSelect<{ id: number; seq: number; due_date: unknown; amount_cents: unknown; paid_cents: unknown; status: string }>(ctx, 'SELECT id, seq, due_date, amount_cents, paid_cents, status FROM receivable_instalments WHERE contract_id = :id ORDER BY seq', { id }, t),
    await txSelect<{ id: number; file_name: string; file_key: string; mime: string | null; size_bytes: number | null }>(ctx, 'SELECT id, file_name, file_key, mime, size_bytes FROM contract_attachments WHERE contract_id = :id ORDER BY id', { id }, t),
  ];
  return {
    id: c.id,
    number: c.number,
    customerId: c.customer_id,
    customerName: c.customer_name,
    ownerId: c.owner_id,
    ownerName: c.owner_name,
    title: c.title,
    currency: c.currency,
    listCents: toCents(c.list_cents),
    amountCents: toCents(c.amount_cents),
    discountBp: Number(c.discount_bp),
    signDate: toDay(c.sign_date),
    startDate: toDay(c.start_date)!,
    endDate: toDay(c.end_date)!,
    status: c.status,
    note: c.note,
    renewalOfId: c.renewal_of_id,
    opportunityId: c.opportunity_id === null ? null : Number(c.opportunity_id),
    quoteId: c.quote_id === null ? null : Number(c.quote_id),
    lines: lines.map(toPricedLine),
    instalments: inst.map((i) => ({ id: i.id, seq: i.seq, dueDate: toDay(i.due_date)!, amountCents: toCents(i.amount_cents), paidCents: toCents(i.paid_cents), status: i.status })),
    attachments: att.map((a) => ({ id: a.id, fileName: a.file_name, fileKey: a.file_key, mime: a.mime, sizeBytes: a.size_bytes })),
    approvalRequestId: await latestRequestId(ctx, 'contract', id, t),
  };
}

/** Of `customerIds`, those with an approved or active contract (one query on (customer_id, …)). */
export async function customersWithLiveContracts(ctx: CoreContext, customerIds: number[], t?: Transaction | null): Promise<number[]> {
  const rows = await ctx.db.select<{ customer_id: number }>("SELECT DISTINCT customer_id FROM contracts WHERE customer_id IN (:ids) AND status IN ('active', 'approved')", { ids: customerIds }, t);
  return rows.map((r) => Number(r.customer_id));
}

/** A customer's contracts, newest first (360° view, approval card history). */
export async function listCustomerContracts(ctx: CoreContext, customerId: number, limit = 20, t?: Transaction): Promise<ContractListItem[]> {
  const rows = await txSelect<{ id: number; number: string; title: string | null; amount_cents: unknown; currency: string; status: ContractStatus; start_date: unknown; end_date: unknown; owner_id: number }>(
      ctx,
    `SELECT id, number, title, amount_cents, currency, status, start_date, end_date, owner_id FROM contracts WHERE customer_id = :c ORDER BY id DESC LIMIT ${Math.max(1, Math.min(100, Math.floor(limit)))}`,
    { c: customerId },
    t,
  );
  return rows.map((r) => ({ id: r.id, number: r.number, title: r.title, amountCents: toCents(r.amount_cents), currency: r.currency, status: r.status, startDate: toDay(r.start_date)!, endDate: toDay(r.end_date)!, ownerId: r.owner_id }));
}

export const updateDraftInput = z.object({
  contractId: dbId,
  title: z.string().trim().max(200).optional().nullable(),
  signDate: day('signDate').optional().nullable(),
  startDate: day('startDate').optional(),
  endDate: day('endDate').optional(),
  note: z.string().trim().max(1000).optional().nullable(),
  lines: z.array(lineInput).min(1).max(100).optional(),
  instalments: instalmentPlanInput.optional(),
});

/**
 * Changes a draft (or a rejected contract before resubmitting): lines, dates, note, plan. New lines
 * without a new plan reset the plan to one instalment of the new amount on the start date.
 */
export async function updateDraftContract(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof updateDraftInput>, parent?: Transaction): Promise<ContractDto> {
  const input = parseInput(updateDraftInput, raw);
  const user = userActor(actor);
  return ctx.db.tx(async (t) => {
    const c = await contractRow(ctx, input.contractId, t);
    if (c.owner_id !== user.userId && user.role !== 'admin') throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有合同负责人可以修改', en: 'Only the owner can change the contract' } });
    if (c.status !== 'draft' && c.status !== 'rejected') {
      throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '只有草稿或被驳回的合同可以修改', en: 'Only a draft or a rejected contract can be changed' } });
    }
    const start = input.startDate ?? toDay(c.start_date)!;
    const end = input.endDate ?? toDay(c.end_date)!;
    if (end < start) throw invalid('endDate', '结束日期不能早于开始日期', 'The end date is before the start date');
    let amount = toCents(c.amount_cents);
    const now = ctx.clock.now();
    const sets: Record<string, unknown> = { start_date: start, end_date: end, updated_at: now };
    if (input.title !== undefined) sets.title = input.title;
    if (input.signDate !== undefined) sets.sign_date = input.signDate;
    if (input.note !== undefined) sets.note = input.note;
    if (input.lines) {
      const priced = priceLines(input.lines);
      if (priced.amountCents <= 0) throw invalid('lines', '合同金额必须大于 0', 'The contract amount must be positive');
      amount = priced.amountCents;
      Object.assign(sets, { list_cents: priced.listCents, amount_cents: priced.amountCents, discount_bp: discountBp(priced.listCents, priced.amountCents) });
      await ctx.models.ContractLine.destroy({ where: { contract_id: c.id }, transaction: t });
      await ctx.models.ContractLine.bulkCreate(priced.lines.map((l) => ({ contract_id: c.id, seq: l.seq, name: l.name, quantity: l.quantity, unit_price_cents: l.unitPriceCents, discount_bp: l.discountBp, amount_cents: l.amountCents })), { transaction: t });
    }
    if (input.lines || input.instalments) {
      const plan = input.instalments ?? [{ dueDate: start, amountCents: amount }];
      assertPlanSums(plan, amount);
      await ctx.models.Instalment.destroy({ where: { contract_id: c.id }, transaction: t });
      await writeInstalments(ctx, t, { id: c.id, customer_id: c.customer_id, owner_id: c.owner_id }, plan, false);
    }
    const [, n] = await ctx.db.sequelize.query(
      `UPDATE contracts SET ${Object.keys(sets).map((k) => `${k} = :${k}`).join(', ')} WHERE id = :id AND status IN ('draft', 'rejected')`,
      { replacements: { ...sets, id: c.id }, transaction: t, type: QueryTypes.UPDATE },
    );
    if (!Number(n)) throw new AppError('CONFLICT');
    await recordAudit(ctx, t, { actor, action: 'contract.update', entityType: 'contract', entityId: c.id, channel, data: { fields: Object.keys(input).filter((k) => k !== 'contractId'), amountCents: amount } });
    return getContract(ctx, actor, c.id, t);
  }, parent);
}

// ---------------------------------------------------------------------------------------------
// Submit for approval; the contract is the approval subject.

export const submitContractInput = z.object({ contractId: dbId, note: z.string().trim().max(1000).optional().nullable() });

export async function submitContract(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof submitContractInput>, parent?: Transaction): Promise<ApprovalView> {
  const input = parseInput(submitContractInput, raw);
  const user = userActor(actor);
  return ctx.db.tx(async (t) => {
    const c = await contractRow(ctx, input.contractId, t);
    if (c.owner_id !== user.userId) {
      const creator = await txSelect(ctx, 'SELECT id FROM contracts WHERE id = :id AND created_by = :u', { id: c.id, u: user.userId }, t);
      if (!creator.length) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有合同负责人可以提交审批', en: 'Only the contract owner can submit it' } });
    }
    const now = ctx.clock.now();
    const [, n] = await ctx.db.sequelize.query(`UPDATE contracts SET status = 'pending_approval', updated_at = :now WHERE id = :id AND status IN ('draft', 'rejected')`, {
      replacements: { now, id: c.id },
      transaction: t,
      type: QueryTypes.UPDATE,
    });
    if (!Number(n)) {
      if (c.status === 'pending_approval') throw new AppError('ALREADY_DONE', { detail: { 'zh-CN': '合同已在审批中', en: 'The contract is already pending approval' } });
      throw new AppError('INVALID_STATE', { detail: { 'zh-CN': `合同状态为 ${c.status}，不能提交审批`, en: `A ${c.status} contract cannot be submitted` } });
    }
    const customer = await loadCustomer(ctx, c.customer_id, t);
    const { steps, rules } = await resolveChain(ctx, c.owner_id, { amountCents: toCents(c.amount_cents), listCents: toCents(c.list_cents), tier: customer.tier }, t);
    await recordAudit(ctx, t, { actor, action: 'contract.submit', entityType: 'contract', entityId: c.id, channel, data: { rules } });
    return startApproval(ctx, t, { entityType: 'contract', entityId: c.id, submitterId: c.owner_id, steps, rules, note: input.note ?? null, channel, actor });
  }, parent);
}

/** The approval view of a contract's latest request (for the card "refresh" and the API). */
export async function contractApprovalView(ctx: CoreContext, actor: Actor, contractId: number): Promise<ApprovalView | null> {
  await getContract(ctx, actor, contractId);
  const id = await latestRequestId(ctx, 'contract', contractId);
  return id ? getApprovalView(ctx, id) : null;
}

async function setStatus(ctx: CoreContext, t: Transaction, id: number, to: ContractStatus, from: ContractStatus[], extra: Record<string, unknown> = {}): Promise<boolean> {
  const sets = Object.keys(extra).map((k) => `, ${k} = :${k}`).join('');
  const n = await txUpdate(ctx, `UPDATE contracts SET status = :to, updated_at = :now${sets} WHERE id = :id AND status IN (:from)`, { to, now: ctx.clock.now(), id, from, ...extra }, t);
  return n > 0;
}

/** The contract as an approval subject (registered in core/contracts/index.ts). */
export const contractApprovalSubject: ApprovalSubject = {
  async describe(ctx, t, id): Promise<ContractApprovalSubject> {
    const c = await contractRow(ctx, id, t);
    const lines = await txSelect<{ name: string; quantity: number; unit_price_cents: unknown; discount_bp: number; amount_cents: unknown }>(
      ctx,
      'SELECT name, quantity, unit_price_cents, discount_bp, amount_cents FROM contract_lines WHERE contract_id = :id ORDER BY seq',
      { id },
      t,
    );
    const tier = c.customer_tier;
    const policy = await getApprovalPolicy(ctx, t);
    const history = await customerReceivableSummary(ctx, c.customer_id, t);
    const list = toCents(c.list_cents);
    const amount = toCents(c.amount_cents);
    return {
      contractId: c.id,
      number: c.number,
      title: c.title,
      customer: { id: c.customer_id, name: c.customer_name, tier },
      owner: { id: c.owner_id, name: c.owner_name },
      currency: c.currency,
      listCents: list,
      amountCents: amount,
      discountBp: Number(c.discount_bp),
      discountLimitBp: policy.discountLimitBp,
      discountOverLimit: discountExceeds(list, amount, policy.discountLimitBp),
      startDate: toDay(c.start_date)!, // NOT NULL columns
      endDate: toDay(c.end_date)!,
      status: c.status,
      lines: lines.map((l) => ({ name: l.name, quantity: Number(l.quantity), unitPriceCents: toCents(l.unit_price_cents), discountBp: Number(l.discount_bp), amountCents: toCents(l.amount_cents) })),
      history: {
        contracts: history.contracts,
        contractCents: history.contractCents,
        paidCents: history.paidCents,
        outstandingCents: history.outstandingCents,
        overdueCents: history.overdueCents,
        risk: history.risk,
      },
    };
  },
  async onApproved(ctx, t, id, actor) {
    const c = (await txSelect<{ customer_id: number; amount_cents: unknown; start_date: unknown; opportunity_id: number | null }>(ctx, 'SELECT customer_id, amount_cents, start_date, opportunity_id FROM contracts WHERE id = :id', { id }, t))[0];
    const today = businessDay(ctx.clock.now(), ctx.timezone);
    const start = toDay(c.start_date)!;
    await setStatus(ctx, t, id, start <= today ? 'active' : 'approved', ['pending_approval'], { approved_at: ctx.clock.now() });
    await txUpdate(ctx, 'UPDATE receivable_instalments SET live = :live, updated_at = :now WHERE contract_id = :id', { live: true, now: ctx.clock.now(), id }, t);
    // An approved contract is a won deal for the customer's RFM figures, and wins the opportunity it came from.
    await recordWonDeal(ctx, t, { customerId: c.customer_id, amountCents: toCents(c.amount_cents) });
    if (c.opportunity_id) await markOpportunityWon(ctx, t, { opportunityId: Number(c.opportunity_id), contractId: id, actor });
    await recordAudit(ctx, t, { actor, action: 'contract.approved', entityType: 'contract', entityId: id, channel: 'job', data: { status: start <= today ? 'active' : 'approved' } });
  },
  async onRejected(ctx, t, id) {
    await setStatus(ctx, t, id, 'rejected', ['pending_approval']);
  },
  async onWithdrawn(ctx, t, id) {
    await setStatus(ctx, t, id, 'draft', ['pending_approval']);
  },
};

// ---------------------------------------------------------------------------------------------
// Attachments, termination, lifecycle

export async function addContractAttachment(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof attachmentInput> & { contractId: number }): Promise<ContractDto> {
  const input = parseInput(attachmentInput.extend({ contractId: dbId }), raw);
  const user = userActor(actor);
  return ctx.db.tx(async (t) => {
    const c = await contractRow(ctx, input.contractId, t);
    await assertMayRead(ctx, actor, c, t);
    await ctx.models.ContractAttachment.create({ contract_id: c.id, file_name: input.fileName, file_key: input.fileKey, mime: input.mime ?? null, size_bytes: input.sizeBytes ?? null, uploaded_by: user.userId, created_at: ctx.clock.now() }, { transaction: t });
    await recordAudit(ctx, t, { actor, action: 'contract.attach', entityType: 'contract', entityId: c.id, channel, data: { fileName: input.fileName } });
    return getContract(ctx, actor, c.id, t);
  });
}

export const terminateInput = z.object({ contractId: dbId, reason: z.string().trim().min(1).max(500) });

/** Ends an approved/active contract early; its unpaid instalments stop being due. Owner's manager or admin. */
export async function terminateContract(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof terminateInput>): Promise<ContractDto> {
  const input = parseInput(terminateInput, raw);
  const user = userActor(actor);
  return ctx.db.tx(async (t) => {
    const c = await contractRow(ctx, input.contractId, t);
    const mayTerminate = user.role === 'admin' || (user.role === 'manager' && user.teamId !== null && c.team_id === user.teamId);
    if (!mayTerminate) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有经理或管理员可以终止合同', en: 'Only a manager or an admin can terminate a contract' } });
    if (!(await setStatus(ctx, t, c.id, 'terminated', ['approved', 'active'], { terminated_reason: input.reason }))) {
      throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '只有已批准或执行中的合同可以终止', en: 'Only approved or active contracts can be terminated' } });
    }
    await ctx.db.sequelize.query(`UPDATE receivable_instalments SET live = :no, updated_at = :now WHERE contract_id = :id AND status <> 'paid'`, { replacements: { no: false, now: ctx.clock.now(), id: c.id }, transaction: t, type: QueryTypes.UPDATE });
    await recordAudit(ctx, t, { actor, action: 'contract.terminate', entityType: 'contract', entityId: c.id, channel, data: { reason: input.reason } });
    return getContract(ctx, actor, c.id, t);
  });
}

/** Daily: approved → active on the start date, active → expired after the end date (CRM time zone). Set-based, idempotent. */
export async function runContractLifecycle(ctx: CoreContext): Promise<{ activated: number; expired: number }> {
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  return ctx.db.tx(async (t) => {
    const now = ctx.clock.now();
    const [, a] = await ctx.db.sequelize.query(`UPDATE contracts SET status = 'active', updated_at = :now WHERE status = 'approved' AND start_date <= :today`, { replacements: { now, today }, transaction: t, type: QueryTypes.UPDATE });
    const [, e] = await ctx.db.sequelize.query(`UPDATE contracts SET status = 'expired', updated_at = :now WHERE status = 'active' AND end_date < :today`, { replacements: { now, today }, transaction: t, type: QueryTypes.UPDATE });
    return { activated: Number(a), expired: Number(e) };
  });
}

// ---------------------------------------------------------------------------------------------
// Renewals

export const RENEWAL_KIND = 'contract.renewal_due';
export const DEFAULT_RENEWAL_DAYS = 30;

/**
 * Reminds owners of contracts ending within `daysBefore` days (CRM time zone) that have no renewal yet.
 * Exactly once per contract and end date (outbox dedupeKey), whenever the job runs.
 */
export async function runRenewalReminders(ctx: CoreContext, opts: { daysBefore?: number } = {}): Promise<number> {
  const days = opts.daysBefore ?? DEFAULT_RENEWAL_DAYS;
  const today = businessDay(ctx.clock.now(), ctx.timezone);
  const horizon = addDays(today, days);
  let sent = 0;
  let after = 0;
  for (;;) {
    const rows = await txSelect<{ id: number; number: string; title: string | null; customer_id: number; customer_name: string; owner_id: number; amount_cents: unknown; end_date: unknown }>(
      ctx,
      `SELECT c.id, c.number, c.title, c.customer_id, cu.name AS customer_name, c.owner_id, c.amount_cents, c.end_date
       FROM contracts c JOIN customers cu ON cu.id = c.customer_id
       WHERE c.status IN ('approved', 'active') AND c.end_date >= :today AND c.end_date <= :horizon AND c.id > :after
         AND NOT EXISTS (SELECT 1 FROM contracts r WHERE r.renewal_of_id = c.id)
         AND NOT EXISTS (SELECT 1 FROM opportunities o WHERE o.renewal_of_contract_id = c.id)
       ORDER BY c.id LIMIT 500`,
      { today, horizon, after },
    );
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    sent += await ctx.db.tx((t) =>
      enqueueMessages(
        ctx,
        t,
        rows.map((r) => {
          const end = toDay(r.end_date)!;
          return {
            to: { userId: r.owner_id },
            kind: RENEWAL_KIND,
            payload: { contractId: r.id, number: r.number, title: r.title, customerId: r.customer_id, customerName: r.customer_name, amountCents: toCents(r.amount_cents), endDate: end, daysLeft: daysBetween(today, end), opportunitiesAvailable: true },
            dedupeKey: `contract:${r.id}:renewal:${end}`,
          };
        }),
      ),
    );
  }
  return sent;
}

const contractIdInput = z.object({ contractId: dbId });

/**
 * One tap from the renewal reminder: a draft contract copying the lines, starting the day after the
 * old one ends, for the same length. Idempotent: a second tap returns the same draft (unique renewal_of_id).
 * (The renewal reminder card now creates a renewal opportunity instead: core/contracts/renewal-opportunity.ts;
 * this draft stays for the API and for a renewal signed without a pipeline.)
 */
export async function createRenewalDraft(ctx: CoreContext, actor: Actor, channel: Channel, raw: { contractId: number }, parent?: Transaction): Promise<{ contract: ContractDto; created: boolean }> {
  const { contractId } = parseInput(contractIdInput, raw);
  const find = async (t?: Transaction) => (await txSelect<{ id: number }>(ctx, 'SELECT id FROM contracts WHERE renewal_of_id = :id', { id: contractId }, t))[0]?.id;
  const existing = await find(parent);
  if (existing) return { contract: await getContract(ctx, actor, existing, parent), created: false };
  const old = await getContract(ctx, actor, contractId, parent);
  if (!['approved', 'active', 'expired'].includes(old.status)) {
    throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '只有已批准、执行中或已到期的合同可以续约', en: 'Only approved, active or expired contracts can be renewed' } });
  }
  const length = daysBetween(old.startDate, old.endDate);
  const start = addDays(old.endDate, 1);
  try {
    const contract = await createContract(
      ctx,
      actor,
      channel,
      {
        customerId: old.customerId,
        ownerId: old.ownerId,
        title: old.title ? `${old.title}（续约）` : null,
        currency: old.currency,
        startDate: start,
        endDate: addDays(start, length),
        note: `续约自 ${old.number}`,
        lines: old.lines.map((l) => ({ name: l.name, quantity: l.quantity, unitPriceCents: l.unitPriceCents, discountBp: l.discountBp })),
        renewalOfId: old.id,
      },
      parent,
    );
    return { contract, created: true };
  } catch (e) {
    if (e instanceof AppError && e.code === 'DUPLICATE' && e.field === 'renewalOfId') {
      const id = await find(parent);
      if (id) return { contract: await getContract(ctx, actor, id, parent), created: false };
    }
    throw e;
  }
}

