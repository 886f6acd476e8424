import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Router from '@koa/router';
import request from 'supertest';
import { createApp } from '../../server/app';
import { h5StaticRouter } from '../../server/http/static';
import { memoryLogger, testConfig } from '../helpers/app';
import type { CoreContext } from '../../core/context';

// The static router never touches the database; /healthz is not requested here.
const core = { db: {} } as unknown as CoreContext;

async function appFor(root: string) {
  const api = () => {
    const r = new Router();
    r.get('/mp/v1/ping', (ctx) => {
      ctx.body = { pong: true };
    });
    return r;
  };
  return createApp({ core, config: testConfig(), logger: memoryLogger().logger }, { routers: [api, h5StaticRouter(root)] });
}

describe('H5 static serving', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'h5-'));
    fs.mkdirSync(path.join(root, 'js'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!DOCTYPE html><div id="app"></div>');
    fs.writeFileSync(path.join(root, 'js/app.0123abcd.js'), 'console.log("x");'.repeat(200));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('serves index.html at / and as the SPA fallback for page paths', async () => {
    const app = await appFor(root);
    for (const p of ['/', '/pages/home/index', '/tickets/detail/index?id=3']) {
      const res = await request(app.callback()).get(p);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('<div id="app">');
    }
  });

  it('serves hashed assets gzipped and immutable, and 404s a missing asset', async () => {
    const app = await appFor(root);
    const res = await request(app.callback()).get('/js/app.0123abcd.js').set('Accept-Encoding', 'gzip').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['cache-control']).toContain('immutable');
    // supertest inflates the body; the header proves it travelled gzipped.
    expect((res.body as Buffer).toString()).toContain('console.log');
    expect((await request(app.callback()).get('/js/missing.js')).status).toBe(404);
  });

  it('never shadows the API prefixes and cannot escape its directory', async () => {
    const app = await appFor(root);
    expect((await request(app.callback()).get('/mp/v1/ping')).body).toEqual({ pong: true });
    expect((await request(app.callback()).get('/mp/v1/unknown')).status).toBe(404);
    expect((await request(app.callback()).get('/api/v1/unknown')).status).toBe(404);
    expect((await request(app.callback()).get('/lark/unknown')).status).toBe(404);
    const esc = await request(app.callback()).get('/..%2f..%2fetc%2fpasswd');
    expect(esc.text).not.toContain('root:');
  });

  it('answers 503 with a hint when the H5 build is missing', async () => {
    const app = await appFor(path.join(root, 'nope'));
    const res = await request(app.callback()).get('/');
    expect(res.status).toBe(503);
    expect(res.text).toContain('npm run build:h5');
  });
});
