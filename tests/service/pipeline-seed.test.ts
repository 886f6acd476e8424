// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import { describeEachDb } from '../helpers/db';
import { seedDemo } from '../../server/seed';
import { getPipelineSettings } from '../../core/opportunities/pipelines';
import { pipelineFunnel } from '../../core/opportunities/forecast';
import { toDate } from '../../core/db/connection';

describeEachDb('demo seed: sales pipeline', (h) => {
  it('replays three dozen deals through the operations: every stage of both pipelines, won and lost, months of history', async () => {
    const s = await seedDemo(h.ctx);
    expect(s.pipeline).toMatchObject({ opportunities: 36 });
    expect(s.pipeline!.won).toBeGreaterThan(2);
    expect(s.pipeline!.lost).toBeGreaterThan(2);
    const stages = await h.db.select<{ pkey: string; stage: string }>('SELECT DISTINCT p.pkey, o.stage FROM opportunities o JOIN pipelines p ON p.id = o.pipeline_id');
    const have = new Set(stages.map((r) => `${r.pkey}:${r.stage}`));
    for (const k of ['default:initial', 'default:qualified', 'default:proposal', 'default:negotiation', 'default:won', 'default:lost', 'renewal:renewal_due', 'renewal:renewal_quote', 'renewal:renewal_negotiation', 'renewal:won', 'renewal:lost']) expect(have).toContain(k);
    // New business is won through a quote, its contract and the contract's approval.
    expect(s.pipeline!.contracts).toBeGreaterThan(0);
    const wonNew = await h.db.select<{ won_contract_id: number | null; status: string | null; quote_id: number | null }>(
      "SELECT o.won_contract_id, c.status, c.quote_id FROM opportunities o JOIN pipelines p ON p.id = o.pipeline_id LEFT JOIN contracts c ON c.id = o.won_contract_id WHERE p.pkey = 'default' AND o.status = 'won'",
    );
    expect(wonNew.length).toBe(s.pipeline!.contracts);
    for (const r of wonNew) expect(r.won_contract_id !== null && r.quote_id !== null && r.status !== 'pending_approval' && r.status !== 'draft').toBe(true);
    // Closed deals are as the operations leave them: won with an amount, lost with a reason.
    expect(await h.db.select("SELECT id FROM opportunities WHERE (status = 'won' AND (amount_cents IS NULL OR closed_at IS NULL)) OR (status = 'lost' AND loss_reason IS NULL)")).toEqual([]);
    // History: one chain per field per deal (each row's from is the previous row's to), spread over months.
    const rows = await h.db.select<{ opportunity_id: number; field: string; from_value: string | null; to_value: string | null; changed_at: unknown }>('SELECT opportunity_id, field, from_value, to_value, changed_at FROM opportunity_history ORDER BY opportunity_id, id');
    const last = new Map<string, string | null>();
    for (const r of rows) {
      const k = `${r.opportunity_id}:${r.field}`;
      if (last.has(k)) expect(r.from_value).toBe(last.get(k));
      last.set(k, r.to_value);
    }
    const times = rows.map((r) => toDate(r.changed_at)!.getTime());
    expect((Math.max(...times) - Math.min(...times)) / 86_400_000).toBeGreaterThan(60);
    // Months-old stage changes are not news: no large-deal notices, and the threshold is back to its setting.
    expect(await h.db.select("SELECT id FROM outbox WHERE kind = 'opportunity.stage_changed'")).toEqual([]);
    expect((await getPipelineSettings(h.ctx)).largeDealCents).toBe(50_000_000);
    const f = await pipelineFunnel(h.ctx, { kind: 'system' }, { period: `${h.ctx.clock.now().getUTCFullYear()}` });
    expect(f.stages.reduce((n, st) => n + st.reached, 0)).toBeGreaterThan(0);
  });
});
