import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { enqueueMessages } from '../notifications/outbox';
import { recordAudit } from '../audit/record';
import { createCustomer } from '../customers/operations';
import { logActivity } from '../activities/operations';
import { createOpportunity } from '../opportunities/operations';
import { getLeadsConfig } from './config';
import { slaCutoff } from './rules';
import { loadLead, type LeadDto } from './capture';

export { captureLead, loadLead, type LeadDto, type CaptureResult, type CaptureLeadInput } from './capture';
export { assignLead, assignLeadTo } from './assign';

/** A lead the actor may see: reps their own (and unassigned ones), managers/admins all. */
export async function getLead(ctx: CoreContext, actor: Actor, id: number, t?: Transaction | null): Promise<LeadDto> {
  const lead = await loadLead(ctx, id, t);
  if (!lead) throw new AppError('NOT_FOUND', { field: 'leadId' });
  if (actor.kind === 'user' && actor.role === 'rep' && lead.ownerId !== null && lead.ownerId !== actor.userId) throw new AppError('NOT_FOUND', { field: 'leadId' });
  return lead;
}

export interface EscalationResult {
  escalated: number[];
}

/**
 * Lead response SLA: unassigned hot leads older than the configured minutes are escalated once to the managers
 * ('lead.sla_escalated'). The conditional UPDATE of escalated_at makes two processes running it at once harmless,
 * and the dedupe keys make a retried run send nothing twice. Batches of 200.
 */
export async function escalateOverdueLeads(ctx: CoreContext): Promise<EscalationResult> {
  const cfg = await getLeadsConfig(ctx);
  const now = ctx.clock.now();
  const cutoff = slaCutoff(now, cfg.sla);
  const escalated: number[] = [];
  for (;;) {
    const batch = await ctx.db.select<{ id: number }>(
      `SELECT id FROM leads WHERE status = 'new' AND escalated_at IS NULL AND created_at <= :cutoff AND owner_id IS NULL AND score >= :hot
       ORDER BY created_at LIMIT 200`,
      { cutoff, hot: cfg.scoring.hotThreshold },
    );
    if (!batch.length) break;
    await ctx.db.tx(async (t) => {
      const managers = await ctx.db.select<{ id: number }>("SELECT id FROM users WHERE role = 'manager' AND status = 'active' ORDER BY id", {}, t);
      for (const { id } of batch) {
        const [, changed] = await ctx.db.sequelize.query('UPDATE leads SET escalated_at = :now WHERE id = :id AND escalated_at IS NULL', {
          replacements: { id, now }, type: QueryTypes.UPDATE, transaction: t,
        });
        if (!Number(changed)) continue;
        const lead = await loadLead(ctx, Number(id), t);
        escalated.push(Number(id));
        const waited = Math.round((now.getTime() - new Date(lead!.createdAt!).getTime()) / 60_000);
        await enqueueMessages(ctx, t, managers.map((m) => ({
          to: { userId: Number(m.id) },
          kind: 'lead.sla_escalated',
          payload: { leadId: Number(id), company: lead!.company, contactName: lead!.contactName, score: lead!.score, source: lead!.source, campaign: lead!.campaign, waitedMinutes: waited, slaMinutes: cfg.sla.hotUnassignedMinutes },
          dedupeKey: `lead.sla:${id}:${m.id}`,
        })));
      }
    });
    if (batch.length < 200) break;
  }
  return { escalated };
}

export interface ConvertResult {
  leadId: number;
  customerId: number;
  /** The lead matched an existing customer, which it was linked to instead of creating one. */
  linkedExisting: boolean;
  alreadyConverted: boolean;
  /** The opportunity opened with the conversion (when asked for), or the one an earlier conversion opened. */
  opportunityId: number | null;
}

/** Ask convertLead for an opportunity too: `true`, or its name, amount and expected close date. */
export interface ConvertOptions {
  opportunity?: boolean | { name?: string; amountCents?: number; expectedCloseDate?: string };
}

/**
 * Lead → customer + primary contact (through the customers' de-duplicating createCustomer), keeping history: the
 * lead row stays (status converted, customer_id), its touches point at the customer, and a follow-up on the customer
 * records where it came from (source, campaign, score). Idempotent: a converted lead answers its customer.
 */
export async function convertLead(ctx: CoreContext, actor: Actor, channel: Channel, leadId: number, parentT?: Transaction | null, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const withOpportunity = async (t: Transaction, lead: { company: string | null; contactName: string | null; ownerId: number | null; campaign: string | null }, customerId: number): Promise<number | null> => {
    const had = (await ctx.db.select<{ id: number }>('SELECT id FROM opportunities WHERE lead_id = :id', { id: leadId }, t))[0];
    if (had) return Number(had.id);
    if (!opts.opportunity) return null;
    const o = typeof opts.opportunity === 'object' ? opts.opportunity : {};
    const ownerId = lead.ownerId ?? (actor.kind === 'user' ? actor.userId : null);
    const created = await createOpportunity(ctx, actor, channel, {
      customerId,
      ...(ownerId !== null && !(actor.kind === 'user' && actor.userId === ownerId) ? { ownerId } : {}),
      ...(o.name ? { name: o.name } : {}),
      ...(o.amountCents !== undefined ? { amountCents: o.amountCents } : {}),
      ...(o.expectedCloseDate ? { expectedCloseDate: o.expectedCloseDate } : {}),
      source: lead.campaign ? 'campaign' : 'lead',
      ...(lead.campaign ? { campaign: lead.campaign.slice(0, 100) } : {}),
    }, t, { leadId });
    return created.id;
  };
  return ctx.db.tx(async (t) => {
    const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
    const row = (await ctx.db.select<{ id: number }>(`SELECT id FROM leads WHERE id = :id${lock}`, { id: leadId }, t))[0];
    if (!row) throw new AppError('NOT_FOUND', { field: 'leadId' });
    const lead = (await loadLead(ctx, leadId, t))!;
    if (lead.status === 'converted' && lead.customerId) {
      return { leadId, customerId: lead.customerId, linkedExisting: false, alreadyConverted: true, opportunityId: await withOpportunity(t, lead, lead.customerId) };
    }
    if (actor.kind === 'user' && actor.role === 'rep' && lead.ownerId !== actor.userId) {
      throw new AppError('FORBIDDEN', { field: 'leadId', detail: { 'zh-CN': '只有线索负责人可以转化', en: 'Only the lead owner may convert it' } });
    }
    const ownerId = lead.ownerId ?? (actor.kind === 'user' ? actor.userId : null);
    const created = await createCustomer(ctx, actor.kind === 'user' && actor.role === 'rep' ? actor : { kind: 'system' }, channel, {
      name: lead.company ?? lead.contactName!,
      phone: lead.company ? null : lead.phone,
      email: lead.company ? null : lead.email,
      region: lead.region,
      industry: lead.industry,
      source: lead.source,
      notes: lead.message,
      ownerId,
      contact: lead.contactName ? { name: lead.contactName, title: lead.title, phone: lead.phone, email: lead.email } : undefined,
    }, t);
    const customerId = created.customer.id;
    const contact = (await ctx.db.select<{ id: number }>('SELECT id FROM contacts WHERE customer_id = :c ORDER BY is_primary DESC, id LIMIT 1', { c: customerId }, t))[0];
    const now = ctx.clock.now();
    await ctx.db.sequelize.query(
      "UPDATE leads SET status = 'converted', customer_id = :c, contact_id = :k, converted_at = :now, updated_at = :now WHERE id = :id",
      { replacements: { c: customerId, k: contact ? Number(contact.id) : null, now, id: leadId }, type: QueryTypes.UPDATE, transaction: t },
    );
    await ctx.db.sequelize.query('UPDATE lead_touches SET customer_id = :c WHERE lead_id = :id', {
      replacements: { c: customerId, id: leadId }, type: QueryTypes.UPDATE, transaction: t,
    });
    await logActivity(ctx, { kind: 'system' }, channel, {
      customerId,
      channel: 'other',
      summary: `线索转化 / converted from lead #${leadId}: ${lead.source}${lead.campaign ? ` · ${lead.campaign}` : ''} · score ${lead.score}${lead.message ? ` · ${lead.message}` : ''}`,
    }, t);
    await recordAudit(ctx, t, { actor, action: 'lead.convert', entityType: 'lead', entityId: leadId, channel, data: { customerId, linkedExisting: created.duplicate } });
    const opportunityId = await withOpportunity(t, lead, customerId);
    return { leadId, customerId, linkedExisting: created.duplicate, alreadyConverted: false, opportunityId };
  }, parentT);
}
