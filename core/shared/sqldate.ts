import type { CoreContext } from '../context';

/**
 * A Date as an SQL literal for hand-built multi-row INSERTs. Sequelize's escape drops milliseconds on MySQL
 * (connection time zone +00:00), which would make DATE(3) columns — and latencies measured from them — coarse.
 */
export function sqlDate(ctx: CoreContext, d: Date): string {
  if (ctx.db.dialect === 'mysql') return `'${d.toISOString().replace('T', ' ').replace('Z', '')}'`;
  return ctx.db.sequelize.escape(d as unknown as string);
}
