import { createDb, type Db } from '../../core/db/connection';
import { claimJobSlot } from '../../core/db/lease';
import type { Job } from '../../core/registry';
import { startJobs } from '../../server/jobs';
import { describeEachDb } from '../helpers/db';
import { memoryLogger } from '../helpers/app';

describeEachDb('job ticks: one run per scheduled time across processes', (h) => {
  let other: Db;
  beforeAll(() => {
    other = createDb(h.url); // a second pool stands for a second process
  });
  afterAll(() => other.close());

  it('of 10 concurrent claims of one tick from two processes exactly one wins; the next tick is claimed once again; an older tick never', async () => {
    const slot = new Date('2026-12-08T00:00:00Z');
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => claimJobSlot(i % 2 ? h.db : other, 'test.daily', slot, `p${i}`)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const next = new Date('2026-12-09T00:00:00Z');
    expect((await Promise.all([claimJobSlot(other, 'test.daily', next, 'a'), claimJobSlot(h.db, 'test.daily', next, 'b')])).filter(Boolean)).toHaveLength(1);
    expect(await claimJobSlot(h.db, 'test.daily', slot, 'late')).toBe(false);
    expect(await claimJobSlot(h.db, 'other.job', slot, 'x')).toBe(true); // per job
  });

  it('two schedulers with the same every-second job run each tick once between them', async () => {
    const runs: string[] = [];
    const job = (who: string): Job => ({ name: `test.tick.${h.dialect}`, cron: '* * * * * *', run: async () => void runs.push(who) });
    const { logger } = memoryLogger();
    const a = startJobs({ core: h.ctx, logger }, { jobs: [job('a')], workers: [], claim: (j, s) => claimJobSlot(h.db, j, s, 'a') });
    const b = startJobs({ core: h.ctx, logger }, { jobs: [job('b')], workers: [], claim: (j, s) => claimJobSlot(other, j, s, 'b') });
    await new Promise((r) => setTimeout(r, 3_300));
    await a.stop();
    await b.stop();
    // 3 or 4 ticks in 3.3 s; without the claim each would have run twice.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4);
  });
});
