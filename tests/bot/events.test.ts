import request from 'supertest';
import { createUser } from '../../core/users/operations';
import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { composeBot } from '../../bot/compose';
import { card, markdown } from '../../bot/cards/kit';
import { describeEachDb } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { cardActionEvent, legacyCardBody, messageEvent, newEventId, postEvent, postLegacyCard, signedRequest } from '../helpers/fake-lark';
import { larkEncrypt } from '../../bot/crypto';
import type { DbHandle } from '../helpers/db';

const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };

// The bot's registry plus a card action whose effect is visible: one outbox row per application.
const registry = composeBot();
registry.action('test.bump', async (cmd, kit) => {
  await kit.reply({ kind: 'text', payload: { text: `bumped ${String(cmd.value.n)}` }, to: { openId: cmd.openId } });
  return { toast: { type: 'success', content: 'ok' }, card: card({ title: 'done', elements: [markdown(`bumped ${String(cmd.value.n)}`)] }) };
});
// A card action that fails unexpectedly (its error is logged).
registry.action('test.crash', async () => {
  throw new Error('boom');
});

async function outboxCount(h: DbHandle, where = '1=1', r: Record<string, unknown> = {}): Promise<number> {
  const rows = await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE ${where}`, r);
  return Number(rows[0].n);
}
async function inboxCount(h: DbHandle): Promise<number> {
  const rows = await h.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM lark_inbox');
  return Number(rows[0].n);
}

describeEachDb('Lark events route', (h) => {
  let server: ReturnType<import('koa')['callback']>;
  let logs: () => Record<string, unknown>[];
  const openId = 'ou_rep_events';
  beforeAll(async () => {
    await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '王伟', role: 'rep', larkOpenId: openId });
    const t = await testApp(h.ctx, [(deps) => larkRouter({ ...deps, registry })], env);
    server = t.app.callback();
    logs = t.logs;
  });
  const idle = () => botFor(h.ctx, memoryLogger().logger).idle();

  it('answers the URL verification challenge (encrypted) and refuses a wrong token', async () => {
    const ok = await postEvent(server, { type: 'url_verification', challenge: 'abc123' }, secrets);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ challenge: 'abc123' });
    const bad = await postEvent(server, { type: 'url_verification', challenge: 'abc123' }, secrets, { token: 'nope' });
    expect(bad.status).toBe(401);
  });

  it('processes a valid message event once and replies through the outbox', async () => {
    const before = await outboxCount(h);
    const ev = messageEvent({ openId, text: '帮助' });
    const res = await postEvent(server, ev, secrets);
    expect(res.status).toBe(200);
    await idle();
    expect(await outboxCount(h) - before).toBe(1);
    const rows = await h.db.select<{ kind: string; recipient_type: string; recipient: string }>('SELECT kind, recipient_type, recipient FROM outbox ORDER BY id DESC LIMIT 1');
    expect(rows[0]).toEqual({ kind: 'help', recipient_type: 'chat_id', recipient: ev.event.message.chat_id });
    // The same event again (Lark's re-delivery): acknowledged, not processed.
    const again = await postEvent(server, ev, secrets);
    expect(again.status).toBe(200);
    await idle();
    expect(await outboxCount(h) - before).toBe(1);
  });

  it('the same event_id delivered 5 times concurrently has one effect', async () => {
    const before = await outboxCount(h);
    const ev = messageEvent({ openId, text: 'help' });
    const results = await Promise.all(Array.from({ length: 5 }, () => postEvent(server, ev, secrets)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await idle();
    expect(await outboxCount(h) - before).toBe(1);
    const inbox = await h.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM lark_inbox WHERE event_id = :e', { e: ev.header.event_id });
    expect(Number(inbox[0].n)).toBe(1);
  });

  it.each([
    ['forged signature', (b: Record<string, unknown>) => signedRequest(b, secrets, { signWith: 'another-key' })],
    ['stale timestamp', (b: Record<string, unknown>) => signedRequest(b, secrets, { timestamp: String(Math.floor(Date.now() / 1000) - 6 * 60) })],
    ['future timestamp', (b: Record<string, unknown>) => signedRequest(b, secrets, { timestamp: String(Math.floor(Date.now() / 1000) + 6 * 60) })],
    ['wrong token', (b: Record<string, unknown>) => signedRequest(b, secrets, { token: 'wrong-token' })],
    ['wrong key (encrypted and signed with another key)', (b: Record<string, unknown>) => signedRequest(b, { ...secrets, encryptKey: 'wrong-key' })],
    ['missing signature', (b: Record<string, unknown>) => signedRequest(b, secrets, { unsigned: true })],
    ['plain body without encryption', (b: Record<string, unknown>) => signedRequest(b, secrets, { encrypt: false, signWith: 'x' })],
  ])('rejects %s with 401 and no effect', async (_name, make) => {
    const beforeOut = await outboxCount(h);
    const beforeIn = await inboxCount(h);
    const { headers, raw } = make(messageEvent({ openId, text: '帮助' }));
    const res = await request(server).post('/lark/events').set(headers).send(raw);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    await idle();
    expect(await outboxCount(h)).toBe(beforeOut);
    expect(await inboxCount(h)).toBe(beforeIn);
  });

  it('rejects an undecryptable body (valid signature over garbage) with 401, not 500', async () => {
    const raw = JSON.stringify({ encrypt: Buffer.from('definitely not aes').toString('base64') });
    const { headers } = signedRequest({}, secrets, { encrypt: false });
    const { eventSignature } = await import('../../bot/crypto');
    headers['x-lark-signature'] = eventSignature(headers['x-lark-request-timestamp'], headers['x-lark-request-nonce'], secrets.encryptKey, raw);
    const res = await request(server).post('/lark/events').set(headers).send(raw);
    expect(res.status).toBe(401);
    const notJson = JSON.stringify({ encrypt: larkEncrypt(secrets.encryptKey, 'not json at all') });
    headers['x-lark-signature'] = eventSignature(headers['x-lark-request-timestamp'], headers['x-lark-request-nonce'], secrets.encryptKey, notJson);
    expect((await request(server).post('/lark/events').set(headers).send(notJson)).status).toBe(401);
  });

  it('rejects malformed JSON (400) and an oversized body (413) with no effect', async () => {
    const beforeIn = await inboxCount(h);
    const bad = await request(server).post('/lark/events').set('content-type', 'application/json').send('{"schema": "2.0", ');
    expect(bad.status).toBe(400);
    const big = await request(server).post('/lark/events').set('content-type', 'application/json').send(JSON.stringify({ pad: 'x'.repeat(300 * 1024) }));
    expect(big.status).toBe(413);
    expect(await inboxCount(h)).toBe(beforeIn);
  });

  it('answers an unknown sender politely with how to be added, and never runs a handler', async () => {
    const stranger = 'ou_stranger_1';
    const res = await postEvent(server, messageEvent({ openId: stranger, text: '查 华为' }), secrets);
    expect(res.status).toBe(200);
    await idle();
    const rows = await h.db.select<{ kind: string; recipient_type: string; recipient: string; payload: unknown }>(
      'SELECT kind, recipient_type, recipient, payload FROM outbox WHERE recipient = :r',
      { r: stranger },
    );
    expect(rows).toHaveLength(1);
    const payload = (typeof rows[0].payload === 'string' ? JSON.parse(rows[0].payload) : rows[0].payload) as { text: string };
    expect(rows[0]).toMatchObject({ kind: 'text', recipient_type: 'open_id' });
    expect(payload.text).toContain(`npm run crm -- users add --open-id ${stranger}`);
    expect(payload.text).toContain('您还不是');
    expect(payload.text).toContain('not a user');
  });

  it('card action: answers synchronously with toast + card; a double click has one effect', async () => {
    const before = await outboxCount(h);
    const value = { action: 'test.bump', n: 1, key: `bump-${newEventId()}` };
    const [a, b] = await Promise.all([
      postEvent(server, cardActionEvent({ openId, value }), secrets),
      postEvent(server, cardActionEvent({ openId, value }), secrets),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const toasts = [a.body.toast.type, b.body.toast.type].sort();
    expect(toasts).toEqual(['info', 'success']);
    for (const r of [a, b]) expect(r.body.card).toMatchObject({ type: 'raw', data: { schema: '2.0' } });
    const third = await postEvent(server, cardActionEvent({ openId, value }), secrets);
    expect(third.body.toast).toEqual({ type: 'info', content: '已处理，无需重复操作' });
    expect(await outboxCount(h) - before).toBe(1);
  });

  it('card action: the same event_id twice is applied once', async () => {
    const before = await outboxCount(h);
    const ev = cardActionEvent({ openId, value: { action: 'test.bump', n: 2 } });
    const first = await postEvent(server, ev, secrets);
    const second = await postEvent(server, ev, secrets);
    expect(first.body.toast.type).toBe('success');
    expect(second.body.toast.type).toBe('info');
    expect(await outboxCount(h) - before).toBe(1);
  });

  it('card action from an unknown operator or for an unknown action answers an error toast', async () => {
    const r1 = await postEvent(server, cardActionEvent({ openId: 'ou_nobody', value: { action: 'test.bump', n: 3 } }), secrets);
    expect(r1.status).toBe(200);
    expect(r1.body.toast.type).toBe('error');
    const r2 = await postEvent(server, cardActionEvent({ openId, value: { action: 'no.such.action' } }), secrets);
    expect(r2.body.toast.type).toBe('error');
  });

  it('no secret reaches lark_inbox.payload or the log: verification token, card tokens and encrypt fields are stripped', async () => {
    const msg = messageEvent({ openId, text: '帮助' });
    expect((await postEvent(server, msg, secrets)).status).toBe(200);
    const stranger = messageEvent({ openId: 'ou_secret_stranger', text: 'hello' });
    expect((await postEvent(server, stranger, secrets)).status).toBe(200);
    const click = cardActionEvent({ openId, value: { action: 'test.bump', n: 9 } });
    expect((await postEvent(server, click, secrets)).body.toast.type).toBe('success');
    const crash = cardActionEvent({ openId, value: { action: 'test.crash' } });
    expect((await postEvent(server, crash, secrets)).body.toast.type).toBe('error');
    const legacy = legacyCardBody({ openId, value: { action: 'test.bump', n: 10, key: `legacy-${newEventId()}` } });
    expect((await postLegacyCard(server, legacy, secrets)).status).toBe(200);
    // Refused callbacks are logged (reason only).
    const forged = signedRequest(messageEvent({ openId, text: '帮助' }), secrets, { signWith: 'another-key' });
    expect((await request(server).post('/lark/events').set(forged.headers).send(forged.raw)).status).toBe(401);
    await idle();

    const secretsSeen = [secrets.verificationToken, secrets.encryptKey, click.event.token, crash.event.token, legacy.token];
    // (the crashed click rolled back with its inbox row)
    const ids = [msg, stranger, click].map((e) => e.header.event_id);
    const rows = await h.db.select<{ event_id: string; status: string; payload: unknown }>('SELECT event_id, status, payload FROM lark_inbox WHERE event_id IN (:ids)', { ids });
    expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
    for (const r of rows) {
      const text = typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload);
      for (const s of secretsSeen) expect(text).not.toContain(s);
      expect(text).not.toMatch(/"(token|encrypt)"/);
    }
    // What processing needs is still there: the message was answered from the stored payload.
    const stored = rows.find((r) => r.event_id === msg.header.event_id)!;
    expect(stored.status).toBe('done');
    expect(JSON.stringify(stored.payload)).toContain(msg.event.message.message_id);

    const log = JSON.stringify(logs());
    expect(log).toContain('card action failed');
    expect(log).toContain('lark callback rejected');
    for (const s of secretsSeen) expect(log).not.toContain(s);
  });

  it('legacy card callbacks: SHA-1 signature checked; valid ones dispatch', async () => {
    const before = await outboxCount(h);
    const body = legacyCardBody({ openId, value: { action: 'test.bump', n: 4, key: `legacy-${newEventId()}` } });
    const forged = await postLegacyCard(server, body, secrets, { signWith: 'wrong' });
    expect(forged.status).toBe(401);
    const stale = await postLegacyCard(server, body, secrets, { timestamp: String(Math.floor(Date.now() / 1000) - 600) });
    expect(stale.status).toBe(401);
    expect(await outboxCount(h)).toBe(before);
    const ok = await postLegacyCard(server, body, secrets);
    expect(ok.status).toBe(200);
    expect(ok.body.toast.type).toBe('success');
    expect(await outboxCount(h) - before).toBe(1);
  });
});

describeEachDb('Lark events route without an encrypt key', (h) => {
  it('still requires the verification token and warns at start-up that signatures are off', async () => {
    await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '李娜', role: 'rep', larkOpenId: 'ou_nokey' });
    const { app, logs } = await testApp(h.ctx, [larkRouter], { LARK_VERIFICATION_TOKEN: 'tok' });
    expect(logs().some((l) => l.level === 40 && String(l.msg).includes('signatures are OFF'))).toBe(true);
    const server = app.callback();
    const wrong = await postEvent(server, messageEvent({ openId: 'ou_nokey', text: 'help' }), { verificationToken: 'other' });
    expect(wrong.status).toBe(401);
    const none = await request(server).post('/lark/events').set('content-type', 'application/json').send(JSON.stringify(messageEvent({ openId: 'ou_nokey', text: 'help' })));
    expect(none.status).toBe(401);
    const ok = await postEvent(server, messageEvent({ openId: 'ou_nokey', text: 'help' }), { verificationToken: 'tok' });
    expect(ok.status).toBe(200);
    await botFor(h.ctx, memoryLogger().logger).idle();
    const rows = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'help'");
    expect(Number(rows[0].n)).toBe(1);
  });
});
