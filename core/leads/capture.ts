import { z } from 'zod';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { toDate } from '../db/connection';
import { recordAudit } from '../audit/record';
import { normalizeCompanyName, normalizeEmail, normalizePhone } from '../customers/normalize';
import { findDuplicate } from '../customers/operations';
import { duplicateNotice, duplicateText } from '../customers/dedup-notice';
import { canSeePersonalFields } from '../customers/visibility';
import type { Locale } from '../errors';
import { getLeadsConfig } from './config';
import { scoreCompact, compactScore } from './rules';
import { assignLead } from './assign';
import { LEAD_SELECT, num, toLeadDto } from './dto';
import type { LeadDto } from './schemas';

type Row = Record<string, unknown>;

export type { LeadDto } from './schemas';

export async function loadLead(ctx: CoreContext, id: number, t?: Transaction | null): Promise<LeadDto | null> {
  const rows = await ctx.db.select<Row>(`SELECT ${LEAD_SELECT} FROM leads WHERE id = :id`, { id }, t);
  return rows[0] ? toLeadDto(rows[0]) : null;
}

const text = (max: number) => z.string().trim().max(max).optional().nullable().transform((v) => (v ? v : null));

export const captureLeadInput = z
  .object({
    company: text(200),
    contactName: text(100),
    title: text(100),
    phone: text(32),
    email: text(190),
    region: text(64),
    industry: text(64),
    skill: text(64),
    companySize: z.number().int().min(0).max(10_000_000).optional().nullable(),
    source: z.string().trim().min(1).max(32),
    campaign: text(64),
    message: text(5000),
    /** Assign right away by the configured strategy (default true). */
    autoAssign: z.boolean().optional(),
  })
  .refine((v) => v.company || v.contactName, { path: ['company'], message: 'company or contactName is required' })
  .refine((v) => v.company || v.phone || v.email, { path: ['phone'], message: 'a phone or e-mail is required when there is no company' });
export type CaptureLeadInput = z.input<typeof captureLeadInput>;

export interface LeadNorms {
  name: string;
  phone: string | null;
  email: string | null;
}

/** The same normalisations as customers (core/customers/normalize.ts); invalid phone/e-mail are errors naming the field. */
export function leadNorms(input: { company?: string | null; phone?: string | null; email?: string | null }): LeadNorms {
  const phone = normalizePhone(input.phone);
  if (input.phone && !phone) throw new AppError('VALIDATION', { field: 'phone', detail: { 'zh-CN': '手机号格式不正确', en: 'Not a valid phone number' } });
  const email = normalizeEmail(input.email);
  if (input.email && !email) throw new AppError('VALIDATION', { field: 'email', detail: { 'zh-CN': '邮箱格式不正确', en: 'Not a valid e-mail address' } });
  return { name: normalizeCompanyName(input.company), phone, email };
}

export function dedupKeysOf(n: LeadNorms): Array<{ kind: string; value: string }> {
  const keys: Array<{ kind: string; value: string }> = [];
  if (n.email) keys.push({ kind: 'email', value: n.email });
  if (n.name) keys.push({ kind: 'name', value: n.name.slice(0, 200) });
  if (n.phone) keys.push({ kind: 'phone', value: n.phone });
  // A fixed order: concurrent captures take the unique-index locks in the same order (no deadlock).
  return keys.sort((a, b) => (a.kind + a.value < b.kind + b.value ? -1 : 1));
}

/** Existing lead holding any of these keys. */
export async function findLeadByKeys(ctx: CoreContext, keys: Array<{ kind: string; value: string }>, t?: Transaction | null): Promise<number | null> {
  if (!keys.length) return null;
  const repl: Record<string, unknown> = {};
  const where = keys.map((k, i) => {
    repl[`k${i}`] = k.kind;
    repl[`v${i}`] = k.value;
    return `(kind = :k${i} AND value = :v${i})`;
  });
  const rows = await ctx.db.select<{ lead_id: number }>(`SELECT lead_id FROM lead_dedup_keys WHERE ${where.join(' OR ')} ORDER BY lead_id LIMIT 1`, repl, t);
  return rows[0] ? Number(rows[0].lead_id) : null;
}

export interface CaptureResult {
  lead: LeadDto | null;
  /**
   * Set when the capture matched an existing lead or customer: it was linked to it, nothing new was created. `id`
   * (and `lead`) only when the actor may see that record (撞单 rule, core/customers/dedup-notice.ts); otherwise null,
   * and `notice` says only whose it is or that it is in the public pool.
   */
  duplicateOf: { kind: 'lead' | 'customer'; id: number | null; notice?: Record<Locale, string> } | null;
}

/**
 * May the actor see this lead in full? The personal-field rule of customers (canSeePersonalFields) over the lead's
 * owner and the owner's team: a rep their own; a manager the unassigned ones, their own and their team's; admin,
 * service, the system and integration keys all; a mini-program customer none.
 */
export async function leadNotice(ctx: CoreContext, actor: Actor, leadId: number, t?: Transaction | null): Promise<{ visible: boolean; notice: Record<Locale, string> }> {
  const r = (await ctx.db.select<{ owner_id: number | null; team_id: number | null; owner_name: string | null }>(
    'SELECT l.owner_id, u.team_id, u.name AS owner_name FROM leads l LEFT JOIN users u ON u.id = l.owner_id WHERE l.id = :id', { id: leadId }, t))[0];
  const row = { id: leadId, owner_id: r?.owner_id == null ? null : Number(r.owner_id), team_id: r?.team_id == null ? null : Number(r.team_id) };
  const visible = actor.kind !== 'customer' && canSeePersonalFields(actor, row);
  if (visible) return { visible, notice: { 'zh-CN': `已存在线索 #${leadId}，已合并记录`, en: `Existing lead #${leadId}; linked to it` } };
  return {
    visible,
    notice: r?.owner_name
      ? { 'zh-CN': `该线索已由 ${r.owner_name} 跟进，已合并记录，请联系其协作`, en: `This lead is already followed by ${r.owner_name}; linked to it — ask them to work with you` }
      : { 'zh-CN': '该线索已存在，已合并记录', en: 'This lead already exists; linked to it' },
  };
}

/** Records that a lead/customer was touched again (source + campaign history) and bumps the lead's interactions. */
async function recordTouch(ctx: CoreContext, t: Transaction, target: { kind: 'lead' | 'customer'; id: number }, source: string, campaign: string | null, payload: Record<string, unknown>): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.sequelize.query(
    'INSERT INTO lead_touches (lead_id, customer_id, source, campaign, payload, created_at) VALUES (:lead, :customer, :source, :campaign, :payload, :now)',
    {
      replacements: { lead: target.kind === 'lead' ? target.id : null, customer: target.kind === 'customer' ? target.id : null, source, campaign, payload: JSON.stringify(payload), now },
      type: QueryTypes.INSERT,
      transaction: t,
    },
  );
  if (target.kind === 'lead') {
    await ctx.db.sequelize.query('UPDATE leads SET interactions = interactions + 1, last_interaction_at = :now, updated_at = :now WHERE id = :id', {
      replacements: { id: target.id, now }, type: QueryTypes.UPDATE, transaction: t,
    });
    await rescoreLead(ctx, target.id, t);
  }
}

/** Recomputes and stores a lead's score and its explanation. */
export async function rescoreLead(ctx: CoreContext, id: number, t: Transaction): Promise<void> {
  const rows = await ctx.db.select<Row>('SELECT industry, source, company_size, interactions, last_interaction_at, created_at FROM leads WHERE id = :id', { id }, t);
  if (!rows[0]) return;
  const r = rows[0];
  const cfg = await getLeadsConfig(ctx, t);
  const c = scoreCompact({
    industry: (r.industry as string) ?? null,
    source: r.source as string,
    companySize: num(r.company_size),
    interactions: Number(r.interactions ?? 0),
    lastInteractionAt: toDate(r.last_interaction_at),
    createdAt: toDate(r.created_at) ?? ctx.clock.now(),
  }, cfg.scoring, ctx.clock.now());
  await ctx.db.sequelize.query('UPDATE leads SET score = :score, score_reasons = :reasons WHERE id = :id', {
    replacements: { id, score: compactScore(c), reasons: JSON.stringify(c) }, type: QueryTypes.UPDATE, transaction: t,
  });
}

const insertIgnore = (ctx: CoreContext) => (ctx.db.dialect === 'mysql' ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO');

/**
 * Captures a lead (chat, web form, API, import of one row). De-duplicated against customers and leads with the
 * customers' normalisations: a duplicate is linked (a touch on the existing lead/customer keeps its source and
 * campaign) and nothing new is created. Race-safe: the lead's keys are inserted with INSERT IGNORE into a unique
 * index and read back; whoever's lead id holds a key owns it, the loser removes its row in the same transaction.
 */
export async function captureLead(ctx: CoreContext, actor: Actor, channel: Channel, raw: CaptureLeadInput, parentT?: Transaction | null): Promise<CaptureResult> {
  const input = parseInput(captureLeadInput, raw);
  const norms = leadNorms(input);
  const keys = dedupKeysOf(norms);
  const touchPayload = { company: input.company, contactName: input.contactName, phone: input.phone, email: input.email, message: input.message, channel };
  return ctx.db.tx(async (t) => {
    const customer = await findDuplicate(ctx, { name: norms.name, phone: norms.phone, email: norms.email }, {}, t);
    if (customer) {
      await recordTouch(ctx, t, { kind: 'customer', id: customer.id }, input.source, input.campaign, touchPayload);
      const n = await duplicateNotice(ctx, actor, customer, t);
      return { lead: null, duplicateOf: n.visible ? { kind: 'customer', id: customer.id } : { kind: 'customer', id: null, notice: duplicateText(n) } };
    }
    const linkLead = async (leadId: number): Promise<CaptureResult> => {
      await recordTouch(ctx, t, { kind: 'lead', id: leadId }, input.source, input.campaign, touchPayload);
      const n = await leadNotice(ctx, actor, leadId, t);
      return n.visible
        ? { lead: await loadLead(ctx, leadId, t), duplicateOf: { kind: 'lead', id: leadId } }
        : { lead: null, duplicateOf: { kind: 'lead', id: null, notice: n.notice } };
    };
    const known = await findLeadByKeys(ctx, keys, t);
    if (known) return linkLead(known);
    const now = ctx.clock.now();
    const created = await ctx.models.Lead.create({
      company: input.company, name_norm: norms.name || null, contact_name: input.contactName, title: input.title,
      phone: input.phone, phone_norm: norms.phone, email: input.email, email_norm: norms.email,
      region: input.region, industry: input.industry, skill: input.skill, company_size: input.companySize ?? null,
      source: input.source, campaign: input.campaign, message: input.message, status: 'new', score: 0,
      interactions: 1, last_interaction_at: now, created_by: actor.kind === 'user' ? actor.userId : null, created_at: now, updated_at: now,
    }, { transaction: t });
    const id = Number(created.get('id'));
    const winner = await claimKeys(ctx, t, id, keys);
    if (winner !== id) {
      // Lost a race with a concurrent capture of the same lead: undo ours and link to the winner.
      await ctx.db.sequelize.query('DELETE FROM lead_dedup_keys WHERE lead_id = :id', { replacements: { id }, type: QueryTypes.DELETE, transaction: t });
      await ctx.db.sequelize.query('DELETE FROM leads WHERE id = :id', { replacements: { id }, type: QueryTypes.DELETE, transaction: t });
      return linkLead(winner);
    }
    await ctx.db.sequelize.query(
      'INSERT INTO lead_touches (lead_id, customer_id, source, campaign, payload, created_at) VALUES (:id, NULL, :source, :campaign, :payload, :now)',
      { replacements: { id, source: input.source, campaign: input.campaign, payload: JSON.stringify(touchPayload), now }, type: QueryTypes.INSERT, transaction: t },
    );
    await rescoreLead(ctx, id, t);
    await recordAudit(ctx, t, { actor, action: 'lead.create', entityType: 'lead', entityId: id, channel, data: { source: input.source, campaign: input.campaign } });
    if (input.autoAssign !== false) await assignLead(ctx, { kind: 'system' }, id, t);
    return { lead: await loadLead(ctx, id, t), duplicateOf: null };
  }, parentT);
}

/** Inserts the keys for `leadId` unless taken; answers the lead that owns them (the lowest id when split). */
export async function claimKeys(ctx: CoreContext, t: Transaction, leadId: number, keys: Array<{ kind: string; value: string }>): Promise<number> {
  if (!keys.length) return leadId;
  const repl: Record<string, unknown> = { lead: leadId, now: ctx.clock.now() };
  const values = keys.map((k, i) => {
    repl[`k${i}`] = k.kind;
    repl[`v${i}`] = k.value;
    return `(:k${i}, :v${i}, :lead, :now)`;
  });
  await ctx.db.sequelize.query(`${insertIgnore(ctx)} lead_dedup_keys (kind, value, lead_id, created_at) VALUES ${values.join(', ')}`, {
    replacements: repl, type: QueryTypes.INSERT, transaction: t,
  });
  const owner = await findLeadByKeysExcept(ctx, keys, leadId, t);
  return owner ?? leadId;
}

async function findLeadByKeysExcept(ctx: CoreContext, keys: Array<{ kind: string; value: string }>, leadId: number, t: Transaction): Promise<number | null> {
  const repl: Record<string, unknown> = { me: leadId };
  const where = keys.map((k, i) => {
    repl[`k${i}`] = k.kind;
    repl[`v${i}`] = k.value;
    return `(kind = :k${i} AND value = :v${i})`;
  });
  const rows = await ctx.db.select<{ lead_id: number }>(`SELECT lead_id FROM lead_dedup_keys WHERE (${where.join(' OR ')}) AND lead_id <> :me ORDER BY lead_id LIMIT 1`, repl, t);
  return rows[0] ? Number(rows[0].lead_id) : null;
}
