import Router from '@koa/router';
import { z } from 'zod';
import { dbIdParam } from '../../core/shared/fields';
import type Koa from 'koa';
import type { RouterFactory } from '../app';
import { jsonBody } from '../app';
import { parseInput } from '../../core/validation';
import { apiActor, apiKeyAuth } from './auth';
import { readBudget } from './read-budget';
import type { ApiOperation } from './openapi';
import { idParam } from './params';
import { pageSchema, paginationQuery, queryBool } from './pagination';
import { createCustomer, createCustomerInput, deleteCustomer, getCustomer, searchCustomers, updateCustomer, updateCustomerInput } from '../../core/customers/operations';
import { getCustomer360 } from '../../core/customer360/view360';
import { Customer360Schema } from '../../core/customer360/schemas';
import { mergeCustomers, mergeCustomersInput } from '../../core/customers/merge';
import { addContact, addContactInput, listContacts } from '../../core/customers/contacts';
import { getTierThresholds, recomputeTier, setTierThresholds } from '../../core/customers/tiers';
import {
  AddContactResultSchema,
  ContactSchema,
  CreateCustomerResultSchema,
  CustomerSchema,
  MergeResultSchema,
  TierThresholdsSchema,
  tierThresholdsInput,
} from '../../core/customers/schemas';
import { listActivities, logActivity } from '../../core/activities/operations';
import { ActivitySchema, logActivityInput } from '../../core/activities/schemas';
import { assignCustomer, claimCustomer, createPool, listPools, releaseCustomer, updatePoolRules } from '../../core/pool/operations';
import { PoolSchema, assignInput, createPoolInput, poolRulesInput } from '../../core/pool/schemas';

/** /api/v1 customers, contacts, activities, 360° view, merge and the public pool. Thin: validate, one core call, map. */


const searchQuery = paginationQuery.extend({
  q: z.string().max(200).optional().describe('name (fuzzy), phone or e-mail'),
  region: z.string().max(64).optional(),
  industry: z.string().max(64).optional(),
  tier: z.string().max(16).optional(),
  pool: queryBool.optional().describe('true: only pool customers; false: only owned'),
  poolId: dbIdParam.optional(),
  ownerId: dbIdParam.optional(),
});
const mergeBody = mergeCustomersInput.omit({ targetId: true });
const releaseBody = z.object({ reason: z.string().trim().max(500).optional().nullable() });
const assignBody = assignInput.omit({ customerId: true });
const activityBody = logActivityInput.omit({ customerId: true });

const T = ['customers'];
export const customerOperations: ApiOperation[] = [
  { method: 'get', path: '/api/v1/customers', summary: 'Search customers you may see (keyset pages)', tags: T, query: searchQuery, response: pageSchema(CustomerSchema) },
  { method: 'post', path: '/api/v1/customers', summary: 'Create a customer; a duplicate (name/phone/e-mail) you may see answers the existing one with 200, any other is 409 DUPLICATE saying only whose it is (README, 撞单)', tags: T, request: createCustomerInput, response: CreateCustomerResultSchema, status: 201 },
  { method: 'get', path: '/api/v1/customers/{id}', summary: 'One customer (a merged id answers the surviving one)', tags: T, response: CustomerSchema },
  { method: 'patch', path: '/api/v1/customers/{id}', summary: 'Change the profile (409 DUPLICATE if it would collide with another customer; its id only if you may see it)', tags: T, request: updateCustomerInput, response: CustomerSchema },
  { method: 'delete', path: '/api/v1/customers/{id}', summary: 'Soft-delete (manager/admin)', tags: T, status: 204 },
  { method: 'get', path: '/api/v1/customers/{id}/360', summary: 'The 360° view in one call', tags: T, response: Customer360Schema },
  { method: 'post', path: '/api/v1/customers/{id}/merge', summary: 'Merge sourceId into this customer (keeps every contact, follow-up, task, history entry)', tags: T, request: mergeBody, response: MergeResultSchema },
  { method: 'post', path: '/api/v1/customers/{id}/tier', summary: 'Recompute the RFM tier now', tags: T },
  { method: 'get', path: '/api/v1/customers/{id}/contacts', summary: 'Contacts', tags: ['contacts'], response: z.object({ items: z.array(ContactSchema) }) },
  { method: 'post', path: '/api/v1/customers/{id}/contacts', summary: 'Add a contact (same phone/e-mail on this customer answers the existing one)', tags: ['contacts'], request: addContactInput, response: AddContactResultSchema, status: 201 },
  { method: 'get', path: '/api/v1/customers/{id}/activities', summary: 'Follow-ups, newest first (keyset pages)', tags: ['activities'], query: paginationQuery, response: pageSchema(ActivitySchema) },
  { method: 'post', path: '/api/v1/customers/{id}/activities', summary: 'Log a follow-up', tags: ['activities'], request: activityBody, response: ActivitySchema, status: 201 },
  { method: 'post', path: '/api/v1/customers/{id}/claim', summary: 'Claim from the public pool (key must be bound to a user); 422 LIMIT_REACHED / COOLDOWN explain why not', tags: ['pool'], response: z.object({ customer: CustomerSchema }) },
  { method: 'post', path: '/api/v1/customers/{id}/release', summary: 'Release to the public pool', tags: ['pool'], request: releaseBody, response: CustomerSchema },
  { method: 'post', path: '/api/v1/customers/{id}/assign', summary: 'Assign / transfer to a user (manager within the team, admin anywhere)', tags: ['pool'], request: assignBody, response: CustomerSchema },
  { method: 'get', path: '/api/v1/tiers/thresholds', summary: 'RFM tier thresholds in force', tags: T, response: TierThresholdsSchema },
  { method: 'patch', path: '/api/v1/tiers/thresholds', summary: 'Change RFM tier thresholds (admin); applied by the next tier job or on-demand recompute', tags: T, request: tierThresholdsInput, response: TierThresholdsSchema },
  { method: 'get', path: '/api/v1/pools', summary: 'Pools and their rules', tags: ['pool'], response: z.object({ items: z.array(PoolSchema) }) },
  { method: 'post', path: '/api/v1/pools', summary: 'Create a pool (admin)', tags: ['pool'], request: createPoolInput, response: PoolSchema, status: 201 },
  { method: 'patch', path: '/api/v1/pools/{id}', summary: "Change a pool's rules (admin)", tags: ['pool'], request: poolRulesInput, response: PoolSchema },
];

export const customersApiRouter: RouterFactory = ({ core, config }) => {
  const r = new Router({ prefix: '/api/v1' });
  const auth = apiKeyAuth(core);
  const body = jsonBody();
  // Per-user read budgets (README, "Read budgets"): searches, lists and lookups; de-dup refusals cost a search.
  const budget = readBudget(core, config.readBudget);
  const { search, list, lookup } = budget.classes;
  const dedup = budget.dedupGuard();

  r.get('/customers', auth, search, async (ctx) => {
    const q = parseInput(searchQuery, ctx.query);
    ctx.body = await searchCustomers(core, apiActor(ctx), q);
  });
  r.post('/customers', auth, dedup, body, async (ctx) => {
    const res = await createCustomer(core, apiActor(ctx), 'api', ctx.request.body as never);
    ctx.status = res.duplicate ? 200 : 201;
    ctx.body = res;
  });
  r.get('/customers/:id', auth, lookup, async (ctx) => {
    ctx.body = await getCustomer(core, apiActor(ctx), idParam(ctx));
  });
  r.patch('/customers/:id', auth, dedup, body, async (ctx) => {
    ctx.body = await updateCustomer(core, apiActor(ctx), 'api', idParam(ctx), ctx.request.body as never);
  });
  r.delete('/customers/:id', auth, async (ctx) => {
    await deleteCustomer(core, apiActor(ctx), 'api', idParam(ctx));
    ctx.status = 204;
  });
  r.get('/customers/:id/360', auth, lookup, async (ctx) => {
    ctx.body = await getCustomer360(core, apiActor(ctx), idParam(ctx));
  });
  r.post('/customers/:id/merge', auth, body, async (ctx) => {
    const { sourceId } = parseInput(mergeBody, ctx.request.body);
    ctx.body = await mergeCustomers(core, apiActor(ctx), 'api', { targetId: idParam(ctx), sourceId });
  });
  r.post('/customers/:id/tier', auth, async (ctx) => {
    ctx.body = { tier: await recomputeTier(core, apiActor(ctx), idParam(ctx)) };
  });
  r.get('/customers/:id/contacts', auth, list, async (ctx) => {
    ctx.body = { items: await listContacts(core, apiActor(ctx), idParam(ctx)) };
  });
  r.post('/customers/:id/contacts', auth, dedup, body, async (ctx) => {
    const res = await addContact(core, apiActor(ctx), 'api', idParam(ctx), ctx.request.body as never);
    ctx.status = res.duplicate ? 200 : 201;
    ctx.body = res;
  });
  r.get('/customers/:id/activities', auth, list, async (ctx) => {
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
    ctx.body = await setTierThresholds(core, apiActor(ctx), 'api', parseInput(tierThresholdsInput, ctx.request.body));
  });
  r.get('/pools', auth, list, async (ctx) => {
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
