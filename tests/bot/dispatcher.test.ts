import { createContext } from '../../core/compose';
import { createDb } from '../../core/db/connection';
import { AppError } from '../../core/errors';
import { createUser } from '../../core/users/operations';
import { LarkBot } from '../../bot/dispatcher';
import { composeBot } from '../../bot/compose';
import { defaultBotConfig } from '../../bot/config';
import { inboxWorker, sweepLarkRetention } from '../../bot/jobs';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { memoryLogger } from '../helpers/app';
import { cardActionEvent, messageEvent } from '../helpers/fake-lark';
import type { ChatCommand, ChatHandler } from '../../bot/types';

const logger = memoryLogger('fatal').logger;

// A test handler on location messages (intent 'message.location'; chat intents belong to other modules).
const seen: ChatCommand[] = [];
let failMode: 'none' | 'crash' | 'rule' = 'none';
const testLocation: ChatHandler = async (cmd, kit) => {
  if (failMode === 'crash') throw new Error('boom');
  if (failMode === 'rule') throw new AppError('NOT_FOUND', { field: 'customer' });
  seen.push(cmd);
  await kit.reply({ kind: 'text', payload: { text: `at ${cmd.text}` } });
};
const registry = composeBot();
const lookup = (name: string) => (name === 'message.location' ? testLocation : name === 'message.image' ? undefined : registry.intentHandler(name));
const loc = (openId: string, name: string) => messageEvent({ openId, messageType: 'location', content: { name, latitude: '31.2', longitude: '121.5' } });

async function count(h: DbHandle, sql: string, r: Record<string, unknown> = {}): Promise<number> {
  const rows = await h.db.select<{ n: number }>(sql, r);
  return Number(rows[0].n);
}

describeEachDb('Lark dispatcher (shared by webhook and ws)', (h) => {
  const openId = 'ou_disp';
  let bot: LarkBot;
  beforeAll(async () => {
    await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '赵敏', role: 'rep', larkOpenId: openId });
    bot = new LarkBot({ core: h.ctx, logger, intentHandler: lookup });
  });
  beforeEach(() => {
    seen.length = 0;
    failMode = 'none';
  });

  it('text is dispatched via parseMessage to the intent handler (help → help card)', async () => {
    const before = await count(h, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'help'");
    await bot.receive(messageEvent({ openId, text: '帮助' }));
    await bot.idle();
    expect(await count(h, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'help'")).toBe(before + 1);
  });

  it('ws path: the SDK EventDispatcher invoke() records, then processes the command', async () => {
    const env = loc(openId, '远航科技');
    await bot.sdkDispatcher().invoke(env, { needCheck: false });
    await bot.idle();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'location', text: '远航科技', openId, user: { name: '赵敏' }, location: { latitude: 31.2 } });
    expect(await count(h, "SELECT COUNT(*) AS n FROM lark_inbox WHERE event_id = :e AND status = 'done'", { e: env.header.event_id })).toBe(1);
    // the same event again over ws: not processed twice
    await bot.sdkDispatcher().invoke(env, { needCheck: false });
    await bot.idle();
    expect(seen).toHaveLength(1);
  });

  it('ws path: a card action answers {toast, card} through the SDK dispatcher', async () => {
    const res = (await bot.sdkDispatcher().invoke(cardActionEvent({ openId, value: { action: 'no.such' } }), { needCheck: false })) as { toast: { type: string } };
    expect(res.toast.type).toBe('error');
  });

  it('a crash between acknowledgement and processing: the event is processed on restart, once', async () => {
    const env = loc(openId, '恒通');
    const r = await bot.record(env); // acknowledged; the process "dies" before processing
    expect(r.duplicate).toBe(false);
    expect(seen).toHaveLength(0);
    // restart: a fresh bot and the inbox worker's start-up sweep
    const worker = inboxWorker({ core: h.ctx, logger, config: defaultBotConfig() }, { intervalMs: 60_000, bot: new LarkBot({ core: h.ctx, logger, intentHandler: lookup }) });
    worker.start();
    await worker.stop();
    expect(seen.map((c) => c.text)).toEqual(['恒通']);
    const again = new LarkBot({ core: h.ctx, logger, intentHandler: lookup });
    expect(await again.processPending(50)).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('two processes sharing the database receive the same event concurrently: one effect', async () => {
    const db2 = createDb(h.url);
    try {
      const bot2 = new LarkBot({ core: createContext(db2, { clock: h.clock }), logger, intentHandler: lookup });
      const env = loc(openId, '金桥');
      const results = await Promise.all([bot.receive(env), bot2.receive(env), bot.receive(env), bot2.receive(env), bot.receive(env)]);
      expect(results.filter((x) => !x.duplicate)).toHaveLength(1);
      await Promise.all([bot.idle(), bot2.idle()]);
      // and both sweep concurrently too
      await Promise.all([bot.processPending(), bot2.processPending()]);
      expect(seen.filter((c) => c.text === '金桥')).toHaveLength(1);
      // concurrent processing of one recorded row from two processes
      const env2 = loc(openId, '东方');
      const rec = await bot.record(env2);
      await Promise.all([bot.process(rec.id!), bot2.process(rec.id!), bot.process(rec.id!)]);
      expect(seen.filter((c) => c.text === '东方')).toHaveLength(1);
    } finally {
      await db2.close();
    }
  });

  it('an unexpected handler failure rolls back (no reply) and is retried later; a refused rule replies the reason and is done', async () => {
    failMode = 'crash';
    const env = loc(openId, '天成');
    const rec = await bot.record(env);
    const before = await count(h, 'SELECT COUNT(*) AS n FROM outbox');
    expect(await bot.process(rec.id!)).toBe('retry');
    expect(await count(h, 'SELECT COUNT(*) AS n FROM outbox')).toBe(before);
    const row = await h.db.select<{ status: string; attempts: number; last_error: string }>('SELECT status, attempts, last_error FROM lark_inbox WHERE id = :id', { id: rec.id });
    expect(row[0]).toMatchObject({ status: 'pending', attempts: 1, last_error: 'boom' });
    failMode = 'none';
    expect(await bot.processPending()).toBe(0); // not yet due (backoff)
    h.clock.advance(60_000);
    expect(await bot.processPending()).toBe(1);
    expect(seen.map((c) => c.text)).toEqual(['天成']);

    failMode = 'rule';
    const rec2 = await bot.record(loc(openId, '不存在'));
    expect(await bot.process(rec2.id!)).toBe('done');
    const reply = await h.db.select<{ payload: unknown }>('SELECT payload FROM outbox ORDER BY id DESC LIMIT 1');
    const payload = typeof reply[0].payload === 'string' ? JSON.parse(reply[0].payload) : reply[0].payload;
    expect(payload.text).toContain('找不到该记录');
  });

  it('unhandled intents and media fall back to the unknown-intent reply', async () => {
    const before = await count(h, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'text'");
    await bot.receive(messageEvent({ openId, text: 'qwertyuiop zxcv' }));
    await bot.receive(messageEvent({ openId, messageType: 'image', content: { image_key: 'img' } }));
    await bot.idle();
    expect(await count(h, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'text'")).toBe(before + 2);
  });

  it('an unknown sender gets at most one "how to be added" reply per hour', async () => {
    const stranger = 'ou_chatty_stranger';
    for (let i = 0; i < 3; i++) await bot.receive(messageEvent({ openId: stranger, text: `hello ${i}` }));
    await bot.idle();
    expect(await count(h, 'SELECT COUNT(*) AS n FROM outbox WHERE recipient = :r', { r: stranger })).toBe(1);
    h.clock.advance(3_600_000);
    await bot.receive(messageEvent({ openId: stranger, text: 'hello again' }));
    await bot.idle();
    expect(await count(h, 'SELECT COUNT(*) AS n FROM outbox WHERE recipient = :r', { r: stranger })).toBe(2);
  });

  it('the retention sweep removes processed events after 3 days and never a pending one', async () => {
    const pending = await bot.record(loc(openId, '待处理'));
    const doneBefore = await count(h, "SELECT COUNT(*) AS n FROM lark_inbox WHERE status <> 'pending'");
    expect(doneBefore).toBeGreaterThan(0);
    expect((await sweepLarkRetention(h.ctx, new Date(h.clock.now().getTime() + 2 * 86_400_000))).inbox).toBe(0);
    const swept = await sweepLarkRetention(h.ctx, new Date(h.clock.now().getTime() + 4 * 86_400_000));
    expect(swept.inbox).toBe(doneBefore);
    expect(await count(h, 'SELECT COUNT(*) AS n FROM lark_inbox WHERE id = :id', { id: pending.id })).toBe(1);
  });
});
