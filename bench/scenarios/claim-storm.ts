import type { Scenario } from '../types';
import { createApiKey, revokeApiKey } from '../../core/apikeys/operations';
import { ensureDefaultPool, updatePoolRules } from '../../core/pool/operations';
import { recountHeld } from '../../core/pool/held';

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
      // autocannon starts every connection at the same request, so 100 connections would all claim the same
      // customer as the same rep; instead 100 workers here (not in the server's process) take the next claim off
      // one shared queue: two claims per customer by different reps, back to back (a real race on every id).
      const queue = ids.flatMap((id, i) => [0, 1].map((k) => ({ id, key: keys[(i + k * 7) % keys.length].key })));
      const workers = h.smoke ? 4 : 100;
      const deadline = Date.now() + (h.smoke ? 2_000 : 10_000);
      const latencies: number[] = [];
      const statuses: Record<string, number> = {};
      let next = 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next < queue.length && Date.now() < deadline) {
            const q = queue[next++];
            const s0 = performance.now();
            const res = await fetch(`${server.url}/api/v1/customers/${q.id}/claim`, { method: 'POST', headers: { Authorization: `Bearer ${q.key}` } });
            await res.arrayBuffer();
            latencies.push(performance.now() - s0);
            statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          }
        }),
      );
      const elapsed = (Date.now() - t0) / 1000;
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
      const won = await h.ctx.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM pool_events WHERE action = 'claim' AND created_at >= :s", { s: started });
      return {
        figures: [
          { name: 'claim answers/s (all)', value: latencies.length / elapsed, unit: 'req/s' },
          { name: 'claim p50', value: pct(50), unit: 'ms' },
          { name: 'claim p99 (all answers)', value: pct(99), unit: 'ms', target: 'pool-claim.p99' },
          { name: 'claims won', value: Number(won[0].n), unit: 'count' },
        ],
        notes: [
          `${reps.length} reps, ${workers} concurrent claimers, ${latencies.length} claims on ${ids.length} pool customers (two per customer, different reps); limits raised for the run and restored`,
          `answers by status: ${JSON.stringify(statuses)}`,
        ],
        details: { statuses, answered: latencies.length },
      };
    } finally {
      await h.ctx.db.tx(async (t) => {
        await h.ctx.db.sequelize.query("UPDATE customers SET owner_id = NULL, claimed_at = NULL WHERE id IN (SELECT customer_id FROM pool_events WHERE action = 'claim' AND created_at >= :s)", { replacements: { s: started }, transaction: t });
        // The claims raised the reps' held counters; the customers are back in the pool, so are the counters.
        await recountHeld(h.ctx, reps, t);
        await h.ctx.db.sequelize.query("DELETE FROM pool_events WHERE action = 'claim' AND created_at >= :s", { replacements: { s: started }, transaction: t });
        await h.ctx.db.sequelize.query("DELETE FROM audit_log WHERE action IN ('pool.claim', 'pool.rules', 'apikey.create', 'apikey.revoke') AND created_at >= :s", { replacements: { s: started }, transaction: t });
      });
      await updatePoolRules(h.ctx, system, 'cli', def.id, { maxHeld: before.maxHeld, maxClaimsPerDay: before.maxClaimsPerDay, cooldownDays: before.cooldownDays });
      for (const k of keys) await revokeApiKey(h.ctx, system, 'cli', k.id).catch(() => undefined);
    }
  },
};
export default scenario;
