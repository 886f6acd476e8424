import request from 'supertest';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { createLeadForm } from '../../core/leads/forms';
import { publicLeadsRouter } from '../../server/api/public-leads';

jest.setTimeout(30_000); // MySQL migrations on a shared, busy server can exceed the default 5 s

describeEachDb('POST /api/v1/public/leads', (h) => {
  let token: string;
  let server: ReturnType<typeof request>;
  beforeAll(async () => {
    token = (await createLeadForm(h.ctx, { kind: 'system' }, { name: 'Website', source: '官网', campaign: 'q4-landing' })).token;
    const { app } = await testApp(h.ctx, [publicLeadsRouter({ perIpPerMinute: 6 })]);
    server = request(app.callback());
  });
  const leads = () => h.db.select<{ company: string; source: string; campaign: string }>('SELECT company, source, campaign FROM leads ORDER BY id');

  it('stores a lead with the form\'s source and the campaign (utm_campaign wins over the form default)', async () => {
    const pre = await server.options('/api/v1/public/leads').set('Origin', 'https://landing.example').set('Access-Control-Request-Method', 'POST');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    const r = await server.post('/api/v1/public/leads').send({ token, company: '远航科技', name: '王伟', phone: '13800000001', utm_campaign: 'wechat-ad' });
    expect(r.status).toBe(202);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.body).toEqual({ accepted: true });
    // an HTML form post works too
    const f = await server.post('/api/v1/public/leads').type('form').send({ token, company: '星海集团', email: 'a@xinghai.cn' });
    expect(f.status).toBe(202);
    expect(await leads()).toEqual([
      { company: '远航科技', source: '官网', campaign: 'wechat-ad' },
      { company: '星海集团', source: '官网', campaign: 'q4-landing' },
    ]);
  });

  it('a filled honeypot gets the same answer and stores nothing; a duplicate is linked', async () => {
    const r = await server.post('/api/v1/public/leads').send({ token, company: 'Spam Inc', email: 'x@spam.io', website: 'http://spam' });
    expect(r.status).toBe(202);
    const d = await server.post('/api/v1/public/leads').send({ token, company: '远航科技有限公司' });
    expect(d.status).toBe(202);
    expect(await leads()).toHaveLength(2);
  });

  it('rejects a bad token (401) and bad fields (400 naming the field), then rate limits (429 with Retry-After)', async () => {
    const bad = await server.post('/api/v1/public/leads').send({ token: 'lf_nope_nope', company: 'X' });
    expect(bad.status).toBe(401);
    // 6 per minute per IP: 5 used above, this is the 6th
    const field = await server.post('/api/v1/public/leads').send({ token, company: 'Y', phone: 'abc' });
    expect(field.status).toBe(400);
    expect(JSON.stringify(field.body)).toContain('phone');
    const limited = await server.post('/api/v1/public/leads').send({ token, company: 'Z', email: 'z@z.io' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
