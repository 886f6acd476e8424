import request from 'supertest';
import { composeProcess } from '../../server/compose';
import { createApp } from '../../server/app';
import { describeEachDb } from '../helpers/db';
import { memoryLogger, testConfig } from '../helpers/app';

describeEachDb('server/compose.ts: what the process contains', (h) => {
  const deps = () => ({ core: h.ctx, config: testConfig({ LARK_VERIFICATION_TOKEN: 'tok' }), logger: memoryLogger().logger });

  it("lists the core's jobs, then the bot's, and the bot's workers for the scheduler", () => {
    const composed = composeProcess(deps());
    expect(composed.jobs.map((j) => j.name)).toEqual([...h.ctx.registry.jobs.map((j) => j.name), 'lark-retention']);
    expect(composed.jobs.at(-1)?.cron).toBe('23 4 * * *');
    expect(composed.workers.map((w) => w.name)).toEqual(['lark-outbox', 'lark-inbox', 'lark-ws']);
  });

  it('mounts its routers in order: the APIs, the Lark callbacks, the H5 app last', async () => {
    const d = deps();
    const app = await createApp(d, { routers: composeProcess(d).routers });
    expect((await request(app.callback()).get('/api/v1/openapi.json')).status).toBe(200);
    // the Lark route answers (401: no token) rather than the H5 SPA fallback
    expect((await request(app.callback()).post('/lark/events').set('content-type', 'application/json').send('{}')).status).toBe(401);
  });

  it('runs the retention job on the core it is given', async () => {
    const job = composeProcess(deps()).jobs.find((j) => j.name === 'lark-retention')!;
    await expect(job.run(h.ctx)).resolves.toEqual({ inbox: 0, actions: 0 });
  });
});
