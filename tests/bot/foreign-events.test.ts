import request from 'supertest';
import { createUser } from '../../core/users/operations';
import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { composeBot } from '../../bot/compose';
import { LarkBot } from '../../bot/dispatcher';
import { botConfigOf } from '../../server/config';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { testApp, testConfig, memoryLogger } from '../helpers/app';
import { cardActionEvent, legacyCardBody, messageEvent, newEventId, postEvent, postLegacyCard } from '../helpers/fake-lark';

/**
 * A correctly signed event of another Lark app (or, with LARK_TENANT_KEY, of another tenant) is answered 200 — so the
 * platform does not re-send it — but nothing is recorded or processed, and a warning is logged without secrets.
 * Checked through the webhook route (events and legacy card callbacks) and through the dispatcher the
 * long connection (LARK_MODE=ws) feeds, which is the same SDK dispatcher.
 */
const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = {
  LARK_ENCRYPT_KEY: secrets.encryptKey,
  LARK_VERIFICATION_TOKEN: secrets.verificationToken,
  LARK_APP_ID: 'cli_fake', // what the fake events carry
  LARK_APP_SECRET: 'fake-secret-value',
  LARK_TENANT_KEY: 'tenant',
};

const registry = composeBot();
registry.action('test.bump', async (cmd, kit) => {
  await kit.reply({ kind: 'text', payload: { text: `bumped ${String(cmd.value.n)}` }, to: { openId: cmd.openId } });
  return { toast: { type: 'success', content: 'ok' } };
});

async function count(h: DbHandle, table: string): Promise<number> {
  const rows = await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(rows[0].n);
}

function foreign<T extends { header: Record<string, unknown> }>(ev: T, patch: Record<string, unknown>): T {
  return { ...ev, header: { ...ev.header, ...patch } };
}

describeEachDb('Lark events of another app or tenant', (h) => {
  let server: ReturnType<import('koa')['callback']>;
  let logs: () => Record<string, unknown>[];
  const openId = 'ou_rep_foreign';
  beforeAll(async () => {
    await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '李娜', role: 'rep', larkOpenId: openId });
    const t = await testApp(h.ctx, [(deps) => larkRouter({ ...deps, registry })], env);
    server = t.app.callback();
    logs = t.logs;
  });
  const idle = () => botFor(h.ctx, memoryLogger().logger).idle();
  const warned = (reason: string) => logs().filter((l) => l.msg === 'lark event from another app or tenant ignored' && l.reason === reason);

  it('our own app and tenant: processed (the control)', async () => {
    const [inbox, outbox] = [await count(h, 'lark_inbox'), await count(h, 'outbox')];
    expect((await postEvent(server, messageEvent({ openId, text: '帮助' }), secrets)).status).toBe(200);
    await idle();
    expect(await count(h, 'lark_inbox')).toBe(inbox + 1);
    expect(await count(h, 'outbox')).toBe(outbox + 1);
  });

  it.each([
    ['another app_id', { app_id: 'cli_someone_else' }, 'app_id'],
    ['no app_id', { app_id: undefined }, 'app_id'],
    ['another tenant', { tenant_key: 'other-tenant' }, 'tenant_key'],
  ])('a signed message event with %s: 200, nothing recorded or sent, logged', async (_name, patch, reason) => {
    const [inbox, outbox] = [await count(h, 'lark_inbox'), await count(h, 'outbox')];
    const before = warned(reason).length;
    const res = await postEvent(server, foreign(messageEvent({ openId, text: '帮助' }), patch), secrets);
    expect(res.status).toBe(200);
    await idle();
    expect(await count(h, 'lark_inbox')).toBe(inbox);
    expect(await count(h, 'outbox')).toBe(outbox);
    expect(warned(reason).length).toBe(before + 1);
    const line = JSON.stringify(warned(reason).at(-1));
    expect(line).not.toContain(secrets.encryptKey);
    expect(line).not.toContain(secrets.verificationToken);
  });

  it('a signed card action of another app or tenant: 200 {} with no effect', async () => {
    for (const patch of [{ app_id: 'cli_someone_else' }, { tenant_key: 'other-tenant' }]) {
      const [inbox, outbox] = [await count(h, 'lark_inbox'), await count(h, 'outbox')];
      const ev = foreign(cardActionEvent({ openId, value: { action: 'test.bump', n: 1, key: newEventId() } }), patch);
      const res = await postEvent(server, ev, secrets);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
      expect(await count(h, 'lark_inbox')).toBe(inbox);
      expect(await count(h, 'outbox')).toBe(outbox);
    }
    // The control: ours is applied.
    const ok = await postEvent(server, cardActionEvent({ openId, value: { action: 'test.bump', n: 2, key: newEventId() } }), secrets);
    expect(ok.body.toast?.type).toBe('success');
  });

  it('a legacy card callback of another tenant (or app): 200 {} with no effect', async () => {
    const outbox = await count(h, 'outbox');
    for (const patch of [{ tenant_key: 'other-tenant' }, { app_id: 'cli_someone_else' }]) {
      const body = { ...legacyCardBody({ openId, value: { action: 'test.bump', n: 3, key: newEventId() } }), ...patch };
      const res = await postLegacyCard(server, body, secrets);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
    }
    expect(await count(h, 'outbox')).toBe(outbox);
    const ok = await postLegacyCard(server, legacyCardBody({ openId, value: { action: 'test.bump', n: 4, key: newEventId() } }), secrets);
    expect(ok.body.toast?.type).toBe('success');
  });

  it('the long-connection path (the SDK dispatcher LARK_MODE=ws feeds) refuses them the same way', async () => {
    const { logger, lines } = memoryLogger();
    const bot = new LarkBot({ core: h.ctx, logger, config: botConfigOf(testConfig(env)), registry });
    const d = bot.sdkDispatcher();
    const inbox = await count(h, 'lark_inbox');
    await d.invoke(foreign(messageEvent({ openId, text: '帮助' }), { app_id: 'cli_someone_else' }), { needCheck: false });
    await d.invoke(foreign(messageEvent({ openId, text: '帮助' }), { tenant_key: 'other-tenant' }), { needCheck: false });
    const card = await d.invoke(foreign(cardActionEvent({ openId, value: { action: 'test.bump', n: 5, key: newEventId() } }), { app_id: 'cli_x' }), { needCheck: false });
    expect(card).toEqual({});
    await bot.idle();
    expect(await count(h, 'lark_inbox')).toBe(inbox);
    expect(lines().filter((l) => l.msg === 'lark event from another app or tenant ignored')).toHaveLength(3);
    await d.invoke(messageEvent({ openId, text: '帮助' }), { needCheck: false });
    await bot.idle();
    expect(await count(h, 'lark_inbox')).toBe(inbox + 1);
  });

  it('without LARK_TENANT_KEY any tenant of our app is accepted', async () => {
    const { LARK_TENANT_KEY: _omit, ...noTenant } = env;
    const bot = new LarkBot({ core: h.ctx, logger: memoryLogger().logger, config: botConfigOf(testConfig(noTenant)), registry });
    expect(bot.foreignEvent({ app_id: 'cli_fake', tenant_key: 'any' }, 'im.message.receive_v1')).toBeNull();
    expect(bot.foreignEvent({ app_id: 'cli_other', tenant_key: 'any' }, 'im.message.receive_v1')).toBe('app_id');
  });
});
