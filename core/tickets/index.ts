import type { CoreRegistry } from '../registry';
import { satisfactionSection, ticketsSection } from './sections';
import { runSlaSweep } from './sla';

/**
 * The service desk: the 360° 'tickets' and 'satisfaction' sections, and the SLA sweep every minute (under a lease,
 * and exactly-once anyway: conditional stage UPDATE + outbox dedupe keys).
 */
export function register(r: CoreRegistry): void {
  r.view360Section('tickets', ticketsSection);
  r.view360Section('satisfaction', satisfactionSection);
  r.job({ name: 'tickets.sla', cron: '* * * * *', run: (ctx) => runSlaSweep(ctx), logWhen: (res) => !!res && !!(res.warned || res.breached || res.closed) });
}
