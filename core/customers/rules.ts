/**
 * Pure customer policy: RFM tier scoring. No database; unit-tested in tests/unit/customer-rules.test.ts.
 *
 * R (recency): days since the latest purchase (won deal) or follow-up, whichever is newer.
 * F (frequency): number of won deals. M (monetary): total won, integer cents.
 * Each is scored 1..3 against configurable thresholds; the scores map to four named tiers.
 */
export const TIERS = ['high_value', 'potential', 'normal', 'at_risk'] as const;
export type Tier = (typeof TIERS)[number];

export const TIER_NAMES: Record<Tier, { 'zh-CN': string; en: string }> = {
  high_value: { 'zh-CN': '高价值', en: 'High value' },
  potential: { 'zh-CN': '潜力', en: 'Potential' },
  normal: { 'zh-CN': '一般', en: 'Regular' },
  at_risk: { 'zh-CN': '流失风险', en: 'At risk' },
};

export interface RfmThresholds {
  /** Recency: ≤ recentDays scores 3, ≤ lapsingDays scores 2, else 1 (never contacted: 1). */
  recentDays: number;
  lapsingDays: number;
  /** Frequency: ≥ frequentDeals scores 3, ≥ 1 scores 2, else 1. */
  frequentDeals: number;
  /** Monetary (cents): ≥ highValueCents scores 3, ≥ midValueCents scores 2, else 1. */
  highValueCents: number;
  midValueCents: number;
}

export const DEFAULT_RFM_THRESHOLDS: RfmThresholds = {
  recentDays: 30,
  lapsingDays: 90,
  frequentDeals: 3,
  highValueCents: 100_000_00, // ¥100,000
  midValueCents: 10_000_00, // ¥10,000
};

export interface RfmInput {
  lastWonAt: Date | null;
  lastFollowupAt: Date | null;
  wonCount: number;
  wonTotalCents: number;
}

/** Categorical on purpose: the stored reason changes only when a bucket changes, so the job rewrites few rows. */
export interface TierReason {
  r: 1 | 2 | 3;
  f: 1 | 2 | 3;
  m: 1 | 2 | 3;
  /** Which rule picked the tier. */
  rule: 'big_and_recent' | 'lapsed_buyer' | 'long_silent' | 'recent_engaged' | 'default';
  /** The thresholds in force, so the explanation stays true if they change later. */
  thresholds: RfmThresholds;
}

const DAY = 86_400_000;

export function scoreRfm(x: RfmInput, now: Date, th: RfmThresholds = DEFAULT_RFM_THRESHOLDS): { tier: Tier; reason: TierReason } {
  const last = Math.max(x.lastWonAt?.getTime() ?? -Infinity, x.lastFollowupAt?.getTime() ?? -Infinity);
  const days = Number.isFinite(last) ? Math.max(0, Math.floor((now.getTime() - last) / DAY)) : Infinity;
  const r = days <= th.recentDays ? 3 : days <= th.lapsingDays ? 2 : 1;
  const f = x.wonCount >= th.frequentDeals ? 3 : x.wonCount >= 1 ? 2 : 1;
  const m = x.wonTotalCents >= th.highValueCents ? 3 : x.wonTotalCents >= th.midValueCents ? 2 : 1;
  const reason = (tier: Tier, rule: TierReason['rule']) => ({ tier, reason: { r, f, m, rule, thresholds: th } as TierReason });
  if (m === 3 && r >= 2) return reason('high_value', 'big_and_recent');
  if (f >= 2 && r === 1) return reason('at_risk', 'lapsed_buyer');
  if (r === 1 && days !== Infinity) return reason('at_risk', 'long_silent');
  if (r === 3 && (f >= 2 || m >= 2 || x.lastFollowupAt)) return reason('potential', 'recent_engaged');
  return reason('normal', 'default');
}

export function isTier(v: unknown): v is Tier {
  return typeof v === 'string' && (TIERS as readonly string[]).includes(v);
}

/** A one-line explanation of a stored reason, in the given locale. */
export function explainTier(tier: Tier, reason: TierReason | null, locale: 'zh-CN' | 'en'): string {
  const name = TIER_NAMES[tier][locale];
  if (!reason) return name;
  const th = reason.thresholds ?? DEFAULT_RFM_THRESHOLDS;
  const yuan = (c: number) => `¥${Math.round(c / 100).toLocaleString('en-US')}`;
  const rText = {
    3: { 'zh-CN': `${th.recentDays}天内有成交或跟进`, en: `deal or follow-up within ${th.recentDays} days` },
    2: { 'zh-CN': `${th.lapsingDays}天内有成交或跟进`, en: `deal or follow-up within ${th.lapsingDays} days` },
    1: { 'zh-CN': `超过${th.lapsingDays}天无成交或跟进`, en: `no deal or follow-up for over ${th.lapsingDays} days` },
  }[reason.r][locale];
  const fText = {
    3: { 'zh-CN': `成交≥${th.frequentDeals}次`, en: `≥ ${th.frequentDeals} deals` },
    2: { 'zh-CN': '有成交', en: 'has bought' },
    1: { 'zh-CN': '尚无成交', en: 'no deal yet' },
  }[reason.f][locale];
  const mText = {
    3: { 'zh-CN': `累计成交≥${yuan(th.highValueCents)}`, en: `total won ≥ ${yuan(th.highValueCents)}` },
    2: { 'zh-CN': `累计成交≥${yuan(th.midValueCents)}`, en: `total won ≥ ${yuan(th.midValueCents)}` },
    1: { 'zh-CN': `累计成交<${yuan(th.midValueCents)}`, en: `total won < ${yuan(th.midValueCents)}` },
  }[reason.m][locale];
  return locale === 'zh-CN' ? `${name}：${rText}，${fText}，${mText}` : `${name}: ${rText}, ${fText}, ${mText}`;
}

/** Validates thresholds (configurable by admins); returns a problem or null. */
export function checkThresholds(th: RfmThresholds): string | null {
  const ints = Object.entries(th).find(([, v]) => !Number.isInteger(v) || v < 0);
  if (ints) return `${ints[0]} must be a non-negative integer`;
  if (th.lapsingDays < th.recentDays) return 'lapsingDays must be ≥ recentDays';
  if (th.highValueCents < th.midValueCents) return 'highValueCents must be ≥ midValueCents';
  if (th.frequentDeals < 1) return 'frequentDeals must be ≥ 1';
  return null;
}
