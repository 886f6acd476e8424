import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from 'pino';
import { scrubSecrets } from '../core/shared/secrets';
import type { BotConfig } from './config';

/** LARK_DOMAIN: 'feishu' | 'lark' | a base URL (a local fake, a proxy). */
export function larkDomain(domain: string): lark.Domain | string {
  if (domain === 'feishu') return lark.Domain.Feishu;
  if (domain === 'lark') return lark.Domain.Lark;
  return domain.replace(/\/+$/, '');
}

/** The SDK Client for outbound calls, or null when no app credentials are configured. */
export function createLarkClient(cfg: BotConfig['lark'], logger?: Logger): lark.Client | null {
  if (!cfg.appId || !cfg.appSecret) return null;
  return new lark.Client({
    appId: cfg.appId,
    appSecret: cfg.appSecret,
    domain: larkDomain(cfg.domain),
    cache: new lark.DefaultCache(),
    loggerLevel: lark.LoggerLevel.error,
    ...(logger ? { logger: sdkLogger(logger) } : {}),
  });
}

/** Routes the SDK's own log lines into pino. */
export function sdkLogger(logger: Logger) {
  // The SDK logs whole request errors (headers included): scrub tokens and secrets from the text.
  const fmt = (args: unknown[]) => scrubSecrets(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  return {
    error: (...a: unknown[]) => logger.error({ sdk: 'lark' }, fmt(a)),
    warn: (...a: unknown[]) => logger.warn({ sdk: 'lark' }, fmt(a)),
    info: (...a: unknown[]) => logger.debug({ sdk: 'lark' }, fmt(a)),
    debug: (...a: unknown[]) => logger.debug({ sdk: 'lark' }, fmt(a)),
    trace: (...a: unknown[]) => logger.trace({ sdk: 'lark' }, fmt(a)),
  };
}
