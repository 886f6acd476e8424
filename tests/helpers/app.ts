import { Writable } from 'node:stream';
import type Koa from 'koa';
import { createApp, type RouterFactory } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { createLogger, type Logger } from '../../server/logger';
import type { CoreContext } from '../../core/context';

/** A logger whose lines the test can read back. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger(level, stream), lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

export function testConfig(env: NodeJS.ProcessEnv = {}): Config {
  // The chat sandbox only when a test asks for it (CRM_SANDBOX: 'auto' | 'on').
  return loadConfig({ CRM_DEMO_SEED: 'off', CRM_JOBS: 'off', CRM_SANDBOX: 'off', ...env });
}

export async function testApp(core: CoreContext, routers: RouterFactory[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ app: Koa; logs: () => Record<string, unknown>[]; config: Config }> {
  const { logger, lines } = memoryLogger();
  const config = testConfig(env);
  const app = await createApp({ core, config, logger }, { routers });
  return { app, logs: lines, config };
}
