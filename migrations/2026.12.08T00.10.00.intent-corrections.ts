import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/**
 * Chat understanding (core/intent/corrections.ts): what a rep changed on the understood card before saving it — the
 * message as sent, what the parser read and what the rep chose (the scored fields of tests/phrases/CONVENTIONS.md,
 * JSON), replayed by `npm run crm -- parse-eval --corrections`. `fields`: the corrected field names, comma-separated
 * (what changed, readable without parsing the JSON). Read in id order (the replay pages on the primary key); by user
 * and by time for a person's own corrections.
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('intent_corrections', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    user_id: { type: DataTypes.INTEGER, allowNull: true },
    message_text: { type: DataTypes.TEXT, allowNull: false },
    sent_at: { type: DataTypes.DATE(3), allowNull: false },
    timezone: { type: DataTypes.STRING(64), allowNull: false },
    read_json: { type: DataTypes.JSON, allowNull: false },
    chosen_json: { type: DataTypes.JSON, allowNull: false },
    fields: { type: DataTypes.STRING(200), allowNull: false },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('intent_corrections', ['user_id', 'created_at'], { name: 'intent_corrections_user_idx' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.dropTable('intent_corrections');
}
