import type { Locale } from '../core/errors';

export type { Locale };
export type Texts = Record<Locale, string>;

/** Picks the text for `locale` (zh-CN is the default and the fallback). */
export function t(locale: Locale | string | null | undefined, texts: Texts): string {
  return locale === 'en' ? texts.en : texts['zh-CN'];
}

/** Normalises any locale string ('en-US', 'zh_CN', null) to one of ours. */
export function toLocale(v: string | null | undefined, fallback: Locale = 'zh-CN'): Locale {
  if (!v) return fallback;
  return /^en/i.test(v) ? 'en' : /^zh/i.test(v) ? 'zh-CN' : fallback;
}

/** Names of follow-up channels, shown on every card that lists activities or offers a channel picker. */
export const CHANNEL_NAMES: Record<string, Texts> = {
  phone: { 'zh-CN': '电话', en: 'Phone' },
  visit: { 'zh-CN': '拜访', en: 'Visit' },
  wechat: { 'zh-CN': '微信', en: 'WeChat' },
  email: { 'zh-CN': '邮件', en: 'E-mail' },
  meeting: { 'zh-CN': '会议', en: 'Meeting' },
  other: { 'zh-CN': '其他', en: 'Other' },
};
