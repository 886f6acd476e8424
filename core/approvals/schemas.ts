import { z } from 'zod';

/** The approval shapes that cross a transport (/api/v1, cards), declared once; the types are inferred. */
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export const STEP_STATUSES = ['waiting', 'pending', 'approved', 'rejected', 'withdrawn', 'skipped'] as const;
const id = z.number().int();

export const ApprovalStepSchema = z.object({
  id,
  seq: z.number().int(),
  label: z.string(),
  approverId: id,
  approverName: z.string(),
  delegatedFromId: id.nullable(),
  delegatedFromName: z.string().nullable(),
  status: z.enum(STEP_STATUSES),
  decidedAt: z.string().nullable(),
  channel: z.string().nullable(),
  comment: z.string().nullable(),
});
export type ApprovalStepView = z.infer<typeof ApprovalStepSchema>;

export const ApprovalSchema = z.object({
  requestId: id,
  entityType: z.string(),
  entityId: id,
  status: z.enum(REQUEST_STATUSES),
  submitter: z.object({ id, name: z.string() }),
  note: z.string().nullable(),
  reason: z.string().nullable(),
  rules: z.array(z.string()),
  steps: z.array(ApprovalStepSchema),
  /** The step whose approver may act now, if any. */
  currentStep: z.object({ id, approverId: id }).nullable(),
  comments: z.array(z.object({ userId: id.nullable(), userName: z.string(), text: z.string(), at: z.string() })),
  subject: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
export type ApprovalView = z.infer<typeof ApprovalSchema>;

/**
 * The 'approval.request' outbox payload: what a card for one person shows, the view plus who is looking (buttons only
 * for the current approver). No schema of its own: it is ApprovalView and a user id, both declared here.
 */
export type ApprovalCardPayload = { view: ApprovalView; viewerId: number };

export const DecisionResultSchema = z.object({
  view: ApprovalSchema,
  /** approve: the flow moved to the next step (false) or finished (true). */
  finished: z.boolean(),
});
export type DecisionResult = z.infer<typeof DecisionResultSchema>;
