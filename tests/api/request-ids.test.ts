import Router from '@koa/router';
import request from 'supertest';
import { createContext } from '../../core/compose';
import { createUser } from '../../core/users/operations';
import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { OutboxWorker } from '../../bot/outbox/worker';
import { createApp } from '../../server/app';
import { requestIdOf } from '../../server/http/request-id';
import { describeEachDb } from '../helpers/db';
import { memoryLogger, testConfig } from '../helpers/app';
import { FakeLark, messageEvent, postEvent } from '../helpers/fake-lark';

jest.setTimeout(60_000);

const secrets = { encryptKey: 'ids-encrypt-key', verificationToken: 'ids-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };

describe('request ids', () => {
  it('keeps a plain incoming X-Request-Id and replaces anything else', () => {
    expect(requestIdOf('req-42.a_b:c')).toBe('req-42.a_b:c');
    for (const bad of [undefined, '', 'has space', 'x'.repeat(129), 'line\nbreak', '<script>', '中文']) {
      expect(requestIdOf(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describeEachDb('request and event ids in the logs', (h) => {
  it("every log line of a request's work carries its id, echoed in X-Request-Id", async () => {
    const mem = memoryLogger('debug');
    const work = ({ logger }: { logger: typeof mem.logger }) => {
      const r = new Router();
      r.get('/test/work', async (ctx) => {
        logger.info('work started');
        await new Promise((res) => setTimeout(res, 5)); // across an await and a timer
        await Promise.resolve().then(() => logger.info({ step: 2 }, 'work continued'));
        ctx.body = { ok: true };
      });
      r.get('/test/crash', () => {
        throw new Error('unexpected');
      });
      return r;
    };
    const app = await createApp({ core: h.ctx, config: testConfig(), logger: mem.logger }, { routers: [work] });
    const server = app.callback();
    const res = await request(server).get('/test/work').set('X-Request-Id', 'edge-7f3a').expect(200);
    expect(res.headers['x-request-id']).toBe('edge-7f3a');
    const other = await request(server).get('/test/work').set('X-Request-Id', 'no good id').expect(200);
    const generated = other.headers['x-request-id'];
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const crash = await request(server).get('/test/crash').expect(500);
    const lines = mem.lines();
    const of = (id: string) => lines.filter((l) => l.requestId === id).map((l) => l.msg);
    expect(of('edge-7f3a')).toEqual(['work started', 'work continued']);
    expect(of(generated)).toEqual(['work started', 'work continued']);
    expect(of(crash.headers['x-request-id'])).toEqual(['unhandled error']);
    expect(crash.body.error.requestId).toBe(crash.headers['x-request-id']);
    expect(lines.filter((l) => l.msg === 'work started' && !l.requestId)).toEqual([]);
  });

  it("a Lark event's processing after the 200, and the outbox delivery it enqueued, log the event id", async () => {
    const fake = await FakeLark.start();
    const mem = memoryLogger('debug');
    const core = createContext(h.db); // its own bot (one per core context) with this logger; the real clock
    try {
      const openId = 'ou_ids_rep';
      await createUser(core, { kind: 'system' }, 'cli', { name: '日志', role: 'rep', larkOpenId: openId });
      const app = await createApp({ core, config: testConfig(env), logger: mem.logger }, { routers: [(deps) => larkRouter(deps)] });
      const ev = messageEvent({ openId, text: '帮助' });
      const eventId = ev.header.event_id;
      const res = await postEvent(app.callback(), ev, secrets, {});
      expect(res.status).toBe(200);
      const requestId = res.headers['x-request-id'];
      await botFor(core, mem.logger).idle();

      const processed = mem.lines().filter((l) => l.msg === 'lark event processed');
      expect(processed).toHaveLength(1);
      expect(processed[0]).toMatchObject({ eventId, requestId, outcome: 'done' });
      const rows = await core.db.select<{ origin: string | null }>(`SELECT origin FROM outbox WHERE recipient = :chat`, { chat: ev.event.message.chat_id });
      expect(rows).toEqual([{ origin: `event:${eventId}` }]);

      // The delivery, later and in a worker (no request around it), logs the same event id.
      await new OutboxWorker({ core, logger: mem.logger, client: fake.client() }).drain(20_000);
      const delivered = mem.lines().filter((l) => l.msg === 'outbox delivery');
      expect(delivered).toHaveLength(1);
      expect(delivered[0]).toMatchObject({ eventId, outcome: 'sent' });
      expect(delivered[0].requestId).toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it('an event left pending (a restart between the 200 and the processing) is logged with its id by the inbox sweep', async () => {
    const mem = memoryLogger('debug');
    const core = createContext(h.db);
    const bot = botFor(core, mem.logger);
    const ev = messageEvent({ openId: 'ou_ids_rep', text: 'help' });
    const r = await bot.record(ev);
    expect(r.duplicate).toBe(false);
    expect(await bot.processPending(50, 0)).toBe(1);
    const processed = mem.lines().filter((l) => l.msg === 'lark event processed');
    expect(processed).toEqual([expect.objectContaining({ eventId: ev.header.event_id, outcome: 'done' })]);
    expect(processed[0].requestId).toBeUndefined();
  });
});
