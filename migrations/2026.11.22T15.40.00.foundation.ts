import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
const stamps = {
  created_at: { type: DataTypes.DATE(3), allowNull: false },
  updated_at: { type: DataTypes.DATE(3), allowNull: false },
};

export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('teams', {
    id,
    name: { type: DataTypes.STRING(100), allowNull: false },
    manager_id: { type: DataTypes.INTEGER, allowNull: true },
    ...stamps,
  });

  await q.createTable('users', {
    id,
    name: { type: DataTypes.STRING(100), allowNull: false },
    email: { type: DataTypes.STRING(190), allowNull: true },
    phone: { type: DataTypes.STRING(32), allowNull: true },
    role: { type: DataTypes.STRING(16), allowNull: false },
    team_id: { type: DataTypes.INTEGER, allowNull: true },
    manager_id: { type: DataTypes.INTEGER, allowNull: true },
    lark_open_id: { type: DataTypes.STRING(64), allowNull: true },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'active' },
    skills: { type: DataTypes.JSON, allowNull: true },
    locale: { type: DataTypes.STRING(8), allowNull: true },
    ...stamps,
  });
  await q.addIndex('users', ['lark_open_id'], { unique: true, name: 'users_lark_open_id_uq' });
  await q.addIndex('users', ['email'], { unique: true, name: 'users_email_uq' });
  await q.addIndex('users', ['team_id', 'role', 'status'], { name: 'users_team_role_idx' });

  await q.createTable('customers', {
    id,
    name: { type: DataTypes.STRING(200), allowNull: false },
    name_norm: { type: DataTypes.STRING(200), allowNull: false },
    phone: { type: DataTypes.STRING(32), allowNull: true },
    phone_norm: { type: DataTypes.STRING(20), allowNull: true },
    email: { type: DataTypes.STRING(190), allowNull: true },
    email_norm: { type: DataTypes.STRING(190), allowNull: true },
    owner_id: { type: DataTypes.INTEGER, allowNull: true },
    team_id: { type: DataTypes.INTEGER, allowNull: true },
    pool_id: { type: DataTypes.INTEGER, allowNull: true },
    tier: { type: DataTypes.STRING(16), allowNull: true },
    tier_reason: { type: DataTypes.JSON, allowNull: true },
    tags: { type: DataTypes.JSON, allowNull: true },
    source: { type: DataTypes.STRING(32), allowNull: true },
    region: { type: DataTypes.STRING(64), allowNull: true },
    industry: { type: DataTypes.STRING(64), allowNull: true },
    notes: { type: DataTypes.TEXT, allowNull: true },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'active' },
    merged_into_id: { type: DataTypes.INTEGER, allowNull: true },
    last_followup_at: { type: DataTypes.DATE(3), allowNull: true },
    claimed_at: { type: DataTypes.DATE(3), allowNull: true },
    released_at: { type: DataTypes.DATE(3), allowNull: true },
    created_by: { type: DataTypes.INTEGER, allowNull: true },
    ...stamps,
  });
  await q.addIndex('customers', ['owner_id', 'last_followup_at'], { name: 'customers_owner_followup_idx' });
  await q.addIndex('customers', ['last_followup_at', 'owner_id'], { name: 'customers_followup_owner_idx' });
  await q.addIndex('customers', ['name_norm'], { name: 'customers_name_norm_idx' });
  await q.addIndex('customers', ['phone_norm'], { name: 'customers_phone_norm_idx' });
  await q.addIndex('customers', ['email_norm'], { name: 'customers_email_norm_idx' });
  await q.addIndex('customers', ['team_id', 'id'], { name: 'customers_team_idx' });
  await q.addIndex('customers', ['pool_id', 'owner_id', 'id'], { name: 'customers_pool_idx' });

  await q.createTable('contacts', {
    id,
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    name: { type: DataTypes.STRING(100), allowNull: false },
    title: { type: DataTypes.STRING(100), allowNull: true },
    phone: { type: DataTypes.STRING(32), allowNull: true },
    phone_norm: { type: DataTypes.STRING(20), allowNull: true },
    email: { type: DataTypes.STRING(190), allowNull: true },
    email_norm: { type: DataTypes.STRING(190), allowNull: true },
    wechat: { type: DataTypes.STRING(64), allowNull: true },
    is_primary: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    ...stamps,
  });
  await q.addIndex('contacts', ['customer_id'], { name: 'contacts_customer_idx' });
  await q.addIndex('contacts', ['phone_norm'], { name: 'contacts_phone_norm_idx' });
  await q.addIndex('contacts', ['email_norm'], { name: 'contacts_email_norm_idx' });

  await q.createTable('activities', {
    id,
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    contact_id: { type: DataTypes.INTEGER, allowNull: true },
    user_id: { type: DataTypes.INTEGER, allowNull: true },
    channel: { type: DataTypes.STRING(16), allowNull: false },
    summary: { type: DataTypes.TEXT, allowNull: false },
    next_step: { type: DataTypes.STRING(500), allowNull: true },
    next_at: { type: DataTypes.DATE(3), allowNull: true },
    occurred_at: { type: DataTypes.DATE(3), allowNull: false },
    source: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'api' },
    ...stamps,
  });
  await q.addIndex('activities', ['customer_id', 'occurred_at'], { name: 'activities_customer_time_idx' });
  await q.addIndex('activities', ['user_id', 'occurred_at'], { name: 'activities_user_time_idx' });

  await q.createTable('audit_log', {
    id,
    actor_type: { type: DataTypes.STRING(16), allowNull: false },
    actor_id: { type: DataTypes.INTEGER, allowNull: true },
    action: { type: DataTypes.STRING(64), allowNull: false },
    entity_type: { type: DataTypes.STRING(32), allowNull: false },
    entity_id: { type: DataTypes.INTEGER, allowNull: true },
    channel: { type: DataTypes.STRING(16), allowNull: false },
    data: { type: DataTypes.JSON, allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('audit_log', ['entity_type', 'entity_id', 'id'], { name: 'audit_entity_idx' });
  await q.addIndex('audit_log', ['actor_id', 'id'], { name: 'audit_actor_idx' });

  await q.createTable('settings', {
    key: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    value: { type: DataTypes.TEXT, allowNull: false },
    updated_at: { type: DataTypes.DATE(3), allowNull: false },
  });

  await q.createTable('job_leases', {
    name: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    holder: { type: DataTypes.STRING(64), allowNull: false },
    expires_at: { type: DataTypes.DATE(3), allowNull: false },
  });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  for (const t of ['job_leases', 'settings', 'audit_log', 'activities', 'contacts', 'customers', 'users', 'teams']) {
    await q.dropTable(t);
  }
}
