import type { MigrationContext } from '../core/db/migrator';

/** The chat customer dictionary's incremental refresh reads customers and leads by (updated_at, id) (core/intent/dictionary-loader.ts). */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.addIndex('customers', ['updated_at', 'id'], { name: 'customers_updated_idx' });
  await q.addIndex('leads', ['updated_at', 'id'], { name: 'leads_updated_idx' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.removeIndex('customers', 'customers_updated_idx');
  await q.removeIndex('leads', 'leads_updated_idx');
}
