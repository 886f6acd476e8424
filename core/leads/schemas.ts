import { z } from 'zod';

/** The lead shapes that cross a transport (the bot's cards, the lead outbox payloads), declared once; the types are inferred. */
export const LEAD_STATUSES = ['new', 'assigned', 'converted', 'lost'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
/** What a lead's score is made of (core/leads/rules.ts: the weight of each, the points it gave). */
export const SCORE_FACTORS = ['industry', 'source', 'size', 'interactions', 'recency'] as const;
export type ScoreFactor = (typeof SCORE_FACTORS)[number];

const id = z.number().int();
/** ISO-8601 UTC. */
const time = z.string();

export const ScoreReasonSchema = z.object({
  factor: z.enum(SCORE_FACTORS),
  points: z.number(),
  max: z.number(),
  /** What the points are for, in both languages. */
  zh: z.string(),
  en: z.string(),
});
export type ScoreReason = z.infer<typeof ScoreReasonSchema>;

/** Why a lead went to its owner: the strategy (or `manual`), explained in both languages. */
export const AssignReasonSchema = z.object({ strategy: z.string(), zh: z.string(), en: z.string() });
export type AssignReason = z.infer<typeof AssignReasonSchema>;

/** The captured fields: what a chat message, a web form or an import row (core/leads/import-rules.ts) becomes. */
export const LeadFieldsSchema = z.object({
  company: z.string().nullable(),
  contactName: z.string().nullable(),
  title: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  region: z.string().nullable(),
  industry: z.string().nullable(),
  skill: z.string().nullable(),
  companySize: z.number().int().nullable(),
  source: z.string(),
  campaign: z.string().nullable(),
  message: z.string().nullable(),
});
export type LeadFields = z.infer<typeof LeadFieldsSchema>;

/** A lead: the captured fields plus what the CRM adds. */
export const LeadSchema = LeadFieldsSchema.extend({
  id,
  status: z.enum(LEAD_STATUSES),
  score: z.number().int(),
  scoreReasons: z.array(ScoreReasonSchema),
  interactions: z.number().int(),
  ownerId: id.nullable(),
  assignedAt: time.nullable(),
  assignReason: AssignReasonSchema.nullable(),
  customerId: id.nullable(),
  createdAt: time.nullable(),
});
export type LeadDto = z.infer<typeof LeadSchema>;
