import { z } from 'zod';
import type { ApiOperation, OpenApiInfo } from '../api/openapi';
import {
  AccountSummarySchema,
  MetaSchema,
  MpProfileSchema,
  MpTicketDetailSchema,
  SessionSchema,
  bindBody,
  commentBody,
  feedbackBody,
  inviteBody,
  kbSearchQuery,
  loginBody,
  newTicketBody,
  profileBody,
  reopenBody,
  surveyAnswerBody,
  surveyListQuery,
  ticketListQuery,
} from '../../core/mp/schemas';
import { TicketPageSchema, TimelineEntrySchema } from '../../core/tickets/schemas';
import { SurveyListSchema, SurveySchema } from '../../core/surveys/schemas';
import { ArticleSchema, FeedbackResultSchema, SearchResultSchema } from '../../core/knowledge/schemas';
import { MAX_ATTACHMENTS } from '../../core/tickets/storage';

/**
 * Every /mp/v1 route as data: its OpenAPI document (GET /mp/v1/openapi.json) is built from this list with the same
 * zod schemas the routes validate with (core/mp/schemas.ts). tests/service/mp-openapi.test.ts compares it with the
 * routes mpRouter registers, so a route cannot be added without appearing here. Contract notes: server/mp/CONTRACT.md.
 */
export const MP_INFO: OpenApiInfo = {
  title: 'CRM mini-program API',
  description:
    'What the Taro mini-program (WeChat, Lark, H5) calls. Sign in with an invite code or a platform login code; the answer carries a session token sent as `Authorization: Bearer <token>`. Rate limited per IP (sign-in) and per session.',
  security: { name: 'session', scheme: { type: 'http', scheme: 'bearer', description: 'customer session token from /mp/v1/auth/*' } },
};

const tk = ['tickets'];
const photos = { files: 'photos', maxFiles: MAX_ATTACHMENTS };
export const MP_OPERATIONS: readonly ApiOperation[] = [
  { method: 'get', path: '/mp/v1/openapi.json', summary: 'This OpenAPI document', tags: ['meta'], public: true },
  { method: 'get', path: '/mp/v1/meta', summary: 'Ticket types, priorities and upload limits, in the caller\'s language', tags: ['meta'], response: MetaSchema, public: true },
  { method: 'post', path: '/mp/v1/auth/invite', summary: 'Redeem an invite code (optionally binding a WeChat / Lark identity)', tags: ['auth'], request: inviteBody, response: SessionSchema, public: true },
  { method: 'post', path: '/mp/v1/auth/wechat', summary: 'Sign in with a WeChat login code (a bound identity)', tags: ['auth'], request: loginBody, response: SessionSchema, public: true },
  { method: 'post', path: '/mp/v1/auth/lark', summary: 'Sign in with a Lark login code (a bound identity)', tags: ['auth'], request: loginBody, response: SessionSchema, public: true },
  { method: 'post', path: '/mp/v1/auth/bind', summary: 'Bind a WeChat or Lark identity to the signed-in contact', tags: ['auth'], request: bindBody, response: z.object({ bound: z.enum(['wechat', 'lark']) }) },
  { method: 'post', path: '/mp/v1/auth/logout', summary: 'End this session', tags: ['auth'], status: 204 },
  { method: 'get', path: '/mp/v1/me', summary: 'Account summary: customer, contact, account manager, tickets, surveys, contracts, receivables', tags: ['account'], response: AccountSummarySchema },
  { method: 'get', path: '/mp/v1/profile', summary: "The signed-in contact's profile (phone masked)", tags: ['account'], response: MpProfileSchema },
  { method: 'patch', path: '/mp/v1/profile', summary: 'Change name, title or e-mail', tags: ['account'], request: profileBody, response: MpProfileSchema },
  { method: 'get', path: '/mp/v1/tickets', summary: "The customer's tickets (keyset pages)", tags: tk, query: ticketListQuery, response: TicketPageSchema },
  { method: 'post', path: '/mp/v1/tickets', summary: 'File a ticket, JSON or multipart with photos', tags: tk, request: newTicketBody, multipart: { fields: newTicketBody, ...photos }, response: MpTicketDetailSchema, status: 201 },
  { method: 'get', path: '/mp/v1/tickets/{id}', summary: 'One ticket with its timeline and attachments (pre-signed URLs)', tags: tk, response: MpTicketDetailSchema },
  { method: 'post', path: '/mp/v1/tickets/{id}/attachments', summary: 'Add photos to a ticket (multipart)', tags: tk, multipart: photos, response: MpTicketDetailSchema, status: 201 },
  { method: 'post', path: '/mp/v1/tickets/{id}/comments', summary: 'Comment on a ticket', tags: tk, request: commentBody, response: TimelineEntrySchema, status: 201 },
  { method: 'post', path: '/mp/v1/tickets/{id}/reopen', summary: 'Reopen a resolved ticket within the reopen window', tags: tk, request: reopenBody, response: MpTicketDetailSchema },
  {
    method: 'get',
    path: '/mp/v1/attachments/{id}',
    summary: 'An attachment by its pre-signed URL (no session: `exp` and `sig` are the credential)',
    tags: tk,
    query: z.object({ exp: z.string().describe('unix seconds'), sig: z.string() }),
    public: true,
  },
  { method: 'get', path: '/mp/v1/surveys', summary: 'Satisfaction surveys (pending by default)', tags: ['surveys'], query: surveyListQuery, response: SurveyListSchema },
  { method: 'get', path: '/mp/v1/surveys/{id}', summary: 'One survey', tags: ['surveys'], response: SurveySchema },
  { method: 'post', path: '/mp/v1/surveys/{id}/answer', summary: 'Answer a survey (once)', tags: ['surveys'], request: surveyAnswerBody, response: SurveySchema },
  { method: 'get', path: '/mp/v1/kb/search', summary: 'Search the published knowledge base', tags: ['knowledge'], query: kbSearchQuery, response: SearchResultSchema },
  { method: 'get', path: '/mp/v1/kb/articles/{id}', summary: 'One published article', tags: ['knowledge'], response: ArticleSchema },
  { method: 'post', path: '/mp/v1/kb/articles/{id}/feedback', summary: 'Was this article helpful?', tags: ['knowledge'], request: feedbackBody, response: FeedbackResultSchema },
];
