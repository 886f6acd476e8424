import * as lark from '@larksuiteoapi/node-sdk';
import type { Config } from '../server/config';
import type { Logger } from '../server/logger';
import { sdkLogger } from './dispatcher';

/** LARK_DOMAIN: 'feishu' | 'lark' | a base URL (a local fake, a proxy). */
export function larkDomain(domain: string): lark.Domain | string {
  if (domain === 'feishu') return lark.Domain.Feishu;
  if (domain === 'lark') return lark.Domain.Lark;
  return domain.replace(/\/+$/, '');
}

/** The SDK Client for outbound calls, or null when no app credentials are configured. */
export function createLarkClient(cfg: Config['lark'], logger?: Logger): lark.Client | null {
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
