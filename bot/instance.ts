import type { CoreContext } from '../core/context';
import type { Logger } from '../server/logger';
import { LarkBot } from './dispatcher';
import type { Locale } from './i18n';

const bots = new WeakMap<CoreContext, LarkBot>();

/** One bot per core context, shared by the routes, the ws client and the inbox worker of a process. */
export function botFor(core: CoreContext, logger: Logger, locale?: Locale): LarkBot {
  let b = bots.get(core);
  if (!b) {
    b = new LarkBot({ core, logger, locale });
    bots.set(core, b);
  }
  return b;
}
