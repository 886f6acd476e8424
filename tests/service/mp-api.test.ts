// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import request from 'supertest';
import type Koa from 'koa';
import type Router from '@koa/router';
import { describeEachDb } from '../helpers/db';
import { testApp, testConfig, memoryLogger } from '../helpers/app';
import { FakeMpAuth } from '../helpers/fake-mp-auth';
import { makeWorld, staff, type ServiceWorld } from './fixtures';
import { mpRouter } from '../../server/mp/routes';
import { memoryStorage } from '../../core/tickets/storage';
import { createInvite } from '../../core/mp/operations';
import { resolveTicket } from '../../core/tickets/operations';
import { createArticle } from '../../core/knowledge/operations';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

describeEachDb('/mp/v1', (h) => {
  let w: ServiceWorld;
  let fake: FakeMpAuth;
  let app: Koa;
  let env: NodeJS.ProcessEnv;
  const storage = memoryStorage();
  const http = () => request(app.callback());

  beforeAll(async () => {
    h.clock.set(new Date());
    fake = await FakeMpAuth.start();
    env = { WECHAT_APP_ID: fake.appId, WECHAT_APP_SECRET: fake.appSecret, WECHAT_API_BASE: fake.url, LARK_APP_ID: 'cli_x', LARK_APP_SECRET: 'lark_secret', LARK_DOMAIN: fake.url };
    w = await makeWorld(h.ctx, [['咨询', '技术支持', '维修']]);
    app = (await testApp(h.ctx, [mpRouter({ storage, limits: { signInPerMinute: 1000 } })], env)).app;
  });
  afterAll(async () => fake.close());

  const invite = async (who: { id: number; contactId: number }) => (await createInvite(h.ctx, staff(w.rep), { customerId: who.id, contactId: who.contactId })).code;
  const signIn = async (who: { id: number; contactId: number }, extra: Record<string, unknown> = {}) => {
    const res = await http().post('/mp/v1/auth/invite').send({ code: await invite(who), client: 'h5', ...extra });
    expect(res.status).toBe(200);
    return res.body.token as string;
  };

  it('meta needs no session; everything else does', async () => {
    const meta = await http().get('/mp/v1/meta').set('Accept-Language', 'en');
    expect(meta.status).toBe(200);
    expect(meta.body.ticketTypes[1]).toEqual({ value: 'tech_support', label: 'Technical support' });
    const me = await http().get('/mp/v1/me');
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('an invite code signs in once; a reused, unknown or expired code is refused', async () => {
    const code = await invite(w.customerA);
    const formatted = `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`;
    const ok = await http().post('/mp/v1/auth/invite').send({ code: formatted, client: 'h5' });
    expect(ok.status).toBe(200);
    expect(ok.body.customer.id).toBe(w.customerA.id);
    expect(ok.body.contact.id).toBe(w.customerA.contactId);
    expect(new Date(ok.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(170 * 86_400_000);
    const me = await http().get('/mp/v1/me').set('Authorization', `Bearer ${ok.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ customer: { id: w.customerA.id }, owner: { name: w.rep.name, phone: '13900001111' }, contracts: null });
    const again = await http().post('/mp/v1/auth/invite').send({ code, client: 'h5' });
    expect([again.status, again.body.error.code]).toEqual([409, 'ALREADY_DONE']);
    const unknown = await http().post('/mp/v1/auth/invite').send({ code: 'ZZZZZZZZ' });
    expect([unknown.status, unknown.body.error.field]).toEqual([404, 'code']);
    const old = await invite(w.customerA);
    h.clock.advance(8 * 86_400_000);
    const expired = await http().post('/mp/v1/auth/invite').send({ code: old });
    h.clock.set(new Date());
    expect([expired.status, expired.body.error.code]).toEqual([422, 'EXPIRED']);
    const bad = await http().post('/mp/v1/auth/invite').send({ code: 1 });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'code']);
  });

  it('WeChat and Lark codes sign in silently once bound; unbound identities are told to use an invite', async () => {
    fake.wechatCode('wx1', 'openid-A');
    const token = await signIn(w.customerA, { wechatCode: 'wx1' });
    expect(token).toMatch(/^mp1\./);
    fake.wechatCode('wx2', 'openid-A');
    const silent = await http().post('/mp/v1/auth/wechat').send({ code: 'wx2' });
    expect(silent.status).toBe(200);
    expect(silent.body.customer.id).toBe(w.customerA.id);
    const reused = await http().post('/mp/v1/auth/wechat').send({ code: 'wx2' });
    expect([reused.status, reused.body.error.data.reason]).toEqual([401, 'bad_code']);
    fake.wechatCode('wx3', 'openid-stranger');
    const stranger = await http().post('/mp/v1/auth/wechat').send({ code: 'wx3' });
    expect([stranger.status, stranger.body.error.data.reason]).toEqual([401, 'not_bound']);

    const tokenB = await signIn(w.customerB);
    fake.larkCode('lk1', 'ou_customer_b');
    const bound = await http().post('/mp/v1/auth/bind').set('Authorization', `Bearer ${tokenB}`).send({ larkCode: 'lk1' });
    expect(bound.body).toEqual({ bound: 'lark' });
    fake.larkCode('lk2', 'ou_customer_b');
    const lark = await http().post('/mp/v1/auth/lark').send({ code: 'lk2' });
    expect(lark.status).toBe(200);
    expect(lark.body.customer.id).toBe(w.customerB.id);
    // A's WeChat identity cannot be bound to B.
    fake.wechatCode('wx4', 'openid-A');
    const steal = await http().post('/mp/v1/auth/bind').set('Authorization', `Bearer ${tokenB}`).send({ wechatCode: 'wx4' });
    expect([steal.status, steal.body.error.code]).toEqual([409, 'DUPLICATE']);
    const profile = await http().get('/mp/v1/profile').set('Authorization', `Bearer ${tokenB}`);
    expect(profile.body.bindings).toEqual({ wechat: false, lark: true });
  });

  it('an unreachable WeChat is a 503, an unconfigured one too; never a 500', async () => {
    const down = (await testApp(h.ctx, [mpRouter({ storage })], { ...env, WECHAT_API_BASE: 'http://127.0.0.1:9' })).app;
    const r = await request(down.callback()).post('/mp/v1/auth/wechat').send({ code: 'x' });
    expect([r.status, r.body.error.code]).toEqual([503, 'UNAVAILABLE']);
    const none = (await testApp(h.ctx, [mpRouter({ storage })], {})).app;
    const r2 = await request(none.callback()).post('/mp/v1/auth/lark').send({ code: 'x' });
    expect([r2.status, r2.body.error.code]).toEqual([503, 'UNAVAILABLE']);
  });

  it('tokens are signed, revocable and expire', async () => {
    const token = await signIn(w.customerA);
    const [p, id, exp, sig] = token.split('.');
    const forged = [p, String(Number(id) + 1), exp, sig].join('.');
    expect((await http().get('/mp/v1/me').set('Authorization', `Bearer ${forged}`)).status).toBe(401);
    const longer = [p, id, String(Number(exp) + 999), sig].join('.');
    expect((await http().get('/mp/v1/me').set('Authorization', `Bearer ${longer}`)).status).toBe(401);
    expect((await http().post('/mp/v1/auth/logout').set('Authorization', `Bearer ${token}`)).status).toBe(204);
    const after = await http().get('/mp/v1/me').set('Authorization', `Bearer ${token}`);
    expect([after.status, after.body.error.data.reason]).toEqual([401, 'revoked']);
    const t2 = await signIn(w.customerA);
    h.clock.advance(181 * 86_400_000);
    const old = await http().get('/mp/v1/me').set('Authorization', `Bearer ${t2}`);
    h.clock.set(new Date());
    expect([old.status, old.body.error.data.reason]).toEqual([401, 'expired']);
  });

  it('files a ticket with photos (multipart), shows it with signed photo URLs, comments, surveys and knowledge', async () => {
    const token = await signIn(w.customerA);
    const auth = { Authorization: `Bearer ${token}` };
    const created = await http().post('/mp/v1/tickets').set(auth).field('type', 'repair').field('description', '门禁坏了').attach('photos', PNG, { filename: 'door.png', contentType: 'image/png' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'repair', status: 'assigned', attachments: [{ name: 'door.png', mime: 'image/png' }] });
    const img = await http().get(created.body.attachments[0].url).buffer(true);
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(Buffer.from(img.body).equals(PNG)).toBe(true);
    // Change the signature's first character to a different one (always 'A' left it intact 1 time in 64).
    const tampered = created.body.attachments[0].url.replace(/sig=(.)/, (_: string, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
    expect(tampered).not.toBe(created.body.attachments[0].url);
    expect((await http().get(tampered)).status).toBe(404);

    const notImage = await http().post('/mp/v1/tickets').set(auth).field('type', 'repair').field('description', 'x').attach('photos', Buffer.from('hello'), { filename: 'a.txt', contentType: 'text/plain' });
    expect([notImage.status, notImage.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA']);
    const disguised = await http().post('/mp/v1/tickets').set(auth).field('type', 'repair').field('description', 'x').attach('photos', Buffer.from('<svg/>'), { filename: 'a.png', contentType: 'image/png' });
    expect(disguised.status).toBe(415);
    const huge = await http().post('/mp/v1/tickets').set(auth).field('type', 'repair').field('description', 'x').attach('photos', Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), { filename: 'big.png', contentType: 'image/png' });
    expect([huge.status, huge.body.error.field]).toEqual([413, 'photos']);
    const tooMany = http().post('/mp/v1/tickets').set(auth).field('type', 'repair').field('description', 'x');
    for (let i = 0; i < 7; i++) tooMany.attach('photos', PNG, { filename: `p${i}.png`, contentType: 'image/png' });
    expect((await tooMany).status).toBe(400);
    const noType = await http().post('/mp/v1/tickets').set(auth).send({ description: 'x' });
    expect([noType.status, noType.body.error.field]).toEqual([400, 'type']);

    // WeChat-style: one photo per request, typed application/octet-stream.
    const more = await http().post(`/mp/v1/tickets/${created.body.id}/attachments`).set(auth).attach('photos', PNG, { filename: 'tmp.bin', contentType: 'application/octet-stream' });
    expect(more.status).toBe(201);
    expect(more.body.attachments.map((a: { mime: string }) => a.mime)).toEqual(['image/png', 'image/png']);
    const noFile = await http().post(`/mp/v1/tickets/${created.body.id}/attachments`).set(auth).field('x', 'y');
    expect([noFile.status, noFile.body.error.field]).toEqual([400, 'photos']);
    const octetText = await http().post(`/mp/v1/tickets/${created.body.id}/attachments`).set(auth).attach('photos', Buffer.from('not an image'), { filename: 'a.bin', contentType: 'application/octet-stream' });
    expect(octetText.status).toBe(415);

    const json = await http().post('/mp/v1/tickets').set(auth).send({ type: 'consult', description: '怎么续费？', priority: 'high' });
    expect(json.status).toBe(201);
    const comment = await http().post(`/mp/v1/tickets/${json.body.id}/comments`).set(auth).send({ body: '补充：年付' });
    expect(comment.status).toBe(201);
    expect(comment.body.author.type).toBe('customer');
    const list = await http().get('/mp/v1/tickets?status=open&limit=1').set(auth);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.nextCursor).not.toBeNull();
    const page2 = await http().get(`/mp/v1/tickets?status=open&limit=1&cursor=${list.body.nextCursor}`).set(auth);
    expect(page2.body.items[0].id).not.toBe(list.body.items[0].id);

    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: json.body.id });
    const surveys = await http().get('/mp/v1/surveys').set(auth);
    const s = surveys.body.items.find((x: { ticket: { id: number } | null }) => x.ticket?.id === json.body.id);
    expect(s.kind).toBe('csat');
    const answered = await http().post(`/mp/v1/surveys/${s.id}/answer`).set(auth).send({ score: 5, comment: '很好' });
    expect(answered.body.answer.score).toBe(5);
    const twice = await http().post(`/mp/v1/surveys/${s.id}/answer`).set(auth).send({ score: 4 });
    expect(twice.status).toBe(409);
    const reopen = await http().post(`/mp/v1/tickets/${json.body.id}/reopen`).set(auth).send({ reason: '还有问题' });
    expect(reopen.body.status).toBe('assigned');

    const art = await createArticle(h.ctx, staff(w.agents[0]), { title: '门禁卡失效怎么办', body: '请到前台重新激活门禁卡。', tags: ['门禁'] });
    const found = await http().get(`/mp/v1/kb/search?q=${encodeURIComponent('门禁坏了')}`).set(auth);
    expect(found.body.items[0].id).toBe(art.id);
    const empty = await http().get('/mp/v1/kb/search?q=').set(auth);
    expect([empty.status, empty.body.error.field]).toEqual([400, 'q']);
    const article = await http().get(`/mp/v1/kb/articles/${art.id}`).set(auth);
    expect(article.body.myFeedback).toBeNull();
    const fb = await http().post(`/mp/v1/kb/articles/${art.id}/feedback`).set(auth).send({ helpful: true, query: '门禁' });
    expect(fb.body).toEqual({ helpful: { yes: 1, no: 0 }, myFeedback: true });
  });

  it('AUTHORIZATION MATRIX: customer A cannot read or change anything of customer B through any route', async () => {
    const tokenA = await signIn(w.customerA);
    const tokenB = await signIn(w.customerB);
    const A = { Authorization: `Bearer ${tokenA}` };
    const B = { Authorization: `Bearer ${tokenB}` };
    const bTicket = (await http().post('/mp/v1/tickets').set(B).field('type', 'repair').field('description', 'B 的机密问题').attach('photos', PNG, { filename: 'b.png', contentType: 'image/png' })).body;
    const bResolved = (await http().post('/mp/v1/tickets').set(B).send({ type: 'consult', description: 'B 已解决' })).body;
    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: bResolved.id });
    const bSurvey = (await http().get('/mp/v1/surveys').set(B)).body.items[0];
    expect(bSurvey).toBeDefined();
    const bAttachment = bTicket.attachments[0].id;
    const bSnapshot = async () => ({
      ticket: (await http().get(`/mp/v1/tickets/${bTicket.id}`).set(B)).body,
      resolved: (await http().get(`/mp/v1/tickets/${bResolved.id}`).set(B)).body,
      survey: (await http().get(`/mp/v1/surveys/${bSurvey.id}`).set(B)).body,
      profile: (await http().get('/mp/v1/profile').set(B)).body,
    });
    const before = await bSnapshot();

    type Probe = { method: 'get' | 'post' | 'patch'; path: string; route: string; body?: object; attach?: boolean; expect: (res: request.Response) => void };
    const notFound = (res: request.Response) => expect([res.status, res.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    const noB = (res: request.Response) => {
      expect(res.status).toBeLessThan(300);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('B 的机密问题');
      expect(text).not.toContain(`"customer":{"id":${w.customerB.id}`);
    };
    const probes: Probe[] = [
      { method: 'get', route: '/mp/v1/meta', path: '/mp/v1/meta', expect: noB },
      { method: 'get', route: '/mp/v1/openapi.json', path: '/mp/v1/openapi.json', expect: noB },
      { method: 'get', route: '/mp/v1/me', path: `/mp/v1/me?customerId=${w.customerB.id}`, expect: (r) => expect(r.body.customer.id).toBe(w.customerA.id) },
      { method: 'get', route: '/mp/v1/profile', path: `/mp/v1/profile?contactId=${w.customerB.contactId}`, expect: (r) => expect(r.body.contact.id).toBe(w.customerA.contactId) },
      { method: 'patch', route: '/mp/v1/profile', path: '/mp/v1/profile', body: { name: '篡改', contactId: w.customerB.contactId, customerId: w.customerB.id }, expect: (r) => expect(r.status === 400 || r.body.contact.id === w.customerA.contactId).toBe(true) },
      { method: 'get', route: '/mp/v1/tickets', path: `/mp/v1/tickets?customerId=${w.customerB.id}&status=all`, expect: (r) => { noB(r); expect(r.body.items.map((x: { id: number }) => x.id)).not.toContain(bTicket.id); } },
      { method: 'post', route: '/mp/v1/tickets', path: '/mp/v1/tickets', body: { type: 'consult', description: 'A 提交', customerId: w.customerB.id, contactId: w.customerB.contactId }, expect: (r) => expect(r.status).toBe(201) },
      { method: 'get', route: '/mp/v1/tickets/:id', path: `/mp/v1/tickets/${bTicket.id}`, expect: notFound },
      { method: 'post', route: '/mp/v1/tickets/:id/attachments', path: `/mp/v1/tickets/${bTicket.id}/attachments`, attach: true, expect: notFound },
      { method: 'post', route: '/mp/v1/tickets/:id/comments', path: `/mp/v1/tickets/${bTicket.id}/comments`, body: { body: 'A 在 B 的工单上评论' }, expect: notFound },
      { method: 'post', route: '/mp/v1/tickets/:id/reopen', path: `/mp/v1/tickets/${bResolved.id}/reopen`, body: { reason: 'A 重新打开' }, expect: notFound },
      { method: 'get', route: '/mp/v1/attachments/:id', path: `/mp/v1/attachments/${bAttachment}`, expect: notFound },
      { method: 'get', route: '/mp/v1/surveys', path: `/mp/v1/surveys?status=all&customerId=${w.customerB.id}`, expect: (r) => expect(r.body.items.map((x: { id: number }) => x.id)).not.toContain(bSurvey.id) },
      { method: 'get', route: '/mp/v1/surveys/:id', path: `/mp/v1/surveys/${bSurvey.id}`, expect: notFound },
      { method: 'post', route: '/mp/v1/surveys/:id/answer', path: `/mp/v1/surveys/${bSurvey.id}/answer`, body: { score: 1 }, expect: notFound },
      { method: 'get', route: '/mp/v1/kb/search', path: '/mp/v1/kb/search?q=%E6%9C%BA%E5%AF%86', expect: noB },
      { method: 'get', route: '/mp/v1/kb/articles/:id', path: '/mp/v1/kb/articles/999999', expect: notFound },
      { method: 'post', route: '/mp/v1/kb/articles/:id/feedback', path: '/mp/v1/kb/articles/999999/feedback', body: { helpful: false }, expect: notFound },
      { method: 'post', route: '/mp/v1/auth/bind', path: '/mp/v1/auth/bind', body: { wechatCode: 'unknown-code' }, expect: (r) => expect(r.status).toBe(401) },
      { method: 'post', route: '/mp/v1/auth/invite', path: '/mp/v1/auth/invite', body: { code: 'AAAAAAAA' }, expect: notFound },
      { method: 'post', route: '/mp/v1/auth/wechat', path: '/mp/v1/auth/wechat', body: { code: 'nope' }, expect: (r) => expect(r.status).toBe(401) },
      { method: 'post', route: '/mp/v1/auth/lark', path: '/mp/v1/auth/lark', body: { code: 'nope' }, expect: (r) => expect(r.status).toBe(401) },
      { method: 'post', route: '/mp/v1/auth/logout', path: '/mp/v1/auth/logout', expect: (r) => expect(r.status).toBe(204) },
    ];
    // Every route the router declares is probed (new routes must be added here).
    const router = (await mpRouter({ storage })({ core: h.ctx, config: testConfig(env), logger: memoryLogger().logger })) as Router;
    const declared = router.stack.flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${l.path}`)).sort();
    expect(probes.map((p) => `${p.method.toUpperCase()} ${p.route}`).sort()).toEqual(declared);

    for (const p of probes) {
      const req = http()[p.method](p.path).set(A);
      const res = p.attach ? await req.attach('photos', PNG, { filename: 'x.png', contentType: 'image/png' }) : p.body ? await req.send(p.body) : await req;
      p.expect(res);
    }
    // A's own attachment URL cannot be bent to B's attachment id.
    const after = await bSnapshot();
    expect(after).toEqual(before);
    // B's session still works: A's logout only revoked A.
    expect((await http().get('/mp/v1/me').set(B)).status).toBe(200);
  });

  it('rate limits sign-in per IP and requests per session', async () => {
    const limited = (await testApp(h.ctx, [mpRouter({ storage, limits: { signInPerMinute: 3, sessionPerMinute: 5 } })], env)).app;
    const r = () => request(limited.callback());
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await r().post('/mp/v1/auth/invite').send({ code: 'WRONG' + i })).status);
    expect(codes).toContain(429);
    const res = await r().post('/mp/v1/auth/invite').send({ code: 'WRONG9' });
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const token = (await http().post('/mp/v1/auth/invite').send({ code: await invite(w.customerA) })).body.token;
    const statuses = await Promise.all(Array.from({ length: 8 }, () => r().get('/mp/v1/me').set('Authorization', `Bearer ${token}`).then((x) => x.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
  });
});
