import { z } from 'zod';
import { TIERS, type TierReason } from './rules';

/** The customer shapes that cross a transport (/api/v1, chat), declared once; the types are inferred. */
const id = z.number().int();

export const CustomerSchema = z.object({
  id,
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  ownerId: id.nullable(),
  ownerName: z.string().nullable(),
  teamId: id.nullable(),
  poolId: id.nullable(),
  /** No owner: claimable from the public pool. */
  inPool: z.boolean(),
  tier: z.string().nullable(),
  tierReason: z.record(z.string(), z.unknown()).nullable(),
  tags: z.array(z.string()),
  source: z.string().nullable(),
  region: z.string().nullable(),
  industry: z.string().nullable(),
  notes: z.string().nullable(),
  status: z.enum(['active', 'merged', 'deleted']),
  mergedIntoId: id.nullable(),
  lastFollowupAt: z.string().nullable(),
  claimedAt: z.string().nullable(),
  releasedAt: z.string().nullable(),
  lastWonAt: z.string().nullable(),
  wonCount: z.number().int(),
  wonTotalCents: z.number().int(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  restricted: z.boolean().describe('true: the caller may not see this customer; only its identity is shown (a de-dup answer)'),
});
export type CustomerDto = z.infer<typeof CustomerSchema>;

export const ContactSchema = z.object({
  id,
  customerId: id,
  name: z.string(),
  title: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  wechat: z.string().nullable(),
  isPrimary: z.boolean(),
});
export type ContactDto = z.infer<typeof ContactSchema>;

export const CreateCustomerResultSchema = z.object({
  customer: CustomerSchema,
  duplicate: z.boolean().describe('true: an existing customer matched by name, phone or e-mail (200); false: created (201)'),
});
export type CreateCustomerResult = z.infer<typeof CreateCustomerResultSchema>;

export const AddContactResultSchema = z.object({ contact: ContactSchema, duplicate: z.boolean(), alsoOn: z.array(z.number()) });

export const MergeResultSchema = z.object({ customer: CustomerSchema, moved: z.record(z.string(), z.number()).describe('rows moved per table') });
export type MergeResult = z.infer<typeof MergeResultSchema>;

export const TierDescriptionSchema = z.object({
  code: z.enum(TIERS),
  name: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  explanation: z.string(),
  reason: z.custom<TierReason>().nullable(),
});
export type TierDescription = z.infer<typeof TierDescriptionSchema>;

/** RFM tier thresholds: a PATCH changes any of them; GET answers them all. */
export const tierThresholdsInput = z
  .object({
    recentDays: z.number().int().min(0),
    lapsingDays: z.number().int().min(0),
    frequentDeals: z.number().int().min(1),
    highValueCents: z.number().int().min(0),
    midValueCents: z.number().int().min(0),
  })
  .partial()
  .strict();
export const TierThresholdsSchema = tierThresholdsInput.required();
