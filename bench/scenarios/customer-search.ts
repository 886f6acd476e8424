import type { Scenario } from '../types';
import { createApiKey, revokeApiKey } from '../../core/apikeys/operations';
import { CUSTOMER_FROM, CUSTOMER_SELECT } from '../../core/customers/operations';
import { normalizeCompanyName } from '../../core/customers/normalize';
import { companyName } from '../../core/factories';

/**
 * GET /api/v1/customers?q=<name>&limit=20 (fuzzy name search, keyset page) against the same SELECT via the raw
 * driver. The integration key sees everything, so the product SQL is exactly the baseline's.
 */
const scenario: Scenario = {
  name: 'customer-search',
  issue: 5,
  description: 'GET /api/v1/customers?q=… (name contains, newest first, 20 a page) against the same SELECT via the raw driver',
  database: 'any',
  targets: [],
  async run(h) {
    const esc = h.dialect === 'mysql' ? "'\\\\'" : "'\\'";
    const SQL = `SELECT ${CUSTOMER_SELECT} FROM ${CUSTOMER_FROM} WHERE c.status = 'active' AND 1=1 AND c.name_norm LIKE ? ESCAPE ${esc} ORDER BY c.id DESC LIMIT 21`.replace(/\s+/g, ' ');
    const names = Array.from({ length: 50 }, (_, i) => companyName(i * 37).slice(0, 4));
    const key = await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: `bench-search-${Date.now()}` });
    try {
      const server = await h.startServer();
      const baseline = await h.startBaseline({ sql: { search: [{ sql: SQL, params: ['like'] }] } });
      const auth = { Authorization: `Bearer ${key.key}` };
      const cmp = await h.compare(
        { url: server.url, requests: names.map((q) => ({ path: `/api/v1/customers?q=${encodeURIComponent(q)}&limit=20`, headers: auth })) },
        { url: baseline.url, requests: names.map((q) => ({ path: `/sql/search?like=${encodeURIComponent(`%${normalizeCompanyName(q)}%`)}` })) },
      );
      return { figures: h.figures('GET /api/v1/customers?q=', cmp), notes: ['name_norm LIKE %q% scans newest-first and stops at 21 rows'], details: { cmp } };
    } finally {
      await revokeApiKey(h.ctx, { kind: 'system' }, 'cli', key.id).catch(() => undefined);
    }
  },
};
export default scenario;
