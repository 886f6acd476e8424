import Router from '@koa/router';
import { z } from 'zod';
import { day, dbIdParam } from '../../core/shared/fields';
import type { RouterFactory } from '../app';
import { jsonBody } from '../app';
import { parseInput } from '../../core/validation';
import { apiActor, apiKeyAuth } from './auth';
import { readBudget } from './read-budget';
import type { ApiOperation } from './openapi';
import { idParam } from './params';
import { pageSchema, paginationQuery } from './pagination';
import {
  closeOpportunity,
  closeOpportunityInput,
  createOpportunity,
  createOpportunityInput,
  getOpportunity,
  listOpportunities,
  moveStage,
  moveStageInput,
  opportunityHistory,
  reopenOpportunity,
  reopenOpportunityInput,
  updateOpportunity,
  updateOpportunityInput,
} from '../../core/opportunities/operations';
import { createQuote, createQuoteInput, getQuote, listQuotes, rejectQuote, rejectQuoteInput, sendQuote } from '../../core/opportunities/quotes';
import { getPipelineSettings, listPipelines, updatePipeline, updatePipelineInput, updatePipelineSettings, updatePipelineSettingsInput } from '../../core/opportunities/pipelines';
import { pipelineForecast, pipelineFunnel } from '../../core/opportunities/forecast';
import { acceptQuote, acceptQuoteInput } from '../../core/contracts/from-quote';
import { createRenewalOpportunity } from '../../core/contracts/renewal-opportunity';
import {
  ForecastSchema,
  FunnelSchema,
  MoveStageResultSchema,
  OPPORTUNITY_STATUSES,
  OpportunityHistorySchema,
  OpportunityListItemSchema,
  OpportunitySchema,
  PipelineSchema,
  PipelineSettingsSchema,
  QuoteSchema,
  RenewalOpportunityResultSchema,
  StageSchema,
} from '../../core/opportunities/schemas';
import { AcceptQuoteResultSchema } from '../../core/contracts/schemas';

/**
 * /api/v1 sales pipeline: opportunities (商机), their stages, history and quotes, the pipelines and their settings, the
 * funnel and the forecast. Thin: validate at the edge (the core validates again), one core call, map. Visibility is the
 * core's: an opportunity the key's user may not see answers 404 NOT_FOUND, like one that does not exist.
 */

// Bodies: the core's own input schemas (validated again by the operation), less the id the path carries. (A renewal
// deal comes from POST /contracts/{id}/renewal-opportunity, a lead's from its conversion: neither link is an input.)
const createBody = createOpportunityInput;
const patchBody = updateOpportunityInput.omit({ opportunityId: true });
const stageBody = moveStageInput.omit({ opportunityId: true });
const closeBody = closeOpportunityInput.omit({ opportunityId: true });
const reopenBody = reopenOpportunityInput.omit({ opportunityId: true });
const quoteBody = createQuoteInput.omit({ opportunityId: true });
const acceptBody = acceptQuoteInput.omit({ quoteId: true });
const rejectBody = rejectQuoteInput.omit({ quoteId: true });
// The core takes stages as unknown and checks them itself (validateStages); the document shows their shape.
const pipelineBody = updatePipelineInput.omit({ pipelineId: true }).extend({ stages: z.array(StageSchema).optional() });
const settingsBody = updatePipelineSettingsInput;

// Queries: text in, so ids and numbers are coerced here; the core's bounds (limit ≤ 100, q ≤ 100, cursor ≤ 200).
const listQuery = paginationQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  q: z.string().max(100).optional().describe("the opportunity's or the customer's name"),
  pipelineId: dbIdParam.optional(),
  stage: z.string().trim().min(1).max(40).optional(),
  status: z.enum(OPPORTUNITY_STATUSES).optional(),
  ownerId: dbIdParam.optional(),
  teamId: dbIdParam.optional(),
  customerId: dbIdParam.optional(),
  closeFrom: day('closeFrom').optional(),
  closeTo: day('closeTo').optional(),
});
const scopeQuery = z.object({
  period: z.string().trim().min(1).max(40).default('本月').describe('2027-01 | 2027-Q1 | 2027 | 2027-01-01..2027-03-31 | 本月 | 本季度 | 今年 …'),
  pipelineId: dbIdParam.optional(),
  teamId: dbIdParam.optional(),
  ownerId: dbIdParam.optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
});


const O = ['opportunities'];
const Q = ['quotes'];
const P = ['pipeline'];
export const opportunityOperations: ApiOperation[] = [
  { method: 'get', path: '/api/v1/opportunities', summary: 'Opportunities you may see (rep: own; manager: team; admin: all), newest first (keyset pages)', tags: O, query: listQuery, response: pageSchema(OpportunityListItemSchema) },
  { method: 'post', path: '/api/v1/opportunities', summary: 'Create an opportunity on a customer you may edit (a pool customer must be claimed first)', tags: O, request: createBody, response: OpportunitySchema, status: 201 },
  { method: 'get', path: '/api/v1/opportunities/{id}', summary: 'One opportunity with its lines', tags: O, response: OpportunitySchema },
  { method: 'patch', path: '/api/v1/opportunities/{id}', summary: 'Change name, amount, lines, close date, next step, competitors, owner or (manager) the probability; expectedVersion → 409 when stale', tags: O, request: patchBody, response: OpportunitySchema },
  { method: 'post', path: '/api/v1/opportunities/{id}/stage', summary: 'Move to a stage (its requirements must be met; leaving won/lost needs reopen); the same stage again answers changed:false', tags: O, request: stageBody, response: MoveStageResultSchema },
  { method: 'post', path: '/api/v1/opportunities/{id}/close', summary: 'Close as won or lost (lost takes a lossReason)', tags: O, request: closeBody, response: OpportunitySchema },
  { method: 'post', path: '/api/v1/opportunities/{id}/reopen', summary: "Reopen a won/lost opportunity (the owner's manager or an admin; audited)", tags: O, request: reopenBody, response: OpportunitySchema },
  { method: 'get', path: '/api/v1/opportunities/{id}/history', summary: 'Every change of stage, amount, close date, probability and owner (who, when, from → to), oldest first', tags: O, response: z.object({ items: z.array(OpportunityHistorySchema) }) },
  { method: 'get', path: '/api/v1/opportunities/{id}/quotes', summary: "The opportunity's quotes, every version, newest first", tags: Q, response: z.object({ items: z.array(QuoteSchema) }) },
  { method: 'post', path: '/api/v1/opportunities/{id}/quotes', summary: "A new quote version from the opportunity's lines (supersedes older draft/sent ones)", tags: Q, request: quoteBody, response: QuoteSchema, status: 201 },
  { method: 'get', path: '/api/v1/quotes/{id}', summary: 'One quote', tags: Q, response: QuoteSchema },
  { method: 'post', path: '/api/v1/quotes/{id}/send', summary: 'Mark a quote sent to the customer', tags: Q, response: QuoteSchema },
  { method: 'post', path: '/api/v1/quotes/{id}/accept', summary: 'The customer accepted: draft the contract from the quote and submit it for approval (one contract per quote; again answers the same one with 200)', tags: Q, request: acceptBody, response: AcceptQuoteResultSchema, status: 201 },
  { method: 'post', path: '/api/v1/quotes/{id}/reject', summary: 'The customer rejected the quote', tags: Q, request: rejectBody, response: QuoteSchema },
  { method: 'post', path: '/api/v1/contracts/{id}/renewal-opportunity', summary: "Create (or return) the renewal opportunity of a contract (renewal pipeline, lines copied, closing on the contract's end date)", tags: O, response: RenewalOpportunityResultSchema, status: 201 },
  { method: 'get', path: '/api/v1/pipelines', summary: 'The pipelines and their stages (data)', tags: P, response: z.object({ items: z.array(PipelineSchema) }) },
  { method: 'put', path: '/api/v1/pipelines/{id}', summary: "Rename a pipeline or replace its stages (admin)", tags: P, request: pipelineBody, response: PipelineSchema },
  { method: 'get', path: '/api/v1/pipeline/settings', summary: 'Large-deal threshold and stuck days', tags: P, response: PipelineSettingsSchema },
  { method: 'patch', path: '/api/v1/pipeline/settings', summary: 'Change the large-deal threshold or stuck days (admin)', tags: P, request: settingsBody, response: PipelineSettingsSchema },
  { method: 'get', path: '/api/v1/pipeline/funnel', summary: 'Count and amount per stage, conversion (from the history), days in stage and win rate for a period; rep: own, manager: team', tags: P, query: scopeQuery, response: FunnelSchema },
  { method: 'get', path: '/api/v1/pipeline/forecast', summary: 'Weighted forecast, commit and best case by expected close month for a period; rep: own, manager: team', tags: P, query: scopeQuery, response: ForecastSchema },
];

export const opportunitiesApiRouter: RouterFactory = ({ core, config }) => {
  const r = new Router({ prefix: '/api/v1' });
  const auth = apiKeyAuth(core);
  const body = jsonBody();
  // Per-user read budgets (README, "Read budgets"), as the customers' routes: a text query is a search.
  const { search, list, lookup } = readBudget(core, config.readBudget).classes;

  r.get('/opportunities', auth, search, async (ctx) => {
    const { q, ...filters } = parseInput(listQuery, ctx.query);
    ctx.body = await listOpportunities(core, apiActor(ctx), { ...filters, ...(q?.trim() ? { q } : {}) });
  });
  r.post('/opportunities', auth, body, async (ctx) => {
    const input = parseInput(createBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = await createOpportunity(core, apiActor(ctx), 'api', input);
  });
  r.get('/opportunities/:id', auth, lookup, async (ctx) => {
    ctx.body = await getOpportunity(core, apiActor(ctx), idParam(ctx));
  });
  r.patch('/opportunities/:id', auth, body, async (ctx) => {
    const input = parseInput(patchBody, ctx.request.body);
    ctx.body = await updateOpportunity(core, apiActor(ctx), 'api', { ...input, opportunityId: idParam(ctx) });
  });
  r.post('/opportunities/:id/stage', auth, body, async (ctx) => {
    const input = parseInput(stageBody, ctx.request.body);
    ctx.body = await moveStage(core, apiActor(ctx), 'api', { ...input, opportunityId: idParam(ctx) });
  });
  r.post('/opportunities/:id/close', auth, body, async (ctx) => {
    const input = parseInput(closeBody, ctx.request.body);
    ctx.body = await closeOpportunity(core, apiActor(ctx), 'api', { ...input, opportunityId: idParam(ctx) });
  });
  r.post('/opportunities/:id/reopen', auth, body, async (ctx) => {
    const input = parseInput(reopenBody, ctx.request.body);
    ctx.body = await reopenOpportunity(core, apiActor(ctx), 'api', { ...input, opportunityId: idParam(ctx) });
  });
  r.get('/opportunities/:id/history', auth, lookup, async (ctx) => {
    ctx.body = { items: await opportunityHistory(core, apiActor(ctx), idParam(ctx)) };
  });
  r.get('/opportunities/:id/quotes', auth, list, async (ctx) => {
    ctx.body = { items: await listQuotes(core, apiActor(ctx), idParam(ctx)) };
  });
  r.post('/opportunities/:id/quotes', auth, body, async (ctx) => {
    const input = parseInput(quoteBody, ctx.request.body ?? {});
    ctx.status = 201;
    ctx.body = await createQuote(core, apiActor(ctx), 'api', { ...input, opportunityId: idParam(ctx) });
  });
  r.get('/quotes/:id', auth, lookup, async (ctx) => {
    ctx.body = await getQuote(core, apiActor(ctx), idParam(ctx));
  });
  r.post('/quotes/:id/send', auth, async (ctx) => {
    ctx.body = await sendQuote(core, apiActor(ctx), 'api', { quoteId: idParam(ctx) });
  });
  r.post('/quotes/:id/accept', auth, body, async (ctx) => {
    const input = parseInput(acceptBody, ctx.request.body ?? {});
    const res = await acceptQuote(core, apiActor(ctx), 'api', { ...input, quoteId: idParam(ctx) });
    ctx.status = res.created ? 201 : 200;
    ctx.body = res;
  });
  r.post('/quotes/:id/reject', auth, body, async (ctx) => {
    const input = parseInput(rejectBody, ctx.request.body ?? {});
    ctx.body = await rejectQuote(core, apiActor(ctx), 'api', { ...input, quoteId: idParam(ctx) });
  });
  r.post('/contracts/:id/renewal-opportunity', auth, async (ctx) => {
    const res = await createRenewalOpportunity(core, apiActor(ctx), 'api', { contractId: idParam(ctx) });
    ctx.status = res.created ? 201 : 200;
    ctx.body = res;
  });
  r.get('/pipelines', auth, list, async (ctx) => {
    apiActor(ctx);
    ctx.body = { items: await listPipelines(core) };
  });
  r.put('/pipelines/:id', auth, body, async (ctx) => {
    const input = parseInput(pipelineBody, ctx.request.body);
    ctx.body = await updatePipeline(core, apiActor(ctx), 'api', { ...input, pipelineId: idParam(ctx) });
  });
  r.get('/pipeline/settings', auth, async (ctx) => {
    apiActor(ctx);
    ctx.body = await getPipelineSettings(core);
  });
  r.patch('/pipeline/settings', auth, body, async (ctx) => {
    ctx.body = await updatePipelineSettings(core, apiActor(ctx), 'api', parseInput(settingsBody, ctx.request.body));
  });
  r.get('/pipeline/funnel', auth, list, async (ctx) => {
    const q = parseInput(scopeQuery, ctx.query);
    ctx.body = await pipelineFunnel(core, apiActor(ctx), q);
  });
  r.get('/pipeline/forecast', auth, list, async (ctx) => {
    const q = parseInput(scopeQuery, ctx.query);
    ctx.body = await pipelineForecast(core, apiActor(ctx), q);
  });
  return r;
};
