import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { CoreContext } from '../core/context';
import type { BotConfig } from './config';
import type { BotRegistry } from './registry';
import { LarkBot } from './dispatcher';
import type { DictionaryCache } from '../core/intent/dictionary-loader';

/** What the process gives the bot: the core, a logger, the bot's configuration and (default composeBot()) its registry. */
export interface BotProcessDeps {
  core: CoreContext;
  logger: Logger;
  config: BotConfig;
  registry?: BotRegistry;
  /** REDIS_URL's client when set: the Lark send budget is kept there instead of the database. */
  redis?: Redis | null;
  /** The process's one customer dictionary (server/compose.ts); default: the bot makes its own. */
  dictionary?: DictionaryCache;
}

const bots = new WeakMap<CoreContext, LarkBot>();

/**
 * One bot per core context, shared by the routes, the ws client and the inbox worker of a process
 * (the first caller's configuration wins; later callers get the same bot).
 */
export function botFor(core: CoreContext, logger: Logger, config?: BotConfig, registry?: BotRegistry, dictionary?: DictionaryCache): LarkBot {
  let b = bots.get(core);
  if (!b) {
    b = new LarkBot({ core, logger, config, registry, dictionary });
    bots.set(core, b);
  }
  return b;
}
