import * as lark from '@larksuiteoapi/node-sdk';
import { QueryTypes } from 'sequelize';
import type { CoreContext } from '../core/context';
import type { Job } from '../core/registry';
import { createLarkClient, larkDomain, sdkLogger } from './client';
import type { LarkBot } from './dispatcher';
import { botFor, type BotProcessDeps } from './instance';
import { OutboxWorker } from './outbox/worker';
import { sendLimitsFor } from './outbox/budget';
import { sweepSendBudget } from './outbox/budget-db';
import { LarkOrgDirectory } from './org-directory';
import { syncOrg } from '../core/org/sync';
import { underLease } from '../core/db/lease';

export type { BotProcessDeps };

/** A background loop that is not cron-shaped: started and stopped with the process. */
export interface Worker {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The bot's background loops: outbox delivery, the inbox sweeper (events left pending by a crash between
 * acknowledgement and processing, or waiting for a retry), and the long-connection client when LARK_MODE=ws.
 */
export function botWorkers(deps: BotProcessDeps): Worker[] {
  return [outboxWorker(deps), inboxWorker(deps), wsWorker(deps)];
}

/** The bot's scheduled jobs (the daily org sync only when a Lark app is configured). */
export function botJobs(deps: BotProcessDeps): Job[] {
  return [...(deps.config.lark.appId && deps.config.lark.appSecret ? [orgSyncJob(deps)] : []), larkRetentionJob];
}

/**
 * Every night a full org sync (core/org/sync.ts) catches whatever the contact events missed; under a lease, so
 * one process of several runs it. Logged with its counts.
 */
export function orgSyncJob(deps: BotProcessDeps): Job {
  return {
    name: 'org.sync',
    cron: '17 3 * * *',
    run: async (core) => {
      const client = createLarkClient(deps.config.lark, deps.logger);
      if (!client) return { skipped: true };
      const dir = new LarkOrgDirectory(client);
      const r = await underLease(core, 'org.sync', 30 * 60_000, () => syncOrg(core, dir, { channel: 'job' }));
      if ('skipped' in r) return r;
      return { requests: dir.requests, added: r.added.length, moved: r.moved.length, promoted: r.promoted.length, deactivated: r.deactivated.length, reactivated: r.reactivated.length, warnings: r.warnings };
    },
  };
}

export function outboxWorker(deps: BotProcessDeps): Worker {
  const limits = sendLimitsFor(deps.core.db, deps.redis);
  const w = new OutboxWorker({ core: deps.core, logger: deps.logger, client: createLarkClient(deps.config.lark, deps.logger), registry: botFor(deps.core, deps.logger, deps.config, deps.registry, deps.dictionary).registry, limits });
  deps.logger.debug({ store: limits.store.kind }, 'outbox: Lark send budget');
  return { name: 'lark-outbox', start: () => w.start(), stop: () => w.stop() };
}

/** Every few seconds: process inbox rows still pending (older than `minAgeMs`, so fresh ones are left to their own process). */
export function inboxWorker(deps: BotProcessDeps, opts: { intervalMs?: number; minAgeMs?: number; bot?: LarkBot } = {}): Worker {
  const bot = opts.bot ?? botFor(deps.core, deps.logger, deps.config, deps.registry, deps.dictionary);
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
export function wsWorker(deps: BotProcessDeps): Worker {
  const cfg = deps.config;
  let client: lark.WSClient | null = null;
  return {
    name: 'lark-ws',
    start: () => {
      if (cfg.lark.mode !== 'ws' || !cfg.lark.appId || !cfg.lark.appSecret) return;
      const bot = botFor(deps.core, deps.logger, cfg, deps.registry, deps.dictionary);
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

/**
 * Retention: processed inbox rows are kept 3 days (Lark re-sends an event for ~7 hours, so de-duplication
 * needs far less), card-click idempotency keys 60 days (cards stay clickable 14–30 days). Batches of 1,000.
 */
export async function sweepLarkRetention(core: CoreContext, now = core.clock.now()): Promise<{ inbox: number; actions: number }> {
  const out = { inbox: 0, actions: 0 };
  const sweep = async (select: string, del: string, cut: Date): Promise<number> => {
    let total = 0;
    for (;;) {
      const ids = (await core.db.select<{ id: number }>(select, { cut })).map((r) => r.id);
      if (!ids.length) return total;
      await core.db.tx((t) => core.db.sequelize.query(del, { type: QueryTypes.DELETE, transaction: t, replacements: { ids } }));
      total += ids.length;
      if (ids.length < 1000) return total;
    }
  };
  out.inbox = await sweep(
    "SELECT id FROM lark_inbox WHERE received_at < :cut AND status <> 'pending' ORDER BY received_at LIMIT 1000",
    'DELETE FROM lark_inbox WHERE id IN (:ids)',
    new Date(now.getTime() - 3 * 86_400_000),
  );
  await sweepSendBudget(core.db, now);
  out.actions = await sweep('SELECT id FROM action_log WHERE created_at < :cut ORDER BY created_at LIMIT 1000', 'DELETE FROM action_log WHERE id IN (:ids)', new Date(now.getTime() - 60 * 86_400_000));
  return out;
}

export const larkRetentionJob: Job = { name: 'lark-retention', cron: '23 4 * * *', run: (core) => sweepLarkRetention(core) };
