import type { CoreContext } from '../../core/context';
import { createContext } from '../../core/compose';
import { createDb } from '../../core/db/connection';
import type { Job } from '../../core/registry';
import { startJobs } from '../../server/jobs';
import { memoryLogger } from '../helpers/app';

jest.setTimeout(20_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startJobs: the scheduler', () => {
  const core = { timezone: 'Asia/Shanghai' } as CoreContext;

  it('never starts a job while its previous run is going; logs results per logWhen; logs failures and goes on', async () => {
    const { logger, lines } = memoryLogger();
    let inFlight = 0;
    let maxInFlight = 0;
    let slowRuns = 0;
    let quietRuns = 0;
    let failures = 0;
    const slow: Job<{ n: number }> = {
      name: 'test.slow',
      cron: '* * * * * *',
      async run() {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(2_300); // spans two more ticks of the every-second rule
        inFlight--;
        return { n: ++slowRuns };
      },
    };
    const quiet: Job<{ sent: number }> = { name: 'test.quiet', cron: '* * * * * *', run: async () => ({ sent: quietRuns++ % 2 }), logWhen: (r) => r.sent > 0 };
    const failing: Job = { name: 'test.failing', cron: '* * * * * *', run: async () => { failures++; throw new Error('boom'); } };
    const workerEvents: string[] = [];
    const running = startJobs({ core, logger }, {
      jobs: [slow as Job, quiet as Job, failing],
      workers: [{ name: 'w', start: () => workerEvents.push('start'), stop: async () => { workerEvents.push('stop'); } }],
    });
    await sleep(3_600);
    await running.stop();
    expect(maxInFlight).toBe(1);
    expect(slowRuns).toBeGreaterThanOrEqual(1);
    expect(slowRuns).toBeLessThanOrEqual(2);
    expect(workerEvents).toEqual(['start', 'stop']);
    const logs = lines();
    const slowLogs = logs.filter((l) => l.job === 'test.slow');
    expect(slowLogs).toHaveLength(slowRuns);
    expect(slowLogs[0]).toMatchObject({ level: 30, job: 'test.slow', n: 1 });
    // logWhen: only the runs that sent something are logged
    expect(quietRuns).toBeGreaterThanOrEqual(2);
    expect(logs.filter((l) => l.job === 'test.quiet').every((l) => l.sent === 1)).toBe(true);
    expect(logs.filter((l) => l.job === 'test.quiet')).toHaveLength(Math.floor(quietRuns / 2));
    // a failure is an error line each time, and the next tick runs again
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(logs.filter((l) => l.job === 'test.failing' && l.level === 50)).toHaveLength(failures);
  });

  it('the core declares its jobs with unchanged names and crons, the reminder poller every second', () => {
    const db = createDb('sqlite::memory:');
    try {
      const jobs = createContext(db).registry.jobs.map((j) => [j.name, j.cron]);
      expect(Object.fromEntries(jobs)).toEqual({
        'customers.tiers': '30 2 * * *',
        'pool.recycle': '0 8 * * *',
        'leads.sla': '*/5 * * * *',
        'tasks.agenda': '0 9 * * *',
        'tasks.reminders': '* * * * * *',
        'receivables.digest': '30 8 * * 1',
        'contracts.daily': '5 8 * * *',
        'surveys.nps': '0 10 1 1,4,7,10 *',
        'tickets.sla': '* * * * *',
        'opportunities.stuck': '50 8 * * *',
      });
    } finally {
      void db.close();
    }
  });
});
