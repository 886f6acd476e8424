/**
 * Shapes of the /mp/v1 API (server/mp/CONTRACT.md), declared once in the core (the contexts' schemas.ts) and
 * imported here as types only: the import is erased, so nothing of the core reaches the bundle.
 */
export type {
  Article,
  ArticleHit,
  Client,
  FeedbackResult,
  Me,
  Meta,
  NewTicket,
  Priority,
  Profile,
  Session,
  Survey,
  SurveyKind,
  SurveyRef,
  SurveyStatus,
  TicketDetail,
  TicketPage,
  TicketStatus,
  TicketSummary,
  TicketType,
  TimelineEntry,
} from '../../../core/public-types';
