import { z } from 'zod';
import { ActivitySchema } from '../activities/schemas';
import { ContactSchema, CustomerSchema, TierDescriptionSchema } from '../customers/schemas';

/** The 360° view of one customer, as the API answers it and the bot's customer card shows it. */
export const Customer360Schema = z.object({
  customer: CustomerSchema,
  tier: TierDescriptionSchema.nullable(),
  contacts: z.array(ContactSchema),
  activities: z.array(ActivitySchema),
  /** The next planned step: the newest follow-up that named one. */
  nextStep: z.object({ text: z.string().nullable(), at: z.string().nullable() }).nullable(),
  sections: z.record(z.string(), z.unknown()).describe('tasks, opportunities, contracts, receivables, tickets, satisfaction, … (empty until those capabilities exist)'),
  /** Names of sections that failed; they are answered empty rather than failing the whole view. */
  sectionErrors: z.array(z.string()),
});
export type Customer360 = z.infer<typeof Customer360Schema>;
