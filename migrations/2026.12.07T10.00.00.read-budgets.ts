import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/**
 * read_budgets: the per-user read budgets (core/audit/read-budget.ts), shared by every process through the
 * database. One row per (user, budget class): the current fixed window's start (epoch seconds) and what was used
 * in it; a consume is one atomic upsert, so concurrent requests of several processes count exactly. Bounded by
 * users × classes (a row is reused window after window), so it needs no sweeping.
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('read_budgets', {
    bucket: { type: DataTypes.STRING(100), primaryKey: true, allowNull: false },
    window_start: { type: DataTypes.BIGINT, allowNull: false },
    used: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
  });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.dropTable('read_budgets');
}
