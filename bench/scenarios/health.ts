import type { Scenario } from '../types';
import { roundsFigure } from '../lib/harness';

/**
 * GET /healthz (the product's full middleware stack + a Sequelize `SELECT 1`) against:
 * - a bare koa route running `SELECT 1` through the raw driver (same work, no product stack): the targeted ratio;
 * - a bare koa route answering constant JSON (pure HTTP + koa cost): the floor, reported for context.
 */
const scenario: Scenario = {
  name: 'health',
  issue: 3,
  description: 'GET /healthz against a bare koa route running SELECT 1 via the raw driver, and a bare constant-JSON koa route',
  database: 'any',
  targets: ['health.ratio', 'health.p99'],
  async run(h) {
    const server = await h.startServer();
    const baseline = await h.startBaseline({ sql: { ping: [{ sql: 'SELECT 1' }] } });
    const product = { url: server.url, requests: [{ path: '/healthz' }] };
    const sameWork = await h.compare(product, { url: baseline.url, requests: [{ path: '/sql/ping' }] });
    const bare = await h.compare(product, { url: baseline.url, requests: [{ path: '/bare' }] });
    return {
      figures: [
        ...h.figures('GET /healthz', sameWork, { ratio: 'health.ratio', p99: 'health.p99' }).map((f) =>
          f.name.startsWith('baseline') || f.name === 'ratio to baseline' ? { ...f, name: f.name.replace('baseline', 'raw SELECT 1 route') } : f,
        ),
        roundsFigure('bare koa route req/s', bare.baseline.rps, 'req/s'),
        roundsFigure('bare koa route p99', bare.baseline.p99, 'ms', undefined, bare.baseline.pooledP99),
        roundsFigure('ratio to bare koa route', bare.ratio, 'ratio'),
      ],
      notes: [
        `${h.dialect}: raw SELECT 1 route uses ${h.dialect === 'mysql' ? 'a mysql2 pool of 10 (the product pool size)' : 'one sqlite3 handle'}; 50 connections unless smoke`,
      ],
      details: { sameWork, bare },
    };
  },
};
export default scenario;
