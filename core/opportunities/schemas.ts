import { z } from 'zod';

/**
 * The sales pipeline's shapes that cross a transport (/api/v1, cards, outbox payloads), declared once; types are
 * inferred. Money is integer cents (fen); probabilities are whole percents 0–100; dates are YYYY-MM-DD in the CRM
 * time zone; timestamps ISO 8601.
 */
export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost'] as const;
export type OpportunityStatus = (typeof OPPORTUNITY_STATUSES)[number];

export const OPPORTUNITY_SOURCES = ['lead', 'campaign', 'renewal', 'manual'] as const;
export type OpportunitySource = (typeof OPPORTUNITY_SOURCES)[number];

/** Why a deal was lost: a closed list (reports group by it) plus free text in lossNote. */
export const LOSS_REASONS = ['price', 'competitor', 'no_budget', 'no_decision', 'timing', 'product_fit', 'relationship', 'other'] as const;
export type LossReason = (typeof LOSS_REASONS)[number];
export const LOSS_REASON_NAMES: Record<LossReason, { 'zh-CN': string; en: string }> = {
  price: { 'zh-CN': '价格', en: 'Price' },
  competitor: { 'zh-CN': '竞品', en: 'Competitor' },
  no_budget: { 'zh-CN': '无预算', en: 'No budget' },
  no_decision: { 'zh-CN': '客户未决策', en: 'No decision' },
  timing: { 'zh-CN': '时机不对', en: 'Timing' },
  product_fit: { 'zh-CN': '产品不匹配', en: 'Product fit' },
  relationship: { 'zh-CN': '客户关系', en: 'Relationship' },
  other: { 'zh-CN': '其他', en: 'Other' },
};

/**
 * Forecast category of a stage: 'pipeline' counts only in the weighted forecast, 'best_case' adds to best case,
 * 'commit' to commit and best case, 'won'/'lost' are the closing stages (exactly one of each per pipeline).
 */
export const STAGE_CATEGORIES = ['pipeline', 'best_case', 'commit', 'won', 'lost'] as const;
export type StageCategory = (typeof STAGE_CATEGORIES)[number];

/** Fields a stage may require before an opportunity enters it. */
export const STAGE_REQUIREMENTS = ['amount', 'expectedCloseDate', 'nextStep', 'lines', 'competitors'] as const;
export type StageRequirement = (typeof STAGE_REQUIREMENTS)[number];

export const PIPELINE_KINDS = ['new', 'renewal'] as const;
export type PipelineKind = (typeof PIPELINE_KINDS)[number];

const id = z.number().int();
const cents = z.number().int().describe('integer cents (fen); never a float');
const pct = z.number().int().min(0).max(100);

export const StageSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/).describe('stable key, used in history and the API'),
  name: z.string().min(1).max(40).describe('zh-CN name shown to users'),
  nameEn: z.string().min(1).max(60),
  probability: pct.describe('default win probability, percent'),
  category: z.enum(STAGE_CATEGORIES),
  requires: z.array(z.enum(STAGE_REQUIREMENTS)).default([]),
});
export type Stage = z.infer<typeof StageSchema>;

export const PipelineSchema = z.object({
  id,
  key: z.string(),
  name: z.string(),
  kind: z.enum(PIPELINE_KINDS),
  isDefault: z.boolean(),
  /** In order; the open stages first, then the won and the lost stage. */
  stages: z.array(StageSchema),
});
export type PipelineDto = z.infer<typeof PipelineSchema>;

/** Pipeline-wide settings (settings key `pipeline.settings`). */
export const PipelineSettingsSchema = z.object({
  /** A stage change of a deal at least this large notifies the owner's manager. Default ¥500,000. */
  largeDealCents: cents.min(0),
  /** An open deal with no stage change for this many days is stuck (digest). Default 14. */
  stuckDays: z.number().int().min(1).max(365),
});
export type PipelineSettings = z.infer<typeof PipelineSettingsSchema>;

export const OpportunityLineSchema = z.object({ seq: z.number().int(), name: z.string(), quantity: z.number().int(), unitPriceCents: cents, discountBp: z.number().int(), amountCents: cents });
export type OpportunityLineDto = z.infer<typeof OpportunityLineSchema>;

export const OpportunitySchema = z.object({
  id,
  customerId: id,
  customerName: z.string(),
  pipelineId: id,
  pipelineKey: z.string(),
  name: z.string(),
  ownerId: id,
  ownerName: z.string(),
  teamId: id.nullable(),
  stage: z.string(),
  stageName: z.string(),
  status: z.enum(OPPORTUNITY_STATUSES),
  probability: pct,
  probabilityOverridden: z.boolean(),
  currency: z.string(),
  amountCents: cents.nullable(),
  /** round(amount × probability / 100), half up. */
  weightedCents: cents.nullable(),
  expectedCloseDate: z.string(),
  source: z.enum(OPPORTUNITY_SOURCES),
  leadId: id.nullable(),
  campaign: z.string().nullable(),
  renewalOfContractId: id.nullable(),
  lines: z.array(OpportunityLineSchema),
  competitors: z.array(z.string()),
  lossReason: z.enum(LOSS_REASONS).nullable(),
  lossNote: z.string().nullable(),
  nextStep: z.string().nullable(),
  stageEnteredAt: z.string(),
  closedAt: z.string().nullable(),
  wonContractId: id.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Increments on every change; pass it back as `expectedVersion` to refuse a stale edit (409). */
  version: z.number().int(),
});
export type OpportunityDto = z.infer<typeof OpportunitySchema>;

/** A row of a list (my pipeline, the 360° section, the API list). */
export const OpportunityListItemSchema = OpportunitySchema.pick({
  id: true, customerId: true, customerName: true, pipelineId: true, name: true, ownerId: true, ownerName: true, stage: true, stageName: true, status: true,
  probability: true, currency: true, amountCents: true, weightedCents: true, expectedCloseDate: true, stageEnteredAt: true, updatedAt: true, version: true,
});
export type OpportunityListItem = z.infer<typeof OpportunityListItemSchema>;

export const HISTORY_FIELDS = ['stage', 'amount', 'close_date', 'probability', 'owner', 'reopen'] as const;
export type HistoryField = (typeof HISTORY_FIELDS)[number];

export const OpportunityHistorySchema = z.object({
  id,
  field: z.enum(HISTORY_FIELDS),
  from: z.string().nullable(),
  to: z.string().nullable(),
  actorId: id.nullable(),
  actorName: z.string().nullable(),
  channel: z.string(),
  at: z.string(),
});
export type OpportunityHistoryDto = z.infer<typeof OpportunityHistorySchema>;

export const QUOTE_STATUSES = ['draft', 'sent', 'accepted', 'rejected', 'superseded'] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

export const QuoteSchema = z.object({
  id,
  number: z.string(),
  opportunityId: id,
  opportunityName: z.string(),
  customerId: id,
  customerName: z.string(),
  version: z.number().int(),
  status: z.enum(QUOTE_STATUSES),
  currency: z.string(),
  listCents: cents,
  amountCents: cents,
  discountBp: z.number().int(),
  validUntil: z.string(),
  /** A sent quote past its validity date can no longer be accepted. */
  expired: z.boolean(),
  note: z.string().nullable(),
  lines: z.array(OpportunityLineSchema),
  sentAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  contractId: id.nullable(),
  createdAt: z.string(),
});
export type QuoteDto = z.infer<typeof QuoteSchema>;

/** One stage of the funnel for a scope and period. */
export const FunnelStageSchema = z.object({
  key: z.string(),
  name: z.string(),
  nameEn: z.string(),
  category: z.enum(STAGE_CATEGORIES),
  probability: pct,
  /** Now: opportunities at this stage whose close date (expected, or actual once closed) falls in the period. */
  count: z.number().int(),
  amountCents: cents,
  weightedCents: cents,
  /** From the history: opportunities that reached this stage (or passed it) for the first time during the period. */
  reached: z.number().int(),
  /** reached(next stage) / reached(this stage) in the period; null when nothing reached this stage. */
  conversionToNext: z.number().nullable(),
  /** Average days spent in this stage by opportunities that left it during the period; null when none did. */
  avgDaysInStage: z.number().nullable(),
});

export const PeriodSchema = z.object({ label: z.string(), from: z.string(), to: z.string() });
export type PeriodDto = z.infer<typeof PeriodSchema>;

export const ScopeSchema = z.object({ pipelineId: id, pipelineKey: z.string(), teamId: id.nullable(), ownerId: id.nullable(), currency: z.string() });

export const FunnelSchema = z.object({
  scope: ScopeSchema,
  period: PeriodSchema,
  stages: z.array(FunnelStageSchema),
  /** Closed in the period: won / (won + lost); rate null when nothing closed. */
  winRate: z.object({ won: z.number().int(), lost: z.number().int(), rate: z.number().nullable() }),
});
export type FunnelDto = z.infer<typeof FunnelSchema>;

export const ForecastMonthSchema = z.object({
  month: z.string().describe('YYYY-MM of the expected close date'),
  open: z.number().int(),
  pipelineCents: cents.describe('open amount, all stages'),
  weightedCents: cents.describe('Σ amount × probability over open deals'),
  commitCents: cents.describe('won + open deals in commit stages'),
  bestCaseCents: cents.describe('commit + open deals in best-case stages'),
  wonCents: cents,
  won: z.number().int(),
});
export const ForecastSchema = z.object({
  scope: ScopeSchema,
  period: PeriodSchema,
  months: z.array(ForecastMonthSchema),
  totals: ForecastMonthSchema.omit({ month: true }),
});
export type ForecastDto = z.infer<typeof ForecastSchema>;

/** Outbox payloads (rendered by bot/render/opportunities.ts). */
export const StageChangedPayloadSchema = z.object({
  opportunityId: id,
  name: z.string(),
  customerName: z.string(),
  ownerId: id,
  ownerName: z.string(),
  fromStage: z.string().nullable(),
  fromStageName: z.string().nullable(),
  toStage: z.string(),
  toStageName: z.string(),
  currency: z.string(),
  amountCents: cents.nullable(),
  probability: pct,
  expectedCloseDate: z.string(),
  byName: z.string().nullable(),
});
export type StageChangedPayload = z.infer<typeof StageChangedPayloadSchema>;

export const StuckDigestPayloadSchema = z.object({
  day: z.string(),
  stuckDays: z.number().int(),
  /** 'owner': your own deals; 'manager': your team's. */
  audience: z.enum(['owner', 'manager']),
  total: z.number().int(),
  totalCents: cents,
  deals: z.array(z.object({ id, name: z.string(), customerName: z.string(), ownerName: z.string(), stageName: z.string(), days: z.number().int(), currency: z.string(), amountCents: cents.nullable() })),
});
export type StuckDigestPayload = z.infer<typeof StuckDigestPayloadSchema>;

/** What a stage move answers: the deal, and whether anything changed (the same stage again is no change). */
export const MoveStageResultSchema = z.object({ opportunity: OpportunitySchema, changed: z.boolean() });
export type MoveStageResult = z.infer<typeof MoveStageResultSchema>;

/** What opening a renewal deal answers: the deal, and whether this call created it (a second tap answers the same). */
export const RenewalOpportunityResultSchema = z.object({ opportunity: OpportunitySchema, created: z.boolean() });
