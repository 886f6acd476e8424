import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import type { Locale } from '../errors';
import { toDate } from '../db/connection';
import { acquireLease, releaseLease } from '../db/lease';
import { recordAudit } from '../audit/record';
import { checkThresholds, DEFAULT_RFM_THRESHOLDS, explainTier, isTier, scoreRfm, TIER_NAMES, type RfmThresholds, type Tier, type TierReason } from './rules';
import { assertCanSeeCustomer } from './visibility';
import type { TierDescription } from './schemas';

export type { TierDescription } from './schemas';

const SETTING_KEY = 'customers.rfm_thresholds';
const keyCol = (ctx: CoreContext) => (ctx.db.dialect === 'mysql' ? '`key`' : '"key"');

export function describeTier(tier: string | null, reason: Record<string, unknown> | null, locale: Locale): TierDescription | null {
  if (!isTier(tier)) return null;
  const r = (reason as TierReason | null) ?? null;
  return { code: tier, name: TIER_NAMES[tier][locale], nameZh: TIER_NAMES[tier]['zh-CN'], nameEn: TIER_NAMES[tier].en, reason: r, explanation: explainTier(tier, r, locale) };
}

export async function getTierThresholds(ctx: CoreContext, t?: Transaction | null): Promise<RfmThresholds> {
  const rows = await ctx.db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyCol(ctx)} = :k`, { k: SETTING_KEY }, t);
  if (!rows[0]) return DEFAULT_RFM_THRESHOLDS;
  try {
    return { ...DEFAULT_RFM_THRESHOLDS, ...(JSON.parse(rows[0].value) as Partial<RfmThresholds>) };
  } catch {
    return DEFAULT_RFM_THRESHOLDS;
  }
}

/** Admins change the thresholds; the next job run (or an on-demand recompute) applies them. */
export async function setTierThresholds(ctx: CoreContext, actor: Actor, channel: Channel, patch: Partial<RfmThresholds>): Promise<RfmThresholds> {
  if (!(actor.kind === 'system' || actor.kind === 'api' || (actor.kind === 'user' && actor.role === 'admin'))) throw new AppError('FORBIDDEN');
  return ctx.db.tx(async (t) => {
    const next = { ...(await getTierThresholds(ctx, t)), ...patch };
    const problem = checkThresholds(next);
    if (problem) throw new AppError('VALIDATION', { field: problem.split(' ')[0], detail: { 'zh-CN': `阈值无效：${problem}`, en: `Invalid threshold: ${problem}` } });
    const now = ctx.clock.now();
    const [, n] = await ctx.db.sequelize.query(`UPDATE settings SET value = :v, updated_at = :now WHERE ${keyCol(ctx)} = :k`, {
      replacements: { k: SETTING_KEY, v: JSON.stringify(next), now },
      transaction: t,
      type: QueryTypes.UPDATE,
    });
    if (!Number(n)) {
      await ctx.db.sequelize.query(`INSERT INTO settings (${keyCol(ctx)}, value, updated_at) VALUES (:k, :v, :now)`, {
        replacements: { k: SETTING_KEY, v: JSON.stringify(next), now },
        transaction: t,
        type: QueryTypes.INSERT,
      });
    }
    await recordAudit(ctx, t, { actor, action: 'tiers.thresholds', entityType: 'setting', entityId: null, channel, data: { ...next } });
    return next;
  });
}

interface TierInputRow {
  id: number;
  tier: string | null;
  tier_reason: unknown;
  last_won_at: unknown;
  last_followup_at: unknown;
  won_count: number | string;
  won_total_cents: number | string;
}

const reasonKey = (tier: string, r: TierReason) => `${tier}|${r.r}${r.f}${r.m}|${r.rule}|${JSON.stringify(r.thresholds)}`;

function storedKey(row: TierInputRow): string | null {
  if (!row.tier || !row.tier_reason) return null;
  const r = (typeof row.tier_reason === 'string' ? JSON.parse(row.tier_reason) : row.tier_reason) as TierReason;
  return r && r.thresholds ? reasonKey(row.tier, r) : null;
}

/** Scores a batch and rewrites only rows whose tier or reason changed, one UPDATE per distinct (tier, reason). */
async function applyTiers(ctx: CoreContext, rows: TierInputRow[], th: RfmThresholds, now: Date, t: Transaction): Promise<number> {
  const groups = new Map<string, { tier: Tier; reason: TierReason; ids: number[] }>();
  for (const row of rows) {
    const { tier, reason } = scoreRfm(
      { lastWonAt: toDate(row.last_won_at), lastFollowupAt: toDate(row.last_followup_at), wonCount: Number(row.won_count), wonTotalCents: Number(row.won_total_cents) },
      now,
      th,
    );
    const key = reasonKey(tier, reason);
    if (storedKey(row) === key) continue;
    const g = groups.get(key) ?? { tier, reason, ids: [] };
    g.ids.push(Number(row.id));
    groups.set(key, g);
  }
  let changed = 0;
  for (const g of groups.values()) {
    await ctx.db.sequelize.query('UPDATE customers SET tier = :tier, tier_reason = :reason WHERE id IN (:ids)', {
      replacements: { tier: g.tier, reason: JSON.stringify(g.reason), ids: g.ids },
      transaction: t,
      type: QueryTypes.UPDATE,
    });
    changed += g.ids.length;
  }
  return changed;
}

const TIER_COLUMNS = 'id, tier, tier_reason, last_won_at, last_followup_at, won_count, won_total_cents';

/** On demand: recomputes one customer's tier now (e.g. after a won deal) and answers its description. */
export async function recomputeTier(ctx: CoreContext, actor: Actor, customerId: number, parentT?: Transaction | null): Promise<TierDescription | null> {
  return ctx.db.tx(async (t) => {
    const vis = await ctx.db.select<{ id: number; owner_id: number | null; team_id: number | null }>('SELECT id, owner_id, team_id FROM customers WHERE id = :id', { id: customerId }, t);
    assertCanSeeCustomer(ctx, actor, vis[0] && { id: Number(vis[0].id), owner_id: vis[0].owner_id === null ? null : Number(vis[0].owner_id), team_id: vis[0].team_id === null ? null : Number(vis[0].team_id) });
    const rows = await ctx.db.select<TierInputRow>(`SELECT ${TIER_COLUMNS} FROM customers WHERE id = :id`, { id: customerId }, t);
    await applyTiers(ctx, rows, await getTierThresholds(ctx, t), ctx.clock.now(), t);
    const after = await ctx.db.select<{ tier: string | null; tier_reason: unknown }>('SELECT tier, tier_reason FROM customers WHERE id = :id', { id: customerId }, t);
    const reason = typeof after[0].tier_reason === 'string' ? JSON.parse(after[0].tier_reason) : after[0].tier_reason;
    return describeTier(after[0].tier, reason as Record<string, unknown> | null, ctx.locale);
  }, parentT);
}

export interface TierJobResult {
  skipped: boolean;
  scanned: number;
  changed: number;
}

/**
 * The set-based tier job: walks active customers by id in batches (each its own short transaction),
 * scores them with the pure rules and writes only changes. A lease keeps two processes from both running it.
 */
export async function recomputeAllTiers(ctx: CoreContext, opts: { batchSize?: number; holder?: string } = {}): Promise<TierJobResult> {
  const holder = opts.holder ?? `tiers-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  if (!(await acquireLease(ctx.db, 'customers.tiers', holder, 10 * 60_000, ctx.clock.now()))) return { skipped: true, scanned: 0, changed: 0 };
  try {
    const th = await getTierThresholds(ctx);
    const now = ctx.clock.now();
    const size = opts.batchSize ?? 5000;
    let after = 0;
    let scanned = 0;
    let changed = 0;
    for (;;) {
      const rows = await ctx.db.select<TierInputRow>(
        `SELECT ${TIER_COLUMNS} FROM customers WHERE id > :after AND status = 'active' ORDER BY id LIMIT :lim`,
        { after, lim: size },
      );
      if (!rows.length) break;
      scanned += rows.length;
      after = Number(rows[rows.length - 1].id);
      changed += await ctx.db.tx((t) => applyTiers(ctx, rows, th, now, t));
      if (rows.length < size) break;
    }
    return { skipped: false, scanned, changed };
  } finally {
    await releaseLease(ctx.db, 'customers.tiers', holder);
  }
}
