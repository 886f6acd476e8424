import request from 'supertest';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { messageEvent, postEvent } from '../helpers/fake-lark';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createApiKey } from '../../core/apikeys/operations';
import { createCustomer } from '../../core/customers/operations';
import { createTask } from '../../core/tasks/operations';
import type { Actor, CoreContext } from '../../core/context';

/**
 * The 360° view has the same sections whichever entry point serves it. Each entry point is loaded in its own module
 * registry (jest.isolateModules), with nothing else imported: the API route alone, the bot alone. When sections were
 * registered as a side effect of importing a module, the API alone lacked the sections only the bot's or the
 * mini-program's modules imported; now every createContext() composes the same registry.
 */
const system: Actor = { kind: 'system' };
const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };

type Sections = Record<string, unknown>;

function isolated<T>(load: () => T): T {
  let out: T | undefined;
  jest.isolateModules(() => {
    out = load();
  });
  return out!;
}

async function sectionsViaApi(h: DbHandle, key: string, customerId: number): Promise<Sections> {
  const m = isolated(() => ({
    compose: require('../../core/compose') as typeof import('../../core/compose'),
    app: require('../helpers/app') as typeof import('../helpers/app'),
    api: require('../../server/api/customers') as typeof import('../../server/api/customers'),
  }));
  const core: CoreContext = m.compose.createContext(h.db, { clock: h.clock });
  const { app } = await m.app.testApp(core, [m.api.customersApiRouter]);
  const res = await request(app.callback()).get(`/api/v1/customers/${customerId}/360`).set({ Authorization: `Bearer ${key}` });
  expect(res.status).toBe(200);
  return res.body.sections as Sections;
}

async function sectionsViaBot(h: DbHandle, user: UserDto, customerName: string): Promise<Sections> {
  const m = isolated(() => ({
    compose: require('../../core/compose') as typeof import('../../core/compose'),
    app: require('../helpers/app') as typeof import('../helpers/app'),
    routes: require('../../bot/routes') as typeof import('../../bot/routes'),
    instance: require('../../bot/instance') as typeof import('../../bot/instance'),
  }));
  const core: CoreContext = m.compose.createContext(h.db, { clock: h.clock });
  const { app } = await m.app.testApp(core, [m.routes.larkRouter], env);
  expect((await postEvent(app.callback(), messageEvent({ openId: user.larkOpenId!, text: `查 ${customerName}` }), secrets)).status).toBe(200);
  await m.instance.botFor(core, m.app.memoryLogger().logger).idle();
  const [row] = await h.db.select<{ kind: string; payload: unknown }>("SELECT kind, payload FROM outbox WHERE kind = 'customer.360' ORDER BY id DESC LIMIT 1");
  const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as { view: { sections: Sections } };
  return payload.view.sections;
}

describeEachDb('the 360° view from every entry point', (h) => {
  it('the API and the bot answer the same sections (tasks, contracts, receivables, tickets, satisfaction…)', async () => {
    const rep = await createUser(h.ctx, system, 'cli', { name: '陈晨', role: 'rep', team: '三组', larkOpenId: 'ou_360_rep' });
    const key = (await createApiKey(h.ctx, system, 'cli', { name: '360', userId: rep.id })).key;
    const c = (await createCustomer(h.ctx, actorOf(rep), 'api', { name: '全景视图科技有限公司' })).customer;
    await createTask(h.ctx, actorOf(rep), 'api', { title: '准备报价', customerId: c.id });

    const api = await sectionsViaApi(h, key, c.id);
    const bot = await sectionsViaBot(h, rep, c.name);

    const names = Object.keys(api).sort();
    expect(names).toEqual(expect.arrayContaining(['contracts', 'opportunities', 'receivables', 'satisfaction', 'tasks', 'tickets']));
    expect(Object.keys(bot).sort()).toEqual(names);
    expect(names).toEqual([...h.ctx.registry.view360Sections.keys()].sort());
    // Registered, not just present as the empty default: the task shows from both entry points.
    for (const s of [api, bot]) expect((s.tasks as { title: string }[]).map((x) => x.title)).toEqual(['准备报价']);
    for (const s of [api, bot]) expect(s.receivables).toMatchObject({ contracts: 0 });
    for (const s of [api, bot]) expect(s.satisfaction).toMatchObject({ csatCount: 0, latestNps: null });
  });
});
