import { describeEachDb } from '../helpers/db';
import { memoryLogger, testConfig } from '../helpers/app';
import { FakeLark, postEvent } from '../helpers/fake-lark';
import { generateOrg } from '../helpers/org-gen';
import { startServer } from '../../server/process';
import { botJobs, orgSyncJob } from '../../bot/jobs';
import { botConfigOf } from '../../server/config';
import { botFor } from '../../bot/instance';
import { testApp } from '../helpers/app';
import { larkRouter } from '../../bot/routes';
import { createUser } from '../../core/users/operations';

jest.setTimeout(120_000);

describeEachDb('org sync: the daily job, the start-up check, the bot in a group', (h) => {
  let lark: FakeLark;
  beforeAll(async () => {
    lark = await FakeLark.start();
    generateOrg(lark.contact, { users: 40, departments: 4 });
  });
  afterAll(async () => lark.close());

  it('the daily job exists only with a Lark app, runs a full sync under a lease, and a second run changes nothing', async () => {
    const { logger } = memoryLogger();
    expect(botJobs({ core: h.ctx, logger, config: botConfigOf(testConfig()) }).map((j) => j.name)).toEqual(['lark-retention']);
    const deps = { core: h.ctx, logger, config: botConfigOf(testConfig(lark.env())) };
    expect(botJobs(deps).map((j) => j.name)).toEqual(['org.sync', 'lark-retention']);
    const first = (await orgSyncJob(deps).run(h.ctx)) as { added: number; requests: number };
    expect(first).toMatchObject({ added: 40 });
    expect(first.requests).toBeGreaterThan(4);
    expect(await orgSyncJob(deps).run(h.ctx)).toMatchObject({ added: 0, moved: 0, deactivated: 0 });
  });

  it('at start-up, a configured app with gaps logs one line per problem', async () => {
    lark.contact.revoke('contact:user.department:readonly');
    lark.contact.subscribedEvents.delete('im.chat.member.bot.added_v1');
    const { logger, lines } = memoryLogger();
    const running = await startServer(testConfig({ DATABASE_URL: h.url, PORT: '0', HOST: '127.0.0.1', ...lark.env() }), logger);
    try {
      for (let i = 0; i < 50 && !lines().some((l) => String(l.msg).includes('im.chat.member.bot.added_v1')); i++) await new Promise((r) => setTimeout(r, 100));
      const checks = lines().filter((l) => l.lark === 'check').map((l) => String(l.msg));
      expect(checks).toEqual(
        expect.arrayContaining([
          expect.stringContaining('lark check: scope contact:user.department:readonly is missing'),
          expect.stringContaining('lark check: event im.chat.member.bot.added_v1 is not subscribed'),
          expect.stringContaining('LARK_VERIFICATION_TOKEN is not set'),
        ]),
      );
    } finally {
      await running.close();
      lark.contact.grant('contact:user.department:readonly');
      lark.contact.subscribedEvents.add('im.chat.member.bot.added_v1');
    }
  });

  it('added to a group, the bot greets it; a manager makes it the team channel from the card', async () => {
    const secrets = { encryptKey: 'g-key', verificationToken: 'g-token' };
    const { app } = await testApp(h.ctx, [larkRouter], { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken, ...lark.env() });
    const server = app.callback();
    const added = {
      schema: '2.0',
      header: { event_id: 'ev_bot_added_1', event_type: 'im.chat.member.bot.added_v1', create_time: String(Date.now()), app_id: 'cli_fake', tenant_key: 'tenant_fake' },
      event: { chat_id: 'oc_sales_group', operator_id: { open_id: 'ou_000000', union_id: 'on_000000', user_id: 'e000000' }, external: false, operator_tenant_key: 'tenant_fake', name: '销售一部群', i18n_names: { zh_cn: '销售一部群' } },
    };
    expect((await postEvent(server, added, secrets)).status).toBe(200);
    expect((await postEvent(server, added, secrets)).status).toBe(200); // re-delivered: greeted once
    await botFor(h.ctx, memoryLogger().logger).idle();
    const out = await h.db.select<{ kind: string; recipient: string; payload: unknown }>("SELECT kind, recipient, payload FROM outbox WHERE kind = 'org.greeting'");
    expect(out).toHaveLength(1);
    expect(out[0].recipient).toBe('oc_sales_group');

    const manager = (await h.db.select<{ id: number; lark_open_id: string; team_id: number }>("SELECT id, lark_open_id, team_id FROM users WHERE role = 'manager' AND team_id IS NOT NULL ORDER BY id LIMIT 1"))[0];
    const click = (openId: string, id: string) => ({
      schema: '2.0',
      header: { event_id: id, event_type: 'card.action.trigger', create_time: String(Date.now()), app_id: 'cli_fake', tenant_key: 'tenant_fake' },
      event: { operator: { open_id: openId }, token: 'c-token', action: { tag: 'button', value: { action: 'org.digest_channel', chatId: 'oc_sales_group' } }, context: { open_message_id: 'om_1', open_chat_id: 'oc_sales_group' } },
    });
    const rep = await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '普通销售', role: 'rep', larkOpenId: 'ou_plain_rep' });
    const refused = await postEvent(server, click(rep.larkOpenId!, 'ev_click_rep'), secrets);
    expect(refused.body.toast.type).toBe('error');
    const ok = await postEvent(server, click(manager.lark_open_id, 'ev_click_mgr'), secrets);
    expect(ok.body.toast).toMatchObject({ type: 'success' });
    expect(ok.body.card).toBeDefined();
    const team = (await h.db.select<{ digest_chat_id: string }>('SELECT digest_chat_id FROM teams WHERE id = :id', { id: manager.team_id }))[0];
    expect(team.digest_chat_id).toBe('oc_sales_group');
  });
});
