import type { Scenario } from '../types';
import { createApiKey, revokeApiKey } from '../../core/apikeys/operations';
import { ACTIVITY_SELECT } from '../../core/activities/operations';
import { CUSTOMER_FROM, CUSTOMER_SELECT } from '../../core/customers/operations';
import { CONTACT_SELECT } from '../../core/customers/view360';

/**
 * GET /api/v1/customers/:id/360 (API key auth, visibility, profile + contacts + last 20 follow-ups + every
 * registered section, in one parallel round) against a bare koa route running the customers' three statements
 * through the raw driver. Sections registered by other contexts (contracts, receivables, tickets…) are extra work
 * on the product side only, so the ratio is conservative.
 */
const q = (sql: string) => sql.replace(/:id/g, '?').replace(/\s+/g, ' ');
const PROFILE = q(`SELECT ${CUSTOMER_SELECT} FROM ${CUSTOMER_FROM} WHERE c.id = :id`);
const CONTACTS = q(`SELECT ${CONTACT_SELECT} FROM contacts WHERE customer_id = :id ORDER BY is_primary DESC, id LIMIT 50`);
const ACTIVITIES = q(`SELECT ${ACTIVITY_SELECT}, u.name AS user_name FROM activities a LEFT JOIN users u ON u.id = a.user_id WHERE a.customer_id = :id ORDER BY a.occurred_at DESC, a.id DESC LIMIT 20`);

const scenario: Scenario = {
  name: 'view360',
  issue: 5,
  description: 'GET /api/v1/customers/:id/360 against a bare koa route running the same three SELECTs via the raw driver',
  database: 'mysql',
  targets: ['customer-360.ratio', 'customer-360.p99'],
  async run(h) {
    const n = h.seed.counts.customers;
    const ids = Array.from({ length: 500 }, (_, i) => 1 + ((i * 7919) % n));
    const key = await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: `bench-360-${Date.now()}` });
    try {
      const server = await h.startServer();
      const baseline = await h.startBaseline({ sql: { v360: [{ sql: PROFILE, params: ['id'] }, { sql: CONTACTS, params: ['id'] }, { sql: ACTIVITIES, params: ['id'] }] } });
      const auth = { Authorization: `Bearer ${key.key}` };
      const cmp = await h.compare(
        { url: server.url, requests: ids.map((id) => ({ path: `/api/v1/customers/${id}/360`, headers: auth })) },
        { url: baseline.url, requests: ids.map((id) => ({ path: `/sql/v360?id=${id}` })) },
      );
      return {
        figures: h.figures('GET /api/v1/customers/:id/360', cmp, { ratio: 'customer-360.ratio', p99: 'customer-360.p99' }),
        notes: ['baseline: profile, contacts and last-20-activities SELECTs via the raw driver (sequentially) behind a bare koa route; product also runs registered sections'],
        details: { cmp },
      };
    } finally {
      await revokeApiKey(h.ctx, { kind: 'system' }, 'cli', key.id).catch(() => undefined);
    }
  },
};
export default scenario;
