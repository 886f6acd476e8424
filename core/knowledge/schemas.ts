import { z } from 'zod';
import { dbIdParam } from '../shared/fields';

/** The knowledge-base shapes that cross a transport (/mp/v1, chat), declared once; the types are inferred. zod only. */
const helpful = z.object({ yes: z.number().int(), no: z.number().int() });

export const ArticleSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  body: z.string().describe('plain text / simple markdown'),
  category: z.string().nullable(),
  tags: z.array(z.string()),
  /** Staff only. */
  status: z.enum(['draft', 'published']).optional(),
  updatedAt: z.string(),
  helpful,
  /** The signed-in contact's vote; null when none (and for staff). */
  myFeedback: z.boolean().nullable(),
});
export type ArticleDto = z.infer<typeof ArticleSchema>;

export const SearchHitSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  snippet: z.string(),
  category: z.string().nullable(),
  tags: z.array(z.string()),
  /** Relative to the best hit (1.0). */
  score: z.number(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;
export const SearchResultSchema = z.object({ items: z.array(SearchHitSchema) });

export const FeedbackResultSchema = z.object({ helpful, myFeedback: z.boolean() });
export type FeedbackResult = z.infer<typeof FeedbackResultSchema>;

// ---- inputs
export const articleInput = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(50_000),
  category: z.string().trim().min(1).max(64).optional().nullable(),
  tags: z.array(z.string().trim().min(1).max(32)).max(20).optional(),
  status: z.enum(['draft', 'published']).optional(),
});
export type ArticleInput = z.input<typeof articleInput>;

export const searchInput = z.object({ q: z.string().trim().min(1).max(100), limit: z.coerce.number().int().min(1).max(20).default(10) });

export const feedbackInput = z.object({
  articleId: dbIdParam,
  helpful: z.boolean(),
  query: z.string().trim().max(100).optional().nullable(),
});
