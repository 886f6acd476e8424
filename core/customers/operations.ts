import { z } from 'zod';
import { dbId } from '../shared/fields';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { isUniqueViolation, toDate, parseJson } from '../db/connection';
import { decodeCursor, pageOf, type Page } from '../db/keyset';
import { recordAudit } from '../audit/record';
import { normalizeCompanyName, normalizeEmail, normalizePhone } from './normalize';
import { assertCanEditCustomer, assertCanSeeCustomer, canSeePersonalFields, canSeeCustomer, maskEmail, maskPhone, personalFieldMatch, visibleScope } from './visibility';
import { duplicateError, duplicateNotice, type DuplicateHit } from './dedup-notice';
import { adjustHeld } from './held';
import type { CreateCustomerResult, CustomerDto } from './schemas';

export type { CreateCustomerResult, CustomerDto } from './schemas';

/** Columns every customer read selects (alias c, owner joined as u). */
export const CUSTOMER_SELECT = `c.id, c.name, c.phone, c.email, c.owner_id, c.team_id, c.pool_id, c.tier, c.tier_reason, c.tags,
  c.source, c.region, c.industry, c.notes, c.status, c.merged_into_id, c.last_followup_at, c.claimed_at, c.released_at,
  c.last_won_at, c.won_count, c.won_total_cents, c.created_at, c.updated_at, u.name AS owner_name`;
export const CUSTOMER_FROM = 'customers c LEFT JOIN users u ON u.id = c.owner_id';

export interface CustomerRow {
  id: number;
  name: string;
  phone: string | null;
  email: string | null;
  owner_id: number | null;
  team_id: number | null;
  pool_id: number | null;
  tier: string | null;
  tier_reason: unknown;
  tags: unknown;
  source: string | null;
  region: string | null;
  industry: string | null;
  notes: string | null;
  status: 'active' | 'merged' | 'deleted';
  merged_into_id: number | null;
  last_followup_at: unknown;
  claimed_at: unknown;
  released_at: unknown;
  last_won_at: unknown;
  won_count: number | string | null;
  won_total_cents: number | string | null;
  created_at: unknown;
  updated_at: unknown;
  owner_name: string | null;
}

export { parseJson };

export const iso = (v: unknown): string | null => toDate(v)?.toISOString() ?? null;

export function toCustomerDto(r: CustomerRow, actor: Actor): CustomerDto {
  const row = { id: Number(r.id), owner_id: r.owner_id === null ? null : Number(r.owner_id), team_id: r.team_id === null ? null : Number(r.team_id) };
  const visible = canSeeCustomer(actor, row);
  const details = visible && canSeePersonalFields(actor, row);
  const dto: CustomerDto = {
    id: row.id,
    name: r.name,
    phone: details ? r.phone : maskPhone(r.phone),
    email: details ? r.email : maskEmail(r.email),
    ownerId: row.owner_id,
    ownerName: r.owner_name ?? null,
    teamId: row.team_id,
    poolId: r.pool_id === null ? null : Number(r.pool_id),
    inPool: row.owner_id === null,
    tier: r.tier,
    tierReason: parseJson<Record<string, unknown> | null>(r.tier_reason, null),
    tags: parseJson<string[]>(r.tags, []),
    source: r.source,
    region: r.region,
    industry: r.industry,
    notes: r.notes,
    status: r.status,
    mergedIntoId: r.merged_into_id === null ? null : Number(r.merged_into_id),
    lastFollowupAt: iso(r.last_followup_at),
    claimedAt: iso(r.claimed_at),
    releasedAt: iso(r.released_at),
    lastWonAt: iso(r.last_won_at),
    wonCount: Number(r.won_count ?? 0),
    wonTotalCents: Number(r.won_total_cents ?? 0),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    restricted: !visible,
  };
  if (!visible) {
    // Only identity and ownership: enough to say "this exists, owned by X" without leaking the record.
    Object.assign(dto, { notes: null, tierReason: null, tags: [], lastFollowupAt: null, claimedAt: null, releasedAt: null, lastWonAt: null, wonCount: 0, wonTotalCents: 0 });
  }
  return dto;
}

/** One customer row by id (no visibility check); follows nothing. */
export async function loadCustomerRow(ctx: CoreContext, id: number, t?: Transaction | null): Promise<CustomerRow | null> {
  const rows = await ctx.db.select<CustomerRow>(`SELECT ${CUSTOMER_SELECT} FROM ${CUSTOMER_FROM} WHERE c.id = :id`, { id }, t);
  return rows[0] ?? null;
}

/** Loads and follows merged_into_id to the surviving record (a few hops at most). */
async function loadLive(ctx: CoreContext, id: number, t?: Transaction | null): Promise<CustomerRow | null> {
  let row = await loadCustomerRow(ctx, id, t);
  for (let hops = 0; row && row.status === 'merged' && row.merged_into_id && hops < 5; hops++) {
    row = await loadCustomerRow(ctx, Number(row.merged_into_id), t);
  }
  return row;
}

// ---------------------------------------------------------------- create (with de-dup)

const optionalText = (max: number) => z.string().trim().max(max).optional().nullable();

export const contactInput = z.object({
  name: z.string().trim().min(1).max(100),
  title: optionalText(100),
  phone: optionalText(32),
  email: optionalText(190),
  wechat: optionalText(64),
});

/** The editable profile, shared by create and update. */
const profileFields = {
  phone: optionalText(32),
  email: optionalText(190),
  region: optionalText(64),
  industry: optionalText(64),
  source: optionalText(32),
  notes: optionalText(5000),
  tags: z.array(z.string().trim().min(1).max(32)).max(30).optional(),
};

export const createCustomerInput = z.object({
  name: z.string().trim().min(1).max(200),
  ...profileFields,
  /** Owner; default: the acting user (reps and managers), the pool for system/API callers. */
  ownerId: dbId.optional().nullable(),
  /** Put straight into the public pool instead of owning it. */
  toPool: z.boolean().optional(),
  poolId: dbId.optional().nullable(),
  contact: contactInput.optional(),
});
export type CreateCustomerInput = z.input<typeof createCustomerInput>;

export interface DedupNorms {
  name: string;
  phone: string | null;
  email: string | null;
}

export function normsOf(input: { name: string; phone?: string | null; email?: string | null }): DedupNorms {
  return { name: normalizeCompanyName(input.name), phone: normalizePhone(input.phone), email: normalizeEmail(input.email) };
}

/** The existing live customer a new one would duplicate, by phone, e-mail (customer or contact) or normalised name. */
export async function findDuplicateId(ctx: CoreContext, n: DedupNorms, extra: { phones?: string[]; emails?: string[] } = {}, t?: Transaction | null): Promise<number | null> {
  return (await findDuplicate(ctx, n, extra, t))?.id ?? null;
}

/**
 * The same, with which key collided. Its answer is for de-dup decisions only: what the caller is told about it is
 * decided by duplicateNotice (core/customers/dedup-notice.ts), never by handing the hit out.
 */
export async function findDuplicate(ctx: CoreContext, n: DedupNorms, extra: { phones?: string[]; emails?: string[] } = {}, t?: Transaction | null): Promise<DuplicateHit | null> {
  const phones = [n.phone, ...(extra.phones ?? [])].filter((x): x is string => !!x);
  const emails = [n.email, ...(extra.emails ?? [])].filter((x): x is string => !!x);
  const keys: { kind: string; value: string }[] = [
    ...phones.map((value) => ({ kind: 'phone', value })),
    ...emails.map((value) => ({ kind: 'email', value })),
    ...(n.name ? [{ kind: 'name', value: n.name }] : []),
  ];
  const hitOf = async (id: number, kind: string): Promise<DuplicateHit | null> => {
    const live = await liveId(ctx, id, t);
    return live === null ? null : { id: live, kind: kind as DuplicateHit['kind'] };
  };
  if (keys.length) {
    const where = keys.map((_, i) => `(kind = :k${i} AND value = :v${i})`).join(' OR ');
    const repl: Record<string, unknown> = {};
    keys.forEach((k, i) => {
      repl[`k${i}`] = k.kind;
      repl[`v${i}`] = k.value;
    });
    const hit = await ctx.db.select<{ customer_id: number; kind: string }>(`SELECT customer_id, kind FROM dedup_keys WHERE ${where} LIMIT 1`, repl, t);
    if (hit[0]) return hitOf(Number(hit[0].customer_id), hit[0].kind);
  }
  // Rows written before de-dup keys existed (imports, seeds): the indexed norm columns.
  const probes: [string, Record<string, unknown>, string][] = [];
  if (phones.length) {
    probes.push(["SELECT id FROM customers WHERE phone_norm IN (:v) AND status <> 'deleted' LIMIT 1", { v: phones }, 'phone']);
    probes.push(["SELECT k.customer_id AS id FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE k.phone_norm IN (:v) AND c.status <> 'deleted' LIMIT 1", { v: phones }, 'phone']);
  }
  if (emails.length) {
    probes.push(["SELECT id FROM customers WHERE email_norm IN (:v) AND status <> 'deleted' LIMIT 1", { v: emails }, 'email']);
    probes.push(["SELECT k.customer_id AS id FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE k.email_norm IN (:v) AND c.status <> 'deleted' LIMIT 1", { v: emails }, 'email']);
  }
  if (n.name) probes.push(["SELECT id FROM customers WHERE name_norm = :v AND status <> 'deleted' LIMIT 1", { v: n.name }, 'name']);
  for (const [sql, r, kind] of probes) {
    const rows = await ctx.db.select<{ id: number }>(sql, r, t);
    if (rows[0]) return hitOf(Number(rows[0].id), kind);
  }
  return null;
}

async function liveId(ctx: CoreContext, id: number, t?: Transaction | null): Promise<number | null> {
  let cur = id;
  for (let hops = 0; hops < 5; hops++) {
    const r = await ctx.db.select<{ status: string; merged_into_id: number | null }>('SELECT status, merged_into_id FROM customers WHERE id = :id', { id: cur }, t);
    if (!r[0]) return null;
    if (r[0].status === 'deleted') return null;
    if (r[0].status !== 'merged' || !r[0].merged_into_id) return cur;
    cur = Number(r[0].merged_into_id);
  }
  return cur;
}

/** Writes the de-dup keys of `customerId` in one statement, ordered (no lock-order deadlocks). Throws on a unique clash. */
export async function insertDedupKeys(ctx: CoreContext, t: Transaction, customerId: number, n: DedupNorms, extraPhones: string[] = [], extraEmails: string[] = []): Promise<void> {
  const keys = new Map<string, { kind: string; value: string }>();
  const add = (kind: string, value: string | null) => {
    if (value) keys.set(`${kind}\u0000${value}`, { kind, value: value.slice(0, 200) });
  };
  add('name', n.name);
  add('phone', n.phone);
  add('email', n.email);
  extraPhones.forEach((p) => add('phone', p));
  extraEmails.forEach((e) => add('email', e));
  const list = [...keys.values()].sort((a, b) => (a.kind + a.value < b.kind + b.value ? -1 : 1));
  if (!list.length) return;
  const repl: Record<string, unknown> = { cid: customerId, now: ctx.clock.now() };
  const values = list.map((k, i) => {
    repl[`k${i}`] = k.kind;
    repl[`v${i}`] = k.value;
    return `(:k${i}, :v${i}, :cid, :now)`;
  });
  await ctx.db.sequelize.query(`INSERT INTO dedup_keys (kind, value, customer_id, created_at) VALUES ${values.join(', ')}`, {
    type: QueryTypes.INSERT,
    replacements: repl,
    transaction: t,
  });
}

async function resolveOwner(ctx: CoreContext, actor: Actor, input: z.output<typeof createCustomerInput>, t: Transaction): Promise<{ ownerId: number | null; teamId: number | null }> {
  if (input.toPool) return { ownerId: null, teamId: null };
  let ownerId = input.ownerId ?? null;
  if (ownerId === null && actor.kind === 'user' && (actor.role === 'rep' || actor.role === 'manager')) ownerId = actor.userId;
  if (ownerId === null) return { ownerId: null, teamId: null };
  const owner = await ctx.db.select<{ id: number; team_id: number | null; role: string }>('SELECT id, team_id, role FROM users WHERE id = :id', { id: ownerId }, t);
  if (!owner[0]) throw new AppError('VALIDATION', { field: 'ownerId', detail: { 'zh-CN': '负责人不存在', en: 'No such owner' } });
  const teamId = owner[0].team_id === null ? null : Number(owner[0].team_id);
  if (actor.kind === 'user' && actor.role !== 'admin' && ownerId !== actor.userId) {
    if (actor.role !== 'manager' || teamId !== actor.teamId) throw new AppError('FORBIDDEN', { field: 'ownerId' });
  }
  return { ownerId, teamId };
}

/**
 * Creates a customer unless one already exists with the same normalised name, phone or e-mail; then the
 * existing record is answered when the actor may see it in full, and DUPLICATE is thrown otherwise (duplicateNotice). Race-safe:
 * the unique (kind, value) index on dedup_keys lets exactly one of concurrent creates win.
 */
export async function createCustomer(ctx: CoreContext, actor: Actor, channel: Channel, raw: CreateCustomerInput, parentT?: Transaction | null): Promise<CreateCustomerResult> {
  const input = parseInput(createCustomerInput, raw);
  const norms = normsOf(input);
  if (input.phone && !norms.phone) throw new AppError('VALIDATION', { field: 'phone', detail: { 'zh-CN': '手机号格式不正确', en: 'Not a valid phone number' } });
  if (input.email && !norms.email) throw new AppError('VALIDATION', { field: 'email', detail: { 'zh-CN': '邮箱格式不正确', en: 'Not a valid e-mail address' } });
  if (!norms.name) throw new AppError('VALIDATION', { field: 'name', detail: { 'zh-CN': '公司名称无效', en: 'Not a usable company name' } });
  const contactPhone = input.contact?.phone ? normalizePhone(input.contact.phone) : null;
  if (input.contact?.phone && !contactPhone) throw new AppError('VALIDATION', { field: 'contact.phone', detail: { 'zh-CN': '手机号格式不正确', en: 'Not a valid phone number' } });
  const contactEmail = input.contact?.email ? normalizeEmail(input.contact.email) : null;
  if (input.contact?.email && !contactEmail) throw new AppError('VALIDATION', { field: 'contact.email', detail: { 'zh-CN': '邮箱格式不正确', en: 'Not a valid e-mail address' } });
  const extraPhones = contactPhone ? [contactPhone] : [];
  const extraEmails = contactEmail ? [contactEmail] : [];

  // 撞单: a record the actor may see in full is answered (200, duplicate: true); any other is refused with only what
  // duplicateNotice allows (409 DUPLICATE: the owner's name to ask, or "in the public pool").
  const answerExisting = async (hit: DuplicateHit, t: Transaction): Promise<CreateCustomerResult> => {
    const notice = await duplicateNotice(ctx, actor, hit, t);
    if (!notice.visible) throw duplicateError(notice);
    const row = await loadCustomerRow(ctx, hit.id, t);
    return { customer: toCustomerDto(row!, actor), duplicate: true };
  };

  return ctx.db.tx(async (t) => {
    const existing = await findDuplicate(ctx, norms, { phones: extraPhones, emails: extraEmails }, t);
    if (existing) return answerExisting(existing, t);
    const { ownerId, teamId } = await resolveOwner(ctx, actor, input, t);
    const now = ctx.clock.now();
    const created = await ctx.models.Customer.create(
      {
        name: input.name,
        name_norm: norms.name,
        phone: input.phone ?? null,
        phone_norm: norms.phone,
        email: input.email ?? null,
        email_norm: norms.email,
        owner_id: ownerId,
        team_id: teamId,
        pool_id: input.poolId ?? null,
        tags: input.tags ?? [],
        source: input.source ?? null,
        region: input.region ?? null,
        industry: input.industry ?? null,
        notes: input.notes ?? null,
        status: 'active',
        claimed_at: ownerId ? now : null,
        created_by: actor.kind === 'user' ? actor.userId : null,
        created_at: now,
        updated_at: now,
      },
      { transaction: t },
    );
    const id = created.get('id');
    try {
      await insertDedupKeys(ctx, t, id, norms, extraPhones, extraEmails);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Lost a race with a concurrent create: undo ours (same transaction) and answer the winner.
      await ctx.db.sequelize.query('DELETE FROM customers WHERE id = :id', { replacements: { id }, transaction: t, type: QueryTypes.DELETE });
      const winner = await findDuplicate(ctx, norms, { phones: extraPhones, emails: extraEmails }, t);
      if (!winner) throw new AppError('CONFLICT', { cause: e });
      return answerExisting(winner, t);
    }
    // Only now that this create won: the owner holds one more active customer.
    await adjustHeld(ctx, t, [[ownerId, 1]]);
    if (input.contact) {
      await ctx.models.Contact.create(
        {
          customer_id: id,
          name: input.contact.name,
          title: input.contact.title ?? null,
          phone: input.contact.phone ?? null,
          phone_norm: contactPhone,
          email: input.contact.email ?? null,
          email_norm: contactEmail,
          wechat: input.contact.wechat ?? null,
          is_primary: true,
          created_at: now,
          updated_at: now,
        },
        { transaction: t },
      );
    }
    await recordAudit(ctx, t, { actor, action: 'customer.create', entityType: 'customer', entityId: id, channel, data: { ownerId, name: input.name } });
    const row = await loadCustomerRow(ctx, id, t);
    return { customer: toCustomerDto(row!, actor), duplicate: false };
  }, parentT);
}

// ---------------------------------------------------------------- read

/** One customer the actor may see (a merged id answers the surviving record). NOT_FOUND otherwise. */
export async function getCustomer(ctx: CoreContext, actor: Actor, id: number, t?: Transaction | null): Promise<CustomerDto> {
  const row = await loadLive(ctx, id, t);
  const vis = row && { id: Number(row.id), owner_id: row.owner_id === null ? null : Number(row.owner_id), team_id: row.team_id === null ? null : Number(row.team_id) };
  assertCanSeeCustomer(ctx, actor, vis);
  if (row!.status === 'deleted') throw new AppError('NOT_FOUND', { field: 'customerId' });
  return toCustomerDto(row!, actor);
}

export const searchCustomersInput = z.object({
  q: z.string().trim().max(200).optional().nullable(),
  region: z.string().trim().max(64).optional().nullable(),
  industry: z.string().trim().max(64).optional().nullable(),
  tier: z.string().trim().max(16).optional().nullable(),
  /** true: only pool customers; false: only owned ones; absent: both. */
  pool: z.boolean().optional().nullable(),
  poolId: dbId.optional().nullable(),
  ownerId: dbId.optional().nullable(),
  limit: z.number().int().min(1).max(200).default(20),
  cursor: z.string().max(500).optional().nullable(),
});
export type SearchCustomersInput = z.input<typeof searchCustomersInput>;

/** The ESCAPE literal for a single backslash (MySQL string literals treat backslash as an escape). */
export const likeEscapeClause = (ctx: CoreContext) => (ctx.db.dialect === 'mysql' ? "'\\\\'" : "'\\'");
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Search within what the actor may see; newest first, keyset-paginated by id. */
export async function searchCustomers(ctx: CoreContext, actor: Actor, raw: SearchCustomersInput): Promise<Page<CustomerDto>> {
  const input = parseInput(searchCustomersInput, raw);
  const scope = visibleScope(actor, 'c');
  const where: string[] = ["c.status = 'active'", scope.sql];
  const repl: Record<string, unknown> = { ...scope.replacements, lim: input.limit + 1 };
  if (input.q) {
    const phone = /^[+\d\s\-()]{7,}$/.test(input.q) ? normalizePhone(input.q) : null;
    const email = input.q.includes('@') ? normalizeEmail(input.q) : null;
    // A phone or e-mail matches only customers whose unmasked value the actor may see (never an oracle for a
    // masked one); a query of that shape matches no name (names are not phone numbers), so the phone index serves it.
    if (phone) {
      const m = personalFieldMatch(actor, 'phone', '(c.phone_norm = :qphone OR c.id IN (SELECT customer_id FROM contacts WHERE phone_norm = :qphone))');
      where.push(m.sql);
      Object.assign(repl, m.replacements, { qphone: phone });
    } else if (email) {
      const m = personalFieldMatch(actor, 'email', '(c.email_norm = :qemail OR c.id IN (SELECT customer_id FROM contacts WHERE email_norm = :qemail))');
      where.push(m.sql);
      Object.assign(repl, m.replacements, { qemail: email });
    } else {
      const norm = normalizeCompanyName(input.q) || input.q.toLowerCase();
      where.push(`c.name_norm LIKE :qlike ESCAPE ${likeEscapeClause(ctx)}`);
      repl.qlike = `%${likeEscape(norm)}%`;
    }
  }
  if (input.region) (where.push('c.region = :region'), (repl.region = input.region));
  if (input.industry) (where.push('c.industry = :industry'), (repl.industry = input.industry));
  if (input.tier) (where.push('c.tier = :tier'), (repl.tier = input.tier));
  if (input.pool === true) where.push('c.owner_id IS NULL');
  if (input.pool === false) where.push('c.owner_id IS NOT NULL');
  if (input.poolId) (where.push('c.pool_id = :poolId'), (repl.poolId = input.poolId));
  if (input.ownerId) (where.push('c.owner_id = :ownerId'), (repl.ownerId = input.ownerId));
  const after = decodeCursor<{ id: number }>(input.cursor);
  if (after) {
    if (typeof after.id !== 'number') throw new AppError('VALIDATION', { field: 'cursor' });
    where.push('c.id < :after');
    repl.after = after.id;
  }
  const rows = await ctx.db.select<CustomerRow>(
    `SELECT ${CUSTOMER_SELECT} FROM ${CUSTOMER_FROM} WHERE ${where.join(' AND ')} ORDER BY c.id DESC LIMIT :lim`,
    repl,
  );
  return pageOf(rows, input.limit, (r) => ({ id: Number(r.id) }), (r) => toCustomerDto(r, actor));
}

/**
 * Fuzzy lookup for chat ("查 远航"): exact normalised name, phone (customer or contact), name prefix,
 * name containing, contact-name prefix — best matches first, at most `limit`, only what the actor may see.
 */
export async function findCustomersByName(ctx: CoreContext, actor: Actor, text: string, limit = 10): Promise<CustomerDto[]> {
  const q = String(text ?? '').trim();
  if (!q) return [];
  const scope = visibleScope(actor, 'c');
  const base = `SELECT ${CUSTOMER_SELECT} FROM ${CUSTOMER_FROM} WHERE c.status = 'active' AND ${scope.sql}`;
  const esc = likeEscapeClause(ctx);
  const repl: Record<string, unknown> = { ...scope.replacements, lim: limit };
  const queries: string[] = [];
  const phone = /^[+\d\s\-()]{7,}$/.test(q) ? normalizePhone(q) : null;
  const email = !phone && q.includes('@') ? normalizeEmail(q) : null;
  if (phone) {
    // Only customers whose unmasked phone the actor may see (see personalFieldMatch).
    repl.phone = phone;
    const own = personalFieldMatch(actor, 'phone', 'c.phone_norm = :phone');
    const viaContact = personalFieldMatch(actor, 'phone', 'c.id IN (SELECT customer_id FROM contacts WHERE phone_norm = :phone)');
    Object.assign(repl, own.replacements);
    queries.push(`${base} AND ${own.sql} LIMIT :lim`);
    queries.push(`${base} AND ${viaContact.sql} LIMIT :lim`);
  } else if (email) {
    repl.email = email;
    const m = personalFieldMatch(actor, 'email', '(c.email_norm = :email OR c.id IN (SELECT customer_id FROM contacts WHERE email_norm = :email))');
    Object.assign(repl, m.replacements);
    queries.push(`${base} AND ${m.sql} LIMIT :lim`);
  } else {
    const norm = normalizeCompanyName(q) || q.toLowerCase();
    repl.norm = norm;
    repl.prefix = `${likeEscape(norm)}%`;
    repl.contains = `%${likeEscape(norm)}%`;
    repl.contact = `${likeEscape(q)}%`;
    queries.push(`${base} AND c.name_norm = :norm ORDER BY c.id LIMIT :lim`);
    queries.push(`${base} AND c.name_norm LIKE :prefix ESCAPE ${esc} ORDER BY c.name_norm LIMIT :lim`);
    queries.push(`${base} AND c.name_norm LIKE :contains ESCAPE ${esc} ORDER BY c.id DESC LIMIT :lim`);
    queries.push(`${base} AND c.id IN (SELECT customer_id FROM contacts WHERE name LIKE :contact ESCAPE ${esc}) ORDER BY c.id DESC LIMIT :lim`);
  }
  const results = await Promise.all(queries.map((sql) => ctx.db.select<CustomerRow>(sql, repl)));
  const seen = new Set<number>();
  const out: CustomerDto[] = [];
  for (const rows of results) {
    for (const r of rows) {
      const id = Number(r.id);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(toCustomerDto(r, actor));
      if (out.length >= limit) return out;
    }
  }
  return out;
}

// ---------------------------------------------------------------- update / delete

export const updateCustomerInput = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    ...profileFields,
  })
  .strict();
export type UpdateCustomerInput = z.input<typeof updateCustomerInput>;

/**
 * Changes the profile. A new name/phone/e-mail that belongs to another customer is refused with DUPLICATE, saying
 * what duplicateNotice allows (that customer's id and name only to whoever may see it; merge them explicitly).
 */
export async function updateCustomer(ctx: CoreContext, actor: Actor, channel: Channel, id: number, raw: UpdateCustomerInput, parentT?: Transaction | null): Promise<CustomerDto> {
  const input = parseInput(updateCustomerInput, raw);
  return ctx.db.tx(async (t) => {
    const row = await loadCustomerRow(ctx, id, t);
    assertCanEditCustomer(ctx, actor, row && { id, owner_id: row.owner_id, team_id: row.team_id });
    if (row!.status !== 'active') throw new AppError('INVALID_STATE', { field: 'customerId' });
    const patch: Record<string, unknown> = {};
    const newKeys: DedupNorms = { name: '', phone: null, email: null };
    if (input.name !== undefined) {
      const n = normalizeCompanyName(input.name);
      if (!n) throw new AppError('VALIDATION', { field: 'name' });
      Object.assign(patch, { name: input.name, name_norm: n });
      newKeys.name = n;
    }
    if (input.phone !== undefined) {
      const p = input.phone ? normalizePhone(input.phone) : null;
      if (input.phone && !p) throw new AppError('VALIDATION', { field: 'phone', detail: { 'zh-CN': '手机号格式不正确', en: 'Not a valid phone number' } });
      Object.assign(patch, { phone: input.phone || null, phone_norm: p });
      newKeys.phone = p;
    }
    if (input.email !== undefined) {
      const e = input.email ? normalizeEmail(input.email) : null;
      if (input.email && !e) throw new AppError('VALIDATION', { field: 'email', detail: { 'zh-CN': '邮箱格式不正确', en: 'Not a valid e-mail address' } });
      Object.assign(patch, { email: input.email || null, email_norm: e });
      newKeys.email = e;
    }
    for (const k of ['region', 'industry', 'source', 'notes'] as const) if (input[k] !== undefined) patch[k] = input[k] || null;
    if (input.tags !== undefined) patch.tags = input.tags;
    if (newKeys.name || newKeys.phone || newKeys.email) {
      const other = await findDuplicate(ctx, newKeys, {}, t);
      if (other && other.id !== id) throw duplicateError(await duplicateNotice(ctx, actor, other, t));
      try {
        await ctx.db.sequelize.query('DELETE FROM dedup_keys WHERE customer_id = :id AND kind IN (:kinds)', {
          replacements: { id, kinds: Object.entries(newKeys).filter(([, v]) => v !== null && v !== '').map(([k]) => k) },
          transaction: t,
          type: QueryTypes.DELETE,
        });
        await insertDedupKeys(ctx, t, id, newKeys);
      } catch (e) {
        if (isUniqueViolation(e)) throw new AppError('DUPLICATE', { field: 'name' });
        throw e;
      }
    }
    patch.updated_at = ctx.clock.now();
    await ctx.models.Customer.update(patch, { where: { id }, transaction: t });
    await recordAudit(ctx, t, { actor, action: 'customer.update', entityType: 'customer', entityId: id, channel, data: { fields: Object.keys(input) } });
    return toCustomerDto((await loadCustomerRow(ctx, id, t))!, actor);
  }, parentT);
}

/** Soft delete (admin or the team's manager): the row stays for history, leaves lists, pool and de-dup. */
export async function deleteCustomer(ctx: CoreContext, actor: Actor, channel: Channel, id: number, parentT?: Transaction | null): Promise<void> {
  await ctx.db.tx(async (t) => {
    const row = await loadCustomerRow(ctx, id, t);
    assertCanEditCustomer(ctx, actor, row && { id, owner_id: row.owner_id, team_id: row.team_id });
    if (actor.kind === 'user' && actor.role === 'rep') throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有主管或管理员可以删除客户', en: 'Only a manager or an admin may delete a customer' } });
    if (row!.status === 'deleted') throw new AppError('ALREADY_DONE');
    // The owner's held counter drops by the row as it is now: re-read under lock (a claim or release may have
    // landed since the read above).
    const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
    const cur = (await ctx.db.select<{ owner_id: number | null; status: string }>(`SELECT owner_id, status FROM customers WHERE id = :id${lock}`, { id }, t))[0];
    if (cur.status === 'deleted') throw new AppError('ALREADY_DONE');
    await ctx.models.Customer.update({ status: 'deleted', owner_id: null, updated_at: ctx.clock.now() }, { where: { id }, transaction: t });
    if (cur.status === 'active') await adjustHeld(ctx, t, [[cur.owner_id, -1]]);
    await ctx.db.sequelize.query('DELETE FROM dedup_keys WHERE customer_id = :id', { replacements: { id }, transaction: t, type: QueryTypes.DELETE });
    await recordAudit(ctx, t, { actor, action: 'customer.delete', entityType: 'customer', entityId: id, channel, data: { ownerId: row!.owner_id } });
  }, parentT);
}

/**
 * For the opportunities/contracts contexts: a deal was won (or a payment counted as a purchase). Keeps the
 * figures the RFM tiers and the "no won deal" recycle rule read. Call inside the business transaction.
 */
export async function recordWonDeal(ctx: CoreContext, t: Transaction, input: { customerId: number; amountCents: number; at?: Date }): Promise<void> {
  const at = input.at ?? ctx.clock.now();
  await ctx.db.sequelize.query(
    `UPDATE customers SET won_count = won_count + 1, won_total_cents = won_total_cents + :amt,
       last_won_at = CASE WHEN last_won_at IS NULL OR last_won_at < :at THEN :at ELSE last_won_at END, updated_at = :now WHERE id = :id`,
    { replacements: { id: input.customerId, amt: Math.round(input.amountCents), at, now: ctx.clock.now() }, transaction: t, type: QueryTypes.UPDATE },
  );
}

/** Takes back a won deal that was reopened (its amount and count; the last-won date stays a fact of the past). */
export async function reverseWonDeal(ctx: CoreContext, t: Transaction, input: { customerId: number; amountCents: number }): Promise<void> {
  await ctx.db.sequelize.query(
    `UPDATE customers SET won_count = CASE WHEN won_count > 0 THEN won_count - 1 ELSE 0 END,
       won_total_cents = CASE WHEN won_total_cents > :amt THEN won_total_cents - :amt ELSE 0 END, updated_at = :now WHERE id = :id`,
    { replacements: { id: input.customerId, amt: Math.round(input.amountCents), now: ctx.clock.now() }, transaction: t, type: QueryTypes.UPDATE },
  );
}
