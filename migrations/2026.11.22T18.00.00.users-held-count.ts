import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/**
 * users.held_count: how many active customers a user owns, kept by every operation that changes a customer's owner
 * or moves an owned customer in or out of 'active' (core/pool/held.ts). A pool claim checks maxHeld against it
 * instead of counting the rep's customers (that count was ~40% of MariaDB's work per claim for a rep holding 5,000).
 * Backfilled here in one set-based statement (the correlated count reads customers_owner_status_idx); the SQL is
 * written out rather than imported so this migration stays what it was when it landed.
 */
export async function up({ queryInterface: q, sequelize }: MigrationContext): Promise<void> {
  await q.addColumn('users', 'held_count', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
  await sequelize.query("UPDATE users SET held_count = (SELECT COUNT(*) FROM customers c WHERE c.owner_id = users.id AND c.status = 'active')");
}

export async function down({ sequelize }: MigrationContext): Promise<void> {
  // Not queryInterface.removeColumn: on SQLite it rebuilds the table and loses its indexes (SQLite >= 3.35 drops a
  // column in place; MySQL always could).
  await sequelize.query('ALTER TABLE users DROP COLUMN held_count');
}
