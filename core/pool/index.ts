import type { CoreRegistry } from '../registry';
import { runRecycle } from './recycle';

/** The public pool: the morning recycle (owners get today's warnings and recycle notices when they start work). */
export function register(r: CoreRegistry): void {
  r.job({ name: 'pool.recycle', cron: '0 8 * * *', run: (ctx) => runRecycle(ctx) });
}
