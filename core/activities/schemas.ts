import { z } from 'zod';
import { dateTime, dbId } from '../shared/fields';

/** The follow-up shapes that cross a transport (/api/v1, chat), declared once; the types are inferred. */
export const ACTIVITY_CHANNELS = ['phone', 'visit', 'wechat', 'email', 'meeting', 'other'] as const;
export type ActivityChannel = (typeof ACTIVITY_CHANNELS)[number];

export const ActivitySchema = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  contactId: z.number().int().nullable(),
  userId: z.number().int().nullable(),
  userName: z.string().nullable(),
  channel: z.enum(ACTIVITY_CHANNELS),
  summary: z.string(),
  nextStep: z.string().nullable(),
  nextAt: z.string().nullable(),
  occurredAt: z.string(),
  source: z.string(),
});
export type ActivityDto = z.infer<typeof ActivitySchema>;

const dateish = dateTime;

export const logActivityInput = z.object({
  customerId: dbId,
  channel: z.enum(ACTIVITY_CHANNELS),
  summary: z.string().trim().min(1).max(5000),
  nextStep: z.string().trim().max(500).optional().nullable(),
  nextAt: dateish.optional().nullable(),
  occurredAt: dateish.optional().nullable(),
  contactId: dbId.optional().nullable(),
});
export type LogActivityInput = z.input<typeof logActivityInput>;
