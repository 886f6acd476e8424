import { z } from 'zod';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError, invalid } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { enqueueMessages, type OutboundMessage } from '../notifications/outbox';
import { loadCustomerRow, recordWonDeal, reverseWonDeal } from '../customers/operations';
import { assertCanSeeCustomer, canEditCustomer, managedTeams, manages } from '../customers/visibility';
import { managerFor } from '../users/directory';
import { decodeCursor, pageOf, type Page } from '../db/keyset';
import { toDate } from '../db/connection';
import { dbId, day } from '../shared/fields';
import { addDays, businessDay, toDay } from '../shared/dates';
import { toCents } from '../shared/money';
import { lineInput, priceLines, toPricedLine } from '../shared/lines';
import { getPipeline, getPipelineSettings, listPipelines } from './pipelines';
import {
  assertMove, assertRequirements, DEFAULT_CLOSE_DAYS, defaultName, isOpenStage, lostStage, openStages, passedMask, probabilityFor, rankOf, stageOrThrow, weightedCents, wonStage,
} from './rules';
import {
  LOSS_REASONS, OPPORTUNITY_SOURCES,
  type HistoryField, type OpportunityDto, type OpportunityHistoryDto, type OpportunityLineDto, type OpportunityListItem, type OpportunityStatus, type PipelineDto, type Stage, type StageChangedPayload,
} from './schemas';

export type { OpportunityDto, OpportunityListItem } from './schemas';

// ---------------------------------------------------------------------------------------------
// Visibility: rep = own; manager = own + their team and the teams below it (the org tree, customers' rule);
// admin, system, API key = all; service and customers = none.

export function seesAllOpportunities(actor: Actor): boolean {
  return actor.kind === 'system' || actor.kind === 'api' || (actor.kind === 'user' && actor.role === 'admin');
}

interface OwnedRow {
  owner_id: number;
  team_id: number | null;
}

export function canSeeOpportunity(actor: Actor, row: OwnedRow): boolean {
  if (seesAllOpportunities(actor)) return true;
  if (actor.kind !== 'user') return false;
  if (actor.role === 'rep') return Number(row.owner_id) === actor.userId;
  if (actor.role === 'manager') return Number(row.owner_id) === actor.userId || manages(actor, row.team_id);
  return false;
}

/** The same rule as SQL over `opportunities` aliased `alias`. */
export function opportunityScope(actor: Actor, alias = 'o'): { sql: string; replacements: Record<string, unknown> } {
  if (seesAllOpportunities(actor)) return { sql: '1=1', replacements: {} };
  if (actor.kind !== 'user') return { sql: '1=0', replacements: {} };
  if (actor.role === 'rep') return { sql: `${alias}.owner_id = :os_user`, replacements: { os_user: actor.userId } };
  if (actor.role === 'manager') {
    const teams = managedTeams(actor);
    return !teams.length
      ? { sql: `${alias}.owner_id = :os_user`, replacements: { os_user: actor.userId } }
      : { sql: `(${alias}.team_id IN (:os_teams) OR ${alias}.owner_id = :os_user)`, replacements: { os_teams: [...teams], os_user: actor.userId } };
  }
  return { sql: '1=0', replacements: {} };
}

/** May the actor change the deal (fields, stage)? Its owner, the owner's team manager, admins, system and API keys. */
function canEditOpportunity(actor: Actor, row: OwnedRow): boolean {
  if (seesAllOpportunities(actor)) return true;
  if (actor.kind !== 'user') return false;
  if (Number(row.owner_id) === actor.userId) return true;
  return actor.role === 'manager' && manages(actor, row.team_id);
}

/** Manager powers over the deal (probability override, reassignment, reopening). */
function isManagerOf(actor: Actor, row: OwnedRow): boolean {
  if (seesAllOpportunities(actor)) return true;
  return actor.kind === 'user' && actor.role === 'manager' && manages(actor, row.team_id);
}

const notFound = () => new AppError('NOT_FOUND', { field: 'opportunityId', detail: { 'zh-CN': '商机不存在', en: 'No such opportunity' } });

// ---------------------------------------------------------------------------------------------
// Rows and DTOs

interface OppRow {
  id: number;
  customer_id: number;
  customer_name: string;
  pipeline_id: number;
  name: string;
  owner_id: number;
  owner_name: string;
  team_id: number | null;
  stage: string;
  stage_rank: number;
  reached_mask: number;
  status: OpportunityStatus;
  probability: number;
  probability_override: number | boolean;
  currency: string;
  amount_cents: unknown;
  expected_close_date: unknown;
  period_date: unknown;
  source: OpportunityDto['source'];
  lead_id: number | null;
  campaign: string | null;
  renewal_of_contract_id: number | null;
  competitors: string | null;
  loss_reason: OpportunityDto['lossReason'];
  loss_note: string | null;
  next_step: string | null;
  stage_entered_at: unknown;
  closed_at: unknown;
  won_contract_id: number | null;
  version: number;
  created_at: unknown;
  updated_at: unknown;
}

const OPP_SELECT = `o.id, o.customer_id, cu.name AS customer_name, o.pipeline_id, o.name, o.owner_id, u.name AS owner_name, o.team_id, o.stage, o.stage_rank, o.reached_mask,
  o.status, o.probability, o.probability_override, o.currency, o.amount_cents, o.expected_close_date, o.period_date, o.source, o.lead_id, o.campaign,
  o.renewal_of_contract_id, o.competitors, o.loss_reason, o.loss_note, o.next_step, o.stage_entered_at, o.closed_at, o.won_contract_id, o.version,
  o.created_at, o.updated_at`;
const OPP_FROM = 'opportunities o JOIN customers cu ON cu.id = o.customer_id JOIN users u ON u.id = o.owner_id';

const isoOf = (v: unknown): string => toDate(v)!.toISOString();
const amountOf = (v: unknown): number | null => (v === null || v === undefined ? null : toCents(v));

function stageIn(p: PipelineDto, key: string): Stage {
  return p.stages.find((s) => s.key === key) ?? { key, name: key, nameEn: key, probability: 0, category: 'pipeline', requires: [] };
}

async function pipelineById(ctx: CoreContext, id: number, t?: Transaction | null): Promise<PipelineDto> {
  return getPipeline(ctx, Number(id), t);
}

function toListItem(r: OppRow, p: PipelineDto): OpportunityListItem {
  const amount = amountOf(r.amount_cents);
  return {
    id: Number(r.id),
    customerId: Number(r.customer_id),
    customerName: r.customer_name,
    pipelineId: Number(r.pipeline_id),
    name: r.name,
    ownerId: Number(r.owner_id),
    ownerName: r.owner_name,
    stage: r.stage,
    stageName: stageIn(p, r.stage).name,
    status: r.status,
    probability: Number(r.probability),
    currency: r.currency,
    amountCents: amount,
    weightedCents: weightedCents(amount, Number(r.probability)),
    expectedCloseDate: toDay(r.expected_close_date)!,
    stageEnteredAt: isoOf(r.stage_entered_at),
    updatedAt: isoOf(r.updated_at),
    version: Number(r.version),
  };
}

async function loadRow(ctx: CoreContext, id: number, t?: Transaction | null): Promise<OppRow | null> {
  return (await ctx.db.select<OppRow>(`SELECT ${OPP_SELECT} FROM ${OPP_FROM} WHERE o.id = :id`, { id }, t))[0] ?? null;
}

/** Locks the row for the transaction (MySQL; SQLite writers are serialised) and loads it. */
async function lockRow(ctx: CoreContext, id: number, t: Transaction): Promise<OppRow | null> {
  if (ctx.db.dialect === 'mysql') await ctx.db.select('SELECT id FROM opportunities WHERE id = :id FOR UPDATE', { id }, t);
  return loadRow(ctx, id, t);
}

async function toDto(ctx: CoreContext, r: OppRow, t?: Transaction | null): Promise<OpportunityDto> {
  const p = await pipelineById(ctx, r.pipeline_id, t);
  const lines = await ctx.db.select<{ seq: number; name: string; quantity: number; unit_price_cents: unknown; discount_bp: number; amount_cents: unknown }>(
    'SELECT seq, name, quantity, unit_price_cents, discount_bp, amount_cents FROM opportunity_lines WHERE opportunity_id = :id ORDER BY seq',
    { id: r.id },
    t,
  );
  const item = toListItem(r, p);
  return {
    ...item,
    pipelineKey: p.key,
    teamId: r.team_id === null ? null : Number(r.team_id),
    probabilityOverridden: Boolean(Number(r.probability_override)),
    source: r.source,
    leadId: r.lead_id === null ? null : Number(r.lead_id),
    campaign: r.campaign,
    renewalOfContractId: r.renewal_of_contract_id === null ? null : Number(r.renewal_of_contract_id),
    lines: lines.map(toPricedLine),
    competitors: r.competitors ? (JSON.parse(r.competitors) as string[]) : [],
    lossReason: r.loss_reason,
    lossNote: r.loss_note,
    nextStep: r.next_step,
    closedAt: r.closed_at ? isoOf(r.closed_at) : null,
    wonContractId: r.won_contract_id === null ? null : Number(r.won_contract_id),
    createdAt: isoOf(r.created_at),
  };
}

export async function getOpportunity(ctx: CoreContext, actor: Actor, id: number, t?: Transaction | null): Promise<OpportunityDto> {
  const oid = parseInput(z.object({ opportunityId: dbId }), { opportunityId: id }).opportunityId;
  const r = await loadRow(ctx, oid, t);
  if (!r || !canSeeOpportunity(actor, r)) throw notFound();
  return toDto(ctx, r, t);
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** Line items as contracts take them (core/shared/lines.ts). */
export const opportunityLineInput = lineInput;
export type OpportunityLineInput = z.input<typeof opportunityLineInput>;

/** A deal is at most ¥10,000,000,000.00 (10¹² cents): sums of a pipeline's deals stay exact integers. */
export const MAX_DEAL_CENTS = 1_000_000_000_000;
const amountCents = z.number().int().min(0).max(MAX_DEAL_CENTS).describe('integer cents (fen), at most 10^12; fractions of a cent are refused');
const competitors = z.array(z.string().trim().min(1).max(60)).max(10);

export const createOpportunityInput = z
  .object({
    customerId: dbId,
    name: z.string().trim().min(1).max(200).optional(),
    pipelineId: dbId.optional(),
    /** A stage key or its zh-CN / English name; default the pipeline's first stage. */
    stage: z.string().trim().min(1).max(40).optional(),
    ownerId: dbId.optional(),
    currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
    amountCents: amountCents.optional().nullable(),
    lines: z.array(opportunityLineInput).max(100).optional(),
    expectedCloseDate: day('expectedCloseDate').optional(),
    source: z.enum(OPPORTUNITY_SOURCES).default('manual'),
    campaign: z.string().trim().min(1).max(100).optional(),
    competitors: competitors.optional(),
    nextStep: z.string().trim().min(1).max(500).optional().nullable(),
    /** A manager's override of the stage's default probability. */
    probability: z.number().int().min(0).max(100).optional(),
  })
  .strict();
export type CreateOpportunityInput = z.input<typeof createOpportunityInput>;

/**
 * What only the core's own joins set: the lead a conversion came from (core/leads), the contract a renewal renews
 * (core/contracts/renewal-opportunity.ts). Not part of any transport's input: both are unique per deal.
 */
export interface OpportunityOrigin {
  leadId?: number;
  renewalOfContractId?: number;
}

/** Lines → exact cents (the contracts' money rules); a deal's list total is at most MAX_DEAL_CENTS. */
export function priceOpportunityLines(lines: z.output<typeof opportunityLineInput>[], field = 'lines'): { lines: OpportunityLineDto[]; listCents: number; amountCents: number } {
  return priceLines(lines, { field, maxCents: MAX_DEAL_CENTS, tooLarge: ['金额过大（单个商机不超过 100 亿元）', 'Amount too large (at most 10^12 cents per deal)'] });
}

interface HistoryInput {
  field: HistoryField;
  from: string | null;
  to: string | null;
  fromRank?: number | null;
  toRank?: number | null;
  fromSeconds?: number | null;
  reachMask?: number | null;
}

async function writeHistory(ctx: CoreContext, t: Transaction, o: { id: number; pipeline_id: number; owner_id: number; team_id: number | null }, actor: Actor, channel: Channel, rows: HistoryInput[], at: Date): Promise<void> {
  if (!rows.length) return;
  const actorId = actor.kind === 'user' ? actor.userId : null;
  const values = rows.map((_, i) => `(:o, :p, :ow, :tm, :f${i}, :fv${i}, :tv${i}, :fr${i}, :tr${i}, :fs${i}, :rm${i}, :a, :ch, :at)`).join(', ');
  const replacements: Record<string, unknown> = { o: o.id, p: o.pipeline_id, ow: o.owner_id, tm: o.team_id, a: actorId, ch: channel, at };
  rows.forEach((r, i) => {
    replacements[`f${i}`] = r.field;
    replacements[`fv${i}`] = r.from;
    replacements[`tv${i}`] = r.to;
    replacements[`fr${i}`] = r.fromRank ?? null;
    replacements[`tr${i}`] = r.toRank ?? null;
    replacements[`fs${i}`] = r.fromSeconds ?? null;
    replacements[`rm${i}`] = r.reachMask ?? null;
  });
  await ctx.db.sequelize.query(
    `INSERT INTO opportunity_history (opportunity_id, pipeline_id, owner_id, team_id, field, from_value, to_value, from_rank, to_rank, from_seconds, reach_mask, actor_id, channel, changed_at) VALUES ${values}`,
    { replacements, transaction: t, type: QueryTypes.INSERT },
  );
}

async function writeLines(ctx: CoreContext, t: Transaction, opportunityId: number, lines: OpportunityLineDto[]): Promise<void> {
  await ctx.db.sequelize.query('DELETE FROM opportunity_lines WHERE opportunity_id = :id', { replacements: { id: opportunityId }, transaction: t, type: QueryTypes.DELETE });
  if (!lines.length) return;
  await ctx.models.OpportunityLine.bulkCreate(
    lines.map((l) => ({ opportunity_id: opportunityId, seq: l.seq, name: l.name, quantity: l.quantity, unit_price_cents: l.unitPriceCents, discount_bp: l.discountBp, amount_cents: l.amountCents })),
    { transaction: t },
  );
}

async function ownerTeam(ctx: CoreContext, userId: number, t: Transaction): Promise<{ team_id: number | null; name: string }> {
  const u = (await ctx.db.select<{ team_id: number | null; name: string; status: string }>('SELECT team_id, name, status FROM users WHERE id = :id', { id: userId }, t))[0];
  if (!u || u.status !== 'active') throw new AppError('NOT_FOUND', { field: 'ownerId', detail: { 'zh-CN': '负责人不存在或已停用', en: 'No such active user' } });
  return { team_id: u.team_id === null ? null : Number(u.team_id), name: u.name };
}

/** Who owns a new deal: the actor, or (managers, admins) someone they name in their scope. */
async function resolveOwner(ctx: CoreContext, actor: Actor, requested: number | undefined, customerOwner: number | null, t: Transaction): Promise<{ id: number; team_id: number | null; name: string }> {
  let id: number | null = requested ?? (actor.kind === 'user' ? actor.userId : customerOwner);
  if (id === null) throw invalid('ownerId', '请指定商机负责人', 'An owner is needed');
  const o = await ownerTeam(ctx, id, t);
  if (actor.kind === 'user' && id !== actor.userId) {
    const mayAssign = actor.role === 'admin' || (actor.role === 'manager' && manages(actor, o.team_id));
    if (!mayAssign) throw new AppError('FORBIDDEN', { field: 'ownerId', detail: { 'zh-CN': '只能把商机分配给本团队成员', en: 'You can only assign deals within your team' } });
  }
  id = Number(id);
  return { id, ...o };
}

function largeDealMessage(managerId: number, p: PipelineDto, o: { id: number; name: string; customerName: string; ownerId: number; ownerName: string; currency: string; amountCents: number | null; probability: number; expectedCloseDate: string; version: number }, from: Stage | null, to: Stage, byName: string | null): OutboundMessage {
  const payload: StageChangedPayload = {
    opportunityId: o.id, name: o.name, customerName: o.customerName, ownerId: o.ownerId, ownerName: o.ownerName,
    fromStage: from?.key ?? null, fromStageName: from?.name ?? null, toStage: to.key, toStageName: to.name,
    currency: o.currency, amountCents: o.amountCents, probability: o.probability, expectedCloseDate: o.expectedCloseDate, byName,
  };
  void p;
  return { to: { userId: managerId }, kind: 'opportunity.stage_changed', payload, dedupeKey: `opportunity:${o.id}:stage:${o.version}` };
}

/** Tells the owner's manager about a large deal's stage change (threshold in settings), unless the manager made it. */
async function notifyLargeDeal(ctx: CoreContext, t: Transaction, actor: Actor, p: PipelineDto, o: Parameters<typeof largeDealMessage>[2], from: Stage | null, to: Stage): Promise<void> {
  if (o.amountCents === null) return;
  const settings = await getPipelineSettings(ctx, t);
  if (o.amountCents < settings.largeDealCents) return;
  const managerId = await managerFor(ctx, t, o.ownerId);
  if (!managerId || managerId === o.ownerId || (actor.kind === 'user' && actor.userId === managerId)) return;
  const by = actor.kind === 'user' ? (await ctx.db.select<{ name: string }>('SELECT name FROM users WHERE id = :id', { id: actor.userId }, t))[0]?.name ?? null : null;
  await enqueueMessages(ctx, t, [largeDealMessage(managerId, p, o, from, to, by)]);
}

// ---------------------------------------------------------------------------------------------
// Create

/**
 * A new opportunity on a customer the actor may work on (a pool customer is claimed first). Its amount is the sum
 * of its lines when it has lines. Its first stage, amount and close date are its first history rows.
 */
export async function createOpportunity(ctx: CoreContext, actor: Actor, channel: Channel, raw: CreateOpportunityInput, parent?: Transaction | null, origin: OpportunityOrigin = {}): Promise<OpportunityDto> {
  const input = parseInput(createOpportunityInput, raw);
  if (actor.kind === 'customer' || (actor.kind === 'user' && actor.role === 'service')) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '没有权限创建商机', en: 'You may not create opportunities' } });
  const priced = input.lines?.length ? priceOpportunityLines(input.lines) : null;
  if (priced && input.amountCents !== undefined && input.amountCents !== null && input.amountCents !== priced.amountCents) {
    throw invalid('amountCents', '金额与产品明细合计不符', 'The amount differs from the sum of the lines');
  }
  const amount = priced ? priced.amountCents : input.amountCents ?? null;
  const now = ctx.clock.now();
  const today = businessDay(now, ctx.timezone);
  const closeDate = input.expectedCloseDate ?? addDays(today, DEFAULT_CLOSE_DAYS);
  if (closeDate < today) throw invalid('expectedCloseDate', '预计成交日期不能早于创建日期', 'The expected close date is before the creation date');
  return ctx.db.tx(async (t) => {
    const customer = await loadCustomerRow(ctx, input.customerId, t);
    if (!customer || customer.status !== 'active') throw new AppError('NOT_FOUND', { field: 'customerId', detail: { 'zh-CN': '客户不存在', en: 'No such customer' } });
    assertCanSeeCustomer(ctx, actor, customer);
    if (!canEditCustomer(actor, customer, 'profile')) {
      throw new AppError('FORBIDDEN', {
        field: 'customerId',
        detail: customer.owner_id === null
          ? { 'zh-CN': '该客户在公海中，请先领取再建商机', en: 'This customer is in the public pool; claim it first' }
          : { 'zh-CN': '只能为自己或本团队的客户建商机', en: 'You can only open deals on your own or your team’s customers' },
      });
    }
    const pipeline = input.pipelineId ? await getPipeline(ctx, input.pipelineId, t) : await getPipeline(ctx, null, t);
    const stage = input.stage ? stageOrThrow(pipeline.stages, input.stage) : openStages(pipeline.stages)[0];
    if (!isOpenStage(stage)) throw invalid('stage', '新商机必须处于进行中的阶段', 'A new opportunity starts in an open stage');
    assertRequirements(stage, { amountCents: amount, expectedCloseDate: closeDate, nextStep: input.nextStep ?? null, lines: priced?.lines.length ?? 0, competitors: input.competitors?.length ?? 0 });
    const owner = await resolveOwner(ctx, actor, input.ownerId, customer.owner_id === null ? null : Number(customer.owner_id), t);
    const isManager = actor.kind !== 'user' || actor.role === 'admin' || (actor.role === 'manager' && (owner.team_id === actor.teamId || owner.id === actor.userId));
    if (input.probability !== undefined && !isManager) throw new AppError('FORBIDDEN', { field: 'probability', detail: { 'zh-CN': '只有经理可以调整赢率', en: 'Only a manager can override the probability' } });
    const override = input.probability ?? null;
    const probability = probabilityFor(stage, override);
    const name = input.name ?? defaultName(customer.name, pipeline.kind === 'renewal');
    const row = await ctx.models.Opportunity.create(
      {
        customer_id: Number(customer.id),
        pipeline_id: pipeline.id,
        name,
        owner_id: owner.id,
        team_id: owner.team_id,
        stage: stage.key,
        stage_rank: rankOf(pipeline.stages, stage.key),
        reached_mask: passedMask(0, rankOf(pipeline.stages, stage.key)),
        status: 'open',
        probability,
        probability_override: override !== null,
        currency: input.currency,
        amount_cents: amount,
        expected_close_date: closeDate,
        period_date: closeDate,
        source: input.source,
        lead_id: origin.leadId ?? null,
        campaign: input.campaign ?? null,
        renewal_of_contract_id: origin.renewalOfContractId ?? null,
        competitors: input.competitors?.length ? JSON.stringify(input.competitors) : null,
        next_step: input.nextStep ?? null,
        stage_entered_at: now,
        created_by: actor.kind === 'user' ? actor.userId : null,
        version: 1,
        created_at: now,
        updated_at: now,
      },
      { transaction: t },
    );
    const id = Number(row.get('id'));
    if (priced) await writeLines(ctx, t, id, priced.lines);
    const o = { id, pipeline_id: pipeline.id, owner_id: owner.id, team_id: owner.team_id };
    await writeHistory(ctx, t, o, actor, channel, [
      { field: 'stage', from: null, to: stage.key, fromRank: 0, toRank: rankOf(pipeline.stages, stage.key), reachMask: passedMask(0, rankOf(pipeline.stages, stage.key)) },
      ...(amount !== null ? [{ field: 'amount' as const, from: null, to: String(amount) }] : []),
      { field: 'close_date', from: null, to: closeDate },
      ...(override !== null ? [{ field: 'probability' as const, from: null, to: String(override) }] : []),
    ], now);
    await recordAudit(ctx, t, { actor, action: 'opportunity.create', entityType: 'opportunity', entityId: id, channel, data: { customerId: Number(customer.id), pipeline: pipeline.key, stage: stage.key, amountCents: amount, source: input.source } });
    await notifyLargeDeal(ctx, t, actor, pipeline, { id, name, customerName: customer.name, ownerId: owner.id, ownerName: owner.name, currency: input.currency, amountCents: amount, probability, expectedCloseDate: closeDate, version: 1 }, null, stage);
    return toDto(ctx, (await loadRow(ctx, id, t))!, t);
  }, parent);
}

// ---------------------------------------------------------------------------------------------
// Change

function assertVersion(r: OppRow, expected: number | undefined): void {
  if (expected !== undefined && Number(r.version) !== expected) {
    throw new AppError('CONFLICT', { field: 'expectedVersion', detail: { 'zh-CN': '商机已被他人修改，请刷新后重试', en: 'The opportunity changed meanwhile; reload and retry' }, data: { version: Number(r.version) } });
  }
}

async function loadForChange(ctx: CoreContext, actor: Actor, id: number, t: Transaction): Promise<OppRow> {
  const r = await lockRow(ctx, id, t);
  if (!r || !canSeeOpportunity(actor, r)) throw notFound();
  if (!canEditOpportunity(actor, r)) throw new AppError('FORBIDDEN', { field: 'opportunityId', detail: { 'zh-CN': '只有负责人或其经理可以修改该商机', en: 'Only the owner or their manager can change this opportunity' } });
  return r;
}

/** Writes the changed columns, bumping the version; refuses if someone else changed the row in between. */
async function saveRow(ctx: CoreContext, t: Transaction, r: OppRow, sets: Record<string, unknown>): Promise<number> {
  const version = Number(r.version) + 1;
  const all = { ...sets, version, updated_at: ctx.clock.now() };
  const [, n] = await ctx.db.sequelize.query(`UPDATE opportunities SET ${Object.keys(all).map((k) => `${k} = :${k}`).join(', ')} WHERE id = :id AND version = :v`, {
    replacements: { ...all, id: r.id, v: r.version }, transaction: t, type: QueryTypes.UPDATE,
  });
  if (!Number(n)) throw new AppError('CONFLICT', { field: 'opportunityId' });
  return version;
}

export const updateOpportunityInput = z
  .object({
    opportunityId: dbId,
    expectedVersion: z.number().int().min(1).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    amountCents: amountCents.optional().nullable(),
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
    lines: z.array(opportunityLineInput).max(100).optional(),
    expectedCloseDate: day('expectedCloseDate').optional(),
    nextStep: z.string().trim().min(1).max(500).optional().nullable(),
    competitors: competitors.optional(),
    /** A manager's override; null returns to the stage's default. */
    probability: z.number().int().min(0).max(100).optional().nullable(),
    ownerId: dbId.optional(),
    lossNote: z.string().trim().min(1).max(500).optional().nullable(),
  })
  .strict();
export type UpdateOpportunityInput = z.input<typeof updateOpportunityInput>;

/**
 * Changes a deal's fields. Amount, close date, probability and owner changes are history rows. A closed deal keeps
 * its amount, date and probability (reopen it first); the owner's manager alone overrides the probability or
 * reassigns the deal (within their team; admins anywhere).
 */
export async function updateOpportunity(ctx: CoreContext, actor: Actor, channel: Channel, raw: UpdateOpportunityInput, parent?: Transaction | null): Promise<OpportunityDto> {
  const input = parseInput(updateOpportunityInput, raw);
  const priced = input.lines ? priceOpportunityLines(input.lines) : null;
  if (priced && input.amountCents !== undefined && input.amountCents !== null && input.amountCents !== priced.amountCents) {
    throw invalid('amountCents', '金额与产品明细合计不符', 'The amount differs from the sum of the lines');
  }
  return ctx.db.tx(async (t) => {
    const r = await loadForChange(ctx, actor, input.opportunityId, t);
    assertVersion(r, input.expectedVersion);
    const p = await pipelineById(ctx, r.pipeline_id, t);
    const stage = stageIn(p, r.stage);
    const open = r.status === 'open';
    const now = ctx.clock.now();
    const sets: Record<string, unknown> = {};
    const history: HistoryInput[] = [];
    const closedOnly = (field: string) => {
      if (!open) throw new AppError('INVALID_STATE', { field, detail: { 'zh-CN': '商机已关闭，需先重新打开', en: 'The opportunity is closed; reopen it first' } });
    };
    if (input.name !== undefined) sets.name = input.name;
    if (input.nextStep !== undefined) sets.next_step = input.nextStep;
    if (input.competitors !== undefined) sets.competitors = input.competitors.length ? JSON.stringify(input.competitors) : null;
    if (input.lossNote !== undefined) {
      if (r.status !== 'lost') throw new AppError('INVALID_STATE', { field: 'lossNote', detail: { 'zh-CN': '只有输单的商机有输单说明', en: 'Only a lost opportunity has a loss note' } });
      sets.loss_note = input.lossNote;
    }
    if (input.currency !== undefined && input.currency !== r.currency) {
      closedOnly('currency');
      sets.currency = input.currency;
    }
    const oldAmount = amountOf(r.amount_cents);
    let newAmount = oldAmount;
    if (priced || input.amountCents !== undefined) {
      newAmount = priced ? priced.amountCents : input.amountCents ?? null;
      if (newAmount !== oldAmount) {
        closedOnly('amountCents');
        sets.amount_cents = newAmount;
        history.push({ field: 'amount', from: oldAmount === null ? null : String(oldAmount), to: newAmount === null ? null : String(newAmount) });
      }
      if (priced) await writeLines(ctx, t, r.id, priced.lines);
    }
    const oldClose = toDay(r.expected_close_date)!;
    if (input.expectedCloseDate !== undefined && input.expectedCloseDate !== oldClose) {
      closedOnly('expectedCloseDate');
      const created = businessDay(toDate(r.created_at)!, ctx.timezone);
      if (input.expectedCloseDate < created) throw invalid('expectedCloseDate', '预计成交日期不能早于商机创建日期', 'The expected close date is before the opportunity was created');
      sets.expected_close_date = input.expectedCloseDate;
      sets.period_date = input.expectedCloseDate;
      history.push({ field: 'close_date', from: oldClose, to: input.expectedCloseDate });
    }
    if (input.probability !== undefined) {
      if (!isManagerOf(actor, r)) throw new AppError('FORBIDDEN', { field: 'probability', detail: { 'zh-CN': '只有经理可以调整赢率', en: 'Only a manager can override the probability' } });
      closedOnly('probability');
      const next = probabilityFor(stage, input.probability);
      const wasOverride = Boolean(Number(r.probability_override));
      if (next !== Number(r.probability) || wasOverride !== (input.probability !== null)) {
        sets.probability = next;
        sets.probability_override = input.probability !== null;
        history.push({ field: 'probability', from: String(r.probability), to: String(next) });
      }
    }
    if (input.ownerId !== undefined && input.ownerId !== Number(r.owner_id)) {
      if (!isManagerOf(actor, r)) throw new AppError('FORBIDDEN', { field: 'ownerId', detail: { 'zh-CN': '只有经理可以转交商机', en: 'Only a manager can reassign a deal' } });
      const o = await ownerTeam(ctx, input.ownerId, t);
      if (actor.kind === 'user' && actor.role === 'manager' && !manages(actor, o.team_id)) throw new AppError('FORBIDDEN', { field: 'ownerId', detail: { 'zh-CN': '只能转交给本团队成员', en: 'Only within your team' } });
      sets.owner_id = input.ownerId;
      sets.team_id = o.team_id;
      history.push({ field: 'owner', from: String(r.owner_id), to: String(input.ownerId) });
    }
    if (open && (sets.amount_cents !== undefined || sets.expected_close_date !== undefined)) {
      assertRequirements(stage, { amountCents: newAmount, expectedCloseDate: (sets.expected_close_date as string | undefined) ?? oldClose, nextStep: (sets.next_step as string | null | undefined) ?? r.next_step, lines: 1, competitors: 1 });
    }
    if (!Object.keys(sets).length) return toDto(ctx, r, t);
    await saveRow(ctx, t, r, sets);
    await writeHistory(ctx, t, { id: r.id, pipeline_id: Number(r.pipeline_id), owner_id: Number(sets.owner_id ?? r.owner_id), team_id: (sets.team_id as number | null | undefined) ?? r.team_id }, actor, channel, history, now);
    await recordAudit(ctx, t, { actor, action: 'opportunity.update', entityType: 'opportunity', entityId: r.id, channel, data: { fields: Object.keys(sets) } });
    return toDto(ctx, (await loadRow(ctx, r.id, t))!, t);
  }, parent);
}

export const moveStageInput = z
  .object({
    opportunityId: dbId,
    /** A stage key or its zh-CN / English name. */
    stage: z.string().trim().min(1).max(40),
    expectedVersion: z.number().int().min(1).optional(),
    lossReason: z.enum(LOSS_REASONS).optional(),
    lossNote: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
export type MoveStageInput = z.input<typeof moveStageInput>;

interface StageChange {
  r: OppRow;
  p: PipelineDto;
  from: Stage;
  to: Stage;
  lossReason?: string | null;
  lossNote?: string | null;
  wonContractId?: number | null;
  /** A reopen (from a closed stage) rather than a move. */
  reopen?: boolean;
  /** A won deal that a contract closed already counted for the customer's figures. */
  countWon?: boolean;
}

/** The one place a deal changes stage: row, history (ranks, time in the stage left), audit, large-deal notice. */
async function applyStageChange(ctx: CoreContext, t: Transaction, actor: Actor, channel: Channel, c: StageChange): Promise<void> {
  const { r, p, from, to } = c;
  const now = ctx.clock.now();
  const today = businessDay(now, ctx.timezone);
  const status: OpportunityStatus = to.category === 'won' ? 'won' : to.category === 'lost' ? 'lost' : 'open';
  const override = Boolean(Number(r.probability_override));
  const probability = status === 'open' ? probabilityFor(to, override ? Number(r.probability) : null) : to.probability;
  const amount = amountOf(r.amount_cents);
  // A reopen passes no stage (its from rank is its to rank): conversion counts only real progress, once per deal.
  const toRank = rankOf(p.stages, to.key);
  const fromRank = c.reopen ? toRank : rankOf(p.stages, from.key);
  const reachedBefore = Number(r.reached_mask ?? 0);
  const reachMask = passedMask(fromRank, toRank) & ~reachedBefore;
  const sets: Record<string, unknown> = {
    stage: to.key,
    stage_rank: toRank,
    reached_mask: reachedBefore | reachMask,
    status,
    probability,
    stage_entered_at: now,
    closed_at: status === 'open' ? null : now,
    period_date: status === 'open' ? toDay(r.expected_close_date) : today,
    loss_reason: status === 'lost' ? c.lossReason ?? null : null,
    loss_note: status === 'lost' ? c.lossNote ?? null : null,
  };
  if (status === 'open') sets.probability_override = override;
  if (c.wonContractId !== undefined) sets.won_contract_id = c.wonContractId;
  if (status !== 'won' && c.reopen) sets.won_contract_id = null;
  const version = await saveRow(ctx, t, r, sets);
  const seconds = Math.max(0, Math.round((now.getTime() - toDate(r.stage_entered_at)!.getTime()) / 1000));
  const history: HistoryInput[] = [];
  if (c.reopen) history.push({ field: 'reopen', from: from.key, to: to.key });
  history.push({ field: 'stage', from: from.key, to: to.key, fromRank, toRank, fromSeconds: Math.min(seconds, 2_147_483_647), reachMask });
  if (probability !== Number(r.probability) && status === 'open' && override) history.push({ field: 'probability', from: String(r.probability), to: String(probability) });
  await writeHistory(ctx, t, { id: r.id, pipeline_id: Number(r.pipeline_id), owner_id: Number(r.owner_id), team_id: r.team_id }, actor, channel, history, now);
  if (status === 'won' && c.countWon !== false && amount !== null) await recordWonDeal(ctx, t, { customerId: Number(r.customer_id), amountCents: amount, at: now });
  // Reopening a deal won by hand takes its win back from the customer's figures (a contract's win cannot be reopened).
  if (c.reopen && from.category === 'won' && amount !== null) await reverseWonDeal(ctx, t, { customerId: Number(r.customer_id), amountCents: amount });
  await recordAudit(ctx, t, {
    actor, action: c.reopen ? 'opportunity.reopen' : `opportunity.${status === 'open' ? 'stage' : status}`, entityType: 'opportunity', entityId: r.id, channel,
    data: { from: from.key, to: to.key, ...(c.lossReason ? { lossReason: c.lossReason } : {}), ...(c.wonContractId ? { contractId: c.wonContractId } : {}) },
  });
  await notifyLargeDeal(ctx, t, actor, p, {
    id: r.id, name: r.name, customerName: r.customer_name, ownerId: Number(r.owner_id), ownerName: r.owner_name, currency: r.currency, amountCents: amount, probability,
    expectedCloseDate: toDay(r.expected_close_date)!, version,
  }, from, to);
}

/**
 * Moves a deal to a stage (by key or name). Open stages move freely both ways if the target's requirements are met;
 * 赢单 needs an amount; 输单 needs a loss reason; a closed deal moves only by reopening. The same stage again is no
 * change (changed: false, no history). Concurrent moves serialise on the row: history stays one chain.
 */
export async function moveStage(ctx: CoreContext, actor: Actor, channel: Channel, raw: MoveStageInput, parent?: Transaction | null): Promise<{ opportunity: OpportunityDto; changed: boolean }> {
  const input = parseInput(moveStageInput, raw);
  return ctx.db.tx(async (t) => {
    const r = await loadForChange(ctx, actor, input.opportunityId, t);
    assertVersion(r, input.expectedVersion);
    const p = await pipelineById(ctx, r.pipeline_id, t);
    const to = stageOrThrow(p.stages, input.stage);
    const from = stageIn(p, r.stage);
    if (from.key === to.key) return { opportunity: await toDto(ctx, r, t), changed: false };
    assertMove(from, to);
    if (to.category === 'lost' && !input.lossReason) {
      throw invalid('lossReason', `输单需要原因，可选：${LOSS_REASONS.join('、')}`, `A lost deal needs a reason: one of ${LOSS_REASONS.join(', ')}`);
    }
    const lines = Number((await ctx.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM opportunity_lines WHERE opportunity_id = :id', { id: r.id }, t))[0].n);
    assertRequirements(to, { amountCents: amountOf(r.amount_cents), expectedCloseDate: toDay(r.expected_close_date), nextStep: r.next_step, lines, competitors: r.competitors ? (JSON.parse(r.competitors) as string[]).length : 0 });
    await applyStageChange(ctx, t, actor, channel, { r, p, from, to, lossReason: input.lossReason ?? null, lossNote: input.lossNote ?? null });
    return { opportunity: await toDto(ctx, (await loadRow(ctx, r.id, t))!, t), changed: true };
  }, parent);
}

export const closeOpportunityInput = z
  .object({
    opportunityId: dbId,
    outcome: z.enum(['won', 'lost']),
    lossReason: z.enum(LOSS_REASONS).optional(),
    lossNote: z.string().trim().min(1).max(500).optional(),
    expectedVersion: z.number().int().min(1).optional(),
  })
  .strict();

/** Closes a deal as won (without a contract: it counts for the customer's won figures) or lost (with a reason). */
export async function closeOpportunity(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof closeOpportunityInput>, parent?: Transaction | null): Promise<OpportunityDto> {
  const input = parseInput(closeOpportunityInput, raw);
  return ctx.db.tx(async (t) => {
    const r = await loadRow(ctx, input.opportunityId, t);
    if (!r || !canSeeOpportunity(actor, r)) throw notFound();
    const p = await pipelineById(ctx, r.pipeline_id, t);
    const stage = input.outcome === 'won' ? wonStage(p.stages) : lostStage(p.stages);
    const res = await moveStage(ctx, actor, channel, { opportunityId: input.opportunityId, stage: stage.key, lossReason: input.lossReason, lossNote: input.lossNote, expectedVersion: input.expectedVersion }, t);
    if (!res.changed) throw new AppError('ALREADY_DONE', { detail: { 'zh-CN': `商机已${stage.name}`, en: `The opportunity is ${input.outcome} already` } });
    return res.opportunity;
  }, parent);
}

export const reopenOpportunityInput = z
  .object({
    opportunityId: dbId,
    /** The open stage to return to; default the stage it was closed from. */
    stage: z.string().trim().min(1).max(40).optional(),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();

/**
 * Reopens a won or lost deal into an open stage: the owner's manager or an admin, audited with the reason. A deal
 * won through an approved contract is not reopened here (terminate the contract instead).
 */
export async function reopenOpportunity(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof reopenOpportunityInput>, parent?: Transaction | null): Promise<OpportunityDto> {
  const input = parseInput(reopenOpportunityInput, raw);
  return ctx.db.tx(async (t) => {
    const r = await loadForChange(ctx, actor, input.opportunityId, t);
    if (!isManagerOf(actor, r)) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有经理或管理员可以重新打开商机', en: 'Only a manager or an admin can reopen a deal' } });
    if (r.status === 'open') throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '商机未关闭', en: 'The opportunity is not closed' } });
    if (r.won_contract_id) throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '该商机已由合同赢单，不能重新打开', en: 'This deal was won by a contract; it cannot be reopened' } });
    const p = await pipelineById(ctx, r.pipeline_id, t);
    const from = stageIn(p, r.stage);
    let to: Stage;
    if (input.stage) {
      to = stageOrThrow(p.stages, input.stage);
    } else {
      const last = (await ctx.db.select<{ from_value: string | null }>("SELECT from_value FROM opportunity_history WHERE opportunity_id = :id AND field = 'stage' ORDER BY id DESC LIMIT 1", { id: r.id }, t))[0];
      to = p.stages.find((s) => s.key === last?.from_value && isOpenStage(s)) ?? openStages(p.stages)[0];
    }
    if (!isOpenStage(to)) throw invalid('stage', '重新打开后必须处于进行中的阶段', 'A reopened deal goes to an open stage');
    await applyStageChange(ctx, t, actor, channel, { r, p, from, to, reopen: true });
    await recordAudit(ctx, t, { actor, action: 'opportunity.reopen_reason', entityType: 'opportunity', entityId: r.id, channel, data: { reason: input.reason } });
    return toDto(ctx, (await loadRow(ctx, r.id, t))!, t);
  }, parent);
}

/**
 * The contract of an accepted quote was approved: the deal is won (called by the contract approval subject inside its
 * transaction). The contract already counted for the customer's won figures. Idempotent.
 */
export async function markOpportunityWon(ctx: CoreContext, t: Transaction, input: { opportunityId: number; contractId: number; actor: Actor }): Promise<void> {
  const r = await lockRow(ctx, input.opportunityId, t);
  if (!r) return;
  if (r.status === 'won') {
    if (!r.won_contract_id) await ctx.db.sequelize.query('UPDATE opportunities SET won_contract_id = :c WHERE id = :id', { replacements: { c: input.contractId, id: r.id }, transaction: t, type: QueryTypes.UPDATE });
    return;
  }
  const p = await pipelineById(ctx, r.pipeline_id, t);
  const amount = (await ctx.db.select<{ amount_cents: unknown }>('SELECT amount_cents FROM contracts WHERE id = :id', { id: input.contractId }, t))[0];
  if (amount && amountOf(r.amount_cents) !== toCents(amount.amount_cents)) {
    // The signed amount is the deal's amount from now on (kept as history like any amount change).
    const version = await saveRow(ctx, t, r, { amount_cents: toCents(amount.amount_cents) });
    await writeHistory(ctx, t, { id: r.id, pipeline_id: Number(r.pipeline_id), owner_id: Number(r.owner_id), team_id: r.team_id }, input.actor, 'job', [{ field: 'amount', from: r.amount_cents === null ? null : String(toCents(r.amount_cents)), to: String(toCents(amount.amount_cents)) }], ctx.clock.now());
    r.version = version;
    r.amount_cents = toCents(amount.amount_cents);
  }
  await applyStageChange(ctx, t, input.actor, 'job', { r, p, from: stageIn(p, r.stage), to: wonStage(p.stages), wonContractId: input.contractId, countWon: false });
}

// ---------------------------------------------------------------------------------------------
// Reads

export async function opportunityHistory(ctx: CoreContext, actor: Actor, opportunityId: number): Promise<OpportunityHistoryDto[]> {
  await getOpportunity(ctx, actor, opportunityId);
  const rows = await ctx.db.select<{ id: number; field: HistoryField; from_value: string | null; to_value: string | null; actor_id: number | null; actor_name: string | null; channel: string; changed_at: unknown }>(
    `SELECT h.id, h.field, h.from_value, h.to_value, h.actor_id, u.name AS actor_name, h.channel, h.changed_at
     FROM opportunity_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.opportunity_id = :id ORDER BY h.id`,
    { id: opportunityId },
  );
  return rows.map((h) => ({ id: Number(h.id), field: h.field, from: h.from_value, to: h.to_value, actorId: h.actor_id === null ? null : Number(h.actor_id), actorName: h.actor_name, channel: h.channel, at: isoOf(h.changed_at) }));
}

export const listOpportunitiesInput = z
  .object({
    pipelineId: dbId.optional(),
    stage: z.string().trim().min(1).max(40).optional(),
    status: z.enum(['open', 'won', 'lost']).optional(),
    ownerId: dbId.optional(),
    teamId: dbId.optional(),
    customerId: dbId.optional(),
    closeFrom: day('closeFrom').optional(),
    closeTo: day('closeTo').optional(),
    q: z.string().trim().min(1).max(100).optional(),
    cursor: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .strict();
export type ListOpportunitiesInput = z.input<typeof listOpportunitiesInput>;

/** The deals the actor may see, newest first, filtered; keyset pagination on id. */
export async function listOpportunities(ctx: CoreContext, actor: Actor, raw: ListOpportunitiesInput): Promise<Page<OpportunityListItem>> {
  const input = parseInput(listOpportunitiesInput, raw);
  const after = decodeCursor<{ id: number }>(input.cursor);
  if (after && typeof after.id !== 'number') throw invalid('cursor', '分页游标无效', 'Invalid pagination cursor');
  const scope = opportunityScope(actor);
  const where = [scope.sql];
  const rep: Record<string, unknown> = { ...scope.replacements, lim: input.limit + 1 };
  if (input.stage !== undefined) {
    const p = await getPipeline(ctx, input.pipelineId ?? null);
    where.push('o.stage = :stage');
    rep.stage = stageOrThrow(p.stages, input.stage).key;
  }
  if (input.pipelineId !== undefined) { await getPipeline(ctx, input.pipelineId); where.push('o.pipeline_id = :pipelineId'); rep.pipelineId = input.pipelineId; }
  if (input.status !== undefined) { where.push('o.status = :status'); rep.status = input.status; }
  if (input.ownerId !== undefined) { where.push('o.owner_id = :ownerId'); rep.ownerId = input.ownerId; }
  if (input.teamId !== undefined) { where.push('o.team_id = :teamId'); rep.teamId = input.teamId; }
  if (input.customerId !== undefined) { where.push('o.customer_id = :customerId'); rep.customerId = input.customerId; }
  if (input.closeFrom !== undefined) { where.push('o.period_date >= :closeFrom'); rep.closeFrom = input.closeFrom; }
  if (input.closeTo !== undefined) { where.push('o.period_date <= :closeTo'); rep.closeTo = input.closeTo; }
  if (input.q !== undefined) { where.push("(o.name LIKE :q ESCAPE '!' OR cu.name LIKE :q ESCAPE '!')"); rep.q = `%${input.q.replace(/[!%_]/g, (c) => `!${c}`)}%`; }
  if (after) { where.push('o.id < :after'); rep.after = after.id; }
  const rows = await ctx.db.select<OppRow>(`SELECT ${OPP_SELECT} FROM ${OPP_FROM} WHERE ${where.join(' AND ')} ORDER BY o.id DESC LIMIT :lim`, rep);
  const pipelines = await listPipelines(ctx);
  const byId = new Map(pipelines.map((p) => [p.id, p]));
  return pageOf(rows, input.limit, (r) => ({ id: Number(r.id) }), (r) => toListItem(r, byId.get(Number(r.pipeline_id)) ?? pipelines[0]));
}

const squash = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[\s_\-·,，。.、:：'"“”‘’()（）]/g, '');

/** How well `needle` reads as an abbreviation of `hay`: its characters in order (远航ERP ⊂ 远航科技ERP升级); 0 = no match. */
export function abbreviationScore(needle: string, hay: string): number {
  const n = squash(needle);
  const h = squash(hay);
  if (!n || !h) return 0;
  if (h === n) return 1000;
  if (h.includes(n)) return 500 + n.length;
  let i = 0;
  let runs = 0;
  let prev = -2;
  for (let j = 0; j < h.length && i < n.length; j++) {
    if (h[j] === n[i]) {
      if (j !== prev + 1) runs++;
      prev = j;
      i++;
    }
  }
  if (i < n.length) return 0;
  return Math.max(1, 100 - runs * 10 + n.length);
}

/**
 * The actor's open deals that a chat phrase names ("远航ERP", "ERP升级", "远航科技那单"): matched against the
 * customer name + the deal name as an abbreviation, best first. Reads the actor's most recent open deals (their
 * scope), so a rep's phrase never reaches another rep's deal.
 */
export async function findOpportunitiesByText(ctx: CoreContext, actor: Actor, text: string, limit = 5): Promise<OpportunityListItem[]> {
  const phrase = text.trim().slice(0, 100);
  if (!phrase) return [];
  const scope = opportunityScope(actor);
  const rows = await ctx.db.select<OppRow>(`SELECT ${OPP_SELECT} FROM ${OPP_FROM} WHERE ${scope.sql} AND o.status = 'open' ORDER BY o.id DESC LIMIT 2000`, scope.replacements);
  const pipelines = await listPipelines(ctx);
  const byId = new Map(pipelines.map((p) => [p.id, p]));
  const scored = rows
    .map((r) => ({ r, s: Math.max(abbreviationScore(phrase, `${r.customer_name}${r.name}`), abbreviationScore(phrase, r.name), abbreviationScore(phrase, r.customer_name) - 1) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || Number(b.r.id) - Number(a.r.id));
  if (!scored.length) return [];
  const best = scored[0].s;
  return scored.filter((x) => x.s >= Math.min(best, 500)).slice(0, limit).map((x) => toListItem(x.r, byId.get(Number(x.r.pipeline_id)) ?? pipelines[0]));
}

/** A customer's deals, open first then newest (the 360° view's section: one indexed query on customer_id). */
export async function listCustomerOpportunities(ctx: CoreContext, customerId: number, limit = 10, t?: Transaction | null): Promise<OpportunityListItem[]> {
  const rows = await ctx.db.select<OppRow>(
    `SELECT ${OPP_SELECT} FROM ${OPP_FROM} WHERE o.customer_id = :c ORDER BY CASE WHEN o.status = 'open' THEN 0 ELSE 1 END, o.id DESC LIMIT ${Math.max(1, Math.min(100, Math.floor(limit)))}`,
    { c: customerId },
    t,
  );
  const pipelines = await listPipelines(ctx, t);
  const byId = new Map(pipelines.map((p) => [p.id, p]));
  return rows.map((r) => toListItem(r, byId.get(Number(r.pipeline_id)) ?? pipelines[0]));
}

/** Of `customerIds`, those with an open deal: never recycled to the pool (one indexed query on customer_id). */
export async function customersWithOpenOpportunities(ctx: CoreContext, customerIds: number[], t?: Transaction | null): Promise<number[]> {
  if (!customerIds.length) return [];
  const rows = await ctx.db.select<{ customer_id: number }>("SELECT DISTINCT customer_id FROM opportunities WHERE customer_id IN (:ids) AND status = 'open'", { ids: customerIds }, t);
  return rows.map((r) => Number(r.customer_id));
}

/** For the contracts context: the deal behind a quote, with what a contract needs from it. */
export async function opportunityForContract(ctx: CoreContext, actor: Actor, opportunityId: number, t: Transaction): Promise<OpportunityDto> {
  const r = await lockRow(ctx, opportunityId, t);
  if (!r || !canSeeOpportunity(actor, r)) throw notFound();
  if (!canEditOpportunity(actor, r)) throw new AppError('FORBIDDEN', { field: 'opportunityId' });
  return toDto(ctx, r, t);
}
