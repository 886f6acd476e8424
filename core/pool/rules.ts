/**
 * Pure public-pool (公海) policy: pool rules with defaults, claim checks and the recycle decision.
 * No database; unit-tested in tests/unit/pool-rules.test.ts.
 */
import { TIERS, type Tier } from '../customers/rules';

import type { PoolRules, RecycleRule } from './schemas';

export type { PoolRules, RecycleRule } from './schemas';

export const DEFAULT_POOL_RULES: PoolRules = {
  maxHeld: 50,
  maxClaimsPerDay: 20,
  cooldownDays: 7,
  warnDays: 3,
  recycle: { noFollowupDays: 30, noWonDealDays: null },
  byTier: {},
  excludeOpenOpportunity: true,
  excludeActiveContract: true,
};

/** Stored rules are partial; missing fields take the defaults. */
export function withDefaults(stored: Partial<PoolRules> | null | undefined): PoolRules {
  const s = stored ?? {};
  return {
    ...DEFAULT_POOL_RULES,
    ...s,
    recycle: { ...DEFAULT_POOL_RULES.recycle, ...(s.recycle ?? {}) },
    byTier: { ...(s.byTier ?? {}) },
  };
}

export function checkPoolRules(r: PoolRules): string | null {
  for (const k of ['maxHeld', 'maxClaimsPerDay', 'cooldownDays', 'warnDays'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 0) return `${k} must be a non-negative integer`;
  }
  const rules = [r.recycle, ...Object.values(r.byTier)];
  for (const x of rules) {
    for (const k of ['noFollowupDays', 'noWonDealDays'] as const) {
      const v = x?.[k];
      if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 1)) return `${k} must be a positive integer or null`;
    }
  }
  for (const t of Object.keys(r.byTier)) if (!(TIERS as readonly string[]).includes(t)) return `byTier.${t} is not a tier`;
  return null;
}

export function ruleFor(rules: PoolRules, tier: string | null): RecycleRule {
  const o = tier && (TIERS as readonly string[]).includes(tier) ? rules.byTier[tier as Tier] : undefined;
  return { ...rules.recycle, ...(o ?? {}) };
}

const DAY = 86_400_000;

export interface HeldCustomer {
  tier: string | null;
  lastFollowupAt: Date | null;
  claimedAt: Date | null;
  lastWonAt: Date | null;
}

export interface RecycleDecision {
  action: 'keep' | 'warn' | 'recycle';
  /** When the customer is (or was) due to go back to the pool; null when no rule applies. */
  dueAt: Date | null;
  reason: 'no_followup' | 'no_won_deal' | null;
}

export function recycleDecision(c: HeldCustomer, rules: PoolRules, now: Date): RecycleDecision {
  const rule = ruleFor(rules, c.tier);
  const dues: { at: number; reason: 'no_followup' | 'no_won_deal' }[] = [];
  if (rule.noFollowupDays) {
    const clock = Math.max(c.lastFollowupAt?.getTime() ?? -Infinity, c.claimedAt?.getTime() ?? -Infinity);
    if (Number.isFinite(clock)) dues.push({ at: clock + rule.noFollowupDays * DAY, reason: 'no_followup' });
  }
  if (rule.noWonDealDays && c.claimedAt) {
    const wonSinceClaim = c.lastWonAt && c.lastWonAt.getTime() >= c.claimedAt.getTime();
    if (!wonSinceClaim) dues.push({ at: c.claimedAt.getTime() + rule.noWonDealDays * DAY, reason: 'no_won_deal' });
  }
  if (!dues.length) return { action: 'keep', dueAt: null, reason: null };
  const first = dues.reduce((a, b) => (b.at < a.at ? b : a));
  const dueAt = new Date(first.at);
  if (now.getTime() >= first.at) return { action: 'recycle', dueAt, reason: first.reason };
  if (rules.warnDays > 0 && now.getTime() >= first.at - rules.warnDays * DAY) return { action: 'warn', dueAt, reason: first.reason };
  return { action: 'keep', dueAt, reason: first.reason };
}

/** The earliest "no follow-up" days of any rule, and the widest warning window: bounds the recycle job's index scan. */
export function scanBounds(all: PoolRules[]): { minFollowupDays: number | null; minWonDealDays: number | null; maxWarnDays: number } {
  let minF: number | null = null;
  let minW: number | null = null;
  let warn = 0;
  for (const r of all) {
    warn = Math.max(warn, r.warnDays);
    for (const rule of [r.recycle, ...Object.values(r.byTier).map((o) => ({ ...r.recycle, ...o }))]) {
      if (rule.noFollowupDays) minF = minF === null ? rule.noFollowupDays : Math.min(minF, rule.noFollowupDays);
      if (rule.noWonDealDays) minW = minW === null ? rule.noWonDealDays : Math.min(minW, rule.noWonDealDays);
    }
  }
  return { minFollowupDays: minF, minWonDealDays: minW, maxWarnDays: warn };
}

export type ClaimRefusal =
  | { code: 'LIMIT_REACHED'; limit: 'held' | 'daily'; max: number }
  | { code: 'COOLDOWN'; until: Date };

/** When a rep who lost a customer at `lastLostAt` may claim it again. */
export const cooldownUntil = (lastLostAt: Date, cooldownDays: number): Date => new Date(lastLostAt.getTime() + cooldownDays * DAY);

/** Whether a rep may claim now, given what they hold, what they claimed today and when they last lost this customer. */
export function claimCheck(x: { held: number; claimsToday: number; lastLostAt: Date | null }, rules: PoolRules, now: Date): ClaimRefusal | null {
  if (x.lastLostAt && rules.cooldownDays > 0) {
    const until = cooldownUntil(x.lastLostAt, rules.cooldownDays);
    if (until.getTime() > now.getTime()) return { code: 'COOLDOWN', until };
  }
  if (x.held >= rules.maxHeld) return { code: 'LIMIT_REACHED', limit: 'held', max: rules.maxHeld };
  if (x.claimsToday >= rules.maxClaimsPerDay) return { code: 'LIMIT_REACHED', limit: 'daily', max: rules.maxClaimsPerDay };
  return null;
}
