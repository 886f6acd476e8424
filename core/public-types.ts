/**
 * The types the mini-program imports (miniapp/src/api/types.ts): the /mp/v1 shapes, inferred from the zod schemas
 * in the contexts' schemas.ts. Types only — `import type` is erased, so no zod and no core code reaches the bundle.
 * Keep this file (and the schemas.ts files it names) free of server code: miniapp's tsconfig type-checks them.
 */
export type { MpClient as Client, MpMeta as Meta, MpSession as Session, AccountSummary as Me, MpProfile as Profile, MpTicketDetail as TicketDetail, NewTicket } from './mp/schemas';
export type { TicketPage, TicketSummaryDto as TicketSummary, TimelineEntryDto as TimelineEntry, SurveyRefDto as SurveyRef } from './tickets/schemas';
export type { SurveyDto as Survey, SurveyKind, SurveyStatus } from './surveys/schemas';
export type { ArticleDto as Article, SearchHit as ArticleHit, FeedbackResult } from './knowledge/schemas';
export type { TicketType, Priority, TicketStatus } from './tickets/rules';
