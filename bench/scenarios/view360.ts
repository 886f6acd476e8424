import type { Scenario } from '../types';
import { zipfIds } from '../lib/stats';
import { createApiKey, revokeApiKey } from '../../core/apikeys/operations';
import { ACTIVITY_SELECT } from '../../core/activities/operations';
import { CUSTOMER_FROM, CUSTOMER_SELECT } from '../../core/customers/operations';
import { CONTACT_SELECT } from '../../core/customers/contacts';

/**
 * GET /api/v1/customers/:id/360 (API key auth, visibility, profile + contacts + last 20 follow-ups + every
 * registered section, in one round trip) against a bare koa route running the same statements through the
 * raw driver in the same single packet (captured from one real 360 call in the bench process).
 */
const q = (sql: string) => sql.replace(/:id/g, '?').replace(/\s+/g, ' ');
const PROFILE = q(`SELECT ${CUSTOMER_SELECT} FROM ${CUSTOMER_FROM} WHERE c.id = :id`);
const CONTACTS = q(`SELECT ${CONTACT_SELECT} FROM contacts WHERE customer_id = :id ORDER BY is_primary DESC, id LIMIT 50`);
const ACTIVITIES = q(`SELECT ${ACTIVITY_SELECT}, u.name AS user_name FROM activities a LEFT JOIN users u ON u.id = a.user_id WHERE a.customer_id = :id ORDER BY a.occurred_at DESC, a.id DESC LIMIT 20`);

/**
 * Every statement one 360 view runs (ours and every registered section), captured from the bench process with
 * the same registry as the server (every createContext() composes it), with the probe id turned back into `?` placeholders.
 */
async function capture360Sql(h: Parameters<Scenario['run']>[0], probe: number): Promise<{ sql: string; params: string[] }[]> {
  const { getCustomer360 } = await import('../../core/customer360/view360');
  const seen: string[] = [];
  const s = h.db.sequelize as unknown as { options: { logging: unknown } };
  const before = s.options.logging;
  s.options.logging = (line: string) => seen.push(line.replace(/^Executing \([^)]*\):\s*/, ''));
  const fast = process.env.CRM_FAST_READS;
  process.env.CRM_FAST_READS = 'off'; // through Sequelize, so its logging shows every statement
  try {
    await getCustomer360(h.ctx, { kind: 'system' }, probe);
  } finally {
    s.options.logging = before;
    if (fast === undefined) delete process.env.CRM_FAST_READS;
    else process.env.CRM_FAST_READS = fast;
  }
  const re = new RegExp(`\\b${probe}\\b`, 'g');
  return seen.filter((q) => /^SELECT/i.test(q)).map((q) => {
    const params = (q.match(re) ?? []).map(() => 'id');
    return { sql: q.replace(re, '?'), params };
  });
}

const ZIPF_SEED = 360;

const scenario: Scenario = {
  name: 'view360',
  issue: 5,
  description:
    'GET /api/v1/customers/:id/360 for customers drawn Zipf(s = 1, seeded) over the whole customers table, against a bare koa route running the same SELECTs in one packet via the raw driver; a 500-customer hot set beside it (information only)',
  database: 'mysql',
  targets: ['customer-360.ratio', 'customer-360.p99'],
  async run(h) {
    const n = h.seed.counts.customers;
    // Realistic access: reps open customers all over the table, some far more than others. Seeded, so every run
    // (and product and baseline) draws the same ids in the same order; one stream shared by all connections.
    const ids = zipfIds(n, h.smoke ? 500 : 30_000, ZIPF_SEED);
    const hot = Array.from({ length: 500 }, (_, i) => 1 + ((i * 7919) % n));
    const key = await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: `bench-360-${Date.now()}` });
    try {
      const server = await h.startServer();
      const probe = ids.reduce((a, b) => Math.max(a, b), 0); // a long id: its digits appear nowhere else in the SQL
      let statements = await capture360Sql(h, probe).catch(() => []);
      if (statements.length < 3) statements = [{ sql: PROFILE, params: ['id'] }, { sql: CONTACTS, params: ['id'] }, { sql: ACTIVITIES, params: ['id'] }];
      const baseline = await h.startBaseline({ sql: { v360: statements }, batched: ['v360'] }); // one packet, as the product sends
      const auth = { Authorization: `Bearer ${key.key}` };
      const cmp = await h.compare(
        { url: server.url, requests: ids.map((id) => ({ path: `/api/v1/customers/${id}/360`, headers: auth })) },
        { url: baseline.url, requests: ids.map((id) => ({ path: `/sql/v360?id=${id}` })) },
      );
      // The old figure, kept as information: 500 ids cycled, so after warm-up every page is in the buffer pool.
      const hotLoad = await h.load({ url: server.url, requests: hot.map((id) => ({ path: `/api/v1/customers/${id}/360`, headers: auth })) });
      const distinct = new Set(ids).size;
      return {
        figures: [
          ...h.figures('GET /api/v1/customers/:id/360', cmp, { ratio: 'customer-360.ratio', p99: 'customer-360.p99' }),
          ...h.figures('hot set (500 ids, information only):', hotLoad).filter((f) => !f.name.endsWith('p50')),
        ],
        notes: [
          `cache state: the bench's MariaDB server starts cold for the run (no buffer-pool dump/load) and is warmed by the scenario's own warm-up (rounds until two agree within 10%); ids Zipf(s = 1, seed ${ZIPF_SEED}) over all ${n.toLocaleString('en-US')} customers: ${ids.length.toLocaleString('en-US')} draws, ${distinct.toLocaleString('en-US')} distinct, one stream shared by the 50 connections`,
          'hot set (information, no target): 500 fixed ids cycled, every page in the buffer pool after warm-up — the figure earlier runs reported',`baseline: the same ${statements.length} SELECTs the 360 view runs (profile, contacts, last 20 follow-ups and every registered section), via the raw driver in one multi-statement packet (as the product sends them), behind a bare koa route`],
        details: { cmp },
      };
    } finally {
      await revokeApiKey(h.ctx, { kind: 'system' }, 'cli', key.id).catch(() => undefined);
    }
  },
};
export default scenario;
