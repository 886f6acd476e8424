import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
const stamps = {
  created_at: { type: DataTypes.DATE(3), allowNull: false },
  updated_at: { type: DataTypes.DATE(3), allowNull: false },
};
const str = (n: number, allowNull = true) => ({ type: DataTypes.STRING(n), allowNull });
const int = (allowNull = true) => ({ type: DataTypes.INTEGER, allowNull });
const date = () => ({ type: DataTypes.DATE(3), allowNull: true });

/**
 * Leads (capture, de-dup keys, touches, web forms, assignment cursor, imports), tasks with their
 * reminder due-list, per-rep calendar feed tokens, and field-visit check-ins.
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('leads', {
    id,
    company: str(200),
    name_norm: str(200),
    contact_name: str(100),
    title: str(100),
    phone: str(32),
    phone_norm: str(20),
    email: str(190),
    email_norm: str(190),
    region: str(64),
    industry: str(64),
    skill: str(64),
    company_size: int(),
    source: str(32, false),
    campaign: str(64),
    message: { type: DataTypes.TEXT, allowNull: true },
    // new | assigned | converted | lost
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'new' },
    score: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    score_reasons: { type: DataTypes.JSON, allowNull: true },
    interactions: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    last_interaction_at: date(),
    owner_id: int(),
    assigned_at: date(),
    assign_reason: { type: DataTypes.JSON, allowNull: true },
    escalated_at: date(),
    customer_id: int(),
    contact_id: int(),
    converted_at: date(),
    import_id: int(),
    created_by: int(),
    ...stamps,
  });
  await q.addIndex('leads', ['name_norm'], { name: 'leads_name_norm_idx' });
  await q.addIndex('leads', ['phone_norm'], { name: 'leads_phone_norm_idx' });
  await q.addIndex('leads', ['email_norm'], { name: 'leads_email_norm_idx' });
  // Least-loaded counts open leads per owner; the SLA sweep scans unassigned leads by age.
  await q.addIndex('leads', ['owner_id', 'status'], { name: 'leads_owner_status_idx' });
  await q.addIndex('leads', ['status', 'escalated_at', 'created_at'], { name: 'leads_sla_idx' });
  await q.addIndex('leads', ['campaign', 'source'], { name: 'leads_campaign_idx' });
  await q.addIndex('leads', ['customer_id'], { name: 'leads_customer_idx' });
  await q.addIndex('leads', ['import_id'], { name: 'leads_import_idx' });

  // One row per normalised key; the unique index decides concurrent captures of the same lead.
  await q.createTable('lead_dedup_keys', {
    id,
    kind: str(8, false),
    value: str(200, false),
    lead_id: int(false),
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('lead_dedup_keys', ['kind', 'value'], { unique: true, name: 'lead_dedup_keys_uq' });
  await q.addIndex('lead_dedup_keys', ['lead_id'], { name: 'lead_dedup_keys_lead_idx' });

  // Every capture, including duplicates (linked to the existing lead or customer): source and campaign history.
  await q.createTable('lead_touches', {
    id,
    lead_id: int(),
    customer_id: int(),
    source: str(32, false),
    campaign: str(64),
    payload: { type: DataTypes.JSON, allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('lead_touches', ['lead_id', 'created_at'], { name: 'lead_touches_lead_idx' });
  await q.addIndex('lead_touches', ['customer_id', 'created_at'], { name: 'lead_touches_customer_idx' });

  await q.createTable('lead_forms', {
    id,
    name: str(100, false),
    token_hash: str(64, false),
    source: str(32, false),
    campaign: str(64),
    active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    ...stamps,
  });
  await q.addIndex('lead_forms', ['token_hash'], { unique: true, name: 'lead_forms_token_uq' });

  // The assignment cursor (round-robin) and the row every assignment locks, so concurrent assignments serialise.
  await q.createTable('lead_assign_state', {
    id,
    scope: str(64, false),
    last_user_id: int(),
    updated_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('lead_assign_state', ['scope'], { unique: true, name: 'lead_assign_state_scope_uq' });

  await q.createTable('lead_imports', {
    id,
    user_id: int(),
    file_name: str(200, false),
    status: str(16, false),
    total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    valid: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    duplicate: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    invalid: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    committed: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    report: { type: DataTypes.JSON, allowNull: true },
    ...stamps,
  });

  await q.createTable('tasks', {
    id,
    title: str(500, false),
    priority: { type: DataTypes.STRING(8), allowNull: false, defaultValue: 'normal' },
    due_at: date(),
    // The due-list: the poller picks open tasks whose remind_at has come; reminder_seq makes each reminder's dedupe key.
    remind_at: date(),
    reminder_seq: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    reminded_at: date(),
    customer_id: int(),
    lead_id: int(),
    owner_id: int(false),
    channel: str(16),
    status: { type: DataTypes.STRING(12), allowNull: false, defaultValue: 'open' },
    done_at: date(),
    source: str(16),
    created_by: int(),
    ...stamps,
  });
  await q.addIndex('tasks', ['status', 'remind_at'], { name: 'tasks_due_list_idx' });
  await q.addIndex('tasks', ['owner_id', 'status', 'due_at'], { name: 'tasks_owner_due_idx' });
  await q.addIndex('tasks', ['customer_id', 'status', 'due_at'], { name: 'tasks_customer_idx' });

  await q.createTable('calendar_feeds', {
    id,
    user_id: int(false),
    token_hash: str(64, false),
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('calendar_feeds', ['token_hash'], { unique: true, name: 'calendar_feeds_token_uq' });
  await q.addIndex('calendar_feeds', ['user_id'], { unique: true, name: 'calendar_feeds_user_uq' });

  await q.createTable('checkins', {
    id,
    user_id: int(false),
    customer_id: int(),
    // open: 签到 said, waiting for a location/photo; done once a location arrived.
    status: str(8, false),
    latitude: { type: DataTypes.DOUBLE, allowNull: true },
    longitude: { type: DataTypes.DOUBLE, allowNull: true },
    address: str(300),
    image_key: str(200),
    occurred_at: { type: DataTypes.DATE(3), allowNull: false },
    ...stamps,
  });
  await q.addIndex('checkins', ['user_id', 'status', 'occurred_at'], { name: 'checkins_user_idx' });
  await q.addIndex('checkins', ['customer_id', 'occurred_at'], { name: 'checkins_customer_idx' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  for (const t of ['checkins', 'calendar_feeds', 'tasks', 'lead_imports', 'lead_assign_state', 'lead_forms', 'lead_touches', 'lead_dedup_keys', 'leads']) {
    await q.dropTable(t);
  }
}
