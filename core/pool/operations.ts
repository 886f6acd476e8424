import { z } from 'zod';
import { isDbId } from '../shared/fields';
import { DateTime } from 'luxon';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { isUniqueViolation, toDate } from '../db/connection';
import { recordAudit } from '../audit/record';
import { enqueueMessages } from '../notifications/outbox';
import { CUSTOMER_SELECT, loadCustomerRow, toCustomerDto, type CustomerDto, type CustomerRow } from '../customers/operations';
import { txSelect, txUpdate } from '../shared/txsql';
import { businessDay as zoneDay } from '../shared/dates';
import { fastPathsOn, rawQuery } from '../db/fast-read';
import { assertCanSeeCustomer, canSeeCustomer } from '../customers/visibility';
import { checkPoolRules, claimCheck, cooldownUntil, DEFAULT_POOL_RULES, withDefaults, type ClaimRefusal, type PoolRules } from './rules';
import { adjustHeld } from '../customers/held';
import { withRetries } from '../db/retry';
import { bumpCacheVersion, versionedCache } from '../db/cache-versions';
import { assignInput, createPoolInput, poolRulesInput, type PoolDto } from './schemas';

export { createPoolInput, poolRulesInput, type PoolDto } from './schemas';

export const DEFAULT_POOL_NAME = '默认公海';

interface PoolRow {
  id: number;
  name: string;
  region: string | null;
  is_default: number | boolean;
  rules: unknown;
}

const toPoolDto = (r: PoolRow): PoolDto => ({
  id: Number(r.id),
  name: r.name,
  region: r.region,
  isDefault: !!Number(r.is_default),
  rules: withDefaults(typeof r.rules === 'string' ? JSON.parse(r.rules) : (r.rules as Partial<PoolRules> | null)),
});

/** The default pool (customers with no pool_id belong to it), created on first use. */
export async function ensureDefaultPool(ctx: CoreContext, t?: Transaction | null): Promise<PoolDto> {
  const find = () => ctx.db.select<PoolRow>('SELECT id, name, region, is_default, rules FROM pools WHERE name = :n', { n: DEFAULT_POOL_NAME }, t);
  const found = await find();
  if (found[0]) return toPoolDto(found[0]);
  const now = ctx.clock.now();
  try {
    await ctx.db.sequelize.query('INSERT INTO pools (name, region, is_default, rules, created_at, updated_at) VALUES (:n, NULL, :d, NULL, :now, :now)', {
      replacements: { n: DEFAULT_POOL_NAME, d: true, now },
      transaction: t ?? undefined,
      type: QueryTypes.INSERT,
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  return toPoolDto((await find())[0]);
}

export async function listPools(ctx: CoreContext): Promise<PoolDto[]> {
  await ensureDefaultPool(ctx);
  return (await ctx.db.select<PoolRow>('SELECT id, name, region, is_default, rules FROM pools ORDER BY id')).map(toPoolDto);
}

/** Rules of the pool a customer belongs to (pool_id NULL → the default pool). */
export async function poolRulesFor(ctx: CoreContext, poolId: number | null, t?: Transaction | null): Promise<PoolDto> {
  if (poolId) {
    const r = await ctx.db.select<PoolRow>('SELECT id, name, region, is_default, rules FROM pools WHERE id = :id', { id: poolId }, t);
    if (r[0]) return toPoolDto(r[0]);
  }
  return ensureDefaultPool(ctx, t);
}

const assertAdmin = (actor: Actor) => {
  if (!(actor.kind === 'system' || actor.kind === 'api' || (actor.kind === 'user' && actor.role === 'admin'))) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有管理员可以配置公海', en: 'Only an admin may configure pools' } });
};

export async function createPool(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof createPoolInput>): Promise<PoolDto> {
  assertAdmin(actor);
  const input = parseInput(createPoolInput, raw);
  const rules = withDefaults(input.rules as Partial<PoolRules>);
  const problem = checkPoolRules(rules);
  if (problem) throw new AppError('VALIDATION', { field: `rules.${problem.split(' ')[0]}`, detail: { 'zh-CN': `规则无效：${problem}`, en: `Invalid rule: ${problem}` } });
  return ctx.db.tx(async (t) => {
    const now = ctx.clock.now();
    try {
      await ctx.db.sequelize.query('INSERT INTO pools (name, region, is_default, rules, created_at, updated_at) VALUES (:n, :r, :d, :rules, :now, :now)', {
        replacements: { n: input.name, r: input.region ?? null, d: false, rules: JSON.stringify(input.rules ?? {}), now },
        transaction: t,
        type: QueryTypes.INSERT,
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError('DUPLICATE', { field: 'name' });
      throw e;
    }
    const row = (await ctx.db.select<PoolRow>('SELECT id, name, region, is_default, rules FROM pools WHERE name = :n', { n: input.name }, t))[0];
    await recordAudit(ctx, t, { actor, action: 'pool.create', entityType: 'pool', entityId: Number(row.id), channel, data: { name: input.name, rules: input.rules ?? {} } });
    return toPoolDto(row);
  });
}

/** Changes some of a pool's rules (the rest keep their values). */
export async function updatePoolRules(ctx: CoreContext, actor: Actor, channel: Channel, poolId: number, raw: z.input<typeof poolRulesInput>): Promise<PoolDto> {
  assertAdmin(actor);
  const patch = parseInput(poolRulesInput, raw) as Partial<PoolRules>;
  return ctx.db.tx(async (t) => {
    const rows = await ctx.db.select<PoolRow>('SELECT id, name, region, is_default, rules FROM pools WHERE id = :id', { id: poolId }, t);
    if (!rows[0]) throw new AppError('NOT_FOUND', { field: 'poolId' });
    const stored = (typeof rows[0].rules === 'string' ? JSON.parse(rows[0].rules) : rows[0].rules) ?? {};
    const next = { ...stored, ...patch, recycle: { ...(stored.recycle ?? {}), ...(patch.recycle ?? {}) }, byTier: { ...(stored.byTier ?? {}), ...(patch.byTier ?? {}) } };
    const problem = checkPoolRules(withDefaults(next));
    if (problem) throw new AppError('VALIDATION', { field: `rules.${problem.split(' ')[0]}`, detail: { 'zh-CN': `规则无效：${problem}`, en: `Invalid rule: ${problem}` } });
    await ctx.db.sequelize.query('UPDATE pools SET rules = :rules, updated_at = :now WHERE id = :id', {
      replacements: { id: poolId, rules: JSON.stringify(next), now: ctx.clock.now() },
      transaction: t,
      type: QueryTypes.UPDATE,
    });
    await recordAudit(ctx, t, { actor, action: 'pool.rules', entityType: 'pool', entityId: poolId, channel, data: patch as Record<string, unknown> });
    await poolsChanged(ctx, t);
    return toPoolDto({ ...rows[0], rules: next });
  });
}

/** Moves a customer into a named pool (its rules then apply); admin or the team's manager. */
export async function setCustomerPool(ctx: CoreContext, actor: Actor, channel: Channel, customerId: number, poolId: number | null): Promise<void> {
  await ctx.db.tx(async (t) => {
    const row = await loadCustomerRow(ctx, customerId, t);
    assertCanSeeCustomer(ctx, actor, row && { id: customerId, owner_id: row.owner_id, team_id: row.team_id });
    if (actor.kind === 'user' && actor.role !== 'admin' && actor.role !== 'manager') throw new AppError('FORBIDDEN');
    if (poolId) await poolRulesFor(ctx, poolId, t).then((p) => { if (p.id !== poolId) throw new AppError('NOT_FOUND', { field: 'poolId' }); });
    await ctx.db.sequelize.query('UPDATE customers SET pool_id = :p, updated_at = :now WHERE id = :id', { replacements: { p: poolId, id: customerId, now: ctx.clock.now() }, transaction: t, type: QueryTypes.UPDATE });
    await recordAudit(ctx, t, { actor, action: 'customer.pool', entityType: 'customer', entityId: customerId, channel, data: { poolId } });
  });
}

function requireUser(actor: Actor, what: string): Extract<Actor, { kind: 'user' }> {
  if (actor.kind !== 'user') {
    throw new AppError('FORBIDDEN', { detail: { 'zh-CN': `${what}需要以具体用户身份操作（API 密钥需绑定用户）`, en: `${what} needs a user (bind the API key to a user)` } });
  }
  return actor;
}

async function insertEvent(ctx: CoreContext, t: Transaction, e: { poolId: number | null; customerId: number; action: string; userId: number | null; actorId: number | null }): Promise<void> {
  await ctx.db.sequelize.query(
    'INSERT INTO pool_events (pool_id, customer_id, action, user_id, actor_id, created_at) VALUES (:p, :c, :a, :u, :actor, :now)',
    { replacements: { p: e.poolId, c: e.customerId, a: e.action, u: e.userId, actor: e.actorId, now: ctx.clock.now() }, transaction: t, type: QueryTypes.INSERT },
  );
}

/** The business day (default: now) in the CRM time zone, 'YYYY-MM-DD' (what users.claims_day holds; the daily claim limit resets with it). */
export function businessDay(ctx: CoreContext, at: Date = ctx.clock.now()): string {
  return zoneDay(at, ctx.timezone);
}

const fmt = (ctx: CoreContext, d: Date) => DateTime.fromJSDate(d).setZone(ctx.timezone).toFormat('yyyy-MM-dd HH:mm');

const conflict = () => new AppError('CONFLICT', { detail: { 'zh-CN': '该客户已被他人领取', en: 'Someone else has claimed this customer' } });

/** The answer to a refused claim: cooling down until …, or which limit was reached. */
function refusalError(ctx: CoreContext, refusal: ClaimRefusal): AppError {
  if (refusal.code === 'COOLDOWN') {
    return new AppError('COOLDOWN', {
      field: 'customerId',
      detail: { 'zh-CN': `冷却期内，${fmt(ctx, refusal.until)} 后才能再次领取该客户`, en: `Cooling down: you may claim this customer again after ${fmt(ctx, refusal.until)}` },
      data: { until: refusal.until.toISOString() },
    });
  }
  return new AppError('LIMIT_REACHED', {
    detail:
      refusal.limit === 'held'
        ? { 'zh-CN': `你已持有 ${refusal.max} 个客户，达到上限`, en: `You already hold ${refusal.max} customers, the limit` }
        : { 'zh-CN': `今天已领取 ${refusal.max} 个客户，达到每日上限`, en: `You claimed ${refusal.max} customers today, the daily limit` },
    data: { limit: refusal.limit, max: refusal.max },
  });
}

export interface ClaimResult {
  customer: CustomerDto;
}

type ClaimTarget = { id: number; owner_id: number | null; pool_id: number | null; status: string };
const notClaimable = () => new AppError('NOT_FOUND', { field: 'customerId' });
const alreadyMine = () => new AppError('ALREADY_DONE', { detail: { 'zh-CN': '你已经领取了该客户', en: 'You already own this customer' } });
function assertClaimable(c: ClaimTarget | undefined, userId: number): void {
  if (!c || c.status !== 'active') throw notClaimable();
  if (c.owner_id !== null && Number(c.owner_id) === userId) throw alreadyMine();
  if (c.owner_id !== null) throw conflict();
}

// When this rep last lost this customer (released it, had it recycled or reassigned): the cooldown runs from then.
// Every such loss was committed before the customer could be back in the pool, so a read before the claim's
// transaction sees it.
const LOST = "(SELECT MAX(e.created_at) FROM pool_events e WHERE e.customer_id = :id AND e.user_id = :u AND e.action IN ('release', 'recycle', 'lose'))";

/**
 * Claims a pool customer for the acting rep. Race-safe: the rep's limits are checked under a lock on their user row
 * (MySQL; SQLite's single writer does the same) so they hold under concurrent claims, and the customer is taken
 * with a conditional UPDATE … WHERE owner_id IS NULL, so of two reps exactly one wins. On MySQL (outside a caller's
 * transaction) the whole claim is one round trip: claimByCall.
 * Refusals: ALREADY_DONE (already yours), CONFLICT (someone else was faster), COOLDOWN (until …), LIMIT_REACHED.
 */
export async function claimCustomer(ctx: CoreContext, actor: Actor, channel: Channel, customerId: number, parentT?: Transaction | null): Promise<ClaimResult> {
  const user = requireUser(actor, '领取客户');
  // No row has such an id; the MariaDB procedure would fail on an INT parameter out of range.
  if (!isDbId(customerId)) throw new AppError('NOT_FOUND', { field: 'customerId' });
  if (user.role === 'service') throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '客服不能领取客户', en: 'Service agents cannot claim customers' } });
  const taken = (c: ClaimTarget | undefined) => assertClaimable(c, user.userId);
  // Losers of a storm are answered without a transaction or a lock (the conditional UPDATE below still decides).
  // The row read here is also the answer's (with the claimer as owner). It also reads when this rep last lost this
  // customer (LOST, the cooldown).
  let pre: (CustomerRow & { me_lost: unknown }) | null = null;
  if (!parentT) {
    // MySQL: the procedure (CRM_FAST_READS=off: the plain transaction below).
    if (fastPathsOn(ctx.db)) return claimByCall(ctx, user, channel, customerId);
    pre = (await ctx.db.select<CustomerRow & { me_lost: unknown }>(`SELECT ${CLAIM_CUSTOMER_COLS}, ${LOST} AS me_lost FROM customers c WHERE c.id = :id`, { id: customerId, u: user.userId }))[0] ?? null;
    taken(pre ? { id: Number(pre.id), owner_id: pre.owner_id, pool_id: pre.pool_id, status: pre.status } : undefined);
  }
  // SQLite, a caller's transaction, or CRM_FAST_READS=off: the same decisions in an ordinary transaction (statements
  // go straight to the transaction's mysql2 connection on MySQL: core/shared/txsql.ts).
  const claimed = await ctx.db.tx(async (t) => {
    // One statement locks the rep's row (their limits hold under concurrent claims; MySQL FOR UPDATE, SQLite's
    // single writer already excludes everyone else) and reads the counters the limits need: customers held (kept
    // by core/customers/held.ts) and claims on their latest claiming day — no counting. The customer's row is not
    // locked: two reps racing for it meet only at the conditional UPDATE. Inside a caller's transaction (no
    // pre-read) the customer's row and the last loss are read here.
    const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
    type Me = { me_team_id: number | null; me_name: string; me_held: number; me_claims_day: string | null; me_claims_today: number };
    const ME = 'u.team_id AS me_team_id, u.name AS me_name, u.held_count AS me_held, u.claims_day AS me_claims_day, u.claims_today AS me_claims_today';
    const locked = pre
      ? (await txSelect<Me>(ctx, `SELECT ${ME} FROM users u WHERE u.id = :u${lock}`, { u: user.userId }, t)).map((m) => ({ ...pre!, ...m }))
      : await txSelect<CustomerRow & Me>(ctx, `SELECT ${ME}, ${CLAIM_CUSTOMER_COLS} FROM users u LEFT JOIN customers c ON c.id = :c WHERE u.id = :u${lock}`, { u: user.userId, c: customerId }, t);
    if (!locked[0]) throw new AppError('UNAUTHENTICATED');
    const { me_team_id: myTeam, me_name: myName, me_held: myHeld, me_claims_day: claimsDay, me_claims_today: claimsToday, ...rest } = locked[0];
    const { me_lost: preLost, ...row } = rest as typeof rest & { me_lost?: unknown };
    const c: ClaimTarget = { id: Number(row.id), owner_id: row.owner_id, pool_id: row.pool_id, status: row.id === null ? 'missing' : row.status };
    taken(c);
    const pool = await cachedPoolRules(ctx, c.pool_id === null ? null : Number(c.pool_id), t);
    const lost = pre ? preLost : (await txSelect<{ lost: unknown }>(ctx, `SELECT ${LOST} AS lost`, { id: customerId, u: user.userId }, t))[0].lost;
    const day = businessDay(ctx);
    const today = claimsDay === day ? Number(claimsToday) : 0;
    const refusal = claimCheck({ held: Number(myHeld), claimsToday: today, lastLostAt: toDate(lost) }, pool.rules, ctx.clock.now());
    if (refusal) throw refusalError(ctx, refusal);
    const now = ctx.clock.now();
    const claim = { u: user.userId, team: myTeam, now, id: customerId, day, n: today + 1 };
    const changed = await txUpdate(ctx, "UPDATE customers SET owner_id = :u, team_id = :team, claimed_at = :now, updated_at = :now WHERE id = :id AND owner_id IS NULL AND status = 'active'", claim, t);
    if (!changed) {
      // Taken since it was read: by someone else, or by this rep's other click (or gone).
      assertClaimable((await txSelect<ClaimTarget>(ctx, 'SELECT id, owner_id, pool_id, status FROM customers WHERE id = :id', claim, t))[0], user.userId);
      throw conflict();
    }
    await adjustHeld(ctx, t, [[user.userId, 1]]);
    await txUpdate(ctx, 'UPDATE users SET claims_day = :day, claims_today = :n WHERE id = :u', claim, t);
    await txUpdate(ctx, "INSERT INTO pool_events (pool_id, customer_id, action, user_id, actor_id, created_at) VALUES (:p, :c, 'claim', :u, :u, :now)", { p: pool.id, c: customerId, u: user.userId, now }, t);
    await recordAudit(ctx, t, { actor: user, action: 'pool.claim', entityType: 'customer', entityId: customerId, channel, data: { poolId: pool.id } });
    const after: CustomerRow = { ...row, owner_id: user.userId, team_id: myTeam, claimed_at: now, updated_at: now, owner_name: myName };
    return after;
  }, parentT);
  return { customer: toCustomerDto(claimed, actor) };
}

// The customer columns of CUSTOMER_SELECT without the owner's name (the claimer's name is read from the locked
// user row instead: after the claim they are the owner).
const CLAIM_CUSTOMER_COLS = CUSTOMER_SELECT.replace(/,\s*u\.name AS owner_name\s*$/, '');
if (CLAIM_CUSTOMER_COLS === CUSTOMER_SELECT) throw new Error('CUSTOMER_SELECT changed: update CLAIM_CUSTOMER_COLS in core/pool/operations.ts');

type ClaimCallRow =
  | (CustomerRow & { outcome: 'won'; me_name: string })
  | { outcome: 'missing' | 'mine' | 'taken' | 'cooldown' | 'held' | 'daily' | 'no_user'; max: number | null; lost: Date | string | null; cooldown_days: number | null };

/**
 * A claim on MySQL in ONE round trip: the stored procedure crm_pool_claim (migrations/…pool-claim-procedure.ts)
 * makes the same decisions as the transaction below, server-side — a claim storm is round trips, each a socket
 * write and a wake-up on both sides. Pool rules: each pool's stored overrides, the defaults from core/pool/rules.ts.
 * A deadlock (the procedure rolled back) is run again, as db.tx does.
 */
async function claimByCall(ctx: CoreContext, user: Extract<Actor, { kind: 'user' }>, channel: Channel, customerId: number): Promise<ClaimResult> {
  const def = await cachedPoolRules(ctx, null); // its id: customers with no pool_id belong to it
  const d = DEFAULT_POOL_RULES;
  const args = { c: customerId, u: user.userId, now: ctx.clock.now(), day: businessDay(ctx), ch: channel, pool: def.id, held: d.maxHeld, daily: d.maxClaimsPerDay, cool: d.cooldownDays };
  const [[row]] = (await withRetries('mysql', () => rawQuery(ctx.db, 'CALL crm_pool_claim(:c, :u, :now, :day, :ch, :pool, :held, :daily, :cool)', args))) as [ClaimCallRow[]];
  switch (row.outcome) {
    case 'won':
      return { customer: toCustomerDto({ ...row, owner_name: row.me_name }, user) };
    case 'missing':
      throw notClaimable();
    case 'mine':
      throw alreadyMine();
    case 'taken':
      throw conflict();
    case 'cooldown':
      throw refusalError(ctx, { code: 'COOLDOWN', until: cooldownUntil(toDate(row.lost)!, Number(row.cooldown_days)) });
    case 'held':
    case 'daily':
      throw refusalError(ctx, { code: 'LIMIT_REACHED', limit: row.outcome, max: Number(row.max) });
    case 'no_user':
      throw new AppError('UNAUTHENTICATED');
    default:
      throw new Error(`crm_pool_claim answered an unknown outcome: ${(row as { outcome: string }).outcome}`);
  }
}

// Pool rules change rarely and every claim needs them: cached per process under the `pool.rules` cache version
// (core/db/cache-versions.ts): changes made in this process apply at once, other processes see them within a second.
const poolCache = versionedCache<PoolDto>('pool.rules');
async function cachedPoolRules(ctx: CoreContext, poolId: number | null, t?: Transaction | null): Promise<PoolDto> {
  return poolCache.get(ctx.db, String(poolId ?? 'default'), () => poolRulesFor(ctx, poolId, t), t);
}
/** In the writer's transaction: other processes reload; this process forgets at once (and again after commit). */
async function poolsChanged(ctx: CoreContext, t: Transaction): Promise<void> {
  await bumpCacheVersion(ctx.db, t, 'pool.rules');
  poolCache.forget(ctx.db);
  t.afterCommit(() => poolCache.forget(ctx.db));
}

/** The owner (or their manager / an admin) puts a customer back into the pool. The owner then cools down. */
export async function releaseCustomer(ctx: CoreContext, actor: Actor, channel: Channel, customerId: number, reason?: string | null, parentT?: Transaction | null): Promise<CustomerDto> {
  return ctx.db.tx(async (t) => {
    const row = await loadCustomerRow(ctx, customerId, t);
    assertCanSeeCustomer(ctx, actor, row && { id: customerId, owner_id: row.owner_id, team_id: row.team_id });
    if (row!.status !== 'active') throw new AppError('INVALID_STATE', { field: 'customerId' });
    if (row!.owner_id === null) throw new AppError('ALREADY_DONE', { detail: { 'zh-CN': '该客户已在公海中', en: 'This customer is already in the pool' } });
    const owner = Number(row!.owner_id);
    const mayRelease =
      actor.kind === 'system' || actor.kind === 'api' || (actor.kind === 'user' && (actor.userId === owner || actor.role === 'admin' || (actor.role === 'manager' && actor.teamId !== null && row!.team_id === actor.teamId)));
    if (!mayRelease) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有负责人或其主管可以释放客户', en: 'Only the owner or their manager may release this customer' } });
    const now = ctx.clock.now();
    const [, changed] = await ctx.db.sequelize.query("UPDATE customers SET owner_id = NULL, released_at = :now, updated_at = :now WHERE id = :id AND owner_id = :owner AND status = 'active'", {
      replacements: { id: customerId, owner, now },
      transaction: t,
      type: QueryTypes.UPDATE,
    });
    if (!Number(changed)) throw new AppError('CONFLICT');
    // Only once the conditional UPDATE took: a caller that catches the CONFLICT inside its own transaction and
    // commits must not keep a counter change without the owner change.
    await adjustHeld(ctx, t, [[owner, -1]]);
    await insertEvent(ctx, t, { poolId: row!.pool_id, customerId, action: 'release', userId: owner, actorId: actor.kind === 'user' ? actor.userId : null });
    await recordAudit(ctx, t, { actor, action: 'pool.release', entityType: 'customer', entityId: customerId, channel, data: { ownerId: owner, reason: reason ?? null } });
    return toCustomerDto((await loadCustomerRow(ctx, customerId, t))!, actor);
  }, parentT);
}


/**
 * Gives a customer to a user: a manager within their team (from the pool or from a teammate), an admin
 * anywhere, or the owner handing it to a teammate (a transfer). The former owner cools down and is told.
 */
export async function assignCustomer(ctx: CoreContext, actor: Actor, channel: Channel, input: { customerId: number; userId: number }, parentT?: Transaction | null): Promise<CustomerDto> {
  const { customerId, userId } = parseInput(assignInput, input);
  return ctx.db.tx(async (t) => {
    const row = await loadCustomerRow(ctx, customerId, t);
    assertCanSeeCustomer(ctx, actor, row && { id: customerId, owner_id: row.owner_id, team_id: row.team_id });
    if (row!.status !== 'active') throw new AppError('INVALID_STATE', { field: 'customerId' });
    const target = await ctx.db.select<{ id: number; team_id: number | null; role: string; name: string }>('SELECT id, team_id, role, name FROM users WHERE id = :id', { id: userId }, t);
    if (!target[0] || !['rep', 'manager', 'admin'].includes(target[0].role)) throw new AppError('VALIDATION', { field: 'userId', detail: { 'zh-CN': '目标用户不存在或不能负责客户', en: 'No such user, or they cannot own customers' } });
    const targetTeam = target[0].team_id === null ? null : Number(target[0].team_id);
    const prev = row!.owner_id === null ? null : Number(row!.owner_id);
    if (prev === userId) throw new AppError('ALREADY_DONE');
    if (actor.kind === 'user' && actor.role !== 'admin') {
      const sameTeam = actor.teamId !== null && targetTeam === actor.teamId;
      const ok = actor.role === 'manager' ? sameTeam : actor.role === 'rep' ? prev === actor.userId && sameTeam : false;
      if (!ok) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只能分配给本团队成员（销售只能转交自己的客户）', en: 'You may only assign within your team (reps: only their own customers)' } });
    }
    const now = ctx.clock.now();
    const [, changed] = await ctx.db.sequelize.query(
      `UPDATE customers SET owner_id = :u, team_id = :team, claimed_at = :now, updated_at = :now WHERE id = :id AND status = 'active' AND ${prev === null ? 'owner_id IS NULL' : 'owner_id = :prev'}`,
      { replacements: { u: userId, team: targetTeam, now, id: customerId, prev }, transaction: t, type: QueryTypes.UPDATE },
    );
    if (!Number(changed)) throw new AppError('CONFLICT');
    await adjustHeld(ctx, t, [[prev, -1], [userId, 1]]);
    const actorId = actor.kind === 'user' ? actor.userId : null;
    await insertEvent(ctx, t, { poolId: row!.pool_id, customerId, action: 'assign', userId, actorId });
    if (prev !== null) await insertEvent(ctx, t, { poolId: row!.pool_id, customerId, action: 'lose', userId: prev, actorId });
    const action = prev === null ? 'pool.assign' : 'customer.transfer';
    await recordAudit(ctx, t, { actor, action, entityType: 'customer', entityId: customerId, channel, data: { from: prev, to: userId } });
    const messages = [{ to: { userId }, kind: 'customer.assigned', payload: { customerId, name: row!.name, from: prev }, dedupeKey: `customer.assigned:${customerId}:${userId}:${now.getTime()}` }];
    if (prev !== null && prev !== actorId) messages.push({ to: { userId: prev }, kind: 'customer.reassigned', payload: { customerId, name: row!.name, from: prev, toName: target[0].name } as never, dedupeKey: `customer.reassigned:${customerId}:${prev}:${now.getTime()}` });
    await enqueueMessages(ctx, t, messages);
    return toCustomerDto((await loadCustomerRow(ctx, customerId, t))!, actor);
  }, parentT);
}

/** Whether a user could see the customer (for transports deciding which buttons to show). */
export const visibleTo = canSeeCustomer;
