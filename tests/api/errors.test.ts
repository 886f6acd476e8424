import Router from '@koa/router';
import request from 'supertest';
import { z } from 'zod';
import { AppError, ERROR_MESSAGES, type ErrorCode } from '../../core/errors';
import { parseInput } from '../../core/validation';
import { HTTP_STATUS } from '../../server/http/errors';
import { jsonBody } from '../../server/app';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';

const routes = () => {
  const r = new Router();
  r.get('/boom/:code', (ctx) => {
    throw new AppError(ctx.params.code as ErrorCode, { field: ctx.query.field as string | undefined });
  });
  r.get('/crash', () => {
    throw new Error('secret internal detail at db.js:42');
  });
  r.post('/echo', jsonBody(), (ctx) => {
    const body = parseInput(z.object({ name: z.string().min(1), age: z.number().int() }), ctx.request.body);
    ctx.body = body;
  });
  return r;
};

describeEachDb('error middleware', (h) => {
  it.each(Object.keys(ERROR_MESSAGES).filter((c) => c !== 'INTERNAL') as ErrorCode[])('AppError %s → its status and {error: {code, message}}', async (code) => {
    const { app } = await testApp(h.ctx, [routes]);
    const res = await request(app.callback()).get(`/boom/${code}`);
    expect(res.status).toBe(HTTP_STATUS[code]);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toBe(ERROR_MESSAGES[code]['zh-CN']);
  });

  it('answers in English when asked, and names the field', async () => {
    const { app } = await testApp(h.ctx, [routes]);
    const res = await request(app.callback()).get('/boom/VALIDATION?field=phone').set('Accept-Language', 'en-US');
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'VALIDATION', message: 'Invalid input (field: phone)', field: 'phone' });
  });

  it('an unknown error is logged with the request id and answered 500 without detail', async () => {
    const { app, logs } = await testApp(h.ctx, [routes]);
    const res = await request(app.callback()).get('/crash').set('X-Request-Id', 'req-123');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: '系统内部错误', requestId: 'req-123' } });
    expect(JSON.stringify(res.body)).not.toContain('secret internal detail');
    const logged = logs().find((l) => l.requestId === 'req-123');
    expect(logged?.msg).toBe('unhandled error');
    expect(JSON.stringify(logged)).toContain('secret internal detail');
  });

  it('malformed JSON is a 400, not a 500', async () => {
    const { app } = await testApp(h.ctx, [routes]);
    const res = await request(app.callback()).post('/echo').set('Content-Type', 'application/json').send('{"name": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION');
  });

  it('a body over the limit is a 413', async () => {
    const { app } = await testApp(h.ctx, [routes]);
    const res = await request(app.callback()).post('/echo').set('Content-Type', 'application/json').send(JSON.stringify({ name: 'x'.repeat(1_100_000), age: 1 }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a schema violation names the field', async () => {
    const { app } = await testApp(h.ctx, [routes]);
    const res = await request(app.callback()).post('/echo').send({ name: 'a', age: 'old' });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('age');
    const ok = await request(app.callback()).post('/echo').send({ name: 'a', age: 3 });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ name: 'a', age: 3 });
  });

  it('an unknown route is a 404 in the same shape', async () => {
    const { app } = await testApp(h.ctx, [routes]);
    const res = await request(app.callback()).get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('AppError', () => {
  it('a refusal carries no stack trace (it is an answer), a fault keeps its own, and the global limit is left as it was', () => {
    const before = Error.stackTraceLimit;
    const refusal = new AppError('CONFLICT');
    expect(refusal.stack?.split('\n')).toHaveLength(1);
    expect(refusal.message).toBe(ERROR_MESSAGES.CONFLICT.en);
    const fault = new AppError('INTERNAL');
    expect(fault.stack?.split('\n').length).toBeGreaterThan(1);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('x').stack?.split('\n').length).toBeGreaterThan(1);
  });
});
