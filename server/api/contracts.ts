import Router from '@koa/router';
import { AppError } from '../../core/errors';
import { z } from 'zod';
import { day, dbId } from '../../core/shared/fields';
import type Koa from 'koa';
import type { RouterFactory } from '../app';
import { jsonBody } from '../app';
import { parseInput } from '../../core/validation';
import { apiActor, apiKeyAuth } from './auth';
import { readBudget } from './read-budget';
import type { ApiOperation } from './openapi';
import { idParam } from './params';
import {
  contractApprovalView,
  createContract,
  createContractInput,
  createRenewalDraft,
  getContract,
  submitContract,
  submitContractInput,
  terminateContract,
  terminateInput,
  updateDraftContract,
  updateDraftInput,
} from '../../core/contracts/operations';
import { commentApproval, commentInput, decideInput, decideStep, delegateInput, delegateStep, withdrawApproval, withdrawInput } from '../../core/approvals/operations';
import { ContractSchema, RenewalResultSchema } from '../../core/contracts/schemas';
import { ApprovalSchema, DecisionResultSchema } from '../../core/approvals/schemas';
import { ForecastSchema, RecordPaymentResultSchema } from '../../core/receivables/schemas';
import { getApprovalPolicy, setApprovalPolicy } from '../../core/approvals/chain';
import { approvalPolicy } from '../../core/approvals/rules';
import { cashInForecast, recordPayment, setReceivablePlan } from '../../core/receivables/operations';
import { instalmentPlanInput } from '../../core/receivables/plan';

/** /api/v1 contracts, approvals (decide / withdraw / delegate / comment, the policy) and receivables. Thin: validate, one core call, map. */


const submitBody = submitContractInput.omit({ contractId: true });
const decisionBody = decideInput.omit({ stepId: true });
const delegateBody = delegateInput.omit({ stepId: true });
const withdrawBody = withdrawInput.omit({ requestId: true });
const commentBody = commentInput.omit({ requestId: true });
const planBody = z.object({ instalments: instalmentPlanInput });
const paymentBody = z.object({
  amountCents: z.number().int().positive(),
  instalmentId: dbId.optional(),
  paidOn: day('paidOn').optional(),
  note: z.string().trim().max(500).optional().nullable(),
});
const terminateBody = terminateInput.omit({ contractId: true });
const forecastQuery = z.object({ months: z.coerce.number().int().min(1).max(24).optional() });
const C = ['contracts'];
const A = ['approvals'];
const R = ['receivables'];
export const contractOperations: ApiOperation[] = [
  { method: 'post', path: '/api/v1/contracts', summary: 'Draft a contract (lines, receivable plan, attachments metadata); the key must be bound to a user', tags: C, request: createContractInput, response: ContractSchema, status: 201 },
  { method: 'get', path: '/api/v1/contracts/{id}', summary: 'One contract with lines, instalments and attachments', tags: C, response: ContractSchema },
  { method: 'patch', path: '/api/v1/contracts/{id}', summary: 'Change a draft or rejected contract (lines, dates, note, plan)', tags: C, request: updateDraftInput.omit({ contractId: true }), response: ContractSchema },
  { method: 'post', path: '/api/v1/contracts/{id}/submit', summary: 'Submit for approval; the chain is chosen by the policy (amount, discount, customer tier)', tags: C, request: submitBody, response: ApprovalSchema, status: 201 },
  { method: 'get', path: '/api/v1/contracts/{id}/approval', summary: "The contract's latest approval request", tags: C, response: ApprovalSchema },
  { method: 'put', path: '/api/v1/contracts/{id}/receivable-plan', summary: 'Replace the instalments (must sum exactly to the amount; not after a payment)', tags: R, request: planBody },
  { method: 'post', path: '/api/v1/contracts/{id}/payments', summary: 'Record a payment, oldest open instalment first (or from instalmentId)', tags: R, request: paymentBody, response: RecordPaymentResultSchema, status: 201 },
  { method: 'post', path: '/api/v1/contracts/{id}/renewal', summary: 'Create (or return) the renewal contract draft', tags: C, response: RenewalResultSchema, status: 201 },
  { method: 'post', path: '/api/v1/contracts/{id}/terminate', summary: 'Terminate an approved/active contract (manager of the team, admin)', tags: C, request: terminateBody, response: ContractSchema },
  { method: 'post', path: '/api/v1/approvals/steps/{id}/decision', summary: 'Approve or reject (reject needs a comment); 409 ALREADY_DONE when decided, INVALID_STATE when withdrawn', tags: A, request: decisionBody, response: DecisionResultSchema },
  { method: 'post', path: '/api/v1/approvals/steps/{id}/delegate', summary: 'Hand your pending step to someone else', tags: A, request: delegateBody, response: ApprovalSchema },
  { method: 'post', path: '/api/v1/approvals/{id}/withdraw', summary: 'The submitter withdraws a pending request', tags: A, request: withdrawBody, response: ApprovalSchema },
  { method: 'post', path: '/api/v1/approvals/{id}/comments', summary: 'Comment on a request (submitter, approvers, admins)', tags: A, request: commentBody, response: ApprovalSchema },
  { method: 'get', path: '/api/v1/approval-policy', summary: 'The approval rules in force (data)', tags: A, response: approvalPolicy },
  { method: 'put', path: '/api/v1/approval-policy', summary: 'Replace the approval rules (admin)', tags: A, request: approvalPolicy, response: approvalPolicy },
  { method: 'get', path: '/api/v1/receivables/forecast', summary: 'Cash-in forecast by month in your scope (own / team / all)', tags: R, query: forecastQuery, response: ForecastSchema },
];

export const contractsApiRouter: RouterFactory = ({ core, config }) => {
  const r = new Router({ prefix: '/api/v1' });
  const auth = apiKeyAuth(core);
  const budget = readBudget(core, config.readBudget); // per-user read budgets (README, "Read budgets")
  const lookup = budget.spend('lookup');
  const list = budget.spend('list');
  const body = jsonBody();

  r.post('/contracts', auth, body, async (ctx) => {
    ctx.status = 201;
    ctx.body = await createContract(core, apiActor(ctx), 'api', ctx.request.body as never);
  });
  r.get('/contracts/:id', auth, lookup, async (ctx) => {
    ctx.body = await getContract(core, apiActor(ctx), idParam(ctx));
  });
  r.patch('/contracts/:id', auth, body, async (ctx) => {
    ctx.body = await updateDraftContract(core, apiActor(ctx), 'api', { ...(ctx.request.body as object), contractId: idParam(ctx) } as never);
  });
  r.post('/contracts/:id/submit', auth, body, async (ctx) => {
    const { note } = parseInput(submitBody, ctx.request.body ?? {});
    ctx.status = 201;
    ctx.body = await submitContract(core, apiActor(ctx), 'api', { contractId: idParam(ctx), note });
  });
  r.get('/contracts/:id/approval', auth, lookup, async (ctx) => {
    const view = await contractApprovalView(core, apiActor(ctx), idParam(ctx));
    // A draft has no approval yet: say so, rather than the router's "no such route".
    if (!view) throw new AppError('NOT_FOUND', { field: 'id', detail: { 'zh-CN': '该合同还没有提交审批', en: 'This contract has not been submitted for approval' } });
    ctx.body = view;
  });
  r.put('/contracts/:id/receivable-plan', auth, body, async (ctx) => {
    const { instalments } = parseInput(planBody, ctx.request.body);
    ctx.body = { instalments: await setReceivablePlan(core, apiActor(ctx), 'api', { contractId: idParam(ctx), instalments }) };
  });
  r.post('/contracts/:id/payments', auth, body, async (ctx) => {
    const input = parseInput(paymentBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = await recordPayment(core, apiActor(ctx), 'api', { ...input, contractId: idParam(ctx) });
  });
  r.post('/contracts/:id/renewal', auth, async (ctx) => {
    const res = await createRenewalDraft(core, apiActor(ctx), 'api', { contractId: idParam(ctx) });
    ctx.status = res.created ? 201 : 200;
    ctx.body = res;
  });
  r.post('/contracts/:id/terminate', auth, body, async (ctx) => {
    const { reason } = parseInput(terminateBody, ctx.request.body);
    ctx.body = await terminateContract(core, apiActor(ctx), 'api', { contractId: idParam(ctx), reason });
  });
  r.post('/approvals/steps/:id/decision', auth, body, async (ctx) => {
    const input = parseInput(decisionBody, ctx.request.body);
    ctx.body = await decideStep(core, apiActor(ctx), 'api', { stepId: idParam(ctx), ...input });
  });
  r.post('/approvals/steps/:id/delegate', auth, body, async (ctx) => {
    const input = parseInput(delegateBody, ctx.request.body);
    ctx.body = await delegateStep(core, apiActor(ctx), 'api', { stepId: idParam(ctx), ...input });
  });
  r.post('/approvals/:id/withdraw', auth, body, async (ctx) => {
    const { reason } = parseInput(withdrawBody, ctx.request.body ?? {});
    ctx.body = await withdrawApproval(core, apiActor(ctx), 'api', { requestId: idParam(ctx), reason });
  });
  r.post('/approvals/:id/comments', auth, body, async (ctx) => {
    const { text } = parseInput(commentBody, ctx.request.body);
    ctx.body = await commentApproval(core, apiActor(ctx), 'api', { requestId: idParam(ctx), text });
  });
  r.get('/approval-policy', auth, async (ctx) => {
    ctx.body = await getApprovalPolicy(core);
  });
  r.put('/approval-policy', auth, body, async (ctx) => {
    ctx.body = await setApprovalPolicy(core, apiActor(ctx), ctx.request.body);
  });
  r.get('/receivables/forecast', auth, list, async (ctx) => {
    const q = parseInput(forecastQuery, ctx.query);
    ctx.body = await cashInForecast(core, apiActor(ctx), q);
  });
  return r;
};
