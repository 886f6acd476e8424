import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };

/**
 * Customers: race-safe de-dup keys, won-deal figures for RFM tiers and recycling, public pools with
 * their rules, the pool event history (claims/day, cooldowns), and API keys for /api/v1.
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  // One row per normalised key (name | phone | email); the unique index decides concurrent creates.
  await q.createTable('dedup_keys', {
    id,
    kind: { type: DataTypes.STRING(8), allowNull: false },
    value: { type: DataTypes.STRING(200), allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('dedup_keys', ['kind', 'value'], { unique: true, name: 'dedup_keys_kind_value_uq' });
  await q.addIndex('dedup_keys', ['customer_id'], { name: 'dedup_keys_customer_idx' });

  await q.addColumn('customers', 'last_won_at', { type: DataTypes.DATE(3), allowNull: true });
  await q.addColumn('customers', 'won_count', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
  await q.addColumn('customers', 'won_total_cents', { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 });
  // "No won deal M days since claim" scans by claim time; pool lists filter by status too.
  await q.addIndex('customers', ['claimed_at', 'owner_id'], { name: 'customers_claimed_owner_idx' });
  await q.addIndex('customers', ['owner_id', 'status', 'id'], { name: 'customers_owner_status_idx' });

  // Chat search by contact name ("查 王伟") uses a prefix match.
  await q.addIndex('contacts', ['name'], { name: 'contacts_name_idx' });

  await q.createTable('pools', {
    id,
    name: { type: DataTypes.STRING(100), allowNull: false },
    region: { type: DataTypes.STRING(64), allowNull: true },
    is_default: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    rules: { type: DataTypes.JSON, allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
    updated_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('pools', ['name'], { unique: true, name: 'pools_name_uq' });

  await q.createTable('pool_events', {
    id,
    pool_id: { type: DataTypes.INTEGER, allowNull: true },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    // claim | release | recycle | assign | lose (the former owner when assigned away) | merge
    action: { type: DataTypes.STRING(12), allowNull: false },
    user_id: { type: DataTypes.INTEGER, allowNull: true },
    actor_id: { type: DataTypes.INTEGER, allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('pool_events', ['user_id', 'action', 'created_at'], { name: 'pool_events_user_action_idx' });
  await q.addIndex('pool_events', ['customer_id', 'user_id', 'created_at'], { name: 'pool_events_customer_user_idx' });

  await q.createTable('api_keys', {
    id,
    name: { type: DataTypes.STRING(100), allowNull: false },
    prefix: { type: DataTypes.STRING(16), allowNull: false },
    key_hash: { type: DataTypes.STRING(64), allowNull: false },
    user_id: { type: DataTypes.INTEGER, allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
    last_used_at: { type: DataTypes.DATE(3), allowNull: true },
    revoked_at: { type: DataTypes.DATE(3), allowNull: true },
  });
  await q.addIndex('api_keys', ['key_hash'], { unique: true, name: 'api_keys_hash_uq' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.dropTable('api_keys');
  await q.dropTable('pool_events');
  await q.dropTable('pools');
  await q.removeIndex('contacts', 'contacts_name_idx');
  await q.removeIndex('customers', 'customers_owner_status_idx');
  await q.removeIndex('customers', 'customers_claimed_owner_idx');
  await q.removeColumn('customers', 'won_total_cents');
  await q.removeColumn('customers', 'won_count');
  await q.removeColumn('customers', 'last_won_at');
  await q.dropTable('dedup_keys');
}
