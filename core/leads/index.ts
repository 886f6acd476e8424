import type { CoreRegistry } from '../registry';
import { escalateOverdueLeads } from './operations';

/** Leads: the hot-lead SLA sweep (escalates with a conditional UPDATE, so it is safe from several processes). */
export function register(r: CoreRegistry): void {
  r.job({
    name: 'leads.sla',
    cron: '*/5 * * * *',
    run: async (ctx) => ({ escalated: (await escalateOverdueLeads(ctx)).escalated.length }),
    logWhen: (res) => res.escalated > 0,
  });
}
