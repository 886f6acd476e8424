import { z } from 'zod';

/** The check-in shape the bot answers with, declared once; the type is inferred. */
export const CHECKIN_STATUSES = ['open', 'done'] as const;
export type CheckinStatus = (typeof CHECKIN_STATUSES)[number];

export const CheckinSchema = z.object({
  id: z.number().int(),
  userId: z.number().int(),
  customerId: z.number().int().nullable(),
  /** open: waiting for the location message; done: located. */
  status: z.enum(CHECKIN_STATUSES),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  address: z.string().nullable(),
  imageKey: z.string().nullable(),
  /** ISO-8601 UTC. */
  occurredAt: z.string().nullable(),
});
export type CheckinDto = z.infer<typeof CheckinSchema>;
