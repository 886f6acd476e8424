import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/**
 * Horizontal scale on one database (issue 20):
 * - cache_versions: one row per per-process cache (approval policy, pool rules, pipelines); a writer bumps its
 *   version in the transaction that changes the data, readers compare it at most every ~300 ms
 *   (core/db/cache-versions.ts), so every process sees a change within a second.
 * - lark_send_budget: Lark's sending limits shared by every process (bot/outbox/budget-db.ts): one row per bucket
 *   ('app', a receiver, a patched message) holding the aligned second it counts and what was used in it; a take is
 *   one conditional UPDATE. Rows are reused second after second; receivers' rows are swept by age.
 * - rate_limits: the store of rate-limiter-flexible's RateLimiterMySQL (its own column layout) for the per-IP and
 *   per-session limits of /mp/v1 and the public lead form (server/http/rate-limit.ts). Created here so the library
 *   never issues DDL at run time.
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('cache_versions', {
    name: { type: DataTypes.STRING(100), primaryKey: true, allowNull: false },
    version: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
  });
  await q.createTable('lark_send_budget', {
    bucket: { type: DataTypes.STRING(200), primaryKey: true, allowNull: false },
    sec: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    used: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
  });
  await q.addIndex('lark_send_budget', ['sec'], { name: 'lark_send_budget_sec' });
  await q.createTable('rate_limits', {
    key: { type: DataTypes.STRING(255), primaryKey: true, allowNull: false },
    points: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    expire: { type: DataTypes.BIGINT, allowNull: true },
  });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.dropTable('rate_limits');
  await q.dropTable('lark_send_budget');
  await q.dropTable('cache_versions');
}
