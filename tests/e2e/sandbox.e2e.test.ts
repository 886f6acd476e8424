/**
 * The chat sandbox in a real browser: Debian's headless Chromium (playwright-core) drives the sandbox page (/sandbox)
 * and the H5 mini-program (/) of the real server (server/process.ts startServer: fresh SQLite, the demo seed, jobs on,
 * sandbox mode because no Lark app is configured) through the README's three journeys:
 *   (a) a rep logs a free-form follow-up and claims a customer from the pool;
 *   (b) a manager approves a contract from its card (the card shows the approved state after the click);
 *   (c) a customer files a ticket in the mini-program and the service agent answers and resolves it from its card.
 * Assertions are on what the pages show (card texts, toasts, the state after a click) and on the database. Every card
 * the page drew must have been drawn without a placeholder (window.sandbox.unsupported: an element the renderer does
 * not know fails here). Screenshots go to test-artifacts/sandbox/. Skipped (with a message) without CHROMIUM_PATH.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../server/process';
import { loadConfig } from '../../server/config';
import { createDb, type Db } from '../../core/db/connection';
import { memoryLogger } from '../helpers/app';
import { p2pChatOf } from '../../server/sandbox/hub';
import { createContext } from '../../core/compose';
import { createTask } from '../../core/tasks/operations';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureH5 } = require('../../scripts/ensure-h5.js') as { ensureH5(o?: { log?: (m: string) => void }): { ok: boolean } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureSandboxPage } = require('../../scripts/ensure-sandbox.js') as { ensureSandboxPage(o?: { log?: (m: string) => void }): { ok: boolean; error?: string } };

const CHROMIUM = process.env.CHROMIUM_PATH;
// The README's journeys name these exact messages: what is typed here must be written there (keeps the README true).
const README = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/sandbox');
const REP = 'ou_demo_rep1'; // 李娜
const MANAGER = 'ou_demo_manager'; // 王经理
const AGENT = 'ou_demo_service'; // 赵客服

jest.setTimeout(300_000);

if (!CHROMIUM) {
  // eslint-disable-next-line no-console
  console.log('[e2e] skipped: CHROMIUM_PATH is not set (apt-get install -y chromium; tests/run.js sets it when Chromium exists)');
}

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

// Browser globals inside page.evaluate callbacks (this file is type-checked without the DOM library).
declare const window: { sandbox?: Probe; marker?: number };
declare const document: { querySelectorAll(sel: string): { length: number } };

interface Probe {
  ready: boolean;
  history: boolean;
  me: string | null;
  unsupported: string[];
  live: boolean;
}

(CHROMIUM ? describe : describe.skip)('the chat sandbox in headless Chromium: the README journeys', () => {
  let dir: string;
  let server: RunningServer;
  let base: string;
  let db: Db;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shotNo = 0;
  const pageErrors: string[] = [];
  const figures: string[] = [];

  const shot = async (name: string, p: Page = page) => {
    await p.waitForTimeout(200);
    await p.screenshot({ path: path.join(ARTIFACTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`) });
  };
  const probe = () => page.evaluate(() => window.sandbox as Probe);
  const one = async <T extends object>(sql: string, params: Record<string, unknown> = {}): Promise<T> => (await db.select<T>(sql, params))[0];

  /** The page as `openId` (the person picker), once its history has arrived and the stream is live. */
  async function become(openId: string): Promise<void> {
    if ((await probe().catch(() => null))?.me) await page.selectOption('#who', openId);
    else await page.goto(`${base}/sandbox?as=${openId}`);
    await page.waitForFunction((id) => {
      const s = window.sandbox;
      return !!s && s.me === id && s.history && s.live;
    }, openId);
  }

  /**
   * Types a message and waits for the bot's answer showing `expectText` after it in the open conversation (other
   * messages — e.g. the demo seed's notifications still leaving the outbox — may arrive in between): that message and
   * the round trip (type → answer shown).
   */
  async function say(text: string, expectText: string): Promise<{ msg: Locator; ms: number }> {
    expect(README).toContain(`\`${text}\``);
    const mine = await page.locator('#msgs .msg.user').count();
    const t0 = Date.now();
    await page.fill('#input', text);
    await page.press('#input', 'Enter');
    const sent = page.locator('#msgs .msg.user').nth(mine);
    await sent.waitFor();
    expect(await sent.innerText()).toContain(text);
    const answer = page.locator(`#msgs .msg.user[data-mid="${await sent.getAttribute('data-mid')}"] ~ .msg.bot`, { hasText: expectText }).first();
    await answer.waitFor({ timeout: 20_000 });
    const ms = Date.now() - t0;
    // By its message id: the same message after its card is replaced in place.
    const msg = page.locator(`#msgs .msg.bot[data-mid="${await answer.getAttribute('data-mid')}"]`);
    figures.push(`"${text}" → answer shown in ${ms} ms`);
    return { msg, ms };
  }

  async function expectShows(l: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
    const end = Date.now() + timeout;
    for (;;) {
      const s = await l.innerText().catch(() => '');
      if (typeof text === 'string' ? s.includes(text) : text.test(s)) return;
      if (Date.now() > end) throw new Error(`expected ${String(text)} in:\n${s}`);
      await page.waitForTimeout(100);
    }
  }

  /** The toast the page shows after a card action. */
  async function toast(text: string | RegExp): Promise<string> {
    const t = page.locator('.toast', { hasText: text }).first();
    await t.waitFor({ timeout: 15_000 });
    return t.innerText();
  }

  /** The bot's latest card message containing `text` (waits for it to arrive on the stream). */
  async function cardWith(text: string): Promise<Locator> {
    const l = page.locator('#msgs .msg.bot', { has: page.locator('.card', { hasText: text }) }).last();
    await l.waitFor({ timeout: 20_000 });
    return l;
  }

  const button = (msg: Locator, label: string) => msg.locator('.card button', { hasText: label }).first();

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS)) if (f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
    const pageBuild = ensureSandboxPage({ log: () => undefined });
    if (!pageBuild.ok) throw new Error(`the sandbox page did not build: ${pageBuild.error}`);
    if (!ensureH5({ log: () => undefined }).ok) throw new Error('the H5 build failed: run `npm run build:h5` to see why');

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-sandbox-e2e-'));
    const url = `sqlite:${path.join(dir, 'e2e.sqlite')}`;
    const port = await freePort();
    const env: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(LARK_|CRM_|DATABASE_URL|PORT|HOST)/.test(k)) env[k] = v;
    Object.assign(env, {
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      CRM_PUBLIC_URL: `http://127.0.0.1:${port}`, // the invite link the bot sends
      CRM_DEMO_SEED: 'on', // the README's demo: reps, manager, service agent, admin, the pool
      CRM_JOBS: 'on', // the outbox worker delivers the bot's answers
      CRM_SANDBOX: 'auto', // no Lark app configured → the sandbox is on
      LOG_LEVEL: 'warn',
      MP_SESSION_SECRET: 'e2e-session-secret-0123456789abcdefghijklmnop',
    });
    server = await startServer(loadConfig(env), memoryLogger('warn').logger);
    base = `http://127.0.0.1:${server.port}`;
    db = createDb(url);

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  afterEach(async () => {
    if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'last-state.png') }).catch(() => undefined);
    // Every card shown so far was drawn without a placeholder: an element the renderer does not know fails here.
    if (page) expect((await probe().catch(() => null))?.unsupported ?? []).toEqual([]);
  });

  afterAll(async () => {
    // eslint-disable-next-line no-console
    if (figures.length) console.log(`[sandbox e2e]\n  ${figures.join('\n  ')}`);
    await browser?.close();
    await server?.close(2_000);
    await db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the people, the conversations and the help card; Chinese first, English on a switch', async () => {
    await become(REP);
    const people = await page.locator('#who option').allInnerTexts();
    expect(people.join('\n')).toMatch(/李娜 · 销售/);
    expect(people.join('\n')).toMatch(/王经理 · 销售经理/);
    expect(people.join('\n')).toMatch(/赵客服 · 客服/);
    expect(people.join('\n')).toMatch(/管理员 · 管理员/);
    await expect(page.locator('#convs').innerText()).resolves.toMatch(/CRM 助手[\s\S]*演示群/);
    const { msg } = await say('帮助', 'CRM 助手能做什么');
    await expectShows(msg, '认领 华为');
    await shot('help');
    // The demo group: the bot answers there, not in the direct chat.
    await page.locator('[data-conv="oc_sandbox_team"]').click();
    await expect(page.locator('#chat-title').innerText()).resolves.toContain('演示群');
    await say('帮助', 'CRM 助手能做什么');
    await shot('help-in-group');
    // Another member of the group sees 李娜's message on the left, with her name, and the bot's answer.
    await become('ou_demo_rep2');
    await page.locator('[data-conv="oc_sandbox_team"]').click();
    const theirs = page.locator('#msgs .msg.user:not(.mine)', { hasText: '帮助' }).first();
    await theirs.waitFor();
    expect(await theirs.locator('.meta').innerText()).toContain('李娜');
    await expect(page.locator('#msgs .msg.bot', { hasText: 'CRM 助手能做什么' }).count()).resolves.toBeGreaterThan(0);
    await shot('group-as-another-member');
    await become(REP);
    await page.click('[data-lang=en]');
    await expect(page.locator('.brand-title').innerText()).resolves.toBe('CRM sandbox');
    await expect(page.locator('#send').innerText()).resolves.toBe('Send');
    await page.click('[data-lang="zh-CN"]');
    await expect(page.locator('#send').innerText()).resolves.toBe('发送');
    expect(pageErrors).toEqual([]);
  });

  it('(a) a rep logs a free-form follow-up and claims a customer from the pool', async () => {
    const t0 = Date.now();
    await become(REP);
    const followup = '今天电话联系了远航科技王总，下周三再跟进';
    const { msg: draft } = await say(followup, '请确认我理解得对');
    await expectShows(draft, '远航科技有限公司');
    await expectShows(draft, '下次跟进');
    await shot('a1-followup-draft');
    await button(draft, '保存').click();
    await toast('已记录跟进');
    await expectShows(draft, '✓ 已记录跟进：远航科技有限公司'); // the card replaced in place
    await expect(draft.locator('.card button', { hasText: '保存' }).count()).resolves.toBe(0);
    await shot('a2-followup-saved');
    const saved = await one<{ n: number }>(`SELECT COUNT(*) AS n FROM activities WHERE summary = :s`, { s: followup });
    expect(Number(saved.n)).toBe(1);

    const { msg: pool } = await say('公海', '公海客户');
    const name = '云帆贸易有限公司'; // the README's pick
    const row = pool.locator('.cols', { has: page.locator('button', { hasText: '领取' }) }).filter({ hasText: name }).first();
    await shot('a3-pool');
    await row.locator('button', { hasText: '领取' }).click();
    await toast(`已领取「${name}」`);
    await shot('a4-claimed');
    const owner = await one<{ owner_id: number | null; in_pool: number }>(`SELECT owner_id FROM customers WHERE name = :name`, { name });
    const rep = await one<{ id: number }>(`SELECT id FROM users WHERE lark_open_id = :o`, { o: REP });
    expect(Number(owner.owner_id)).toBe(Number(rep.id));
    const { msg: again } = await say('公海', '公海客户');
    expect(await again.innerText()).not.toContain(name);

    // Now hers: its 360° card, and a follow-up from the card's form (a select, a text, a date picker).
    const { msg: view } = await say(`查 ${name}`, name);
    await expectShows(view, '李娜');
    await button(view, '记录跟进').click();
    await expectShows(view, '沟通内容'); // the form replaced the card
    await view.locator('.card form select').first().selectOption('visit');
    await view.locator('.card form textarea').fill('上门拜访，客户确认明年续约');
    const nextAt = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await view.locator('.card form input[type=date]').fill(nextAt);
    await shot('a5-followup-form');
    await button(view, '保存').click();
    await toast('跟进已记录');
    await expectShows(view, '上门拜访，客户确认明年续约'); // back to the 360° card, with the new follow-up
    const logged = await one<{ channel: string; next_at: string | Date | null }>(`SELECT channel, next_at FROM activities WHERE summary = '上门拜访，客户确认明年续约'`);
    expect(logged.channel).toBe('visit');
    expect(logged.next_at).not.toBeNull();
    await shot('a6-followup-logged');

    // What a job sends shows up live: a reminder due now, sent by the scheduler's tasks.reminders (every second)
    // through the outbox, arrives on the open page (no reload: the marker set below survives).
    await page.evaluate(() => void (window.marker = 42));
    const title = '回访远航科技：确认报价';
    const t1 = Date.now();
    await createTask(createContext(db), { kind: 'system' }, 'api', { title, ownerId: Number(rep.id), dueAt: new Date(Date.now() + 60_000).toISOString(), remindAt: new Date().toISOString() });
    const reminder = await cardWith(title);
    figures.push(`a job's reminder shown ${Date.now() - t1} ms after it fell due`);
    await expectShows(reminder, title);
    await expect(page.evaluate(() => window.marker)).resolves.toBe(42);
    await shot('a7-reminder-live');
    figures.push(`journey (a) ${Date.now() - t0} ms`);
  });

  it('(b) a manager approves a contract from its card; the card shows the approved state', async () => {
    const t0 = Date.now();
    await become(REP);
    const { msg: draft } = await say('新合同 远航科技 软件授权 10套 单价5000 折扣10%', '合同草稿');
    const number = /HT\d{8}-\d{5}/.exec(await draft.innerText())![0];
    await expectShows(draft, '¥45,000.00');
    await button(draft, '提交审批').click();
    await toast(/提交|审批/);
    await expectShows(draft, '已提交审批'); // the draft card, replaced in place
    await shot('b1-submitted');

    // The rep keeps a second window open on their copy of the approval card: it updates live (a PATCH, SSE `update`).
    const repPage = await context.newPage();
    repPage.on('pageerror', (e) => pageErrors.push(`rep window: ${String(e)}`));
    await repPage.goto(`${base}/sandbox?as=${REP}`);
    await repPage.waitForFunction(() => !!window.sandbox?.history && !!window.sandbox?.live);
    const repCopy = repPage.locator('#msgs .msg.bot', { has: repPage.locator('.card', { hasText: '合同审批' }) }).filter({ hasText: number }).last();
    await repCopy.waitFor({ timeout: 20_000 });
    expect(await repCopy.innerText()).toContain('审批中');

    await become(MANAGER);
    const approval = await cardWith(number);
    await expectShows(approval, '审批中');
    await expectShows(approval, '李娜');
    await shot('b2-manager-card');
    await button(approval, '同意').click();
    await toast(/同意|通过/);
    await expectShows(approval, '已通过'); // the same card, replaced in place by the answer
    await expect(approval.locator('.card button', { hasText: '同意' }).count()).resolves.toBe(0);
    await shot('b3-approved');
    const t1 = Date.now();
    for (let i = 0; !/已通过/.test(await repCopy.innerText()); i++) {
      if (i > 150) throw new Error(`the rep's copy did not update:\n${await repCopy.innerText()}`);
      await repPage.waitForTimeout(100);
    }
    figures.push(`the rep's copy of the card updated live ${Date.now() - t1} ms after the click's answer`);
    expect(await repCopy.innerText()).toContain('已更新');
    await repPage.screenshot({ path: path.join(ARTIFACTS, `${String(++shotNo).padStart(2, '0')}-b3-rep-copy-updated.png`) });
    await repPage.close();
    const contract = await one<{ status: string }>(`SELECT status FROM contracts WHERE number = :number`, { number });
    expect(contract.status).not.toMatch(/draft|pending/);

    // The rep hears about it: the outbox's message arrives on the stream.
    await become(REP);
    await cardWith(number);
    await expectShows(page.locator('#msgs'), new RegExp(`${number}[^\\n]*已审批通过`));
    await shot('b4-rep-notified');
    figures.push(`journey (b) ${Date.now() - t0} ms`);
  });

  it('(c) a customer files a ticket in the mini-program; the service agent answers and resolves it from its card', async () => {
    const t0 = Date.now();
    const contact = await one<{ name: string }>(`SELECT ct.name FROM contacts ct JOIN customers c ON c.id = ct.customer_id WHERE c.name = '远航科技有限公司' ORDER BY ct.id LIMIT 1`);
    expect(contact.name).toBe('吴勇超'); // the README's message names the demo's contact
    await become(REP);
    const { msg: invite } = await say(`邀请 远航科技有限公司 ${contact.name}`, '邀请码');
    // The link in the bot's text is a link on the page.
    const link = (await invite.locator('a[href*="?invite="]').first().getAttribute('href'))!;
    expect(link).toMatch(/\/\?invite=[A-Z0-9]{8}$/);
    expect(link.startsWith(base)).toBe(true);
    await shot('c1-invite');

    // The customer, on a phone: signs in with the invite and files a ticket.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    const mp = await phone.newPage();
    mp.on('pageerror', (e) => pageErrors.push(`mp: ${String(e)}`));
    const vis = (t: string, exact = true) => mp.getByText(t, { exact }).filter({ visible: true }).first();
    await mp.goto(link);
    await vis('远航科技有限公司').waitFor({ timeout: 30_000 });
    await vis('提交工单').click();
    await vis('工单类型', false).waitFor();
    await vis('技术支持').click();
    const problem = '系统登录后白屏，刷新也没有用';
    await mp.locator('.ticket-new taro-textarea-core textarea').fill(problem);
    await shot('c2-mp-new-ticket', mp);
    await mp.locator('.ticket-new taro-button-core.submit').click();
    await vis('处理记录', false).waitFor();
    await vis('处理人：赵客服', false).waitFor();
    const ticket = await one<{ id: number }>(`SELECT id FROM tickets WHERE description = :d`, { d: problem });
    await shot('c3-mp-ticket', mp);

    // The agent, in the sandbox: the ticket card arrived; a reply from the card's form, then resolve.
    await become(AGENT);
    const card = await cardWith(problem);
    await expectShows(card, '新工单');
    await expectShows(card, '远航科技有限公司');
    const answer = '您好，请清除浏览器缓存后重新登录，我们已为您重置了会话。';
    await card.locator('.card form textarea').fill(answer);
    await shot('c4-agent-card');
    await button(card, '发送回复').click();
    await toast('回复已发送给客户');
    await button(card, '标记已解决').click();
    await page.locator('.dialog', { hasText: '确认已解决？' }).waitFor();
    await shot('c5-confirm');
    await page.locator('.dialog button', { hasText: '确定' }).click();
    await toast('已标记为解决');
    await expectShows(card, '已解决');
    await expect(card.locator('.card button', { hasText: '标记已解决' }).count()).resolves.toBe(0);
    await shot('c6-resolved');
    const stored = await one<{ status: string }>(`SELECT status FROM tickets WHERE id = :id`, { id: ticket.id });
    expect(stored.status).toBe('resolved');

    // Back on the phone: the agent's answer and the new state.
    await mp.reload();
    await mp.locator('.ticket-detail').filter({ hasText: answer }).first().waitFor({ timeout: 15_000 });
    await vis('已解决', false).waitFor();
    await shot('c7-mp-answered', mp);
    await phone.close();
    figures.push(`journey (c) ${Date.now() - t0} ms`);
    expect(pageErrors).toEqual([]);
  });

  it('a card with an element the renderer does not know is shown as a labelled placeholder and reported (the check above can fail)', async () => {
    await become(REP);
    // Not through the Open API (it refuses unknown tags like Lark): straight into the sandbox's chat log.
    server.sandbox!.hub.echo({ messageId: 'om_unknown_element', chatId: p2pChatOf(REP), receiveId: REP, msgType: 'interactive', content: { schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: '前' }, { tag: 'hologram' }] } }, at: Date.now(), replyTo: null, sender: REP });
    const ph = page.locator('#msgs .unsupported', { hasText: '[不支持的元素: hologram]' });
    await ph.waitFor();
    expect((await probe()).unsupported).toEqual(['hologram']);
    await shot('unknown-element');
    // Reported, so afterEach would fail this test: clear it once asserted.
    await page.evaluate(() => void (window.sandbox!.unsupported.length = 0));
  });
});
