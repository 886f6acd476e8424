import type { Redis } from 'ioredis';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { CoreContext } from '../core/context';
import type { Config } from './config';
import type { Logger } from './logger';
import { errorMiddleware } from './http/errors';
import { healthRouter } from './http/health';
import { inputGuard } from './http/input-guard';
import { requestIdMiddleware } from './http/request-id';
import { metricsFor, metricsRouter } from './metrics';

export interface AppDeps {
  core: CoreContext;
  config: Config;
  logger: Logger;
  /** REDIS_URL's client, when set (shared limits and the send budget); null/absent → the database or memory. */
  redis?: Redis | null;
}

/** A transport module contributes routers; each owns its body parsing (the Lark routes need raw bytes). */
export type RouterFactory = (deps: AppDeps) => Router | Promise<Router>;

export interface AppOptions {
  /** Routers mounted after /healthz, in order. */
  routers?: RouterFactory[];
}

export async function createApp(deps: AppDeps, options: AppOptions = {}): Promise<Koa> {
  const app = new Koa({ proxy: deps.config.trustProxy });
  app.silent = true; // errors are logged by errorMiddleware, once
  const metrics = metricsFor(deps.core, deps.logger); // the process's (shared with its scheduler)
  app.use(requestIdMiddleware()); // first: every later line of the request's work carries its id
  app.use(metrics.http()); // counts and times what the error mapping answered
  app.use(errorMiddleware(deps.logger, deps.config.locale));
  app.use(inputGuard()); // the input policy for every query and parsed body, before any route runs
  const health = healthRouter(deps.core.db);
  app.use(health.routes()).use(health.allowedMethods());
  const scrape = metricsRouter(metrics, deps.config.metricsToken); // GET /metrics: token, or loopback only
  app.use(scrape.routes()).use(scrape.allowedMethods());
  for (const factory of options.routers ?? []) {
    const router = await factory(deps);
    app.use(router.routes()).use(router.allowedMethods());
  }
  return app;
}

/** JSON body parsing for API routers: 1 MB limit, JSON only, raw body kept. */
export const jsonBody = () => bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' });
