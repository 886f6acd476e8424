import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/** Everything the bot sends goes through this table (transactional outbox). */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('outbox', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
    uuid: { type: DataTypes.STRING(64), allowNull: false },
    dedupe_key: { type: DataTypes.STRING(190), allowNull: true },
    op: { type: DataTypes.STRING(8), allowNull: false, defaultValue: 'send' },
    update_of: { type: DataTypes.STRING(190), allowNull: true },
    recipient_type: { type: DataTypes.STRING(16), allowNull: false },
    recipient: { type: DataTypes.STRING(64), allowNull: false },
    kind: { type: DataTypes.STRING(64), allowNull: false },
    payload: { type: DataTypes.JSON, allowNull: false },
    locale: { type: DataTypes.STRING(8), allowNull: true },
    status: { type: DataTypes.STRING(12), allowNull: false, defaultValue: 'pending' },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    next_attempt_at: { type: DataTypes.DATE(3), allowNull: false },
    lease_owner: { type: DataTypes.STRING(64), allowNull: true },
    lease_until: { type: DataTypes.DATE(3), allowNull: true },
    last_error: { type: DataTypes.STRING(500), allowNull: true },
    message_id: { type: DataTypes.STRING(64), allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
    sent_at: { type: DataTypes.DATE(3), allowNull: true },
  });
  await q.addIndex('outbox', ['uuid'], { unique: true, name: 'outbox_uuid_uq' });
  await q.addIndex('outbox', ['dedupe_key'], { unique: true, name: 'outbox_dedupe_uq' });
  await q.addIndex('outbox', ['status', 'next_attempt_at'], { name: 'outbox_due_idx' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.dropTable('outbox');
}
