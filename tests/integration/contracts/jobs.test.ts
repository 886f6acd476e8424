import { describeEachDb } from '../../helpers/db';
import { runContractsDaily, contractSettings } from '../../../core/contracts/daily';

describeEachDb('contracts jobs', (h) => {
  it('are scheduled, run under a lease and are idempotent', async () => {
    expect(h.ctx.registry.jobs.map((j) => j.name)).toEqual(expect.arrayContaining(['contracts.daily', 'receivables.digest']));
    expect(await contractSettings(h.ctx)).toEqual({ reminderDays: 3, graceDays: 7, renewalDays: 30 });
    const [a, b] = await Promise.all([runContractsDaily(h.ctx), runContractsDaily(h.ctx)]);
    // one of two concurrent runs may be skipped by the lease; neither fails
    expect([a, b].some((r) => !('skipped' in r))).toBe(true);
    expect(await runContractsDaily(h.ctx)).toEqual(expect.objectContaining({ renewals: 0 }));
  });
});
