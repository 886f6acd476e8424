import type { MigrationContext } from '../core/db/migrator';

/** The default public pool exists from the start (customers with no pool_id belong to it; default rules). */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  const now = new Date();
  await q.bulkInsert('pools', [{ name: '默认公海', region: null, is_default: true, rules: null, created_at: now, updated_at: now }]);
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.bulkDelete('pools', { name: '默认公海' });
}
