import http from 'node:http';
import Router from '@koa/router';
import { startServer } from '../../server/process';
import { composeProcess } from '../../server/compose';
import { freshDatabase } from '../helpers/db';
import { memoryLogger, testConfig } from '../helpers/app';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('process', () => {
  it('migrates, serves, and on shutdown finishes in-flight requests before closing', async () => {
    const tdb = await freshDatabase('sqlite');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = () => {
      const r = new Router();
      r.get('/test/slow', async (ctx) => {
        await gate;
        ctx.body = { done: true };
      });
      return r;
    };
    try {
      const { logger } = memoryLogger();
      // the process as composed, with the slow route first (before the H5 static fallback, which is mounted last)
      const compose = (deps: Parameters<typeof composeProcess>[0]) => {
        const c = composeProcess(deps);
        return { ...c, routers: [slow, ...c.routers] };
      };
      const running = await startServer(testConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1' }), logger, { compose });
      expect((await get(running.port, '/healthz')).status).toBe(200);

      const inflight = get(running.port, '/test/slow');
      await new Promise((r) => setTimeout(r, 50));
      const closing = running.close(5_000);
      await new Promise((r) => setTimeout(r, 50));
      await expect(get(running.port, '/healthz')).rejects.toThrow(); // no longer accepting
      release();
      expect(await inflight).toEqual({ status: 200, body: '{"done":true}' });
      await closing;
    } finally {
      await tdb.drop();
    }
  });
});
