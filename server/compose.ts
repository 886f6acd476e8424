import { createContext } from '../core/compose';
import type { CoreContext } from '../core/context';
import type { Db } from '../core/db/connection';
import type { Job } from '../core/registry';
import { botJobs, botWorkers, type BotProcessDeps, type Worker } from '../bot/jobs';
import { composeBot } from '../bot/compose';
import { DictionaryCache } from '../core/intent/dictionary-loader';
import { larkRouter } from '../bot/routes';
import type { AppDeps, RouterFactory } from './app';
import { botConfigOf, type Config } from './config';
import { h5StaticRouter } from './http/static';
import { openApiRouter } from './api/openapi';
import { API_OPERATIONS } from './api';
import { mpRouter } from './mp/routes';
import { customersApiRouter } from './api/customers';
import { publicLeadsRouter } from './api/public-leads';
import { calendarRouter } from './http/calendar';
import { contractsApiRouter } from './api/contracts';
import { opportunitiesApiRouter } from './api/opportunities';
import type { Sandbox } from './sandbox';
import { sandboxOffRouter, sandboxRouter } from './sandbox/routes';

/**
 * The composition root: what the CRM process contains, in one place.
 * - routers: every HTTP router, mounted in this order after /healthz;
 * - jobs: the cron jobs the scheduler runs (CRM_JOBS=on);
 * - workers: the background loops started and stopped with the process (CRM_JOBS=on).
 * CRM_ROLE decides which of them this process has: web → the routers only; worker → the jobs and workers only
 * (HTTP answers /healthz); all (default) → everything.
 * The bot's intents, card actions and renderers are listed in bot/compose.ts (composeBot); the core's
 * contexts in core/compose.ts. server/process.ts starts what this returns; nothing registers itself on import.
 * The chat sandbox (server/sandbox/, when `sandbox` is given) is known here and in server/process.ts only: the bot
 * gets an ordinary configuration (deps.config, already pointed at the sandbox's Open API) and never knows.
 */
export interface ProcessComposition {
  routers: RouterFactory[];
  jobs: Job[];
  workers: Worker[];
}

export function composeProcess(deps: AppDeps, sandbox: Sandbox | null = null): ProcessComposition {
  // The bot: its own slice of the configuration (it never reads the environment or imports server/) and
  // everything it understands and sends (bot/compose.ts), shared by its router, its jobs and its workers.
  // One customer dictionary per process (chat understanding), refreshed incrementally by the bot before it reads a
  // message; every process keeps its own copy.
  const bot: BotProcessDeps = { core: deps.core, logger: deps.logger, config: botConfigOf(deps.config), registry: composeBot(), redis: deps.redis ?? null, dictionary: new DictionaryCache(deps.core.db, 0) };
  // CRM_ROLE: a web process serves HTTP only; a worker runs the jobs and the background loops (and answers /healthz).
  const role = deps.config.role ?? 'all';
  const web = role !== 'worker';
  const worker = role !== 'web';
  return {
    routers: !web ? [] : [
      openApiRouter(API_OPERATIONS),
      customersApiRouter,
      publicLeadsRouter(),
      calendarRouter,
      mpRouter(),
      contractsApiRouter,
      opportunitiesApiRouter,
      () => larkRouter(bot), // POST /lark/events, POST /lark/cards
      sandbox ? sandboxRouter(sandbox) : sandboxOffRouter(), // /sandbox: the chat sandbox, or 404 when it is off
      // Add new routers above this line.
      h5StaticRouter(), // KEEP LAST: the built H5 mini-program at / with an SPA fallback (never /api, /mp, /lark, /healthz)
    ],
    // The core's (core/compose.ts) and the bot's; in the sandbox no org sync (its directory is empty: everyone would leave).
    jobs: !worker ? [] : [...deps.core.registry.jobs, ...botJobs(bot).filter((j) => !sandbox || j.name !== 'org.sync')],
    workers: !worker ? [] : [...botWorkers(bot)],
  };
}

/** The core context every entry point (server, CLI) builds from its configuration. */
export function createCore(db: Db, config: Config): CoreContext {
  return createContext(db, { timezone: config.timezone, locale: config.locale });
}
