import { z } from 'zod';
import { dbId, dbIdParam } from '../shared/fields';
import { PRIORITIES, SLA_STAGES, TICKET_STATUSES, TICKET_TYPES } from './rules';
import { SURVEY_KINDS, SURVEY_STATUSES } from '../surveys/schemas';

/**
 * The ticket shapes that cross a transport (/mp/v1, the bot's cards), declared once: the TypeScript types are
 * inferred. Imports zod and the pure rules only, so the mini-program can import the types (core/public-types.ts).
 * Times are ISO-8601 UTC strings.
 */
const id = z.number().int();
const time = z.string();
const ticketStatus = z.enum(TICKET_STATUSES);

export const TicketSummarySchema = z.object({
  id,
  no: z.string().describe('T000007'),
  type: z.enum(TICKET_TYPES),
  typeLabel: z.string(),
  priority: z.enum(PRIORITIES),
  status: ticketStatus,
  statusLabel: z.string(),
  title: z.string(),
  createdAt: time,
  updatedAt: time,
});
export type TicketSummaryDto = z.infer<typeof TicketSummarySchema>;

export const TimelineEntrySchema = z.object({
  id,
  kind: z.enum(['comment', 'status', 'note', 'assign']),
  author: z.object({ type: z.enum(['customer', 'agent', 'system']), name: z.string().nullable() }),
  body: z.string().nullable(),
  /** Status entries only. */
  from: ticketStatus.nullable().optional(),
  to: ticketStatus.nullable().optional(),
  fromLabel: z.string().nullable().optional(),
  toLabel: z.string().nullable().optional(),
  /** Staff only: an internal note the customer never sees. */
  internal: z.boolean().optional(),
  at: time,
});
export type TimelineEntryDto = z.infer<typeof TimelineEntrySchema>;

export const AttachmentSchema = z.object({ id, name: z.string(), mime: z.string(), size: z.number().int() });
export type AttachmentDto = z.infer<typeof AttachmentSchema>;

/** The ticket's latest satisfaction survey, as the ticket shows it (the surveys context owns the survey itself). */
export const SurveyRefSchema = z.object({
  id,
  kind: z.enum(SURVEY_KINDS),
  status: z.enum(SURVEY_STATUSES),
  /** Staff only. */
  score: z.number().int().nullable().optional(),
});
export type SurveyRefDto = z.infer<typeof SurveyRefSchema>;

const slaClock = z.object({ stage: z.enum(SLA_STAGES), dueAt: time.nullable() });

export const TicketDetailSchema = TicketSummarySchema.extend({
  description: z.string(),
  resolvedAt: time.nullable(),
  closedAt: time.nullable(),
  canReopen: z.boolean(),
  reopenUntil: time.nullable(),
  /** `id` for staff only. */
  agent: z.object({ id: id.optional(), name: z.string() }).nullable(),
  /** Staff only. */
  customer: z.object({ id, name: z.string(), tier: z.string().nullable() }).optional(),
  contact: z.object({ id, name: z.string() }).nullable().optional(),
  sla: z.object({ firstResponse: slaClock, resolution: slaClock, paused: z.boolean() }).optional(),
  attachments: z.array(AttachmentSchema),
  timeline: z.array(TimelineEntrySchema),
  survey: SurveyRefSchema.nullable(),
});
export type TicketDetailDto = z.infer<typeof TicketDetailSchema>;

export const TicketPageSchema = z.object({ items: z.array(TicketSummarySchema), nextCursor: z.string().nullable() });
export type TicketPage = z.infer<typeof TicketPageSchema>;

// ---- inputs (the operations parse these; transports derive their bodies from them)

export const createTicketInput = z.object({
  type: z.enum(TICKET_TYPES),
  description: z.string().trim().min(1).max(5000),
  title: z.string().trim().min(1).max(100).optional().nullable(),
  priority: z.enum(PRIORITIES).optional(),
  /** Staff only: whom the ticket is for. Customers file for themselves. */
  customerId: dbId.optional(),
  contactId: dbId.optional().nullable(),
});
export type CreateTicketInput = z.input<typeof createTicketInput>;

export const listTicketsInput = z.object({
  status: z.enum(['open', 'closed', 'all']).default('all'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().regex(/^\d{1,12}$/).optional().nullable(),
  customerId: dbIdParam.optional(),
  assigneeId: dbIdParam.optional(),
});
export type ListTicketsInput = z.input<typeof listTicketsInput>;

export const commentInput = z.object({
  ticketId: dbIdParam,
  body: z.string().trim().min(1).max(5000),
  /** Staff only: an internal note the customer never sees. */
  internal: z.boolean().optional(),
});

export const reopenInput = z.object({ ticketId: dbIdParam, reason: z.string().trim().min(1).max(1000) });
