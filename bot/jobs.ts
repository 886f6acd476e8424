import * as lark from '@larksuiteoapi/node-sdk';
import { loadConfig, type Config } from '../server/config';
import type { JobDeps, Worker } from '../server/jobs';
import { createLarkClient, larkDomain } from './client';
import { sdkLogger, type LarkBot } from './dispatcher';
import { botFor } from './instance';
import { OutboxWorker } from './outbox/worker';

/**
 * The bot's background loops (server/jobs.ts WORKERS): outbox delivery, the inbox sweeper (events left
 * pending by a crash between acknowledgement and processing, or waiting for a retry), and the
 * long-connection client when LARK_MODE=ws. Configuration comes from the environment (validated at start-up).
 */
function config(): Config | null {
  try {
    return loadConfig();
  } catch {
    return null;
  }
}

export function outboxWorker(deps: JobDeps): Worker {
  const cfg = config();
  const w = new OutboxWorker({ core: deps.core, logger: deps.logger, client: cfg ? createLarkClient(cfg.lark, deps.logger) : null });
  return { name: 'lark-outbox', start: () => w.start(), stop: () => w.stop() };
}

/** Every few seconds: process inbox rows still pending (older than `minAgeMs`, so fresh ones are left to their own process). */
export function inboxWorker(deps: JobDeps, opts: { intervalMs?: number; minAgeMs?: number; bot?: LarkBot } = {}): Worker {
  const bot = opts.bot ?? botFor(deps.core, deps.logger, config()?.locale);
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    running = bot
      .processPending(50, opts.minAgeMs ?? 5_000)
      .catch((err) => deps.logger.error({ err }, 'inbox sweep failed'))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(tick, opts.intervalMs ?? 5_000);
      });
  };
  return {
    name: 'lark-inbox',
    start: () => {
      stopped = false;
      // At start-up, everything pending is from before the restart: no age filter for the first sweep.
      running = bot
        .processPending(500, 0)
        .catch((err) => deps.logger.error({ err }, 'inbox sweep failed'))
        .finally(() => {
          running = null;
          if (!stopped) timer = setTimeout(tick, opts.intervalMs ?? 5_000);
        });
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await bot.idle();
    },
  };
}

/** LARK_MODE=ws: a lark.WSClient feeding the same dispatcher as the webhook routes (Feishu self-built apps). */
export function wsWorker(deps: JobDeps): Worker {
  const cfg = config();
  let client: lark.WSClient | null = null;
  return {
    name: 'lark-ws',
    start: () => {
      if (!cfg || cfg.lark.mode !== 'ws' || !cfg.lark.appId || !cfg.lark.appSecret) return;
      const bot = botFor(deps.core, deps.logger, cfg.locale);
      client = new lark.WSClient({ appId: cfg.lark.appId, appSecret: cfg.lark.appSecret, domain: larkDomain(cfg.lark.domain), logger: sdkLogger(deps.logger), loggerLevel: lark.LoggerLevel.warn });
      void client.start({ eventDispatcher: bot.sdkDispatcher() });
      deps.logger.info('Lark long connection (ws) started');
    },
    stop: async () => {
      client?.close({ force: true });
      client = null;
    },
  };
}

export const BOT_WORKERS = [outboxWorker, (deps: JobDeps) => inboxWorker(deps), wsWorker];
