import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../server/cli/run';
import type { CliIo } from '../../server/cli/types';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { FakeLark } from '../helpers/fake-lark';
import { generateOrg } from '../helpers/org-gen';
import { larkRouter } from '../../bot/routes';

jest.setTimeout(120_000);
function io(): CliIo & { out_: string[]; err_: string[]; text: () => string } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (l) => out_.push(l), err: (l) => err_.push(l), text: () => [...out_, ...err_].join('\n') };
}

describeEachDb('CLI: users sync [--dry-run], org settings', (h) => {
  let lark: FakeLark;
  beforeAll(async () => {
    lark = await FakeLark.start();
    generateOrg(lark.contact, { users: 120, departments: 8 });
  });
  afterAll(async () => lark.close());
  const env = () => ({ DATABASE_URL: h.url, ...lark.env() });

  it('without a Lark app: one line saying what to set', async () => {
    const o = io();
    expect(await runCli(['users', 'sync'], { DATABASE_URL: h.url }, o)).toBe(2);
    expect(o.err_[0]).toContain('LARK_APP_ID');
  });

  it('--dry-run prints the diff and writes nothing; the real run applies it; a second run has nothing to change', async () => {
    const dry = io();
    expect(await runCli(['users', 'sync', '--dry-run'], env(), dry)).toBe(0);
    expect(dry.text()).toContain('would change: teams +8 added');
    expect(dry.text()).toContain('people +120 added');
    expect(dry.text()).toContain('dry run: nothing written');
    expect(await h.ctx.models.User.count()).toBe(0);
    const run = io();
    expect(await runCli(['users', 'sync'], env(), run)).toBe(0);
    expect(run.text()).toContain('changed: teams +8 added');
    expect(run.text()).toMatch(/Lark requests: \d+/);
    expect(await h.ctx.models.User.count()).toBe(120);
    const again = io();
    expect(await runCli(['users', 'sync'], env(), again)).toBe(0);
    expect(again.text()).toContain('nothing to change');
  });

  it('a leaver shows in the dry run with the work to hand over', async () => {
    lark.contact.resign('ou_000100');
    const o = io();
    expect(await runCli(['users', 'sync', '--dry-run'], env(), o)).toBe(0);
    expect(o.text()).toContain('- 员工 100 (ou_000100) deactivated');
    expect(o.text()).toContain("leavers' work to hand over");
  });

  it('org settings: shows the mapping, refuses a bad one naming the field, stores a good one', async () => {
    const show = io();
    expect(await runCli(['org', 'settings'], env(), show)).toBe(0);
    expect(JSON.parse(show.out_.join('\n'))).toMatchObject({ includeDepartments: [], leaverCustomers: 'manager' });
    const bad = io();
    expect(await runCli(['org', 'settings', '--set', '{"leaverCustomers":"nobody"}'], env(), bad)).toBe(1);
    expect(bad.err_[0]).toContain('leaverCustomers');
    const good = io();
    expect(await runCli(['org', 'settings', '--set', '{"leaverCustomers":"pool","adminUsers":["ou_000001"]}'], env(), good)).toBe(0);
    expect(JSON.parse(good.out_.join('\n'))).toMatchObject({ leaverCustomers: 'pool', adminUsers: ['ou_000001'] });
  });
});

describeEachDb('CLI: lark check', (h) => {
  let lark: FakeLark;
  let server: http.Server;
  let serverUrl: string;
  const keys = { LARK_ENCRYPT_KEY: 'the-encrypt-key', LARK_VERIFICATION_TOKEN: 'the-verification-token' };
  beforeAll(async () => {
    lark = await FakeLark.start();
    const { app } = await testApp(h.ctx, [larkRouter], { ...keys, ...lark.env() });
    server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await lark.close();
  });
  const check = async (env: Record<string, string> = {}) => {
    const o = io();
    const code = await runCli(['lark', 'check', '--url', serverUrl], { ...lark.env(), ...keys, ...env }, o);
    return { code, text: o.text() };
  };

  it('everything in place: ready, exit 0', async () => {
    lark.contact.grant('contact:user.email:readonly', 'contact:user.phone:readonly');
    const r = await check();
    expect(r.text).toContain('✓ credentials: tenant token issued for cli_fake');
    expect(r.text).toContain('✓ scope contact:user.base:readonly');
    expect(r.text).toContain('✓ event contact.user.updated_v3');
    expect(r.text).toContain('accepts requests signed with this Encrypt Key and Verification Token');
    expect(r.text).toContain('ready: the Lark app has everything the CRM needs');
    expect(r.code).toBe(0);
  });

  it('a wrong secret: credentials refused, with where to find them', async () => {
    const r = await check({ LARK_APP_SECRET: 'not-the-secret' });
    expect(r.code).toBe(1);
    expect(r.text).toContain('✗ credentials refused (10014 app secret invalid)');
    expect(r.text).toContain('Developer console → Credentials & Basic Info');
  });

  it('a missing scope: named, with the console steps', async () => {
    lark.contact.revoke('contact:user.department:readonly');
    const r = await check();
    lark.contact.grant('contact:user.department:readonly');
    expect(r.code).toBe(1);
    expect(r.text).toContain('✗ scope contact:user.department:readonly is missing');
    expect(r.text).toContain('Permissions & Scopes: add "contact:user.department:readonly"');
  });

  it('a missing event subscription: named, with the console steps', async () => {
    lark.contact.subscribedEvents.delete('contact.user.deleted_v3');
    const r = await check();
    lark.contact.subscribedEvents.add('contact.user.deleted_v3');
    expect(r.code).toBe(1);
    expect(r.text).toContain('✗ event contact.user.deleted_v3 is not subscribed');
    expect(r.text).toContain('Events & Callbacks → Event configuration: add "contact.user.deleted_v3"');
  });

  it('a wrong encrypt key: the signed self-test is refused by the running server', async () => {
    const r = await check({ LARK_ENCRYPT_KEY: 'another-key' });
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/✗ callbacks: .*\/lark\/events refused a request signed with this configuration \(HTTP 401\)/);
    expect(r.text).toContain('Encryption strategy');
  });

  it('a wrong verification token: refused too', async () => {
    const r = await check({ LARK_VERIFICATION_TOKEN: 'another-token' });
    expect(r.code).toBe(1);
    expect(r.text).toContain('refused a request signed with this configuration');
  });
});
