import type { Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import type { CoreContext } from '../context';
import { DEFAULT_ASSIGN, DEFAULT_SCORING, DEFAULT_SLA, type AssignConfig, type ScoringConfig, type SlaConfig } from './rules';

/** Lead policy settings (settings key `leads.config`), merged over the defaults in rules.ts. */
export interface LeadsConfig {
  scoring: ScoringConfig;
  assign: AssignConfig;
  sla: SlaConfig;
}

const KEY = 'leads.config';
const keyCol = (ctx: CoreContext) => (ctx.db.dialect === 'mysql' ? '`key`' : '"key"');

export async function getLeadsConfig(ctx: CoreContext, t?: Transaction | null): Promise<LeadsConfig> {
  const rows = await ctx.db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyCol(ctx)} = :k`, { k: KEY }, t);
  let stored: Partial<{ scoring: Partial<ScoringConfig>; assign: Partial<AssignConfig>; sla: Partial<SlaConfig> }> = {};
  try {
    stored = rows[0] ? JSON.parse(rows[0].value) : {};
  } catch {
    stored = {};
  }
  return {
    scoring: { ...DEFAULT_SCORING, ...stored.scoring, weights: { ...DEFAULT_SCORING.weights, ...stored.scoring?.weights } },
    assign: { ...DEFAULT_ASSIGN, ...stored.assign },
    sla: { ...DEFAULT_SLA, ...stored.sla },
  };
}

/** Replaces the stored overrides (admin/CLI/tests). */
export async function setLeadsConfig(ctx: CoreContext, patch: { scoring?: Partial<ScoringConfig>; assign?: Partial<AssignConfig>; sla?: Partial<SlaConfig> }): Promise<void> {
  const value = JSON.stringify(patch);
  const now = ctx.clock.now();
  await ctx.db.tx(async (t) => {
    const [, n] = await ctx.db.sequelize.query(`UPDATE settings SET value = :value, updated_at = :now WHERE ${keyCol(ctx)} = :k`, {
      replacements: { value, now, k: KEY }, type: QueryTypes.UPDATE, transaction: t,
    });
    if (!Number(n)) {
      await ctx.db.sequelize.query(`INSERT INTO settings (${keyCol(ctx)}, value, updated_at) VALUES (:k, :value, :now)`, {
        replacements: { value, now, k: KEY }, type: QueryTypes.INSERT, transaction: t,
      });
    }
  });
}
