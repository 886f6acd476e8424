import { z } from 'zod';
import { dbId } from '../shared/fields';
import { PRIORITIES, TICKET_TYPES } from '../tickets/rules';
import { AttachmentSchema, TicketDetailSchema, commentInput, createTicketInput, listTicketsInput, reopenInput } from '../tickets/schemas';
import { answerInput, surveyListInput } from '../surveys/schemas';
import { feedbackInput, searchInput } from '../knowledge/schemas';

/**
 * The mini-program API (/mp/v1, server/mp/CONTRACT.md), declared once: what the routes accept (validated at the
 * edge with these) and what they answer (the mini-program imports the inferred types through core/public-types.ts).
 * The bodies derive from the core operations' own inputs; ids always come from the path or the session.
 */
export const MP_CLIENTS = ['h5', 'weapp', 'lark'] as const;
export type MpClient = (typeof MP_CLIENTS)[number];
const client = z.enum(MP_CLIENTS);
const ref = z.object({ id: z.number().int(), name: z.string() });
const platformCode = z.string().min(1).max(200);

// ---- answers

export const MetaSchema = z.object({
  ticketTypes: z.array(z.object({ value: z.enum(TICKET_TYPES), label: z.string() })),
  /** The priorities a customer may choose. */
  priorities: z.array(z.object({ value: z.enum(PRIORITIES), label: z.string() })),
  upload: z.object({ maxFiles: z.number().int(), maxBytes: z.number().int(), mimeTypes: z.array(z.string()) }),
});
export type MpMeta = z.infer<typeof MetaSchema>;

/** Every successful sign-in. */
export const SessionSchema = z.object({ token: z.string(), expiresAt: z.string(), customer: ref, contact: ref });
export type MpSession = z.infer<typeof SessionSchema>;

export const InviteSchema = z.object({ code: z.string(), expiresAt: z.string(), customer: ref, contact: ref });
export type InviteDto = z.infer<typeof InviteSchema>;

export const AccountSummarySchema = z.object({
  customer: z.object({ id: z.number().int(), name: z.string(), tier: z.string().nullable() }),
  contact: z.object({ id: z.number().int(), name: z.string(), title: z.string().nullable() }),
  /** The account manager, in full so the customer can call them; null when the customer has no rep. */
  owner: z.object({ name: z.string(), phone: z.string().nullable(), email: z.string().nullable() }).nullable(),
  tickets: z.object({ open: z.number().int(), waitingCustomer: z.number().int(), resolvedRecently: z.number().int() }),
  pendingSurveys: z.number().int(),
  /** Null when the customer has no approved contract. Money in integer cents. */
  contracts: z.object({ active: z.number().int(), totalCents: z.number().int() }).nullable(),
  receivables: z
    .object({
      outstandingCents: z.number().int(),
      overdueCents: z.number().int(),
      nextDue: z.object({ dueDate: z.string(), outstandingCents: z.number().int() }).nullable(),
    })
    .nullable(),
});
export type AccountSummary = z.infer<typeof AccountSummarySchema>;

export const ProfileSchema = z.object({
  contact: z.object({
    id: z.number().int(),
    name: z.string(),
    title: z.string().nullable(),
    phone: z.string().nullable().describe('masked'),
    email: z.string().nullable(),
    wechat: z.string().nullable(),
  }),
  customer: ref,
  bindings: z.object({ wechat: z.boolean(), lark: z.boolean() }),
});
export type ProfileDto = z.infer<typeof ProfileSchema>;

/** GET/PATCH /profile: the profile plus the current session. */
export const MpProfileSchema = ProfileSchema.extend({ session: z.object({ client, expiresAt: z.string() }) });
export type MpProfile = z.infer<typeof MpProfileSchema>;

/** A ticket as the mini-program gets it: each attachment with a pre-signed URL (valid 1 hour; prepend the API origin). */
export const MpAttachmentSchema = AttachmentSchema.extend({ url: z.string() });
export const MpTicketDetailSchema = TicketDetailSchema.extend({ attachments: z.array(MpAttachmentSchema) });
export type MpTicketDetail = z.infer<typeof MpTicketDetailSchema>;

// ---- inputs of the core operations

export const createInviteInput = z.object({
  customerId: dbId,
  /** An existing contact of the customer, or a name: found among its contacts, else added. */
  contactId: dbId.optional(),
  contactName: z.string().trim().min(1).max(100).optional(),
});

export const redeemInput = z.object({
  code: z.string().trim().min(4).max(32),
  client: client.default('h5'),
});

export const updateProfileInput = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  title: z.string().trim().max(100).optional().nullable(),
  email: z.string().trim().max(190).optional().nullable(),
});
export type UpdateProfileInput = z.input<typeof updateProfileInput>;

// ---- request bodies and queries of /mp/v1 (validated at the edge: bad input is a 400 naming the field)

export const inviteBody = redeemInput.extend({ wechatCode: platformCode.optional(), larkCode: platformCode.optional() });
export type InviteBody = z.input<typeof inviteBody>;
export const loginBody = z.object({ code: platformCode, client: client.optional() });
export const bindBody = z.object({ wechatCode: platformCode.optional(), larkCode: platformCode.optional() });
export const profileBody = updateProfileInput;

/** JSON or multipart fields; an empty (or null) optional field counts as absent. Customers choose normal or high (the core says so). */
const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
export const newTicketBody = createTicketInput.pick({ type: true, description: true }).extend({
  title: z.preprocess(blankToUndefined, createTicketInput.shape.title),
  priority: z.preprocess(blankToUndefined, createTicketInput.shape.priority),
});
/** What the mini-program sends (the output type: blank fields are already left out). */
export type NewTicket = z.output<typeof newTicketBody>;
export const ticketListQuery = listTicketsInput.pick({ status: true, limit: true }).extend({ cursor: z.preprocess(blankToUndefined, listTicketsInput.shape.cursor) });
export const commentBody = commentInput.pick({ body: true });
export const reopenBody = reopenInput.pick({ reason: true });
export const surveyListQuery = surveyListInput;
export const surveyAnswerBody = answerInput.omit({ surveyId: true });
export const kbSearchQuery = searchInput;
export const feedbackBody = feedbackInput.omit({ articleId: true });
