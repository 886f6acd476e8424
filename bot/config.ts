import type { Locale } from './i18n';
import type { ReadBudgetConfig } from '../core/audit/read-budget';

/**
 * What the bot reads from the configuration. The process builds it (server/config.ts, from the environment)
 * and hands it to the bot with a logger: no bot module reads the environment itself.
 */
export interface BotConfig {
  /** Default language of everything the bot says (CRM_LOCALE); a user's own locale wins. */
  locale: Locale;
  /** Base of links people open (chat links, invites, calendar feeds): CRM_PUBLIC_URL, else http://localhost:PORT. */
  publicUrl: string;
  lark: {
    appId?: string;
    appSecret?: string;
    encryptKey?: string;
    verificationToken?: string;
    /** LARK_TENANT_KEY: when set, events from any other tenant are refused (an app bound to one tenant). */
    tenantKey?: string;
    /** LARK_DOMAIN: 'feishu' | 'lark' | a base URL (a local fake, a proxy). */
    domain: string;
    mode: 'webhook' | 'ws';
  };
  /** Per-user read budgets of the chat find/lookup commands (CRM_READ_*); core defaults when absent. */
  readBudget?: ReadBudgetConfig;
}

/** A bot with no Lark app configured (tests, tools): webhook mode, links to http://localhost:3000. */
export function defaultBotConfig(locale: Locale = 'zh-CN'): BotConfig {
  return { locale, publicUrl: 'http://localhost:3000', lark: { domain: 'feishu', mode: 'webhook' } };
}
