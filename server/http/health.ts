import Router from '@koa/router';
import type { Db } from '../../core/db/connection';

/** GET /healthz: 200 when the database answers, 503 when it does not; recovers on its own when it is back. */
export function healthRouter(db: Db): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const started = Date.now();
    try {
      await db.ping(1_500);
      ctx.body = { status: 'ok', database: { dialect: db.dialect, reachable: true, latencyMs: Date.now() - started } };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', database: { dialect: db.dialect, reachable: false } };
    }
  });
  return router;
}
