import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/**
 * users.claims_day / users.claims_today: how many customers a rep claimed on their latest claiming business day
 * (CRM time zone, 'YYYY-MM-DD'). A pool claim reads them under the rep's row lock instead of counting today's
 * claim events, and sets them in the statement that takes the customer (core/pool/operations.ts). Starts empty:
 * claims made earlier on the day this lands are not counted against that day's limit.
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.addColumn('users', 'claims_day', { type: DataTypes.STRING(10), allowNull: true });
  await q.addColumn('users', 'claims_today', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
}

export async function down({ sequelize }: MigrationContext): Promise<void> {
  // Not queryInterface.removeColumn: on SQLite it rebuilds the table and loses its indexes.
  await sequelize.query('ALTER TABLE users DROP COLUMN claims_today');
  await sequelize.query('ALTER TABLE users DROP COLUMN claims_day');
}
