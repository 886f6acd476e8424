import type { Scenario } from '../types';
import { createApiKey, revokeApiKey } from '../../core/apikeys/operations';
import { ensureDefaultPool, updatePoolRules } from '../../core/pool/operations';

/**
 * 100 connections claiming pool customers at once through POST /api/v1/customers/:id/claim, each request as a
 * rep (user-bound API keys): every claim locks the rep's row, counts their limits and races a conditional UPDATE.
 * Most requests of a storm lose (409) or hit a limit (422); latency counts all answers. Afterwards the claimed
 * customers go back to the pool and the run's pool history is removed, so the seed stays usable.
 */
const scenario: Scenario = {
  name: 'claim-storm',
  issue: 5,
  description: '100 concurrent claimers on POST /api/v1/customers/:id/claim (p99 over all answers: won, lost, refused)',
  database: 'mysql',
  targets: ['pool-claim.p99'],
  async run(h) {
    const system = { kind: 'system' } as const;
    const reps = h.seed.users.reps.slice(0, h.smoke ? 4 : 100);
    const pool = await h.ctx.db.select<{ id: number }>("SELECT id FROM customers WHERE owner_id IS NULL AND status = 'active' ORDER BY id LIMIT :n", { n: h.smoke ? 50 : 5000 });
    const ids = pool.map((r) => Number(r.id));
    const def = await ensureDefaultPool(h.ctx);
    const before = def.rules;
    const started = new Date(Date.now() - 1000);
    const keys: Awaited<ReturnType<typeof createApiKey>>[] = [];
    for (const rep of reps) keys.push(await createApiKey(h.ctx, system, 'cli', { name: `bench-claim-${rep}-${Date.now()}`, userId: rep }));
    await updatePoolRules(h.ctx, system, 'cli', def.id, { maxHeld: 1_000_000, maxClaimsPerDay: 1_000_000, cooldownDays: 0 });
    try {
      const server = await h.startServer();
      // Two requests per customer from different reps, interleaved: real contention on every id.
      const requests = ids.flatMap((id, i) =>
        [0, 1].map((k) => ({ method: 'POST' as const, path: `/api/v1/customers/${id}/claim`, headers: { Authorization: `Bearer ${keys[(i + k * 7) % keys.length].key}` } })),
      );
      const r = await h.load({ url: server.url, requests, connections: h.smoke ? 4 : 100, rounds: 1 });
      const won = await h.ctx.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM pool_events WHERE action = 'claim' AND created_at >= :s", { s: started });
      return {
        figures: [
          { name: 'claim answers req/s (2xx only)', value: r.rps.median, noise: r.rps.noise, unit: 'req/s' },
          { name: 'claim p50', value: r.p50.median, noise: r.p50.noise, unit: 'ms' },
          { name: 'claim p99 (all answers)', value: r.p99.median, noise: r.p99.noise, unit: 'ms', target: 'pool-claim.p99' },
          { name: 'claims won', value: Number(won[0].n), unit: 'count' },
        ],
        notes: [`${reps.length} reps, ${ids.length} pool customers, two claimers per customer; limits raised for the run and restored`, `non-2xx answers (lost races): ${r.non2xx}`],
        details: { load: r },
      };
    } finally {
      await h.ctx.db.tx(async (t) => {
        await h.ctx.db.sequelize.query("UPDATE customers SET owner_id = NULL, claimed_at = NULL WHERE id IN (SELECT customer_id FROM pool_events WHERE action = 'claim' AND created_at >= :s)", { replacements: { s: started }, transaction: t });
        await h.ctx.db.sequelize.query("DELETE FROM pool_events WHERE action = 'claim' AND created_at >= :s", { replacements: { s: started }, transaction: t });
        await h.ctx.db.sequelize.query("DELETE FROM audit_log WHERE action IN ('pool.claim', 'pool.rules', 'apikey.create', 'apikey.revoke') AND created_at >= :s", { replacements: { s: started }, transaction: t });
      });
      await updatePoolRules(h.ctx, system, 'cli', def.id, { maxHeld: before.maxHeld, maxClaimsPerDay: before.maxClaimsPerDay, cooldownDays: before.cooldownDays });
      for (const k of keys) await revokeApiKey(h.ctx, system, 'cli', k.id).catch(() => undefined);
    }
  },
};
export default scenario;
