/** Child process: the real CRM server (server/process.ts), jobs and demo seed off, on a free loopback port. */
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { startServer } from '../../server/process';
import { peakRssMb, serve } from './child';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', CRM_JOBS: 'off', CRM_DEMO_SEED: 'off', LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'warn' });
  const running = await startServer(config, createLogger(config.logLevel));
  serve({
    rss: async () => ({ peakRssMb: peakRssMb() }),
    stop: async () => {
      await running.close(2_000);
      setImmediate(() => process.exit(0));
      return {};
    },
  });
  process.once('SIGTERM', () => void running.close(1_000).finally(() => process.exit(0)));
  process.send?.({ type: 'ready', port: running.port });
}

main().catch((e) => {
  process.stderr.write(`bench server failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
