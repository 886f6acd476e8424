import path from 'node:path';
import { spawn } from 'node:child_process';
import { createContext } from '../../core/compose';
import type { CoreContext } from '../../core/context';
import { createDb } from '../../core/db/connection';
import { enqueueMessages, type OutboundMessage } from '../../core/notifications/outbox';
import { createUser } from '../../core/users/operations';
import { OutboxWorker } from '../../bot/outbox/worker';
import { button, card, form, input, markdown } from '../../bot/cards/kit';
import { composeBot } from '../../bot/compose';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { memoryLogger } from '../helpers/app';
import { FakeLark } from '../helpers/fake-lark';

jest.setTimeout(60_000);

const logger = memoryLogger('error').logger;

async function enqueue(core: CoreContext, messages: OutboundMessage[]): Promise<void> {
  await core.db.tx((t) => enqueueMessages(core, t, messages));
}

async function rows(h: DbHandle, where = '1=1', r: Record<string, unknown> = {}) {
  return h.db.select<{ id: number; uuid: string; status: string; message_id: string | null; last_error: string | null; attempts: number; dedupe_key: string | null }>(
    `SELECT id, uuid, status, message_id, last_error, attempts, dedupe_key FROM outbox WHERE ${where} ORDER BY id`,
    r,
  );
}

describeEachDb('Outbox delivery', (h) => {
  let fake: FakeLark;
  let core: CoreContext;
  let userId: number;
  let noOpenIdUser: number;
  beforeAll(async () => {
    fake = await FakeLark.start();
    core = createContext(h.db); // real clock: leases and backoff run in real time
    userId = (await createUser(core, { kind: 'system' }, 'cli', { name: '张强', role: 'rep', larkOpenId: 'ou_out_1' })).id;
    noOpenIdUser = (await createUser(core, { kind: 'system' }, 'cli', { name: '无飞书', role: 'rep' })).id;
  });
  afterAll(async () => fake.close());
  beforeEach(async () => {
    fake.reset();
    await h.db.sequelize.query('DELETE FROM outbox');
  });
  const worker = (o: Partial<ConstructorParameters<typeof OutboxWorker>[0]> = {}) =>
    new OutboxWorker({ core, logger, client: fake.client(), backoffMs: 30, maxBackoffMs: 300, ...o });

  it('sends text and cards to users (by open_id), open_ids and chats, with the row uuid, and keeps message_id', async () => {
    await enqueue(core, [
      { to: { userId }, kind: 'text', payload: { text: '你好' } },
      { to: { openId: 'ou_raw' }, kind: 'help', payload: {} },
      { to: { chatId: 'oc_group' }, kind: 'text', payload: { text: 'hi group' }, locale: 'en' },
    ]);
    await worker().drain();
    const r = await rows(h);
    expect(r.map((x) => x.status)).toEqual(['sent', 'sent', 'sent']);
    const byUuid = new Map(fake.messages.map((m) => [m.uuid, m]));
    const sent = r.map((x) => byUuid.get(x.uuid)!);
    expect(sent.map((m) => [m.receiveIdType, m.receiveId, m.msgType])).toEqual([
      ['open_id', 'ou_out_1', 'text'],
      ['open_id', 'ou_raw', 'interactive'],
      ['chat_id', 'oc_group', 'text'],
    ]);
    expect(fake.messages).toHaveLength(3);
    expect(r.map((x) => x.message_id)).toEqual(sent.map((m) => m.messageId));
    expect(sent[1].content).toMatchObject({ schema: '2.0', config: { update_multi: true } });
  });

  it('updates a sent card in place (PATCH of the message whose dedupe_key = update_of)', async () => {
    await enqueue(core, [{ to: { userId }, kind: 'help', payload: {}, dedupeKey: 'card:1' }]);
    await worker().drain();
    await enqueue(core, [{ to: { userId }, kind: 'help', payload: {}, updateOf: 'card:1', locale: 'en' }]);
    await worker().drain();
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].updates).toHaveLength(1);
    expect(JSON.stringify(fake.messages[0].updates[0])).toContain('What the CRM bot can do');
    expect((await rows(h)).map((x) => x.status)).toEqual(['sent', 'sent']);
  });

  it('marks permanent failures with the reason: bot not in chat, user without open_id, unknown kind, oversized card', async () => {
    fake.rejectReceiver('oc_left', 230002, 'Bot is not in the chat');
    const registry = composeBot();
    registry.renderer('test.huge', () => ({ msg_type: 'interactive', content: card({ elements: [markdown('x'.repeat(40_000))] }) }));
    await enqueue(core, [
      { to: { chatId: 'oc_left' }, kind: 'text', payload: { text: 'x' } },
      { to: { userId: noOpenIdUser }, kind: 'text', payload: { text: 'x' } },
      { to: { openId: 'ou_x' }, kind: 'no.such.kind', payload: {} },
      { to: { openId: 'ou_x' }, kind: 'test.huge', payload: {} },
    ]);
    await worker({ registry }).drain();
    const r = await rows(h);
    expect(r.map((x) => x.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(r[0].last_error).toContain('230002');
    expect(r[1].last_error).toContain('no Lark open_id');
    expect(r[2].last_error).toContain('no renderer');
    expect(r[3].last_error).toContain('30 KB');
    expect(fake.messages).toHaveLength(0);
  });

  it('a card Lark refuses (230099, here input max_length 2000) is marked failed at once with the platform reason, sent or patched, never retried', async () => {
    const registry = composeBot();
    const bad = () => card({ elements: [form('f', [input({ name: 'body', maxLength: 2000 }), button({ text: 'ok', submit: true, name: 'ok', value: { action: 'x' } })])] });
    registry.renderer(`test.badcard.${h.dialect}`, () => ({ msg_type: 'interactive', content: bad() }));
    await enqueue(core, [
      { to: { openId: 'ou_bad' }, kind: `test.badcard.${h.dialect}`, payload: {} },
      { to: { openId: 'ou_bad' }, kind: 'help', payload: {}, dedupeKey: 'good:1' },
    ]);
    await worker({ registry }).drain();
    await enqueue(core, [{ to: { openId: 'ou_bad' }, kind: `test.badcard.${h.dialect}`, payload: {}, updateOf: 'good:1' }]);
    await worker({ registry }).drain();
    const r = await rows(h);
    expect(r.map((x) => x.status)).toEqual(['failed', 'sent', 'failed']);
    for (const x of [r[0], r[2]]) {
      expect(x.attempts).toBe(1);
      expect(x.last_error).toContain('230099');
      expect(x.last_error).toContain('Failed to create card content');
      expect(x.last_error).toContain('max_length');
    }
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].updates).toHaveLength(0);
    expect(fake.invalidCards.map((c) => c.op)).toEqual(['send', 'patch']);
    expect(fake.invalidCards[0].violations.map((v) => v.rule)).toEqual(['input.max_length']);
  });

  it('with 30% injected 5xx/429/lost responses, every message is delivered exactly once (by uuid), with no 429 caused by us', async () => {
    const n = 60;
    await enqueue(
      core,
      Array.from({ length: n }, (_, i) => ({ to: { openId: `ou_r${i % 12}` }, kind: 'text', payload: { text: `m${i}` } })),
    );
    fake.inject({ rate: 0.3, kinds: ['5xx', '429', 'lost'] });
    const w = worker({ maxAttempts: 50 });
    await w.drain(60_000);
    const r = await rows(h);
    expect(r.every((x) => x.status === 'sent')).toBe(true);
    expect(fake.messages).toHaveLength(n);
    expect(new Set(fake.messages.map((m) => m.uuid))).toEqual(new Set(r.map((x) => x.uuid)));
    expect(fake.stats.injected).toBeGreaterThan(5);
    expect(fake.stats.rateLimited).toBe(0);
  });

  it('keeps under 5/s per receiver (no 429 from the fake)', async () => {
    await enqueue(core, Array.from({ length: 12 }, (_, i) => ({ to: { openId: 'ou_busy' }, kind: 'text', payload: { text: `b${i}` } })));
    const t0 = Date.now();
    await worker().drain();
    expect(fake.messages).toHaveLength(12);
    expect(fake.stats.rateLimited).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000); // 12 messages at 5/s need at least 3 windows
  });

  it('two workers on separate connections never send one row twice', async () => {
    const db2 = createDb(h.url);
    try {
      const core2 = createContext(db2);
      await enqueue(core, Array.from({ length: 60 }, (_, i) => ({ to: { openId: `ou_two${i % 15}` }, kind: 'text', payload: { text: `t${i}` } })));
      const a = worker({ batchSize: 10, owner: 'A' });
      const b = new OutboxWorker({ core: core2, logger, client: fake.client(), batchSize: 10, owner: 'B' });
      await Promise.all([a.drain(), b.drain()]);
      expect(fake.messages).toHaveLength(60);
      expect(fake.stats.duplicateUuids).toBe(0);
      expect(fake.stats.rateLimited).toBe(0);
    } finally {
      await db2.close();
    }
  });

  it('a worker killed mid-delivery loses and duplicates nothing once another worker takes over', async () => {
    const n = 60;
    await enqueue(core, Array.from({ length: n }, (_, i) => ({ to: { openId: `ou_k${i % 6}` }, kind: 'text', payload: { text: `k${i}` } })));
    fake.setLatency(150);
    // node itself with tsx's loader (the tsx CLI would spawn a grandchild that survives SIGKILL).
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'outbox-child.ts')], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, DB_URL: h.url, FAKE_URL: fake.url, FAKE_APP_ID: fake.appId, FAKE_APP_SECRET: fake.appSecret, LEASE_MS: '3000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const deadline = Date.now() + 30_000;
      while (fake.stats.sent < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(fake.stats.sent).toBeGreaterThanOrEqual(12);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const leased = await rows(h, "status = 'sending'");
    expect(leased.length).toBeGreaterThan(0); // the dead worker held rows
    fake.setLatency(0);
    await worker().drain(30_000); // takes over once the dead worker's leases expire
    const r = await rows(h);
    expect(r.every((x) => x.status === 'sent')).toBe(true);
    expect(fake.messages).toHaveLength(n);
    expect(new Set(fake.messages.map((m) => m.uuid)).size).toBe(n);
  });

  it('pending rows survive a restart: a new worker (new process state) delivers what the old one never leased', async () => {
    await enqueue(core, [{ to: { userId }, kind: 'text', payload: { text: 'later' } }]);
    const idle = new OutboxWorker({ core, logger, client: null });
    expect((await idle.runOnce()).leased).toBe(0); // no credentials: nothing leased, stays pending
    expect((await rows(h))[0].status).toBe('pending');
    await worker().drain();
    expect(fake.messages).toHaveLength(1);
  });
});
