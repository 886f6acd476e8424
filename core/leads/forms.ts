import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { QueryTypes } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { captureLead } from './capture';

/**
 * Public web forms: each form has its own secret token (stored hashed) that fixes the lead's source and default
 * campaign. Anyone holding the page can submit, so the endpoint is rate limited at the edge and has a honeypot.
 */
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export const createLeadFormInput = z.object({
  name: z.string().trim().min(1).max(100),
  source: z.string().trim().min(1).max(32).default('web_form'),
  campaign: z.string().trim().max(64).optional().nullable(),
});

export async function createLeadForm(ctx: CoreContext, actor: Actor, raw: z.input<typeof createLeadFormInput>): Promise<{ id: number; token: string }> {
  if (actor.kind === 'user' && actor.role === 'rep') throw new AppError('FORBIDDEN');
  const input = parseInput(createLeadFormInput, raw);
  const token = `lf_${randomBytes(18).toString('base64url')}`;
  return ctx.db.tx(async (t) => {
    const now = ctx.clock.now();
    const [id] = await ctx.db.sequelize.query(
      'INSERT INTO lead_forms (name, token_hash, source, campaign, active, created_at, updated_at) VALUES (:name, :h, :source, :campaign, :active, :now, :now)',
      { replacements: { name: input.name, h: hash(token), source: input.source, campaign: input.campaign ?? null, active: true, now }, type: QueryTypes.INSERT, transaction: t },
    );
    await recordAudit(ctx, t, { actor, action: 'lead_form.create', entityType: 'lead_form', entityId: Number(id), channel: 'cli', data: { name: input.name } });
    return { id: Number(id), token };
  });
}

export const webFormInput = z.object({
  token: z.string().trim().min(8).max(100),
  company: z.string().trim().max(200).optional().nullable(),
  name: z.string().trim().max(100).optional().nullable(),
  title: z.string().trim().max(100).optional().nullable(),
  phone: z.string().trim().max(32).optional().nullable(),
  email: z.string().trim().max(190).optional().nullable(),
  region: z.string().trim().max(64).optional().nullable(),
  industry: z.string().trim().max(64).optional().nullable(),
  companySize: z.coerce.number().int().min(0).max(10_000_000).optional().nullable(),
  message: z.string().trim().max(5000).optional().nullable(),
  campaign: z.string().trim().max(64).optional().nullable(),
  utm_campaign: z.string().trim().max(64).optional().nullable(),
  /** Honeypot: hidden from people by the form's CSS; bots fill it. */
  website: z.string().max(500).optional().nullable(),
});
export type WebFormInput = z.input<typeof webFormInput>;

export interface WebFormResult {
  accepted: true;
  /** Internal only (never sent to the public caller): what happened. */
  outcome: 'created' | 'duplicate' | 'honeypot';
  leadId: number | null;
}

/** A submission from a public form. Bots that fill the honeypot get the same answer and nothing is stored. */
export async function submitWebForm(ctx: CoreContext, raw: WebFormInput): Promise<WebFormResult> {
  const input = parseInput(webFormInput, raw);
  const form = (await ctx.db.select<{ id: number; source: string; campaign: string | null; active: number | boolean }>(
    'SELECT id, source, campaign, active FROM lead_forms WHERE token_hash = :h', { h: hash(input.token) }))[0];
  if (!form || !form.active) throw new AppError('UNAUTHENTICATED', { field: 'token', detail: { 'zh-CN': '表单令牌无效', en: 'Invalid form token' } });
  if (input.website) return { accepted: true, outcome: 'honeypot', leadId: null };
  const r = await captureLead(ctx, { kind: 'system' }, 'api', {
    company: input.company, contactName: input.name, title: input.title, phone: input.phone, email: input.email,
    region: input.region, industry: input.industry, companySize: input.companySize ?? null, message: input.message,
    source: form.source, campaign: input.utm_campaign || input.campaign || form.campaign,
  });
  return { accepted: true, outcome: r.duplicateOf ? 'duplicate' : 'created', leadId: r.lead?.id ?? null };
}
