import type { MigrationContext } from '../core/db/migrator';

/** Indexes for the daily retention sweep of lark_inbox and action_log (bot/jobs.ts larkRetentionJob). */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.addIndex('lark_inbox', ['received_at'], { name: 'lark_inbox_received_idx' });
  await q.addIndex('action_log', ['created_at'], { name: 'action_log_created_idx' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.removeIndex('action_log', 'action_log_created_idx');
  await q.removeIndex('lark_inbox', 'lark_inbox_received_idx');
}
