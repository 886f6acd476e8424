import { z } from 'zod';
import { dbIdParam } from '../shared/fields';

/** The survey shapes that cross a transport (/mp/v1), declared once; the types are inferred. zod only. */
export const SURVEY_KINDS = ['csat', 'nps'] as const;
export const SURVEY_STATUSES = ['pending', 'answered', 'expired'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];
export type SurveyStatus = (typeof SURVEY_STATUSES)[number];

export const SurveySchema = z.object({
  id: z.number().int(),
  kind: z.enum(SURVEY_KINDS),
  status: z.enum(SURVEY_STATUSES),
  /** The ticket a CSAT survey is about; null for NPS. */
  ticket: z.object({ id: z.number().int(), no: z.string(), title: z.string() }).nullable(),
  question: z.string(),
  scale: z.object({ min: z.number().int(), max: z.number().int() }),
  answer: z.object({ score: z.number().int(), comment: z.string().nullable(), answeredAt: z.string() }).nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type SurveyDto = z.infer<typeof SurveySchema>;

export const SurveyListSchema = z.object({ items: z.array(SurveySchema) });

/** One agent's service figures (the bot's 服务统计 answer): tickets open and resolved, CSAT answers, SLA breaches. */
export const AgentStatsSchema = z.object({
  userId: z.number().int(),
  openTickets: z.number().int(),
  resolvedTickets: z.number().int(),
  /** `average`: of the answered CSAT scores, two decimals, null without answers; `low`: answers scoring 2 or less. */
  csat: z.object({ answered: z.number().int(), average: z.number().nullable(), low: z.number().int() }),
  breaches: z.number().int(),
});
export type AgentStats = z.infer<typeof AgentStatsSchema>;

// ---- inputs
export const surveyListInput = z.object({ status: z.enum(['pending', 'all']).default('pending') });

export const answerInput = z.object({
  surveyId: dbIdParam,
  score: z.number().int(),
  comment: z.string().trim().max(1000).optional().nullable(),
});
