import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/**
 * lark_inbox: every accepted Lark event by event_id (unique), recorded before the HTTP 200; processed after.
 * action_log: card-action idempotency keys (a repeated click answers "already done" with the first result).
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('lark_inbox', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
    event_id: { type: DataTypes.STRING(190), allowNull: false },
    event_type: { type: DataTypes.STRING(64), allowNull: false },
    payload: { type: DataTypes.JSON, allowNull: false },
    status: { type: DataTypes.STRING(12), allowNull: false, defaultValue: 'pending' },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    next_attempt_at: { type: DataTypes.DATE(3), allowNull: false },
    last_error: { type: DataTypes.STRING(500), allowNull: true },
    received_at: { type: DataTypes.DATE(3), allowNull: false },
    processed_at: { type: DataTypes.DATE(3), allowNull: true },
  });
  await q.addIndex('lark_inbox', ['event_id'], { unique: true, name: 'lark_inbox_event_uq' });
  await q.addIndex('lark_inbox', ['status', 'next_attempt_at'], { name: 'lark_inbox_due_idx' });

  await q.createTable('action_log', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
    action_key: { type: DataTypes.STRING(190), allowNull: false },
    action: { type: DataTypes.STRING(64), allowNull: false },
    user_id: { type: DataTypes.INTEGER, allowNull: true },
    result: { type: DataTypes.JSON, allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('action_log', ['action_key'], { unique: true, name: 'action_log_key_uq' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.dropTable('action_log');
  await q.dropTable('lark_inbox');
}
