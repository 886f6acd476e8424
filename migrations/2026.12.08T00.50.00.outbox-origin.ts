import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/**
 * What caused an outbox message (`event:<Lark event id>`, `request:<X-Request-Id>`, `job:<name>`; core/shared/trace.ts),
 * so the delivery's log lines carry the id of the request or event that enqueued it. Never queried by: no index.
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.addColumn('outbox', 'origin', { type: DataTypes.STRING(160), allowNull: true });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.removeColumn('outbox', 'origin');
}
