// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import request from 'supertest';
import type Koa from 'koa';
import type { z } from 'zod';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { FakeMpAuth } from '../helpers/fake-mp-auth';
import { makeWorld, staff, type ServiceWorld } from './fixtures';
import { mpRouter } from '../../server/mp/routes';
import { memoryStorage } from '../../core/tickets/storage';
import { createInvite } from '../../core/mp/operations';
import { resolveTicket } from '../../core/tickets/operations';
import { createArticle } from '../../core/knowledge/operations';
import { AccountSummarySchema, MetaSchema, MpProfileSchema, MpTicketDetailSchema, SessionSchema } from '../../core/mp/schemas';
import { TicketPageSchema, TimelineEntrySchema } from '../../core/tickets/schemas';
import { SurveyListSchema, SurveySchema } from '../../core/surveys/schemas';
import { ArticleSchema, FeedbackResultSchema, SearchResultSchema } from '../../core/knowledge/schemas';

/**
 * /mp/v1 validates every body and query at the edge with the schemas of core/mp/schemas.ts: bad input is a 400
 * VALIDATION naming the field (never a 500, never a half-written record), and what the routes answer is what the
 * schemas — the types the mini-program imports — say.
 */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
const long = (n: number) => '长'.repeat(n);

/** The answer matches the declared shape (the mini-program's types). */
function conforms(schema: z.ZodType, body: unknown): void {
  const r = schema.safeParse(body);
  if (!r.success) throw new Error(`answer does not match its schema: ${JSON.stringify(r.error.issues, null, 1)}\n${JSON.stringify(body)}`);
}

type Bad = [what: string, body: unknown, field: string, status?: number];

describeEachDb('/mp/v1 input validation', (h) => {
  let w: ServiceWorld;
  let fake: FakeMpAuth;
  let app: Koa;
  const storage = memoryStorage();
  const http = () => request(app.callback());
  let auth: Record<string, string>;

  beforeAll(async () => {
    h.clock.set(new Date());
    fake = await FakeMpAuth.start();
    const env = { WECHAT_APP_ID: fake.appId, WECHAT_APP_SECRET: fake.appSecret, WECHAT_API_BASE: fake.url, LARK_APP_ID: 'cli_x', LARK_APP_SECRET: 'lark_secret', LARK_DOMAIN: fake.url };
    w = await makeWorld(h.ctx, [['咨询', '技术支持', '维修']]);
    app = (await testApp(h.ctx, [mpRouter({ storage, limits: { signInPerMinute: 1000, sessionPerMinute: 1000 } })], env)).app;
    const code = (await createInvite(h.ctx, staff(w.rep), { customerId: w.customerA.id, contactId: w.customerA.contactId })).code;
    const session = await http().post('/mp/v1/auth/invite').send({ code, client: 'h5' });
    expect(session.status).toBe(200);
    conforms(SessionSchema, session.body);
    auth = { Authorization: `Bearer ${session.body.token}` };
  });
  afterAll(async () => fake.close());

  const counts = async () => {
    const [r] = await h.ctx.db.select<{ t: number; e: number; a: number }>(
      'SELECT (SELECT COUNT(*) FROM tickets) AS t, (SELECT COUNT(*) FROM ticket_events) AS e, (SELECT COUNT(*) FROM ticket_attachments) AS a',
    );
    return { tickets: Number(r.t), events: Number(r.e), attachments: Number(r.a), stored: storage.size() };
  };

  /** Each bad body answers its status (400 unless said) naming the field. */
  async function expectRefused(method: 'post' | 'patch', path: string, cases: Bad[], withAuth = true): Promise<void> {
    for (const [what, body, field, status = 400] of cases) {
      const req = http()[method](path);
      if (withAuth) req.set(auth);
      const res = await req.send(body as object);
      expect({ what, status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ what, status, code: 'VALIDATION', field });
      expect(typeof res.body.error.message).toBe('string');
    }
  }

  it('sign-in bodies: wrong types, missing fields, oversized strings, nesting', async () => {
    await expectRefused(
      'post',
      '/mp/v1/auth/invite',
      [
        ['missing code', { client: 'h5' }, 'code'],
        ['code a number', { code: 12345678 }, 'code'],
        ['code nested', { code: { value: 'K7P4M2QX' } }, 'code'],
        ['code too long', { code: 'K'.repeat(33) }, 'code'],
        ['unknown client', { code: 'K7P4M2QX', client: 'desktop' }, 'client'],
        ['wechatCode empty', { code: 'K7P4M2QX', wechatCode: '' }, 'wechatCode'],
        ['larkCode oversized', { code: 'K7P4M2QX', larkCode: 'x'.repeat(201) }, 'larkCode'],
        ['an array body', ['K7P4M2QX'], 'body'],
      ],
      false,
    );
    for (const provider of ['wechat', 'lark']) {
      await expectRefused(
        'post',
        `/mp/v1/auth/${provider}`,
        [
          ['missing code', {}, 'code'],
          ['code a boolean', { code: true }, 'code'],
          ['code oversized', { code: 'c'.repeat(201) }, 'code'],
          ['code in an array', { code: ['abc'] }, 'code'],
          ['unknown client', { code: 'abc', client: 'pc' }, 'client'],
        ],
        false,
      );
    }
    await expectRefused('post', '/mp/v1/auth/bind', [
      ['neither code', {}, 'wechatCode'],
      ['both codes', { wechatCode: 'a', larkCode: 'b' }, 'wechatCode'],
      ['wechatCode a number', { wechatCode: 7 }, 'wechatCode'],
      ['larkCode nested', { larkCode: { code: 'x' } }, 'larkCode'],
      ['wechatCode oversized', { wechatCode: 'w'.repeat(201) }, 'wechatCode'],
    ]);
  });

  it('profile: bad fields are refused and nothing of the request is written', async () => {
    const before = await http().get('/mp/v1/profile').set(auth);
    conforms(MpProfileSchema, before.body);
    await expectRefused('patch', '/mp/v1/profile', [
      ['name empty', { name: '' }, 'name'],
      ['name a number', { name: 42 }, 'name'],
      ['name nested', { name: { first: '伟' } }, 'name'],
      ['title oversized', { title: long(101) }, 'title'],
      ['email nested, with a good name', { name: '新名字', email: { at: 'x' } }, 'email'],
      ['email not an address, with a good name', { name: '新名字', email: 'not-an-address' }, 'email'],
    ]);
    const after = await http().get('/mp/v1/profile').set(auth);
    expect(after.body.contact).toEqual(before.body.contact);
    const ok = await http().patch('/mp/v1/profile').set(auth).send({ title: '采购总监' });
    expect([ok.status, ok.body.contact.title]).toEqual([200, '采购总监']);
    conforms(MpProfileSchema, ok.body);
    conforms(AccountSummarySchema, (await http().get('/mp/v1/me').set(auth)).body);
    conforms(MetaSchema, (await http().get('/mp/v1/meta')).body);
  });

  it('new tickets (JSON and multipart): refused whole, no ticket, event, attachment or stored photo left behind', async () => {
    const start = await counts();
    await expectRefused('post', '/mp/v1/tickets', [
      ['missing type', { description: '打印机坏了' }, 'type'],
      ['unknown type', { type: 'praise', description: '打印机坏了' }, 'type'],
      ['type nested', { type: { value: 'repair' }, description: '打印机坏了' }, 'type'],
      ['missing description', { type: 'repair' }, 'description'],
      ['description blank', { type: 'repair', description: '   ' }, 'description'],
      ['description a number', { type: 'repair', description: 404 }, 'description'],
      ['description in an array', { type: 'repair', description: ['打印机坏了'] }, 'description'],
      ['description oversized', { type: 'repair', description: long(5001) }, 'description'],
      ['title oversized', { type: 'repair', description: '打印机坏了', title: long(101) }, 'title'],
      ['title a number', { type: 'repair', description: '打印机坏了', title: 7 }, 'title'],
      ['unknown priority', { type: 'repair', description: '打印机坏了', priority: 'asap' }, 'priority'],
      ['a staff-only priority', { type: 'repair', description: '打印机坏了', priority: 'urgent' }, 'priority'],
    ]);
    const multipart = async (fields: Record<string, string>) => {
      const req = http().post('/mp/v1/tickets').set(auth);
      for (const [k, v] of Object.entries(fields)) req.field(k, v);
      return req.attach('photos', PNG, { filename: 'p.png', contentType: 'image/png' });
    };
    for (const [fields, field] of [
      [{ description: '门禁坏了' }, 'type'],
      [{ type: 'nope', description: '门禁坏了' }, 'type'],
      [{ type: 'repair', description: long(5001) }, 'description'],
      [{ type: 'repair', description: '门禁坏了', priority: 'urgent' }, 'priority'],
    ] as [Record<string, string>, string][]) {
      const res = await multipart(fields);
      expect([res.status, res.body.error?.field]).toEqual([400, field]);
    }
    expect(await counts()).toEqual(start);

    // Blank optional form fields count as absent (what a form sends), as before.
    const ok = await multipart({ type: 'repair', description: '门禁坏了', title: '', priority: '' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ priority: 'normal', title: '门禁坏了', attachments: [{ name: 'p.png' }] });
    conforms(MpTicketDetailSchema, ok.body);
    expect(ok.body.attachments[0].url).toMatch(/^\/mp\/v1\/attachments\/\d+\?exp=\d+&sig=/);
  });

  it('comments, reopen, survey answers and feedback: bad bodies name the field and change nothing', async () => {
    const t = await http().post('/mp/v1/tickets').set(auth).send({ type: 'consult', description: '怎么续费？' });
    expect(t.status).toBe(201);
    const before = await counts();
    await expectRefused('post', `/mp/v1/tickets/${t.body.id}/comments`, [
      ['missing body', {}, 'body'],
      ['body blank', { body: '  ' }, 'body'],
      ['body a number', { body: 1 }, 'body'],
      ['body nested', { body: { text: '补充' } }, 'body'],
      ['body oversized', { body: long(5001) }, 'body'],
    ]);
    expect(await counts()).toEqual(before);
    const comment = await http().post(`/mp/v1/tickets/${t.body.id}/comments`).set(auth).send({ body: '补充：年付' });
    expect(comment.status).toBe(201);
    conforms(TimelineEntrySchema, comment.body);

    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: t.body.id });
    const resolved = await counts();
    await expectRefused('post', `/mp/v1/tickets/${t.body.id}/reopen`, [
      ['missing reason', {}, 'reason'],
      ['reason a boolean', { reason: true }, 'reason'],
      ['reason nested', { reason: ['还有问题'] }, 'reason'],
      ['reason oversized', { reason: long(1001) }, 'reason'],
    ]);
    expect(await counts()).toEqual(resolved);
    const detail = await http().get(`/mp/v1/tickets/${t.body.id}`).set(auth);
    expect(detail.body.status).toBe('resolved');
    conforms(MpTicketDetailSchema, detail.body);

    const surveys = await http().get('/mp/v1/surveys').set(auth);
    conforms(SurveyListSchema, surveys.body);
    const s = surveys.body.items.find((x: { ticket: { id: number } | null }) => x.ticket?.id === t.body.id);
    await expectRefused('post', `/mp/v1/surveys/${s.id}/answer`, [
      ['missing score', { comment: '好' }, 'score'],
      ['score a string', { score: '5' }, 'score'],
      ['score a fraction', { score: 4.5 }, 'score'],
      ['score nested', { score: { value: 5 } }, 'score'],
      ['score off the scale', { score: 6 }, 'score'],
      ['comment oversized', { score: 5, comment: long(1001) }, 'comment'],
      ['comment a number', { score: 5, comment: 5 }, 'comment'],
    ]);
    const still = await http().get(`/mp/v1/surveys/${s.id}`).set(auth);
    expect([still.body.status, still.body.answer]).toEqual(['pending', null]);
    const answered = await http().post(`/mp/v1/surveys/${s.id}/answer`).set(auth).send({ score: 5 });
    expect(answered.status).toBe(200);
    conforms(SurveySchema, answered.body);

    const art = await createArticle(h.ctx, staff(w.agents[0]), { title: '如何续费', body: '在合同页点击续费。', tags: ['续费'] });
    await expectRefused('post', `/mp/v1/kb/articles/${art.id}/feedback`, [
      ['missing helpful', {}, 'helpful'],
      ['helpful a string', { helpful: 'yes' }, 'helpful'],
      ['helpful nested', { helpful: { value: true } }, 'helpful'],
      ['query oversized', { helpful: true, query: long(101) }, 'query'],
      ['query nested', { helpful: true, query: { q: '续费' } }, 'query'],
    ]);
    const article = await http().get(`/mp/v1/kb/articles/${art.id}`).set(auth);
    expect(article.body.helpful).toEqual({ yes: 0, no: 0 });
    conforms(ArticleSchema, article.body);
    const fb = await http().post(`/mp/v1/kb/articles/${art.id}/feedback`).set(auth).send({ helpful: true });
    conforms(FeedbackResultSchema, fb.body);
  });

  it('queries: bad status, limit or cursor name the parameter; an empty cursor is the first page', async () => {
    for (const [q, field] of [
      ['status=nope', 'status'],
      ['limit=0', 'limit'],
      ['limit=51', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=abc', 'cursor'],
      ['status=open&status=all', 'status'],
    ]) {
      const res = await http().get(`/mp/v1/tickets?${q}`).set(auth);
      expect({ q, status: res.status, field: res.body.error?.field }).toEqual({ q, status: 400, field });
    }
    const first = await http().get('/mp/v1/tickets?cursor=&limit=2').set(auth);
    expect(first.status).toBe(200);
    conforms(TicketPageSchema, first.body);
    for (const [q, field] of [
      ['status=answered', 'status'],
      ['status=pending&status=all', 'status'],
    ]) {
      const res = await http().get(`/mp/v1/surveys?${q}`).set(auth);
      expect({ q, status: res.status, field: res.body.error?.field }).toEqual({ q, status: 400, field });
    }
    for (const [q, field] of [
      ['', 'q'],
      [`q=${encodeURIComponent(long(101))}`, 'q'],
      ['q=a&q=b', 'q'],
      ['q=%E7%BB%AD%E8%B4%B9&limit=21', 'limit'],
      ['q=%E7%BB%AD%E8%B4%B9&limit=x', 'limit'],
    ]) {
      const res = await http().get(`/mp/v1/kb/search?${q}`).set(auth);
      expect({ q, status: res.status, field: res.body.error?.field }).toEqual({ q, status: 400, field });
    }
    const found = await http().get(`/mp/v1/kb/search?q=${encodeURIComponent('续费')}`).set(auth);
    expect(found.status).toBe(200);
    conforms(SearchResultSchema, found.body);
  });
});
