import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Redis } from 'ioredis';
import { createDb, sqliteStorage } from '../core/db/connection';
import { claimJobSlot } from '../core/db/lease';
import { lockSqliteFile, type SqliteLock } from './sqlite-lock';
import { migrate } from '../core/db/migrator';
import { checkBufferPool } from './cli/doctor';
import { createApp, type AppDeps } from './app';
import { composeProcess, createCore, type ProcessComposition } from './compose';
import { redactUrl, type Config } from './config';
import type { Logger } from './logger';
import { demoInviteOf, localUrlOf, publicUrlOf, startupBanner, type DemoInvite } from './startup-banner';
import { seedDemo } from './seed';
import { startJobs, type RunningJobs } from './jobs';
import { larkCheck } from '../bot/lark-check';
import { startSandbox, sandboxUrl, type Sandbox } from './sandbox';

export interface RunningServer {
  port: number;
  server: http.Server;
  /** The chat sandbox when it is on (server/sandbox/). */
  sandbox: Sandbox | null;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), stops jobs, closes the pool. */
  close(graceMs?: number): Promise<void>;
  /** What to show a person starting it (server/startup-banner.ts): the URLs, the demo invite. main.ts prints it. */
  banner: string[];
}

export interface ServerOptions {
  /** What the process contains (default: composeProcess, server/compose.ts); tests wrap it. */
  compose?: (deps: AppDeps, sandbox: Sandbox | null) => ProcessComposition;
}

export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  // SQLite is single-process: a second server on the same file refuses to start (server/sqlite-lock.ts).
  const storage = config.databaseUrl.startsWith('sqlite:') ? sqliteStorage(config.databaseUrl) : null;
  const lock: SqliteLock | null = storage && storage !== ':memory:' ? lockSqliteFile(storage) : null;
  const db = createDb(config.databaseUrl);
  logger.info({ database: redactUrl(config.databaseUrl), dialect: db.dialect, role: config.role ?? 'all' }, 'connecting to database');
  // REDIS_URL: the Lark send budget and the HTTP rate limits live there (else in the database on MySQL).
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: true }) : null;
  redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const applied = await migrate(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  // MySQL: warn when InnoDB's buffer pool is smaller than the customer tables (same check as `crm doctor`).
  const pool = await checkBufferPool(db, config.locale).catch(() => null);
  if (pool && !pool.ok) logger.warn({ bufferPoolBytes: pool.poolBytes, customerTablesBytes: pool.tableBytes, suggestedBytes: pool.suggestedBytes }, pool.message);
  const core = createCore(db, config);
  let invite: DemoInvite | null = null;
  if (config.demoSeed) {
    const seeded = await seedDemo(core);
    if (seeded.seeded) logger.info(seeded, 'demo data seeded (first run)');
    invite = await demoInviteOf(core, seeded);
  }
  // The chat sandbox (CRM_SANDBOX, no Lark app): the process runs with its configuration (the bot's Lark section
  // pointed at the built-in Open API, fresh secrets); the sandbox is then just another Lark to the bot.
  const sandbox = await startSandbox(config, core, logger);
  const deps = { core, config: sandbox?.config ?? config, logger, redis };
  const composed = (options.compose ?? composeProcess)(deps, sandbox);
  const app = await createApp(deps, { routers: composed.routers });
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (e) {
    await sandbox?.close(); // its Open API listens too: a failed start leaves nothing behind
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  // Each tick of a job runs in one process of several (its scheduled time claimed in job_leases).
  const holder = `${os.hostname()}:${process.pid}`.slice(0, 64);
  const jobs: RunningJobs | null = config.jobs
    ? startJobs(deps, { jobs: composed.jobs, workers: composed.workers, claim: (job, slot) => claimJobSlot(db, job, slot, holder), cronOverride: config.jobsCron })
    : null;
  logger.info({ port, host: config.host }, 'CRM listening');
  if (sandbox) {
    logger.info({ url: sandboxUrl(config.host, port), remote: sandbox.mode.allowRemote }, `chat sandbox: open ${sandboxUrl(config.host, port)}`);
    if (!config.jobs) logger.warn('CRM_JOBS=off: the outbox worker is off, so the sandbox shows no bot answers');
  }
  // With a Lark app configured: the setup check (`crm lark check`) in summary form, one line per problem, in the
  // background (start-up never waits on the platform).
  if (config.lark.appId && !sandbox) {
    void larkCheck(config.lark, { serverUrl: null })
      .then((lines) => {
        for (const l of lines.filter((x) => !x.ok)) logger[l.level === 'error' ? 'warn' : 'info']({ lark: 'check', fix: l.fix }, `lark check: ${l.what}`);
      })
      .catch((err) => logger.warn({ err }, 'lark check could not run'));
  }

  const localUrl = localUrlOf(config.host, port);
  const banner = startupBanner({ config, localUrl, publicUrl: publicUrlOf(config, localUrl), invite, pid: process.pid, sandboxUrl: sandbox ? sandboxUrl(config.host, port) : null });
  let closing: Promise<void> | null = null;
  return {
    banner,
    port,
    server,
    sandbox,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        sandbox?.endStreams(); // first: open event streams would hold the server open
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        await closed;
        clearTimeout(timer);
        await jobs?.stop();
        await sandbox?.close();
        await db.close();
        await redis?.quit().catch(() => undefined);
        lock?.release();
        logger.info('CRM stopped');
      })();
      return closing;
    },
  };
}
