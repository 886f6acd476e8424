import type { Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import { day } from '../shared/fields';
import type { CoreContext } from '../context';
import { parseInput } from '../validation';
import { DEFAULT_CALENDAR, DEFAULT_SLA_POLICIES, PRIORITIES, type AssignmentStrategy, type BusinessCalendar, type SlaPolicy } from './rules';

/** Service desk settings, stored as one JSON row in `settings` (key 'service.config'); defaults when absent. */
export interface ServiceConfig {
  assignment: AssignmentStrategy;
  calendar: BusinessCalendar;
  policies: SlaPolicy[];
  /** Days a pending survey stays answerable. */
  surveyDays: number;
}

const SETTING_KEY = 'service.config';
const hhmm = z.string().regex(/^\d{2}:\d{2}$/);
const isoDate = day();
export const serviceConfigInput = z.object({
  assignment: z.enum(['round_robin', 'least_busy']).optional(),
  calendar: z
    .object({
      zone: z.string().min(1).optional(),
      workdays: z.array(z.number().int().min(1).max(7)).optional(),
      start: hhmm.optional(),
      end: hhmm.optional(),
      holidays: z.array(isoDate).optional(),
      extraWorkdays: z.array(isoDate).optional(),
    })
    .optional(),
  policies: z
    .array(z.object({ tier: z.string().min(1).max(16), priority: z.enum(PRIORITIES), firstResponseMin: z.number().positive(), resolutionMin: z.number().positive() }))
    .optional(),
  surveyDays: z.number().int().min(1).max(90).optional(),
});
export type ServiceConfigInput = z.input<typeof serviceConfigInput>;

const keyCol = (ctx: CoreContext) => (ctx.db.dialect === 'mysql' ? '`key`' : '"key"');

function merge(ctx: CoreContext, stored: ServiceConfigInput | null): ServiceConfig {
  const s = stored ?? {};
  return {
    assignment: s.assignment ?? 'least_busy',
    calendar: { ...DEFAULT_CALENDAR, zone: ctx.timezone, ...(s.calendar ?? {}) },
    // Stored rows first so they win; defaults still answer for anything not configured.
    policies: [...(s.policies ?? []), ...DEFAULT_SLA_POLICIES],
    surveyDays: s.surveyDays ?? 14,
  };
}

export async function getServiceConfig(ctx: CoreContext, t?: Transaction | null): Promise<ServiceConfig> {
  const rows = await ctx.db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyCol(ctx)} = :k`, { k: SETTING_KEY }, t);
  let stored: ServiceConfigInput | null = null;
  if (rows[0]) {
    try {
      stored = serviceConfigInput.parse(JSON.parse(rows[0].value));
    } catch {
      stored = null; // a broken row must not stop the service desk: fall back to defaults
    }
  }
  return merge(ctx, stored);
}

/** Replaces the stored settings with `raw` (validated); returns the effective configuration. */
export async function setServiceConfig(ctx: CoreContext, raw: ServiceConfigInput, t?: Transaction | null): Promise<ServiceConfig> {
  const input = parseInput(serviceConfigInput, raw);
  await ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const value = JSON.stringify(input);
    const [, n] = await ctx.db.sequelize.query(`UPDATE settings SET value = :value, updated_at = :now WHERE ${keyCol(ctx)} = :k`, {
      replacements: { value, now, k: SETTING_KEY },
      type: QueryTypes.UPDATE,
      transaction: tx,
    });
    if (!Number(n)) {
      await ctx.db.sequelize.query(`INSERT INTO settings (${keyCol(ctx)}, value, updated_at) VALUES (:k, :value, :now)`, {
        replacements: { value, now, k: SETTING_KEY },
        type: QueryTypes.INSERT,
        transaction: tx,
      });
    }
  }, t);
  return merge(ctx, input);
}
