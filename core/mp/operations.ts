import type { Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { isUniqueViolation, toDate } from '../db/connection';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { canSeeCustomer, maskPhone } from '../customers/visibility';
import { normalizeEmail } from '../customers/normalize';
import { OPEN_STATUSES } from '../tickets/rules';
import { customerReceivableSummary } from '../receivables/summary';
import { createSession, hashInviteCode, newInviteCode, normaliseInviteCode, type CustomerSession } from './session';
import { createInviteInput, redeemInput, updateProfileInput, type AccountSummary, type InviteDto, type MpClient, type ProfileDto } from './schemas';

export const INVITE_DAYS = 7;
export type Provider = 'wechat' | 'lark';

/** A rep invites a customer's contact to the mini-program: a one-time code, valid 7 days. Only the hash is stored. */
export async function createInvite(ctx: CoreContext, actor: Actor, raw: z.input<typeof createInviteInput>, parent?: Transaction): Promise<InviteDto> {
  const input = parseInput(createInviteInput, raw);
  if (actor.kind !== 'user' && actor.kind !== 'system') throw new AppError('FORBIDDEN');
  if (!input.contactId && !input.contactName) throw new AppError('VALIDATION', { field: 'contact' });
  return ctx.db.tx(async (t) => {
    const [c] = await ctx.db.select<{ id: number; name: string; owner_id: number | null; team_id: number | null }>(
      'SELECT id, name, owner_id, team_id FROM customers WHERE id = :id',
      { id: input.customerId },
      t,
    );
    if (!c || !canSeeCustomer(actor, c)) throw new AppError('NOT_FOUND', { field: 'customerId' });
    let contact: { id: number; name: string } | undefined;
    if (input.contactId) {
      [contact] = await ctx.db.select<{ id: number; name: string }>('SELECT id, name FROM contacts WHERE id = :id AND customer_id = :c', { id: input.contactId, c: c.id }, t);
      if (!contact) throw new AppError('NOT_FOUND', { field: 'contactId' });
    } else {
      [contact] = await ctx.db.select<{ id: number; name: string }>('SELECT id, name FROM contacts WHERE customer_id = :c AND name = :n ORDER BY id LIMIT 1', { c: c.id, n: input.contactName }, t);
      if (!contact) {
        const now = ctx.clock.now();
        const row = await ctx.models.Contact.create({ customer_id: c.id, name: input.contactName!, created_at: now, updated_at: now }, { transaction: t });
        contact = { id: row.get('id'), name: input.contactName! };
      }
    }
    const now = ctx.clock.now();
    const expiresAt = new Date(now.getTime() + INVITE_DAYS * 86_400_000);
    for (let attempt = 0; ; attempt++) {
      const code = newInviteCode();
      try {
        await ctx.models.MpInvite.create(
          { code_hash: hashInviteCode(code), customer_id: c.id, contact_id: contact.id, created_by: actor.kind === 'user' ? actor.userId : null, expires_at: expiresAt, created_at: now },
          { transaction: t },
        );
        await recordAudit(ctx, t, { actor, action: 'mp.invite', entityType: 'contact', entityId: contact.id, channel: 'chat', data: { customerId: c.id } });
        return { code, expiresAt: expiresAt.toISOString(), customer: { id: c.id, name: c.name }, contact };
      } catch (e) {
        // A collision in 8.5e11 codes is next to impossible; on MySQL it would also abort the transaction, so give up after one.
        if (!isUniqueViolation(e) || attempt > 0 || ctx.db.dialect === 'mysql') throw e;
      }
    }
  }, parent);
}

export interface SignInResult {
  session: CustomerSession;
  customer: { id: number; name: string };
  contact: { id: number; name: string };
}

async function who(ctx: CoreContext, contactId: number, t?: Transaction | null): Promise<{ customer: { id: number; name: string }; contact: { id: number; name: string } }> {
  const [r] = await ctx.db.select<{ contact_id: number; contact_name: string; customer_id: number; customer_name: string }>(
    `SELECT ct.id AS contact_id, ct.name AS contact_name, cu.id AS customer_id, cu.name AS customer_name
       FROM contacts ct JOIN customers cu ON cu.id = ct.customer_id WHERE ct.id = :id`,
    { id: contactId },
    t,
  );
  if (!r) throw new AppError('UNAUTHENTICATED', { data: { reason: 'not_bound' } });
  return { customer: { id: Number(r.customer_id), name: r.customer_name }, contact: { id: Number(r.contact_id), name: r.contact_name } };
}

/** Binds a platform identity (WeChat openid, Lark open_id) to a contact; another contact's identity is DUPLICATE. */
async function bind(ctx: CoreContext, t: Transaction, provider: Provider, subject: string, contactId: number, customerId: number): Promise<void> {
  const [existing] = await ctx.db.select<{ contact_id: number }>('SELECT contact_id FROM mp_identities WHERE provider = :p AND subject = :s', { p: provider, s: subject }, t);
  if (existing) {
    if (Number(existing.contact_id) !== contactId) throw new AppError('DUPLICATE', { field: provider === 'wechat' ? 'wechatCode' : 'larkCode' });
    return;
  }
  await ctx.db.sequelize.query('INSERT INTO mp_identities (provider, subject, contact_id, customer_id, created_at) VALUES (:p, :s, :c, :cu, :now)', {
    replacements: { p: provider, s: subject, c: contactId, cu: customerId, now: ctx.clock.now() },
    type: QueryTypes.INSERT,
    transaction: t,
  });
}

/**
 * Redeems an invite once: the conditional UPDATE (… AND redeemed_at IS NULL) lets exactly one of two
 * concurrent redemptions win. Optionally binds the platform identity resolved by the transport.
 */
export async function redeemInvite(ctx: CoreContext, raw: z.input<typeof redeemInput>, identity?: { provider: Provider; subject: string } | null): Promise<SignInResult> {
  const input = parseInput(redeemInput, raw);
  const code = normaliseInviteCode(input.code);
  return ctx.db.tx(async (t) => {
    const [inv] = await ctx.db.select<{ id: number; contact_id: number; customer_id: number; expires_at: unknown; redeemed_at: unknown }>(
      'SELECT id, contact_id, customer_id, expires_at, redeemed_at FROM mp_invites WHERE code_hash = :h',
      { h: hashInviteCode(code) },
      t,
    );
    if (!inv) throw new AppError('NOT_FOUND', { field: 'code', detail: { 'zh-CN': '邀请码无效', en: 'Unknown invite code' } });
    if (inv.redeemed_at) throw new AppError('ALREADY_DONE', { field: 'code', detail: { 'zh-CN': '邀请码已被使用', en: 'This invite code was already used' } });
    const now = ctx.clock.now();
    if (toDate(inv.expires_at)!.getTime() < now.getTime()) throw new AppError('EXPIRED', { field: 'code', detail: { 'zh-CN': '邀请码已过期，请联系您的客户经理重新邀请', en: 'This invite code has expired; ask your account manager for a new one' } });
    const [n] = await ctx.models.MpInvite.update({ redeemed_at: now }, { where: { id: inv.id, redeemed_at: null }, transaction: t });
    if (!n) throw new AppError('ALREADY_DONE', { field: 'code' });
    const w = await who(ctx, Number(inv.contact_id), t);
    if (w.customer.id !== Number(inv.customer_id)) throw new AppError('EXPIRED', { field: 'code' }); // the contact moved meanwhile
    if (identity) await bind(ctx, t, identity.provider, identity.subject, w.contact.id, w.customer.id);
    const session = await createSession(ctx, t, w.contact.id, w.customer.id, input.client);
    await recordAudit(ctx, t, { actor: { kind: 'customer', contactId: w.contact.id, customerId: w.customer.id }, action: 'mp.invite.redeem', entityType: 'contact', entityId: w.contact.id, channel: 'mp' });
    return { session, ...w };
  });
}

/** Silent sign-in: the identity the transport verified with WeChat/Lark must be bound to a contact. */
export async function signInWithIdentity(ctx: CoreContext, provider: Provider, subject: string, client: MpClient): Promise<SignInResult> {
  const [idn] = await ctx.db.select<{ contact_id: number; customer_id: number }>('SELECT contact_id, customer_id FROM mp_identities WHERE provider = :p AND subject = :s', { p: provider, s: subject });
  if (!idn) throw new AppError('UNAUTHENTICATED', { data: { reason: 'not_bound' }, detail: { 'zh-CN': '请先使用邀请码登录', en: 'Sign in with your invite code first' } });
  const w = await who(ctx, Number(idn.contact_id));
  if (w.customer.id !== Number(idn.customer_id)) throw new AppError('UNAUTHENTICATED', { data: { reason: 'not_bound' } });
  return ctx.db.tx(async (t) => ({ session: await createSession(ctx, t, w.contact.id, w.customer.id, client), ...w }));
}

export async function bindIdentity(ctx: CoreContext, actor: Actor, provider: Provider, subject: string): Promise<void> {
  if (actor.kind !== 'customer') throw new AppError('FORBIDDEN');
  await ctx.db.tx((t) => bind(ctx, t, provider, subject, actor.contactId, actor.customerId));
}

const requireCustomer = (actor: Actor) => {
  if (actor.kind !== 'customer') throw new AppError('FORBIDDEN');
  return actor;
};

/** The home page: the customer's own account only (ids come from the session, never from the request). */
export async function accountSummary(ctx: CoreContext, actor: Actor): Promise<AccountSummary> {
  const a = requireCustomer(actor);
  const now = ctx.clock.now();
  const [[r], counts, [surveys], rec] = await Promise.all([
    ctx.db.select<{ name: string; tier: string | null; contact_name: string; title: string | null; owner_name: string | null; owner_phone: string | null; owner_email: string | null }>(
      `SELECT cu.name, cu.tier, ct.name AS contact_name, ct.title, u.name AS owner_name, u.phone AS owner_phone, u.email AS owner_email
         FROM customers cu JOIN contacts ct ON ct.id = :contact LEFT JOIN users u ON u.id = cu.owner_id WHERE cu.id = :customer`,
      { contact: a.contactId, customer: a.customerId },
    ),
    ctx.db.select<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM tickets WHERE customer_id = :c AND status IN (:s) GROUP BY status', {
      c: a.customerId,
      s: [...OPEN_STATUSES, 'resolved'],
    }),
    ctx.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM surveys WHERE customer_id = :c AND status = 'pending' AND expires_at >= :now", { c: a.customerId, now }),
    customerReceivableSummary(ctx, a.customerId),
  ]);
  if (!r) throw new AppError('NOT_FOUND');
  const by = new Map(counts.map((c) => [c.status, Number(c.n)]));
  return {
    customer: { id: a.customerId, name: r.name, tier: r.tier },
    contact: { id: a.contactId, name: r.contact_name, title: r.title },
    owner: r.owner_name ? { name: r.owner_name, phone: r.owner_phone, email: r.owner_email } : null,
    tickets: { open: OPEN_STATUSES.reduce((s, x) => s + (by.get(x) ?? 0), 0), waitingCustomer: by.get('waiting_customer') ?? 0, resolvedRecently: by.get('resolved') ?? 0 },
    pendingSurveys: Number(surveys?.n ?? 0),
    // Amounts only: the credit-risk flag and payment history are internal.
    contracts: rec.contracts ? { active: rec.contracts, totalCents: rec.contractCents } : null,
    receivables: rec.contracts
      ? { outstandingCents: rec.outstandingCents, overdueCents: rec.overdueCents, nextDue: rec.upcoming[0] ? { dueDate: rec.upcoming[0].dueDate, outstandingCents: rec.upcoming[0].outstandingCents } : null }
      : null,
  };
}

export async function getProfile(ctx: CoreContext, actor: Actor): Promise<ProfileDto> {
  const a = requireCustomer(actor);
  const [[r], ids] = await Promise.all([
    ctx.db.select<{ name: string; title: string | null; phone: string | null; email: string | null; wechat: string | null; customer_name: string }>(
      'SELECT ct.name, ct.title, ct.phone, ct.email, ct.wechat, cu.name AS customer_name FROM contacts ct JOIN customers cu ON cu.id = ct.customer_id WHERE ct.id = :id AND ct.customer_id = :c',
      { id: a.contactId, c: a.customerId },
    ),
    ctx.db.select<{ provider: string }>('SELECT provider FROM mp_identities WHERE contact_id = :id', { id: a.contactId }),
  ]);
  if (!r) throw new AppError('NOT_FOUND');
  return {
    contact: { id: a.contactId, name: r.name, title: r.title, phone: maskPhone(r.phone), email: r.email, wechat: r.wechat },
    customer: { id: a.customerId, name: r.customer_name },
    bindings: { wechat: ids.some((i) => i.provider === 'wechat'), lark: ids.some((i) => i.provider === 'lark') },
  };
}

export async function updateProfile(ctx: CoreContext, actor: Actor, raw: z.input<typeof updateProfileInput>): Promise<ProfileDto> {
  const a = requireCustomer(actor);
  const input = parseInput(updateProfileInput, raw);
  const patch: Record<string, unknown> = {};
  if (input.name !== undefined) patch.name = input.name;
  if (input.title !== undefined) patch.title = input.title || null;
  if (input.email !== undefined) {
    const e = input.email ? normalizeEmail(input.email) : null;
    if (input.email && !e) throw new AppError('VALIDATION', { field: 'email', detail: { 'zh-CN': '邮箱格式不正确', en: 'Not a valid e-mail address' } });
    patch.email = input.email || null;
    patch.email_norm = e;
  }
  if (Object.keys(patch).length) {
    await ctx.db.tx(async (t) => {
      await ctx.models.Contact.update({ ...patch, updated_at: ctx.clock.now() }, { where: { id: a.contactId, customer_id: a.customerId }, transaction: t });
      await recordAudit(ctx, t, { actor, action: 'mp.profile.update', entityType: 'contact', entityId: a.contactId, channel: 'mp', data: { fields: Object.keys(patch) } });
    });
  }
  return getProfile(ctx, actor);
}
