import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { HistoryField, LossReason, OpportunitySource, OpportunityStatus, PipelineKind, QuoteStatus } from './schemas';

export interface PipelineAttrs {
  id: number;
  pkey: string;
  name: string;
  kind: PipelineKind;
  is_default: boolean;
  /** The ordered stages, JSON (StageSchema[]). */
  stages: string;
  created_at: Date;
  updated_at: Date;
}
export type PipelineCreation = Optional<PipelineAttrs, 'id' | 'is_default'>;

export interface OpportunityAttrs {
  id: number;
  customer_id: number;
  pipeline_id: number;
  name: string;
  owner_id: number;
  team_id: number | null;
  stage: string;
  /** The stage's position in its pipeline when entered (1-based; the won stage after every open one; lost 0). */
  stage_rank: number;
  /** Every rank the deal ever reached, as bits (rules.ts passedMask). */
  reached_mask: number;
  status: OpportunityStatus;
  probability: number;
  probability_override: boolean;
  currency: string;
  amount_cents: number | null;
  expected_close_date: string;
  /** The date the funnel and forecast bucket by: the expected close date while open, the close day once closed. */
  period_date: string;
  source: OpportunitySource;
  lead_id: number | null;
  campaign: string | null;
  renewal_of_contract_id: number | null;
  competitors: string | null;
  loss_reason: LossReason | null;
  loss_note: string | null;
  next_step: string | null;
  stage_entered_at: Date;
  closed_at: Date | null;
  won_contract_id: number | null;
  created_by: number | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}
export type OpportunityCreation = Optional<OpportunityAttrs, 'id' | 'team_id' | 'reached_mask' | 'probability_override' | 'currency' | 'amount_cents' | 'lead_id' | 'campaign' | 'renewal_of_contract_id' | 'competitors' | 'loss_reason' | 'loss_note' | 'next_step' | 'closed_at' | 'won_contract_id' | 'created_by' | 'version'>;

export interface OpportunityLineAttrs {
  id: number;
  opportunity_id: number;
  seq: number;
  name: string;
  quantity: number;
  unit_price_cents: number;
  discount_bp: number;
  amount_cents: number;
}
export type OpportunityLineCreation = Optional<OpportunityLineAttrs, 'id'>;

/**
 * One change of stage, amount, close date, probability or owner (who, when, from → to). Stage rows also carry the
 * ranks (a forward move from rank a to rank b passes every stage in (a, b]) and the seconds spent in the stage left,
 * and every row the owner, team and pipeline at the time, so conversion and velocity are one indexed range scan.
 */
export interface OpportunityHistoryAttrs {
  id: number;
  opportunity_id: number;
  pipeline_id: number;
  owner_id: number;
  team_id: number | null;
  field: HistoryField;
  from_value: string | null;
  to_value: string | null;
  from_rank: number | null;
  to_rank: number | null;
  from_seconds: number | null;
  /** Stage rows: the ranks reached for the first time by this move, as bits. */
  reach_mask: number | null;
  actor_id: number | null;
  channel: string;
  changed_at: Date;
}
export type OpportunityHistoryCreation = Optional<OpportunityHistoryAttrs, 'id' | 'from_value' | 'to_value' | 'from_rank' | 'to_rank' | 'from_seconds' | 'reach_mask' | 'actor_id' | 'team_id'>;

export interface QuoteAttrs {
  id: number;
  number: string;
  opportunity_id: number;
  version: number;
  status: QuoteStatus;
  currency: string;
  list_cents: number;
  amount_cents: number;
  discount_bp: number;
  valid_until: string;
  note: string | null;
  sent_at: Date | null;
  accepted_at: Date | null;
  contract_id: number | null;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}
export type QuoteCreation = Optional<QuoteAttrs, 'id' | 'note' | 'sent_at' | 'accepted_at' | 'contract_id' | 'created_by'>;

export interface QuoteLineAttrs extends Omit<OpportunityLineAttrs, 'opportunity_id'> {
  quote_id: number;
}
export type QuoteLineCreation = Optional<QuoteLineAttrs, 'id'>;

const pk = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };
const lineColumns = {
  id: pk,
  seq: { type: DataTypes.INTEGER, allowNull: false },
  name: { type: DataTypes.STRING(200), allowNull: false },
  quantity: { type: DataTypes.INTEGER, allowNull: false },
  unit_price_cents: { type: DataTypes.BIGINT, allowNull: false },
  discount_bp: { type: DataTypes.INTEGER, allowNull: false },
  amount_cents: { type: DataTypes.BIGINT, allowNull: false },
};

export function defineOpportunityModels(s: Sequelize) {
  const Pipeline = s.define<Entity<PipelineAttrs, PipelineCreation>>('Pipeline', {
    id: pk,
    pkey: { type: DataTypes.STRING(32), allowNull: false },
    name: { type: DataTypes.STRING(100), allowNull: false },
    kind: { type: DataTypes.STRING(16), allowNull: false },
    is_default: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    stages: { type: DataTypes.TEXT, allowNull: false },
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'pipelines' }) as EntityStatic<PipelineAttrs, PipelineCreation>;

  const Opportunity = s.define<Entity<OpportunityAttrs, OpportunityCreation>>('Opportunity', {
    id: pk,
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    pipeline_id: { type: DataTypes.INTEGER, allowNull: false },
    name: { type: DataTypes.STRING(200), allowNull: false },
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    team_id: DataTypes.INTEGER,
    stage: { type: DataTypes.STRING(32), allowNull: false },
    stage_rank: { type: DataTypes.SMALLINT, allowNull: false },
    reached_mask: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    status: { type: DataTypes.STRING(8), allowNull: false },
    probability: { type: DataTypes.SMALLINT, allowNull: false },
    probability_override: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    currency: { type: DataTypes.STRING(3), allowNull: false, defaultValue: 'CNY' },
    amount_cents: DataTypes.BIGINT,
    expected_close_date: { type: DataTypes.DATEONLY, allowNull: false },
    period_date: { type: DataTypes.DATEONLY, allowNull: false },
    source: { type: DataTypes.STRING(16), allowNull: false },
    lead_id: DataTypes.INTEGER,
    campaign: DataTypes.STRING(100),
    renewal_of_contract_id: DataTypes.INTEGER,
    competitors: DataTypes.STRING(1000),
    loss_reason: DataTypes.STRING(16),
    loss_note: DataTypes.STRING(500),
    next_step: DataTypes.STRING(500),
    stage_entered_at: { type: DataTypes.DATE(3), allowNull: false },
    closed_at: DataTypes.DATE(3),
    won_contract_id: DataTypes.INTEGER,
    created_by: DataTypes.INTEGER,
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'opportunities' }) as EntityStatic<OpportunityAttrs, OpportunityCreation>;

  const OpportunityLine = s.define<Entity<OpportunityLineAttrs, OpportunityLineCreation>>('OpportunityLine', {
    ...lineColumns,
    opportunity_id: { type: DataTypes.INTEGER, allowNull: false },
  }, { tableName: 'opportunity_lines', timestamps: false }) as EntityStatic<OpportunityLineAttrs, OpportunityLineCreation>;

  const OpportunityHistory = s.define<Entity<OpportunityHistoryAttrs, OpportunityHistoryCreation>>('OpportunityHistory', {
    id: pk,
    opportunity_id: { type: DataTypes.INTEGER, allowNull: false },
    pipeline_id: { type: DataTypes.INTEGER, allowNull: false },
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    team_id: DataTypes.INTEGER,
    field: { type: DataTypes.STRING(16), allowNull: false },
    from_value: DataTypes.STRING(64),
    to_value: DataTypes.STRING(64),
    from_rank: DataTypes.SMALLINT,
    to_rank: DataTypes.SMALLINT,
    from_seconds: DataTypes.INTEGER,
    reach_mask: DataTypes.INTEGER,
    actor_id: DataTypes.INTEGER,
    channel: { type: DataTypes.STRING(8), allowNull: false },
    changed_at: { type: DataTypes.DATE(3), allowNull: false },
  }, { tableName: 'opportunity_history', timestamps: false }) as EntityStatic<OpportunityHistoryAttrs, OpportunityHistoryCreation>;

  const Quote = s.define<Entity<QuoteAttrs, QuoteCreation>>('Quote', {
    id: pk,
    number: { type: DataTypes.STRING(40), allowNull: false },
    opportunity_id: { type: DataTypes.INTEGER, allowNull: false },
    version: { type: DataTypes.INTEGER, allowNull: false },
    status: { type: DataTypes.STRING(12), allowNull: false },
    currency: { type: DataTypes.STRING(3), allowNull: false },
    list_cents: { type: DataTypes.BIGINT, allowNull: false },
    amount_cents: { type: DataTypes.BIGINT, allowNull: false },
    discount_bp: { type: DataTypes.INTEGER, allowNull: false },
    valid_until: { type: DataTypes.DATEONLY, allowNull: false },
    note: DataTypes.STRING(1000),
    sent_at: DataTypes.DATE(3),
    accepted_at: DataTypes.DATE(3),
    contract_id: DataTypes.INTEGER,
    created_by: DataTypes.INTEGER,
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'quotes' }) as EntityStatic<QuoteAttrs, QuoteCreation>;

  const QuoteLine = s.define<Entity<QuoteLineAttrs, QuoteLineCreation>>('QuoteLine', {
    ...lineColumns,
    quote_id: { type: DataTypes.INTEGER, allowNull: false },
  }, { tableName: 'quote_lines', timestamps: false }) as EntityStatic<QuoteLineAttrs, QuoteLineCreation>;

  return { Pipeline, Opportunity, OpportunityLine, OpportunityHistory, Quote, QuoteLine };
}
