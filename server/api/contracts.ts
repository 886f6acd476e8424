import Router from '@koa/router';
import { z } from 'zod';
import type Koa from 'koa';
import type { RouterFactory } from '../app';
import { jsonBody } from '../app';
import { parseInput } from '../../core/validation';
import { apiActor, apiKeyAuth } from './auth';
import { registerOperation } from './openapi';
import { idParam } from './params';
import {
  contractApprovalView,
  createContract,
  createContractInput,
  createRenewalDraft,
  getContract,
  submitContract,
  terminateContract,
  updateDraftContract,
  updateDraftInput,
} from '../../core/contracts/operations';
import { commentApproval, decideStep, delegateStep, withdrawApproval } from '../../core/approvals/operations';
import { getApprovalPolicy, setApprovalPolicy } from '../../core/approvals/chain';
import { approvalPolicy } from '../../core/approvals/rules';
import { cashInForecast, recordPayment, setReceivablePlan } from '../../core/receivables/operations';
import { instalmentPlanInput } from '../../core/receivables/plan';

/** /api/v1 contracts, approvals (decide / withdraw / delegate / comment, the policy) and receivables. Thin: validate, one core call, map. */


const Line = z.object({ seq: z.number().int(), name: z.string(), quantity: z.number().int(), unitPriceCents: z.number().int(), discountBp: z.number().int(), amountCents: z.number().int() });
const Instalment = z.object({ id: z.number().int(), seq: z.number().int(), dueDate: z.string(), amountCents: z.number().int(), paidCents: z.number().int(), status: z.string() });
const Contract = z.object({
  id: z.number().int(),
  number: z.string(),
  customerId: z.number().int(),
  customerName: z.string(),
  ownerId: z.number().int(),
  ownerName: z.string(),
  title: z.string().nullable(),
  currency: z.string(),
  listCents: z.number().int(),
  amountCents: z.number().int().describe('integer cents (fen); never a float'),
  discountBp: z.number().int().describe('overall discount in basis points (1% = 100)'),
  signDate: z.string().nullable(),
  startDate: z.string(),
  endDate: z.string(),
  status: z.enum(['draft', 'pending_approval', 'approved', 'rejected', 'active', 'expired', 'terminated']),
  note: z.string().nullable(),
  renewalOfId: z.number().int().nullable(),
  lines: z.array(Line),
  instalments: z.array(Instalment),
  attachments: z.array(z.object({ id: z.number().int(), fileName: z.string(), fileKey: z.string(), mime: z.string().nullable(), sizeBytes: z.number().int().nullable() })),
  approvalRequestId: z.number().int().nullable(),
});
const Step = z.object({ id: z.number().int(), seq: z.number().int(), label: z.string(), approverId: z.number().int(), approverName: z.string(), delegatedFromId: z.number().int().nullable(), status: z.string(), decidedAt: z.string().nullable(), channel: z.string().nullable(), comment: z.string().nullable() });
const Approval = z.object({
  requestId: z.number().int(),
  entityType: z.string(),
  entityId: z.number().int(),
  status: z.enum(['pending', 'approved', 'rejected', 'withdrawn']),
  submitter: z.object({ id: z.number().int(), name: z.string() }),
  note: z.string().nullable(),
  reason: z.string().nullable(),
  rules: z.array(z.string()),
  steps: z.array(Step),
  currentStep: z.object({ id: z.number().int(), approverId: z.number().int() }).nullable(),
  comments: z.array(z.object({ userId: z.number().int().nullable(), userName: z.string(), text: z.string(), at: z.string() })),
  subject: z.record(z.string(), z.unknown()),
});
const submitBody = z.object({ note: z.string().trim().max(1000).optional().nullable() });
const decisionBody = z.object({ decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(1000).optional().nullable() });
const delegateBody = z.object({ toUserId: z.number().int().positive(), comment: z.string().trim().max(500).optional().nullable() });
const withdrawBody = z.object({ reason: z.string().trim().max(500).optional().nullable() });
const commentBody = z.object({ text: z.string().trim().min(1).max(1000) });
const planBody = z.object({ instalments: instalmentPlanInput });
const paymentBody = z.object({
  amountCents: z.number().int().positive(),
  instalmentId: z.number().int().positive().optional(),
  paidOn: z.string().optional(),
  note: z.string().trim().max(500).optional().nullable(),
});
const terminateBody = z.object({ reason: z.string().trim().min(1).max(500) });
const forecastQuery = z.object({ months: z.coerce.number().int().min(1).max(24).optional() });
const Payment = z.object({
  status: z.literal('recorded'),
  contractId: z.number().int(),
  number: z.string(),
  customerId: z.number().int(),
  allocations: z.array(z.object({ instalmentId: z.number().int(), seq: z.number().int(), dueDate: z.string(), amountCents: z.number().int(), instalmentStatus: z.string() })),
  contractOutstandingCents: z.number().int(),
});
const Forecast = z.object({ overdueCents: z.number().int(), months: z.array(z.object({ month: z.string(), dueCents: z.number().int(), outstandingCents: z.number().int() })) });

const C = ['contracts'];
const A = ['approvals'];
const R = ['receivables'];
const ops: Parameters<typeof registerOperation>[0][] = [
  { method: 'post', path: '/api/v1/contracts', summary: 'Draft a contract (lines, receivable plan, attachments metadata); the key must be bound to a user', tags: C, request: createContractInput, response: Contract, status: 201 },
  { method: 'get', path: '/api/v1/contracts/{id}', summary: 'One contract with lines, instalments and attachments', tags: C, response: Contract },
  { method: 'patch', path: '/api/v1/contracts/{id}', summary: 'Change a draft or rejected contract (lines, dates, note, plan)', tags: C, request: updateDraftInput.omit({ contractId: true }), response: Contract },
  { method: 'post', path: '/api/v1/contracts/{id}/submit', summary: 'Submit for approval; the chain is chosen by the policy (amount, discount, customer tier)', tags: C, request: submitBody, response: Approval, status: 201 },
  { method: 'get', path: '/api/v1/contracts/{id}/approval', summary: "The contract's latest approval request", tags: C, response: Approval },
  { method: 'put', path: '/api/v1/contracts/{id}/receivable-plan', summary: 'Replace the instalments (must sum exactly to the amount; not after a payment)', tags: R, request: planBody },
  { method: 'post', path: '/api/v1/contracts/{id}/payments', summary: 'Record a payment, oldest open instalment first (or from instalmentId)', tags: R, request: paymentBody, response: Payment, status: 201 },
  { method: 'post', path: '/api/v1/contracts/{id}/renewal', summary: 'Create (or return) the renewal contract draft', tags: C, response: z.object({ contract: Contract, created: z.boolean() }), status: 201 },
  { method: 'post', path: '/api/v1/contracts/{id}/terminate', summary: 'Terminate an approved/active contract (manager of the team, admin)', tags: C, request: terminateBody, response: Contract },
  { method: 'post', path: '/api/v1/approvals/steps/{id}/decision', summary: 'Approve or reject (reject needs a comment); 409 ALREADY_DONE when decided, INVALID_STATE when withdrawn', tags: A, request: decisionBody, response: z.object({ view: Approval, finished: z.boolean() }) },
  { method: 'post', path: '/api/v1/approvals/steps/{id}/delegate', summary: 'Hand your pending step to someone else', tags: A, request: delegateBody, response: Approval },
  { method: 'post', path: '/api/v1/approvals/{id}/withdraw', summary: 'The submitter withdraws a pending request', tags: A, request: withdrawBody, response: Approval },
  { method: 'post', path: '/api/v1/approvals/{id}/comments', summary: 'Comment on a request (submitter, approvers, admins)', tags: A, request: commentBody, response: Approval },
  { method: 'get', path: '/api/v1/approval-policy', summary: 'The approval rules in force (data)', tags: A, response: approvalPolicy },
  { method: 'put', path: '/api/v1/approval-policy', summary: 'Replace the approval rules (admin)', tags: A, request: approvalPolicy, response: approvalPolicy },
  { method: 'get', path: '/api/v1/receivables/forecast', summary: 'Cash-in forecast by month in your scope (own / team / all)', tags: R, query: forecastQuery, response: Forecast },
];
ops.forEach(registerOperation);

export const contractsApiRouter: RouterFactory = ({ core }) => {
  const r = new Router({ prefix: '/api/v1' });
  const auth = apiKeyAuth(core);
  const body = jsonBody();

  r.post('/contracts', auth, body, async (ctx) => {
    ctx.status = 201;
    ctx.body = await createContract(core, apiActor(ctx), 'api', ctx.request.body as never);
  });
  r.get('/contracts/:id', auth, async (ctx) => {
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
  r.get('/contracts/:id/approval', auth, async (ctx) => {
    const view = await contractApprovalView(core, apiActor(ctx), idParam(ctx));
    if (!view) ctx.status = 404;
    else ctx.body = view;
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
  r.get('/receivables/forecast', auth, async (ctx) => {
    const q = parseInput(forecastQuery, ctx.query);
    ctx.body = await cashInForecast(core, apiActor(ctx), q);
  });
  return r;
};
