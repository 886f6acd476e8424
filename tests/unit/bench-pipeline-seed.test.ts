import { PIPELINE_SEED_TABLES, OPPORTUNITY_ROWS, HISTORY_ROWS, BENCH_PIPELINES } from '../../bench/lib/pipeline-seed';
import { rankOf } from '../../core/opportunities/rules';
import { dayAt } from '../../core/factories/opportunities';
import type { SeedContext } from '../../bench/types';

/** The bench's pipeline rows agree with each other as the operations would leave them. */
describe('bench pipeline seed', () => {
  const reps = Array.from({ length: 6 }, (_, i) => 10 + i);
  const s: SeedContext = { scale: 'smoke', now: new Date('2026-12-07T12:00:00Z'), users: { admin: 1, managers: [2, 3], reps, service: [], repTeams: reps.map((_, i) => 1 + (i % 2)) }, counts: { customers: 200 } };
  const [O, H] = PIPELINE_SEED_TABLES;
  const opps = Array.from({ length: OPPORTUNITY_ROWS.smoke }, (_, i) => ({ id: i + 1, ...O.row(i, Math.random, s) }) as Record<string, any>);
  const hist = Array.from({ length: HISTORY_ROWS.smoke }, (_, i) => H.row(i, Math.random, s) as Record<string, any>);

  it('has exactly the rows it declares, ids in order, every deal with its history', () => {
    expect(hist.map((r) => r.id)).toEqual(hist.map((_, i) => i + 1));
    expect(new Set(hist.map((r) => r.opportunity_id)).size).toBe(opps.length);
  });

  it('chains every field (from = the previous to), ranks and seconds as the operations write them, and leaves the deal where its history says', () => {
    for (const o of opps) {
      const rows = hist.filter((r) => r.opportunity_id === o.id);
      const stages = BENCH_PIPELINES.find((p) => p.id === o.pipeline_id)!.stages;
      expect(rows[0]).toMatchObject({ field: 'stage', from_value: null, from_rank: 0, from_seconds: null });
      const last: Record<string, string | null> = {};
      let enteredAt = rows[0].changed_at as Date;
      for (const r of rows) {
        expect(r).toMatchObject({ pipeline_id: o.pipeline_id, owner_id: o.owner_id, team_id: o.team_id });
        if (r.field in last) expect(r.from_value).toBe(last[r.field]);
        if (r.field === 'stage') {
          expect(r.to_rank).toBe(rankOf(stages, r.to_value));
          if (r.from_value !== null) {
            expect(r.from_rank).toBe(rankOf(stages, r.from_value));
            expect(r.from_seconds).toBe(Math.round((r.changed_at.getTime() - enteredAt.getTime()) / 1000));
            enteredAt = r.changed_at;
          }
        }
        last[r.field] = r.to_value;
        expect(r.changed_at.getTime()).toBeLessThanOrEqual(s.now.getTime());
      }
      expect(o.stage).toBe(last.stage);
      expect(o.stage_rank).toBe(rankOf(stages, o.stage));
      expect(o.amount_cents === null ? null : String(o.amount_cents)).toBe(last.amount ?? null);
      expect(o.expected_close_date).toBe(last.close_date);
      expect(o.stage_entered_at).toEqual(enteredAt);
      if (o.status === 'open') {
        expect(o.period_date).toBe(o.expected_close_date);
        expect(o.closed_at).toBeNull();
      } else {
        expect(o.closed_at).toEqual(enteredAt);
        expect(o.period_date).toBe(dayAt(o.closed_at));
        if (o.status === 'lost') expect(o.loss_reason).not.toBeNull();
        else expect(o.amount_cents).toBeGreaterThan(0);
      }
      // One version per operation: the creation's rows share its instant.
      expect(o.version).toBe(new Set(rows.map((r) => r.changed_at.getTime())).size);
    }
  });

  it('looks like a funnel: more deals early than late, every stage of both pipelines, won and lost', () => {
    const count = (p: number, st: string) => opps.filter((o) => o.pipeline_id === p && o.stage === st && o.status === 'open').length;
    expect(count(1, 'initial')).toBeGreaterThan(count(1, 'negotiation'));
    expect(opps.some((o) => o.status === 'won')).toBe(true);
    expect(opps.some((o) => o.status === 'lost')).toBe(true);
    expect(opps.some((o) => o.pipeline_id === 2)).toBe(true);
  });
});
