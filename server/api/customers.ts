import Router from '@koa/router';
import { z } from 'zod';
import type Koa from 'koa';
import type { RouterFactory } from '../app';
import { jsonBody } from '../app';
import { parseInput } from '../../core/validation';
import { apiActor, apiKeyAuth } from './auth';
import { registerOperation } from './openapi';
import { idParam } from './params';
import { pageSchema, paginationQuery, queryBool } from './pagination';
import { createCustomer, createCustomerInput, deleteCustomer, getCustomer, searchCustomers, updateCustomer, updateCustomerInput } from '../../core/customers/operations';
import { getCustomer360 } from '../../core/customer360/view360';
import { mergeCustomers } from '../../core/customers/merge';
import { addContact, addContactInput, listContacts } from '../../core/customers/contacts';
import { getTierThresholds, recomputeTier, setTierThresholds } from '../../core/customers/tiers';
import { listActivities, logActivity, logActivityInput } from '../../core/activities/operations';
import { assignCustomer, claimCustomer, createPool, createPoolInput, listPools, poolRulesInput, releaseCustomer, updatePoolRules } from '../../core/pool/operations';

/** /api/v1 customers, contacts, activities, 360° view, merge and the public pool. Thin: validate, one core call, map. */


const Customer = z.object({
  id: z.number().int(),
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  ownerId: z.number().int().nullable(),
  ownerName: z.string().nullable(),
  teamId: z.number().int().nullable(),
  poolId: z.number().int().nullable(),
  inPool: z.boolean(),
  tier: z.string().nullable(),
  tierReason: z.record(z.string(), z.unknown()).nullable(),
  tags: z.array(z.string()),
  source: z.string().nullable(),
  region: z.string().nullable(),
  industry: z.string().nullable(),
  notes: z.string().nullable(),
  status: z.enum(['active', 'merged', 'deleted']),
  mergedIntoId: z.number().int().nullable(),
  lastFollowupAt: z.string().nullable(),
  claimedAt: z.string().nullable(),
  releasedAt: z.string().nullable(),
  lastWonAt: z.string().nullable(),
  wonCount: z.number().int(),
  wonTotalCents: z.number().int(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  restricted: z.boolean().describe('true: the caller may not see this customer; only its identity is shown (a de-dup answer)'),
});
const Contact = z.object({ id: z.number().int(), customerId: z.number().int(), name: z.string(), title: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable(), wechat: z.string().nullable(), isPrimary: z.boolean() });
const Activity = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  contactId: z.number().int().nullable(),
  userId: z.number().int().nullable(),
  userName: z.string().nullable(),
  channel: z.string(),
  summary: z.string(),
  nextStep: z.string().nullable(),
  nextAt: z.string().nullable(),
  occurredAt: z.string(),
  source: z.string(),
});
const CreateAnswer = z.object({ customer: Customer, duplicate: z.boolean().describe('true: an existing customer matched by name, phone or e-mail (200); false: created (201)') });
const View360 = z.object({
  customer: Customer,
  tier: z.object({ code: z.string(), name: z.string(), nameZh: z.string(), nameEn: z.string(), explanation: z.string(), reason: z.unknown() }).nullable(),
  contacts: z.array(Contact),
  activities: z.array(Activity),
  nextStep: z.object({ text: z.string().nullable(), at: z.string().nullable() }).nullable(),
  sections: z.record(z.string(), z.unknown()).describe('tasks, opportunities, contracts, receivables, tickets, satisfaction, … (empty until those capabilities exist)'),
  sectionErrors: z.array(z.string()),
});
const Pool = z.object({ id: z.number().int(), name: z.string(), region: z.string().nullable(), isDefault: z.boolean(), rules: z.record(z.string(), z.unknown()) });

const searchQuery = paginationQuery.extend({
  q: z.string().max(200).optional().describe('name (fuzzy), phone or e-mail'),
  region: z.string().max(64).optional(),
  industry: z.string().max(64).optional(),
  tier: z.string().max(16).optional(),
  pool: queryBool.optional().describe('true: only pool customers; false: only owned'),
  poolId: z.coerce.number().int().positive().optional(),
  ownerId: z.coerce.number().int().positive().optional(),
});
const mergeBody = z.object({ sourceId: z.number().int().positive() });
const releaseBody = z.object({ reason: z.string().trim().max(500).optional().nullable() });
const assignBody = z.object({ userId: z.number().int().positive() });
const activityBody = logActivityInput.omit({ customerId: true });

const thresholdsBody = z
  .object({
    recentDays: z.number().int().min(0),
    lapsingDays: z.number().int().min(0),
    frequentDeals: z.number().int().min(1),
    highValueCents: z.number().int().min(0),
    midValueCents: z.number().int().min(0),
  })
  .partial()
  .strict();

const T = ['customers'];
const ops: Parameters<typeof registerOperation>[0][] = [
  { method: 'get', path: '/api/v1/customers', summary: 'Search customers you may see (keyset pages)', tags: T, query: searchQuery, response: pageSchema(Customer) },
  { method: 'post', path: '/api/v1/customers', summary: 'Create a customer; a duplicate (name/phone/e-mail) answers the existing one with 200', tags: T, request: createCustomerInput, response: CreateAnswer, status: 201 },
  { method: 'get', path: '/api/v1/customers/{id}', summary: 'One customer (a merged id answers the surviving one)', tags: T, response: Customer },
  { method: 'patch', path: '/api/v1/customers/{id}', summary: 'Change the profile (409 DUPLICATE if it would collide with another customer)', tags: T, request: updateCustomerInput, response: Customer },
  { method: 'delete', path: '/api/v1/customers/{id}', summary: 'Soft-delete (manager/admin)', tags: T, status: 204 },
  { method: 'get', path: '/api/v1/customers/{id}/360', summary: 'The 360° view in one call', tags: T, response: View360 },
  { method: 'post', path: '/api/v1/customers/{id}/merge', summary: 'Merge sourceId into this customer (keeps every contact, follow-up, task, history entry)', tags: T, request: mergeBody, response: z.object({ customer: Customer, moved: z.record(z.string(), z.number()) }) },
  { method: 'post', path: '/api/v1/customers/{id}/tier', summary: 'Recompute the RFM tier now', tags: T },
  { method: 'get', path: '/api/v1/customers/{id}/contacts', summary: 'Contacts', tags: ['contacts'], response: z.object({ items: z.array(Contact) }) },
  { method: 'post', path: '/api/v1/customers/{id}/contacts', summary: 'Add a contact (same phone/e-mail on this customer answers the existing one)', tags: ['contacts'], request: addContactInput, response: z.object({ contact: Contact, duplicate: z.boolean(), alsoOn: z.array(z.number()) }), status: 201 },
  { method: 'get', path: '/api/v1/customers/{id}/activities', summary: 'Follow-ups, newest first (keyset pages)', tags: ['activities'], query: paginationQuery, response: pageSchema(Activity) },
  { method: 'post', path: '/api/v1/customers/{id}/activities', summary: 'Log a follow-up', tags: ['activities'], request: activityBody, response: Activity, status: 201 },
  { method: 'post', path: '/api/v1/customers/{id}/claim', summary: 'Claim from the public pool (key must be bound to a user); 422 LIMIT_REACHED / COOLDOWN explain why not', tags: ['pool'], response: z.object({ customer: Customer }) },
  { method: 'post', path: '/api/v1/customers/{id}/release', summary: 'Release to the public pool', tags: ['pool'], request: releaseBody, response: Customer },
  { method: 'post', path: '/api/v1/customers/{id}/assign', summary: 'Assign / transfer to a user (manager within the team, admin anywhere)', tags: ['pool'], request: assignBody, response: Customer },
  { method: 'get', path: '/api/v1/tiers/thresholds', summary: 'RFM tier thresholds in force', tags: T, response: thresholdsBody.required() },
  { method: 'patch', path: '/api/v1/tiers/thresholds', summary: 'Change RFM tier thresholds (admin); applied by the next tier job or on-demand recompute', tags: T, request: thresholdsBody, response: thresholdsBody.required() },
  { method: 'get', path: '/api/v1/pools', summary: 'Pools and their rules', tags: ['pool'], response: z.object({ items: z.array(Pool) }) },
  { method: 'post', path: '/api/v1/pools', summary: 'Create a pool (admin)', tags: ['pool'], request: createPoolInput, response: Pool, status: 201 },
  { method: 'patch', path: '/api/v1/pools/{id}', summary: "Change a pool's rules (admin)", tags: ['pool'], request: poolRulesInput, response: Pool },
];
ops.forEach(registerOperation);

export const customersApiRouter: RouterFactory = ({ core }) => {
  const r = new Router({ prefix: '/api/v1' });
  const auth = apiKeyAuth(core);
  const body = jsonBody();

  r.get('/customers', auth, async (ctx) => {
    const q = parseInput(searchQuery, ctx.query);
    ctx.body = await searchCustomers(core, apiActor(ctx), q);
  });
  r.post('/customers', auth, body, async (ctx) => {
    const res = await createCustomer(core, apiActor(ctx), 'api', ctx.request.body as never);
    ctx.status = res.duplicate ? 200 : 201;
    ctx.body = res;
  });
  r.get('/customers/:id', auth, async (ctx) => {
    ctx.body = await getCustomer(core, apiActor(ctx), idParam(ctx));
  });
  r.patch('/customers/:id', auth, body, async (ctx) => {
    ctx.body = await updateCustomer(core, apiActor(ctx), 'api', idParam(ctx), ctx.request.body as never);
  });
  r.delete('/customers/:id', auth, async (ctx) => {
    await deleteCustomer(core, apiActor(ctx), 'api', idParam(ctx));
    ctx.status = 204;
  });
  r.get('/customers/:id/360', auth, async (ctx) => {
    ctx.body = await getCustomer360(core, apiActor(ctx), idParam(ctx));
  });
  r.post('/customers/:id/merge', auth, body, async (ctx) => {
    const { sourceId } = parseInput(mergeBody, ctx.request.body);
    ctx.body = await mergeCustomers(core, apiActor(ctx), 'api', { targetId: idParam(ctx), sourceId });
  });
  r.post('/customers/:id/tier', auth, async (ctx) => {
    ctx.body = { tier: await recomputeTier(core, apiActor(ctx), idParam(ctx)) };
  });
  r.get('/customers/:id/contacts', auth, async (ctx) => {
    ctx.body = { items: await listContacts(core, apiActor(ctx), idParam(ctx)) };
  });
  r.post('/customers/:id/contacts', auth, body, async (ctx) => {
    const res = await addContact(core, apiActor(ctx), 'api', idParam(ctx), ctx.request.body as never);
    ctx.status = res.duplicate ? 200 : 201;
    ctx.body = res;
  });
  r.get('/customers/:id/activities', auth, async (ctx) => {
    const q = parseInput(paginationQuery, ctx.query);
    ctx.body = await listActivities(core, apiActor(ctx), { customerId: idParam(ctx), ...q });
  });
  r.post('/customers/:id/activities', auth, body, async (ctx) => {
    const input = parseInput(activityBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = await logActivity(core, apiActor(ctx), 'api', { ...input, customerId: idParam(ctx) });
  });
  r.post('/customers/:id/claim', auth, async (ctx) => {
    ctx.body = await claimCustomer(core, apiActor(ctx), 'api', idParam(ctx));
  });
  r.post('/customers/:id/release', auth, body, async (ctx) => {
    const { reason } = parseInput(releaseBody, ctx.request.body ?? {});
    ctx.body = await releaseCustomer(core, apiActor(ctx), 'api', idParam(ctx), reason);
  });
  r.post('/customers/:id/assign', auth, body, async (ctx) => {
    const { userId } = parseInput(assignBody, ctx.request.body);
    ctx.body = await assignCustomer(core, apiActor(ctx), 'api', { customerId: idParam(ctx), userId });
  });
  r.get('/tiers/thresholds', auth, async (ctx) => {
    apiActor(ctx);
    ctx.body = await getTierThresholds(core);
  });
  r.patch('/tiers/thresholds', auth, body, async (ctx) => {
    ctx.body = await setTierThresholds(core, apiActor(ctx), 'api', parseInput(thresholdsBody, ctx.request.body));
  });
  r.get('/pools', auth, async (ctx) => {
    ctx.body = { items: await listPools(core) };
  });
  r.post('/pools', auth, body, async (ctx) => {
    ctx.status = 201;
    ctx.body = await createPool(core, apiActor(ctx), 'api', ctx.request.body as never);
  });
  r.patch('/pools/:id', auth, body, async (ctx) => {
    ctx.body = await updatePoolRules(core, apiActor(ctx), 'api', idParam(ctx), ctx.request.body as never);
  });
  return r;
};
