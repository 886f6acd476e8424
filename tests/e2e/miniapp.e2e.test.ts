/**
 * The mini-program in a real browser: Debian's headless Chromium (playwright-core) against the H5 build served by
 * the real server (server/process.ts startServer, fresh SQLite, PORT 0, jobs on) talking to the fake Lark.
 * Flow: invite → sign in → account → file a ticket with a photo → assigned (the agent's card reaches the fake Lark)
 * → the agent resolves it through a card action → the customer answers the survey → the manager is alerted on a
 * low score. Screenshots of every page go to test-artifacts/miniapp/.
 * Skipped (with a message) when CHROMIUM_PATH is unset; tests/run.js sets it when Chromium is installed.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../server/process';
import { loadConfig } from '../../server/config';
import { createDb, type Db } from '../../core/db/connection';
import { createContext } from '../../core/compose';
import type { CoreContext } from '../../core/context';
import { createArticle } from '../../core/knowledge/operations';
import { memoryLogger } from '../helpers/app';
import { FakeLark, cardActionEvent, messageEvent, postEvent, type FakeMessage } from '../helpers/fake-lark';
import { makeWorld, type ServiceWorld } from '../service/fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureH5 } = require('../../scripts/ensure-h5.js') as { ensureH5(o?: { log?: (m: string) => void }): { ok: boolean } };

const CHROMIUM = process.env.CHROMIUM_PATH;
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/miniapp');
const SECRETS = { encryptKey: 'e2e-encrypt-key', verificationToken: 'e2e-verification-token' };
// A 2×2 PNG (the ticket photo).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');

jest.setTimeout(240_000);

if (!CHROMIUM) {
  // eslint-disable-next-line no-console
  console.log('[e2e] skipped: CHROMIUM_PATH is not set (apt-get install -y chromium; tests/run.js sets it when Chromium exists)');
}

/** A free loopback port, so the public URL (links the bot sends) is known before the server starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every callback value in a card (Card JSON 2.0 buttons carry `value` or `behaviors[].value`). */
function cardValues(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) node.forEach((n) => cardValues(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.value && typeof o.value === 'object' && !Array.isArray(o.value)) out.push(o.value as Record<string, unknown>);
    Object.values(o).forEach((v) => cardValues(v, out));
  }
  return out;
}

const text = (m: FakeMessage) => JSON.stringify(m.content) + JSON.stringify(m.updates);

(CHROMIUM ? describe : describe.skip)('mini-program H5 in headless Chromium', () => {
  let dir: string;
  let lark: FakeLark;
  let server: RunningServer;
  let base: string;
  let db: Db;
  let ctx: CoreContext;
  let world: ServiceWorld;
  let browser: Browser;
  let page: Page;
  let shotNo = 0;
  const consoleErrors: string[] = [];
  const failedCalls: string[] = [];

  const shot = async (name: string) => {
    await page.waitForTimeout(300); // let images and fonts settle
    await page.screenshot({ path: path.join(ARTIFACTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  // Taro H5 keeps earlier pages of the stack in the DOM (hidden): look only at what is visible.
  const vis = (t: string, exact = true) => page.getByText(t, { exact }).filter({ visible: true }).first();
  const clickText = (t: string) => vis(t).click();

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS)) if (f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
    const built = ensureH5({ log: () => undefined });
    if (!built.ok) throw new Error('the H5 build failed: run `npm run build:h5` to see why');

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-e2e-'));
    const url = `sqlite:${path.join(dir, 'e2e.sqlite')}`;
    lark = await FakeLark.start();
    const port = await freePort();
    const env: Record<string, string> = {
      DATABASE_URL: url,
      PORT: String(port),
      CRM_PUBLIC_URL: `http://127.0.0.1:${port}`, // the invite link the bot sends
      HOST: '127.0.0.1',
      CRM_DEMO_SEED: 'off',
      CRM_JOBS: 'on',
      LOG_LEVEL: 'warn',
      MP_SESSION_SECRET: 'e2e-session-secret-0123456789abcdefghijklmnop',
      LARK_ENCRYPT_KEY: SECRETS.encryptKey,
      LARK_VERIFICATION_TOKEN: SECRETS.verificationToken,
      ...lark.env(),
    };
    // The process reads the environment once; the bot and its workers get their configuration from it.
    const config = loadConfig({ ...process.env, ...env });
    server = await startServer(config, memoryLogger('warn').logger);
    base = `http://127.0.0.1:${server.port}`;
    db = createDb(url);
    ctx = createContext(db);
    world = await makeWorld(ctx, [['维修', '技术支持', '咨询']]);
    await createArticle(ctx, { kind: 'system' }, { title: '打印机无法连接网络怎么办', body: '1. 检查网线是否插好\n2. 重启打印机和路由器\n3. 仍无法连接请提交工单', category: '故障排查', tags: ['打印机'], status: 'published' });

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    page = await context.newPage();
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname.startsWith('/mp/')) failedCalls.push(`${r.request().method()} ${new URL(r.url()).pathname} → ${r.status()}`);
    });
  });

  // On a failure: a screenshot of where it stopped and the API calls that failed, for the artifacts.
  afterEach(async () => {
    const state = (expect.getState() as { assertionCalls?: number; currentTestName?: string }).currentTestName;
    if (process.env.E2E_DEBUG) console.log(JSON.stringify(lark.messages.map((m) => ({ to: m.receiveId, type: m.receiveIdType, reply: m.replyTo, msg: text(m).slice(0, 300) })), null, 1));
    if (page && failedCalls.length) console.log(`[e2e] ${state}: failed API calls:\n  ${failedCalls.join('\n  ')}`);
    if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'last-state.png'), fullPage: true }).catch(() => undefined);
    failedCalls.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close(2_000);
    await db?.close();
    await lark?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app and shows sign-in to a visitor without a session', async () => {
    const res = await request(base).get('/pages/home/index');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<div id="app">');
    await page.goto(base + '/');
    await vis('登录客户服务', false).waitFor();
    await shot('sign-in');
    expect(consoleErrors).toEqual([]);
  });

  it('signs in with an invite, files a ticket with a photo, the agent resolves it in chat, the survey alerts the manager', async () => {
    const customer = await ctx.models.Customer.findByPk(world.customerA.id);
    const contact = await ctx.models.Contact.findByPk(world.customerA.contactId);
    const companyName = String(customer!.get('name'));
    await ctx.models.Customer.update({ tier: 'high_value' }, { where: { id: world.customerA.id } }); // shown by its name

    // 1. The rep invites the contact in chat ("邀请 <customer> <contact>"); the reply carries the code.
    const repOpenId = 'ou_e2e_rep';
    await ctx.models.User.update({ lark_open_id: repOpenId }, { where: { id: world.rep.id } });
    const chat = await postEvent(base, messageEvent({ openId: repOpenId, text: `邀请 ${companyName} ${contact!.get('name')}` }), SECRETS);
    expect(chat.status).toBe(200);
    const reply = await until('the invite reply in chat', () => lark.messages.find((m) => m.receiveId.includes(repOpenId) && /invite=[A-Z0-9]{8}/.test(text(m))));
    const link = text(reply).match(/(https?:\/\/[^\s"\\]+\/\?invite=[A-Z0-9]{8})/)![1];
    expect(link.startsWith(base)).toBe(true);

    // 2. The customer opens the invite link: signed in, the account summary shows.
    await page.goto(link);
    await vis(companyName).waitFor();
    await vis(world.rep.name).waitFor();
    await vis('客户等级 高价值').waitFor(); // the tier's name, not its code
    await shot('home');

    // 3. Suggested articles while typing, then file a repair ticket with a photo.
    await clickText('提交工单');
    await vis('工单类型', false).waitFor();
    await clickText('维修');
    await page.locator('.ticket-new taro-textarea-core textarea').fill('打印机无法连接网络，指示灯一直闪烁');
    await vis('打印机无法连接网络怎么办', false).waitFor();
    const chooser = page.waitForEvent('filechooser');
    await clickText('+ 添加图片');
    await (await chooser).setFiles({ name: 'printer.png', mimeType: 'image/png', buffer: PNG });
    await vis('删除').waitFor();
    await shot('new-ticket');
    await page.locator('.ticket-new taro-button-core.submit').click();

    // 4. The detail page: assigned to the agent, the photo shown.
    await vis('处理记录', false).waitFor();
    await vis(`处理人：${world.agents[0].name}`, false).waitFor();
    const ticketId = Number(new URL(page.url()).searchParams.get('id'));
    expect(ticketId).toBeGreaterThan(0);
    const img = page.locator('.ticket-detail img').filter({ visible: true }).first();
    await img.waitFor();
    await until('the photo to load', () => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth > 0));
    await page.locator('.ticket-detail taro-textarea-core textarea').fill('打印机型号 HP M428');
    await page.locator('.ticket-detail taro-button-core.send').click();
    await page.locator('.ticket-detail .entry-comment').filter({ hasText: '打印机型号 HP M428' }).waitFor();
    await shot('ticket-detail');

    // 5. The agent's ticket card reaches the fake Lark.
    const agent = world.agents[0];
    const agentOpenId = agent.larkOpenId!;
    const card = await until('the ticket card to the agent', () => lark.messagesTo(agentOpenId).find((m) => m.msgType === 'interactive'));
    expect(text(card)).toContain('T' + String(ticketId).padStart(6, '0'));

    // 6. The agent resolves it through the card's resolve button.
    const resolve = cardValues(card.content).find((v) => /resolve/i.test(JSON.stringify(v)));
    expect(resolve).toBeDefined();
    const action = await postEvent(base, cardActionEvent({ openId: agentOpenId, value: resolve!, messageId: card.messageId }), SECRETS);
    expect(action.status).toBe(200);
    expect(JSON.stringify(action.body)).not.toContain('"type":"error"');

    // 7. The customer sees it resolved and answers the survey with a low score.
    await page.reload();
    await vis('已解决', false).waitFor();
    await clickText('评价本次服务');
    await page.locator('.survey .stars').waitFor();
    await page.locator('.survey .star').first().click();
    await page.locator('.survey taro-textarea-core textarea').fill('等待时间太长');
    await shot('survey');
    await page.locator('.survey taro-button-core.submit').click();
    await vis('感谢您的评价！', false).waitFor();
    await shot('survey-answered');

    // 8. The manager is alerted in chat.
    const alert = await until('the low-score alert to the manager', () => lark.messagesTo(world.manager.larkOpenId!).find((m) => text(m).includes('等待时间太长')), 20_000);
    expect(text(alert)).toContain(companyName);

    // 9. The other pages, for the record.
    await page.goto(`${base}/tickets/list/index`);
    await vis('已解决', false).waitFor();
    await shot('ticket-list');
    await page.goto(`${base}/knowledge/search/index?q=${encodeURIComponent('打印机')}`);
    await vis('打印机无法连接网络怎么办', false).waitFor();
    await shot('knowledge-search');
    await clickText('打印机无法连接网络怎么办');
    await vis('这篇文章解决了您的问题吗？', false).waitFor();
    await shot('knowledge-article');
    await page.goto(`${base}/pages/profile/index`);
    await vis('退出登录', false).waitFor();
    await shot('profile');
    expect(consoleErrors).toEqual([]);
  });
});
