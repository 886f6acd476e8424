import { z } from 'zod';
import { dbId } from '../shared/fields';
import { TIERS } from '../customers/rules';

/** The public-pool shapes that cross a transport (/api/v1, chat), declared once; the types are inferred. */
export const RecycleRuleSchema = z.object({
  /** Recycle when nobody followed up for this many days (counted from the later of last follow-up and claim). null: never. */
  noFollowupDays: z.number().int().nullable(),
  /** Recycle when no deal was won within this many days of the claim. null: never. */
  noWonDealDays: z.number().int().nullable(),
});
export type RecycleRule = z.infer<typeof RecycleRuleSchema>;

export const PoolRulesSchema = z.object({
  /** Customers one rep may hold at once. */
  maxHeld: z.number().int(),
  /** Claims one rep may make per business day (CRM time zone). */
  maxClaimsPerDay: z.number().int(),
  /** Days a rep must wait before re-claiming a customer they released or lost. */
  cooldownDays: z.number().int(),
  /** Owners are warned this many days before a customer is recycled. */
  warnDays: z.number().int(),
  recycle: RecycleRuleSchema,
  /** Per-tier overrides of `recycle` (e.g. high_value: 60 days). */
  byTier: z.partialRecord(z.enum(TIERS), RecycleRuleSchema.partial()),
  /** Never recycle a customer with an open opportunity / an active contract. */
  excludeOpenOpportunity: z.boolean(),
  excludeActiveContract: z.boolean(),
});
export type PoolRules = z.infer<typeof PoolRulesSchema>;

export const PoolSchema = z.object({ id: z.number().int(), name: z.string(), region: z.string().nullable(), isDefault: z.boolean(), rules: PoolRulesSchema });
export type PoolDto = z.infer<typeof PoolSchema>;

// ---- inputs
const recycleRuleInput = z.object({ noFollowupDays: z.number().int().positive().nullable().optional(), noWonDealDays: z.number().int().positive().nullable().optional() }).strict();
export const poolRulesInput = z
  .object({
    maxHeld: z.number().int().min(0).optional(),
    maxClaimsPerDay: z.number().int().min(0).optional(),
    cooldownDays: z.number().int().min(0).optional(),
    warnDays: z.number().int().min(0).optional(),
    recycle: recycleRuleInput.optional(),
    byTier: z.partialRecord(z.enum(TIERS), recycleRuleInput).optional(),
    excludeOpenOpportunity: z.boolean().optional(),
    excludeActiveContract: z.boolean().optional(),
  })
  .strict();

export const createPoolInput = z.object({ name: z.string().trim().min(1).max(100), region: z.string().trim().max(64).optional().nullable(), rules: poolRulesInput.optional() });

export const assignInput = z.object({ customerId: dbId, userId: dbId });
