/**
 * The chat sandbox through the real path: the real server (startServer: migrations, demo seed, jobs and the outbox
 * worker on) in sandbox mode on a real database; messages and clicks go in through /sandbox/api as signed + encrypted
 * Lark events to the process's own /lark/events, the bot's answers come back over the outbox → the built-in Open API →
 * the SSE stream. SQLite always, MySQL with TEST_MYSQL_URL.
 */
import http from 'node:http';
import os from 'node:os';
import { startServer, type RunningServer } from '../../server/process';
import { SandboxClient, type ClientEvent, type SandboxStream } from '../../server/sandbox/client';
import { createDb, type Db } from '../../core/db/connection';
import { createContext } from '../../core/compose';
import { createTask } from '../../core/tasks/operations';
import { DIALECTS, freshDatabase, type TestDatabase } from '../helpers/db';
import { memoryLogger, testConfig } from '../helpers/app';
import { FakeLark } from '../helpers/fake-lark';

jest.setTimeout(120_000);

const REP = 'ou_demo_rep1';
const OTHER_REP = 'ou_demo_rep2';

/** Every callback button value in a card (Card JSON 2.0 behaviors). */
function callbackValues(card: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.tag === 'button' && Array.isArray(o.behaviors)) {
      for (const b of o.behaviors as { type?: string; value?: Record<string, unknown> }[]) if (b.type === 'callback' && b.value) out.push(b.value);
    }
    Object.values(o).forEach(walk);
  };
  walk(card);
  return out;
}

const fromBot = (e: ClientEvent) => e.type === 'message' && e.data.from === 'bot';

describe.each(DIALECTS)('sandbox on %s: the real path', (dialect) => {
  let tdb: TestDatabase;
  let running: RunningServer;
  let sb: SandboxClient;
  let stream: SandboxStream;

  beforeAll(async () => {
    tdb = await freshDatabase(dialect);
    const { logger } = memoryLogger('warn');
    running = await startServer(testConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', CRM_SANDBOX: 'auto', CRM_DEMO_SEED: 'on', CRM_JOBS: 'on' }), logger);
    sb = new SandboxClient(`http://127.0.0.1:${running.port}`);
    stream = await sb.stream(REP);
  });

  afterAll(async () => {
    stream?.close();
    await running?.close(2_000);
    await tdb?.drop();
  });

  it('is on without a Lark app: the page answers, the demo people have open_ids', async () => {
    expect(running.sandbox).not.toBeNull();
    const page = await sb.request('GET', '/sandbox');
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<html');
    const people = await sb.people();
    expect(people.map((p) => [p.openId, p.role])).toEqual(
      expect.arrayContaining([
        [REP, 'rep'],
        ['ou_demo_manager', 'manager'],
        ['ou_demo_service', 'service'],
        ['ou_demo_admin', 'admin'],
      ]),
    );
    expect(people.find((p) => p.openId === REP)).toMatchObject({ name: '李娜', team: '华东销售一组' });
  });

  it('a typed message is echoed, reaches the bot as a signed + encrypted event, and the answer arrives on the stream', async () => {
    const other = await sb.stream(OTHER_REP);
    try {
      const from = stream.events.length;
      const { messageId, eventId } = await sb.say(REP, '帮助');
      expect(eventId).toMatch(/^ev_/);
      const echo = await stream.next((e) => e.type === 'message' && e.data.messageId === messageId, { from });
      expect(echo.data).toMatchObject({ from: 'user', chatId: `oc_p2p_${REP}`, sender: REP, content: { text: '帮助' } });
      // The help card (the demo seed's own notices may still be leaving the outbox: "the next bot message" could be one)
      const answer = await stream.next((e) => fromBot(e) && JSON.stringify(e.data).includes('记录跟进'), { from });
      expect(answer.data).toMatchObject({ from: 'bot', chatId: `oc_p2p_${REP}`, msgType: 'interactive' });
      expect(JSON.stringify(answer.data)).toContain('schema');
      // it went through the real Open API path: the built-in API holds it, sent by the outbox worker
      expect(running.sandbox!.api.message((answer.data as { messageId: string }).messageId)).toBeDefined();
      // another person's stream does not see it
      await new Promise((r) => setTimeout(r, 300));
      expect(other.events.slice(other.live).some((e) => e.type === 'message' && (e.data.messageId === messageId || e.data.messageId === (answer.data as { messageId: string }).messageId))).toBe(false);
    } finally {
      other.close();
    }
  });

  it('replays a person’s history to a new stream (cards in their latest version)', async () => {
    const again = await sb.stream(REP);
    try {
      const replayed = again.events.slice(0, again.live).map((e) => (e.data as { content: { text?: string } }).content.text);
      expect(replayed).toContain('帮助');
    } finally {
      again.close();
    }
  });

  it('card clicks are real card.action.trigger events: a toast-only answer leaves the card; an answer card (a form, then its submit) updates it in place', async () => {
    let from = stream.events.length;
    await sb.say(REP, '公海');
    const pool = await stream.next((e) => fromBot(e) && callbackValues((e.data as { content: unknown }).content).some((v) => v.action === 'pool.claim'), { from, ms: 15_000 });
    const poolMsg = pool.data as { messageId: string; content: unknown };
    const names = [...JSON.stringify(poolMsg.content).matchAll(/\*\*([^*\\]+)\*\* · /g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(1);
    const claim = callbackValues(poolMsg.content).find((v) => v.action === 'pool.claim')!;
    const claimed = await sb.act({ as: REP, messageId: poolMsg.messageId, value: claim });
    expect(claimed.status).toBe(200);
    expect(claimed.body.toast?.type).toBe('success');
    expect(claimed.body.card).toBeUndefined();

    // claim another by chat: its 360° card has a follow-up button whose answer is a form card
    from = stream.events.length;
    await sb.say(REP, `认领 ${names[1]}`);
    const view = await stream.next((e) => fromBot(e) && callbackValues((e.data as { content: unknown }).content).some((v) => v.action === 'customer.followup_form'), { from, ms: 15_000 });
    const viewMsg = view.data as { messageId: string; content: unknown };
    const open = await sb.act({ as: REP, messageId: viewMsg.messageId, value: callbackValues(viewMsg.content).find((v) => v.action === 'customer.followup_form')! });
    expect(open.status).toBe(200);
    expect(open.body.card?.type).toBe('raw');
    const formUpdate = await stream.next((e) => e.type === 'update' && e.data.messageId === viewMsg.messageId, { from });
    expect(formUpdate.data).toEqual({ messageId: viewMsg.messageId, content: open.body.card!.data });
    expect(running.sandbox!.api.message(viewMsg.messageId)!.updates.at(-1)).toEqual(open.body.card!.data);

    // submit the form: form_value + the submit button's name, as Lark sends them
    const submit = callbackValues(open.body.card!.data).find((v) => v.action === 'customer.followup_submit')!;
    const at = stream.events.length;
    const saved = await sb.act({ as: REP, messageId: viewMsg.messageId, value: submit, name: 'save', formValue: { channel: 'phone', summary: '沙盒里电话沟通了报价' } });
    expect(saved.status).toBe(200);
    expect(saved.body.toast?.type).toBe('success');
    const after = await stream.next((e) => e.type === 'update' && e.data.messageId === viewMsg.messageId, { from: at });
    expect(JSON.stringify(after.data)).toContain('沙盒里电话沟通了报价');
  });

  it("a job's message (a task reminder sent by the server's own scheduler) appears on the stream as it is sent", async () => {
    const from = stream.events.length;
    let db: Db | null = null;
    try {
      db = createDb(tdb.url);
      const core = createContext(db, { timezone: 'Asia/Shanghai', locale: 'zh-CN' });
      const rep = (await sb.people()).find((p) => p.openId === REP)!;
      await createTask(core, { kind: 'system' }, 'cli', { title: '沙盒提醒测试 sandbox reminder', ownerId: rep.userId, dueAt: new Date(Date.now() + 3_600_000).toISOString(), remindAt: new Date(Date.now() - 1_000).toISOString() });
      const reminder = await stream.next((e) => fromBot(e) && JSON.stringify(e.data).includes('沙盒提醒测试'), { from, ms: 20_000 });
      expect(reminder.data).toMatchObject({ from: 'bot', chatId: `oc_p2p_${REP}` });
    } finally {
      await db?.close();
    }
  });

  it('group chat: the message is seen by every member and the bot answers in the group', async () => {
    const chats = await sb.request<{ chatId: string; type: string }[]>('GET', `/sandbox/api/chats?as=${REP}`);
    expect(chats.body.map((c) => c.type)).toEqual(['p2p', 'group']);
    const group = chats.body[1].chatId;
    const other = await sb.stream(OTHER_REP);
    try {
      const { messageId } = await sb.say(REP, '帮助', group);
      await other.next((e) => e.type === 'message' && e.data.messageId === messageId, { from: other.live });
      const answer = await other.next((e) => fromBot(e) && (e.data as { chatId: string }).chatId === group, { from: other.live });
      expect(answer.data).toMatchObject({ chatId: group, receiveId: group });
    } finally {
      other.close();
    }
  });

  it('refuses bad bodies with 400 naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/sandbox/api/messages', { text: 'hi' }, 'as'],
      ['POST', '/sandbox/api/messages', { as: REP, text: '' }, 'text'],
      ['POST', '/sandbox/api/messages', { as: REP, text: 'x'.repeat(4_001) }, 'text'],
      ['POST', '/sandbox/api/messages', { as: 'ou_nobody', text: 'hi' }, 'as'],
      ['POST', '/sandbox/api/messages', { as: REP, text: 'hi', chat: 'oc_nope' }, 'chat'],
      ['POST', '/sandbox/api/actions', { as: REP, messageId: 'om_nope', value: { action: 'x' } }, 'messageId'],
      ['POST', '/sandbox/api/actions', { as: REP, messageId: 'om_nope', value: 'x' }, 'value'],
      ['POST', '/sandbox/api/actions', { as: REP, value: {} }, 'messageId'],
      ['GET', '/sandbox/api/stream', undefined, 'as'],
      ['GET', '/sandbox/api/chats?as=ou_nobody', undefined, 'as'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await sb.request<{ error: { code: string; field: string } }>(method, path, body);
      expect([method, path, r.status, r.body.error?.field]).toEqual([method, path, 400, field]);
    }
    const bad = await new SandboxClient(sb.baseUrl).request('POST', '/sandbox/api/messages');
    expect(bad.status).toBe(400);
    expect((await sb.request('GET', '/sandbox/api/nope')).status).toBe(404);
  });
});

// ------------------------------------------------------------------------------------------------------------
// Safety: off with a real Lark app, loopback only unless CRM_SANDBOX=on.

function nonLoopbackIPv4(): string | null {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

function get(host: string, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path, headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('sandbox safety (SQLite)', () => {
  let tdb: TestDatabase;
  let lark: FakeLark;
  beforeAll(async () => {
    tdb = await freshDatabase('sqlite');
    lark = await FakeLark.start();
  });
  afterAll(async () => {
    await lark.close();
    await tdb.drop();
  });

  async function withServer(env: Record<string, string>, fn: (r: RunningServer) => Promise<void>): Promise<void> {
    const r = await startServer(testConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', CRM_SANDBOX: 'auto', ...env }), memoryLogger('warn').logger);
    try {
      await fn(r);
    } finally {
      await r.close(1_000);
    }
  }

  const PATHS = ['/sandbox', '/sandbox/', '/sandbox/app.js', '/sandbox/api/people', '/sandbox/api/stream?as=ou_demo_rep1'];

  it('with LARK_APP_ID set (CRM_SANDBOX not on) every /sandbox path answers 404, never the H5 fallback', async () => {
    await withServer({ ...lark.env() }, async (r) => {
      expect(r.sandbox).toBeNull();
      for (const p of PATHS) expect([p, (await get('127.0.0.1', r.port, p)).status]).toEqual([p, 404]);
      const sb = new SandboxClient(`http://127.0.0.1:${r.port}`);
      expect((await sb.request('POST', '/sandbox/api/messages', { as: 'ou_demo_rep1', text: 'hi' })).status).toBe(404);
      expect((await sb.request('POST', '/sandbox/api/actions', {})).status).toBe(404);
    });
  });

  it('CRM_SANDBOX=off: 404 even without a Lark app; CRM_SANDBOX=on with a Lark app: on, and the real app gets nothing', async () => {
    await withServer({ CRM_SANDBOX: 'off' }, async (r) => {
      expect(r.sandbox).toBeNull();
      expect((await get('127.0.0.1', r.port, '/sandbox')).status).toBe(404);
    });
    lark.reset();
    await withServer({ ...lark.env(), CRM_SANDBOX: 'on' }, async (r) => {
      expect(r.sandbox).not.toBeNull();
      expect((await get('127.0.0.1', r.port, '/sandbox')).status).toBe(200);
      expect(r.sandbox!.config.lark.domain).toBe(r.sandbox!.api.url);
      expect(r.sandbox!.config.lark.appId).not.toBe(lark.appId);
      expect(lark.stats.requests).toBe(0);
    });
  });

  const ip = nonLoopbackIPv4();
  (ip ? it : it.skip)(`a client from another address (${ip ?? 'none on this machine'}) gets 403; loopback 200; CRM_SANDBOX=on lets it in`, async () => {
    await withServer({ HOST: '0.0.0.0' }, async (r) => {
      for (const p of PATHS.slice(0, 4)) expect([p, (await get(ip!, r.port, p)).status]).toEqual([p, 403]);
      expect((await get('127.0.0.1', r.port, '/sandbox')).status).toBe(200);
      expect((await get('127.0.0.1', r.port, '/sandbox/api/people')).status).toBe(200);
    });
    await withServer({ HOST: '0.0.0.0', CRM_SANDBOX: 'on' }, async (r) => {
      expect((await get(ip!, r.port, '/sandbox')).status).toBe(200);
      expect((await get(ip!, r.port, '/sandbox/api/people')).status).toBe(200);
    });
  });

  it('a page of another site rebound to 127.0.0.1 (DNS rebinding: its own Host) is refused; localhost is fine', async () => {
    await withServer({}, async (r) => {
      expect((await get('127.0.0.1', r.port, '/sandbox/api/people', { host: `evil.example:${r.port}` })).status).toBe(403);
      expect((await get('127.0.0.1', r.port, '/sandbox/api/people', { host: `localhost:${r.port}` })).status).toBe(200);
      expect((await get('127.0.0.1', r.port, '/sandbox/api/people', { host: `127.0.0.1:${r.port}` })).status).toBe(200);
    });
  });

  it('behind a trusted proxy, a forwarded non-loopback client is refused even though the peer is loopback', async () => {
    await withServer({ CRM_TRUST_PROXY: 'on' }, async (r) => {
      expect((await get('127.0.0.1', r.port, '/sandbox', { 'x-forwarded-for': '203.0.113.7' })).status).toBe(403);
      expect((await get('127.0.0.1', r.port, '/sandbox')).status).toBe(200);
    });
  });
});
