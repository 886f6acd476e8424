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
