import { z } from 'zod';
import type { Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { normalizeEmail, normalizePhone } from './normalize';
import { contactInput } from './operations';
import type { ContactDto } from './schemas';
import { assertCanEditCustomer, assertCanSeeCustomer, canSeePersonalFields, maskEmail, maskPhone, type VisibilityRow } from './visibility';

export type { ContactDto } from './schemas';

export interface ContactRow {
  id: number;
  customer_id: number;
  name: string;
  title: string | null;
  phone: string | null;
  email: string | null;
  wechat: string | null;
  is_primary: number | boolean;
}

export const CONTACT_SELECT = 'id, customer_id, name, title, phone, email, wechat, is_primary';

export function toContactDto(r: ContactRow, showDetails = true): ContactDto {
  return {
    id: Number(r.id),
    customerId: Number(r.customer_id),
    name: r.name,
    title: r.title,
    phone: showDetails ? r.phone : maskPhone(r.phone),
    email: showDetails ? r.email : maskEmail(r.email),
    wechat: showDetails ? r.wechat : r.wechat ? '***' : null,
    isPrimary: !!Number(r.is_primary),
  };
}

async function customerVis(ctx: CoreContext, id: number, t?: Transaction | null): Promise<(VisibilityRow & { status: string }) | null> {
  const r = await ctx.db.select<{ id: number; owner_id: number | null; team_id: number | null; status: string }>('SELECT id, owner_id, team_id, status FROM customers WHERE id = :id', { id }, t);
  if (!r[0]) return null;
  return { id: Number(r[0].id), owner_id: r[0].owner_id === null ? null : Number(r[0].owner_id), team_id: r[0].team_id === null ? null : Number(r[0].team_id), status: r[0].status };
}

export async function listContacts(ctx: CoreContext, actor: Actor, customerId: number): Promise<ContactDto[]> {
  const vis = await customerVis(ctx, customerId);
  assertCanSeeCustomer(ctx, actor, vis);
  const rows = await ctx.db.select<ContactRow>(`SELECT ${CONTACT_SELECT} FROM contacts WHERE customer_id = :id ORDER BY is_primary DESC, id LIMIT 200`, { id: customerId });
  const details = canSeePersonalFields(actor, vis!);
  return rows.map((r) => toContactDto(r, details));
}

export const addContactInput = contactInput.extend({ isPrimary: z.boolean().optional() });

/**
 * Adds a contact. The same phone or e-mail already on this customer answers that contact (de-dup);
 * on another customer it is allowed (people change companies) and reported in `alsoOn` when the actor may see that
 * customer's contacts unmasked (never otherwise: `alsoOn` is not a lookup of other reps' customers by phone).
 */
export async function addContact(
  ctx: CoreContext,
  actor: Actor,
  channel: Channel,
  customerId: number,
  raw: z.input<typeof addContactInput>,
  parentT?: Transaction | null,
): Promise<{ contact: ContactDto; duplicate: boolean; alsoOn: number[] }> {
  const input = parseInput(addContactInput, raw);
  const phone = input.phone ? normalizePhone(input.phone) : null;
  if (input.phone && !phone) throw new AppError('VALIDATION', { field: 'phone', detail: { 'zh-CN': '手机号格式不正确', en: 'Not a valid phone number' } });
  const email = input.email ? normalizeEmail(input.email) : null;
  if (input.email && !email) throw new AppError('VALIDATION', { field: 'email', detail: { 'zh-CN': '邮箱格式不正确', en: 'Not a valid e-mail address' } });
  return ctx.db.tx(async (t) => {
    const vis = await customerVis(ctx, customerId, t);
    assertCanEditCustomer(ctx, actor, vis);
    if (vis!.status !== 'active') throw new AppError('INVALID_STATE', { field: 'customerId' });
    const same: string[] = [];
    const repl: Record<string, unknown> = { cid: customerId };
    if (phone) (same.push('phone_norm = :phone'), (repl.phone = phone));
    if (email) (same.push('email_norm = :email'), (repl.email = email));
    if (same.length) {
      const existing = await ctx.db.select<ContactRow>(`SELECT ${CONTACT_SELECT} FROM contacts WHERE customer_id = :cid AND (${same.join(' OR ')}) LIMIT 1`, repl, t);
      if (existing[0]) return { contact: toContactDto(existing[0]), duplicate: true, alsoOn: [] };
    }
    // Other customers with the same person: only those whose contacts the actor may see unmasked are named (撞单
    // rule, core/customers/dedup-notice.ts); the rest are not mentioned at all.
    const elsewhere = same.length
      ? (await ctx.db.select<{ customer_id: number; owner_id: number | null; team_id: number | null }>(
        `SELECT DISTINCT k.customer_id, c.owner_id, c.team_id FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE k.customer_id <> :cid AND (${same.map((x) => `k.${x}`).join(' OR ')}) LIMIT 10`, repl, t))
        .filter((r) => canSeePersonalFields(actor, { id: Number(r.customer_id), owner_id: r.owner_id === null ? null : Number(r.owner_id), team_id: r.team_id === null ? null : Number(r.team_id) }))
      : [];
    const now = ctx.clock.now();
    if (input.isPrimary) await ctx.models.Contact.update({ is_primary: false }, { where: { customer_id: customerId }, transaction: t });
    const c = await ctx.models.Contact.create(
      {
        customer_id: customerId,
        name: input.name,
        title: input.title ?? null,
        phone: input.phone ?? null,
        phone_norm: phone,
        email: input.email ?? null,
        email_norm: email,
        wechat: input.wechat ?? null,
        is_primary: input.isPrimary ?? false,
        created_at: now,
        updated_at: now,
      },
      { transaction: t },
    );
    await recordAudit(ctx, t, { actor, action: 'contact.create', entityType: 'customer', entityId: customerId, channel, data: { contactId: c.get('id'), name: input.name } });
    return { contact: toContactDto(c.get({ plain: true }) as unknown as ContactRow), duplicate: false, alsoOn: elsewhere.map((r) => Number(r.customer_id)) };
  }, parentT);
}

export async function updateContact(
  ctx: CoreContext,
  actor: Actor,
  channel: Channel,
  contactId: number,
  raw: Partial<z.input<typeof addContactInput>>,
): Promise<ContactDto> {
  const input = parseInput(addContactInput.partial().strict(), raw);
  return ctx.db.tx(async (t) => {
    const row = (await ctx.db.select<ContactRow>(`SELECT ${CONTACT_SELECT} FROM contacts WHERE id = :id`, { id: contactId }, t))[0];
    if (!row) throw new AppError('NOT_FOUND', { field: 'contactId' });
    assertCanEditCustomer(ctx, actor, await customerVis(ctx, Number(row.customer_id), t));
    const patch: Record<string, unknown> = { updated_at: ctx.clock.now() };
    if (input.name !== undefined) patch.name = input.name;
    if (input.title !== undefined) patch.title = input.title;
    if (input.wechat !== undefined) patch.wechat = input.wechat;
    if (input.phone !== undefined) {
      const p = input.phone ? normalizePhone(input.phone) : null;
      if (input.phone && !p) throw new AppError('VALIDATION', { field: 'phone' });
      Object.assign(patch, { phone: input.phone || null, phone_norm: p });
    }
    if (input.email !== undefined) {
      const e = input.email ? normalizeEmail(input.email) : null;
      if (input.email && !e) throw new AppError('VALIDATION', { field: 'email' });
      Object.assign(patch, { email: input.email || null, email_norm: e });
    }
    if (input.isPrimary) {
      await ctx.models.Contact.update({ is_primary: false }, { where: { customer_id: row.customer_id }, transaction: t });
      patch.is_primary = true;
    }
    await ctx.models.Contact.update(patch, { where: { id: contactId }, transaction: t });
    await recordAudit(ctx, t, { actor, action: 'contact.update', entityType: 'customer', entityId: Number(row.customer_id), channel, data: { contactId, fields: Object.keys(input) } });
    return toContactDto((await ctx.db.select<ContactRow>(`SELECT ${CONTACT_SELECT} FROM contacts WHERE id = :id`, { id: contactId }, t))[0]);
  });
}
