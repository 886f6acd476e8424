import { DataTypes, QueryTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
const stamps = {
  created_at: { type: DataTypes.DATE(3), allowNull: false },
  updated_at: { type: DataTypes.DATE(3), allowNull: false },
};
const cents = { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 };
const lineColumns = {
  id,
  seq: { type: DataTypes.INTEGER, allowNull: false },
  name: { type: DataTypes.STRING(200), allowNull: false },
  quantity: { type: DataTypes.INTEGER, allowNull: false },
  unit_price_cents: cents,
  discount_bp: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
  amount_cents: cents,
};

/** The two pipelines every company starts with (frozen here; edited later through /api/v1/pipelines). */
const DEFAULT_STAGES = [
  { key: 'initial', name: '初步接洽', nameEn: 'Initial contact', probability: 10, category: 'pipeline', requires: [] },
  { key: 'qualified', name: '需求确认', nameEn: 'Needs confirmed', probability: 20, category: 'pipeline', requires: [] },
  { key: 'proposal', name: '方案报价', nameEn: 'Proposal', probability: 50, category: 'best_case', requires: ['amount'] },
  { key: 'negotiation', name: '谈判', nameEn: 'Negotiation', probability: 80, category: 'commit', requires: ['amount'] },
  { key: 'won', name: '赢单', nameEn: 'Won', probability: 100, category: 'won', requires: ['amount'] },
  { key: 'lost', name: '输单', nameEn: 'Lost', probability: 0, category: 'lost', requires: [] },
];
const RENEWAL_STAGES = [
  { key: 'renewal_due', name: '续约沟通', nameEn: 'Renewal due', probability: 40, category: 'pipeline', requires: [] },
  { key: 'renewal_quote', name: '续约报价', nameEn: 'Renewal quote', probability: 60, category: 'best_case', requires: ['amount'] },
  { key: 'renewal_negotiation', name: '续约谈判', nameEn: 'Renewal negotiation', probability: 80, category: 'commit', requires: ['amount'] },
  { key: 'won', name: '赢单', nameEn: 'Won', probability: 100, category: 'won', requires: ['amount'] },
  { key: 'lost', name: '输单', nameEn: 'Lost', probability: 0, category: 'lost', requires: [] },
];

/**
 * The sales pipeline (issue 15): pipelines with their stages as data, opportunities with line items, the history of
 * every stage / amount / close-date change, quotes; contracts learn which opportunity and quote they came from.
 * Indexes serve the product's queries: lists by owner/team/customer (keyset on id), the funnel and forecast of a
 * pipeline × team or owner × period (covering, on period_date), conversion and velocity from the history
 * (covering, on changed_at), the stuck-deal digest (status, stage_entered_at), the recycle exclusion (customer_id).
 */
export async function up({ queryInterface: q, sequelize }: MigrationContext): Promise<void> {
  await q.createTable('pipelines', {
    id,
    pkey: { type: DataTypes.STRING(32), allowNull: false },
    name: { type: DataTypes.STRING(100), allowNull: false },
    kind: { type: DataTypes.STRING(16), allowNull: false },
    is_default: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    stages: { type: DataTypes.TEXT, allowNull: false },
    ...stamps,
  });
  await q.addIndex('pipelines', ['pkey'], { unique: true, name: 'pipelines_key_uq' });
  const now = new Date();
  for (const p of [
    { pkey: 'default', name: '新客户销售', kind: 'new', is_default: true, stages: DEFAULT_STAGES },
    { pkey: 'renewal', name: '续约', kind: 'renewal', is_default: false, stages: RENEWAL_STAGES },
  ]) {
    await sequelize.query('INSERT INTO pipelines (pkey, name, kind, is_default, stages, created_at, updated_at) VALUES (:pkey, :name, :kind, :is_default, :stages, :now, :now)', {
      replacements: { ...p, stages: JSON.stringify(p.stages), now },
      type: QueryTypes.INSERT,
    });
  }

  await q.createTable('opportunities', {
    id,
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    pipeline_id: { type: DataTypes.INTEGER, allowNull: false },
    name: { type: DataTypes.STRING(200), allowNull: false },
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    team_id: { type: DataTypes.INTEGER, allowNull: true },
    stage: { type: DataTypes.STRING(32), allowNull: false },
    stage_rank: { type: DataTypes.SMALLINT, allowNull: false },
    status: { type: DataTypes.STRING(8), allowNull: false },
    probability: { type: DataTypes.SMALLINT, allowNull: false },
    probability_override: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    currency: { type: DataTypes.STRING(3), allowNull: false, defaultValue: 'CNY' },
    amount_cents: { type: DataTypes.BIGINT, allowNull: true },
    expected_close_date: { type: DataTypes.DATEONLY, allowNull: false },
    period_date: { type: DataTypes.DATEONLY, allowNull: false },
    source: { type: DataTypes.STRING(16), allowNull: false },
    lead_id: { type: DataTypes.INTEGER, allowNull: true },
    campaign: { type: DataTypes.STRING(100), allowNull: true },
    renewal_of_contract_id: { type: DataTypes.INTEGER, allowNull: true },
    competitors: { type: DataTypes.STRING(1000), allowNull: true },
    loss_reason: { type: DataTypes.STRING(16), allowNull: true },
    loss_note: { type: DataTypes.STRING(500), allowNull: true },
    next_step: { type: DataTypes.STRING(500), allowNull: true },
    stage_entered_at: { type: DataTypes.DATE(3), allowNull: false },
    closed_at: { type: DataTypes.DATE(3), allowNull: true },
    won_contract_id: { type: DataTypes.INTEGER, allowNull: true },
    created_by: { type: DataTypes.INTEGER, allowNull: true },
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
    ...stamps,
  });
  // Funnel / forecast: pipeline × team × period, covering (stage, probability, amount, currency, status).
  await q.addIndex('opportunities', ['pipeline_id', 'team_id', 'period_date', 'status', 'stage', 'currency', 'probability', 'amount_cents'], { name: 'opportunities_team_period_idx' });
  await q.addIndex('opportunities', ['pipeline_id', 'owner_id', 'period_date', 'status', 'stage', 'currency', 'probability', 'amount_cents'], { name: 'opportunities_owner_period_idx' });
  await q.addIndex('opportunities', ['pipeline_id', 'period_date', 'status', 'stage', 'currency', 'probability', 'amount_cents'], { name: 'opportunities_period_idx' });
  // Lists: keyset on id within an owner / team / customer.
  await q.addIndex('opportunities', ['owner_id', 'status', 'id'], { name: 'opportunities_owner_idx' });
  await q.addIndex('opportunities', ['team_id', 'status', 'id'], { name: 'opportunities_team_idx' });
  await q.addIndex('opportunities', ['customer_id', 'status', 'id'], { name: 'opportunities_customer_idx' });
  await q.addIndex('opportunities', ['status', 'stage_entered_at'], { name: 'opportunities_stuck_idx' });
  // One opportunity per converted lead and per renewed contract: concurrent taps agree on one (NULLs do not collide).
  await q.addIndex('opportunities', ['lead_id'], { unique: true, name: 'opportunities_lead_uq' });
  await q.addIndex('opportunities', ['renewal_of_contract_id'], { unique: true, name: 'opportunities_renewal_uq' });

  await q.createTable('opportunity_lines', { ...lineColumns, opportunity_id: { type: DataTypes.INTEGER, allowNull: false } });
  await q.addIndex('opportunity_lines', ['opportunity_id', 'seq'], { unique: true, name: 'opportunity_lines_opp_uq' });

  await q.createTable('opportunity_history', {
    id,
    opportunity_id: { type: DataTypes.INTEGER, allowNull: false },
    pipeline_id: { type: DataTypes.INTEGER, allowNull: false },
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    team_id: { type: DataTypes.INTEGER, allowNull: true },
    field: { type: DataTypes.STRING(16), allowNull: false },
    from_value: { type: DataTypes.STRING(64), allowNull: true },
    to_value: { type: DataTypes.STRING(64), allowNull: true },
    from_rank: { type: DataTypes.SMALLINT, allowNull: true },
    to_rank: { type: DataTypes.SMALLINT, allowNull: true },
    from_seconds: { type: DataTypes.INTEGER, allowNull: true },
    actor_id: { type: DataTypes.INTEGER, allowNull: true },
    channel: { type: DataTypes.STRING(8), allowNull: false },
    changed_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('opportunity_history', ['opportunity_id', 'id'], { name: 'opportunity_history_opp_idx' });
  // Conversion and days-in-stage: one range scan per scope, covering.
  const tail = ['from_rank', 'to_rank', 'opportunity_id', 'from_value', 'from_seconds'];
  await q.addIndex('opportunity_history', ['pipeline_id', 'team_id', 'field', 'changed_at', ...tail], { name: 'opportunity_history_team_idx' });
  await q.addIndex('opportunity_history', ['pipeline_id', 'owner_id', 'field', 'changed_at', ...tail], { name: 'opportunity_history_owner_idx' });
  await q.addIndex('opportunity_history', ['pipeline_id', 'field', 'changed_at', ...tail], { name: 'opportunity_history_period_idx' });

  await q.createTable('quotes', {
    id,
    number: { type: DataTypes.STRING(40), allowNull: false },
    opportunity_id: { type: DataTypes.INTEGER, allowNull: false },
    version: { type: DataTypes.INTEGER, allowNull: false },
    status: { type: DataTypes.STRING(12), allowNull: false },
    currency: { type: DataTypes.STRING(3), allowNull: false, defaultValue: 'CNY' },
    list_cents: cents,
    amount_cents: cents,
    discount_bp: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    valid_until: { type: DataTypes.DATEONLY, allowNull: false },
    note: { type: DataTypes.STRING(1000), allowNull: true },
    sent_at: { type: DataTypes.DATE(3), allowNull: true },
    accepted_at: { type: DataTypes.DATE(3), allowNull: true },
    contract_id: { type: DataTypes.INTEGER, allowNull: true },
    created_by: { type: DataTypes.INTEGER, allowNull: true },
    ...stamps,
  });
  await q.addIndex('quotes', ['number'], { unique: true, name: 'quotes_number_uq' });
  await q.addIndex('quotes', ['opportunity_id', 'version'], { unique: true, name: 'quotes_opp_version_uq' });
  await q.createTable('quote_lines', { ...lineColumns, quote_id: { type: DataTypes.INTEGER, allowNull: false } });
  await q.addIndex('quote_lines', ['quote_id', 'seq'], { unique: true, name: 'quote_lines_quote_uq' });

  // A contract drafted from an accepted quote: one contract per quote, whoever taps twice.
  await q.addColumn('contracts', 'opportunity_id', { type: DataTypes.INTEGER, allowNull: true });
  await q.addColumn('contracts', 'quote_id', { type: DataTypes.INTEGER, allowNull: true });
  await q.addIndex('contracts', ['quote_id'], { unique: true, name: 'contracts_quote_uq' });
  await q.addIndex('contracts', ['opportunity_id'], { name: 'contracts_opportunity_idx' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.removeIndex('contracts', 'contracts_opportunity_idx');
  await q.removeIndex('contracts', 'contracts_quote_uq');
  await q.removeColumn('contracts', 'quote_id');
  await q.removeColumn('contracts', 'opportunity_id');
  for (const t of ['quote_lines', 'quotes', 'opportunity_history', 'opportunity_lines', 'opportunities', 'pipelines']) await q.dropTable(t);
}
