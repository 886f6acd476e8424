import type { CoreRegistry } from '../registry';
import { runReceivablesDigest } from './operations';
import { customerReceivableSummary } from './summary';

/** Receivables: the 360° 'receivables' section (with the credit-risk flag) and the Monday digest (under a lease). */
export function register(r: CoreRegistry): void {
  r.view360Section('receivables', (ctx, customerId) => customerReceivableSummary(ctx, customerId));
  r.job({ name: 'receivables.digest', cron: '30 8 * * 1', run: (ctx) => runReceivablesDigest(ctx) });
}
