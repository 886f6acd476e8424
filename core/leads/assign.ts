import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { isUniqueViolation } from '../db/connection';
import { enqueueMessages } from '../notifications/outbox';
import { recordAudit } from '../audit/record';
import { getLeadsConfig } from './config';
import { chooseAssignee, type AssignChoice, type Rep } from './rules';
import type { AssignReason } from './schemas';
import { LEAD_SELECT, toLeadDto } from './dto';

const SCOPE = 'default';

/**
 * Takes the assignment lock: one row in lead_assign_state, locked FOR UPDATE on MySQL (SQLite's serialised
 * IMMEDIATE write transaction already excludes). Every assignment holds it, so concurrent assignments see each
 * other's effects: round-robin never hands the same turn twice and least-loaded counts are current.
 */
async function lockAssignState(ctx: CoreContext, t: Transaction): Promise<number | null> {
  const read = () =>
    ctx.db.select<{ last_user_id: number | null }>(
      `SELECT last_user_id FROM lead_assign_state WHERE scope = :s${ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : ''}`,
      { s: SCOPE },
      t,
    );
  let rows = await read();
  if (!rows.length) {
    try {
      await ctx.db.sequelize.query('INSERT INTO lead_assign_state (scope, last_user_id, updated_at) VALUES (:s, NULL, :now)', {
        replacements: { s: SCOPE, now: ctx.clock.now() }, type: QueryTypes.INSERT, transaction: t,
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    rows = await read();
  }
  return rows[0]?.last_user_id === null || rows[0]?.last_user_id === undefined ? null : Number(rows[0].last_user_id);
}

/** Reps who can receive leads, with their open-lead counts (status 'assigned'). */
export async function loadReps(ctx: CoreContext, t?: Transaction | null): Promise<Rep[]> {
  const users = await ctx.db.select<{ id: number; name: string; status: string; skills: unknown }>(
    "SELECT id, name, status, skills FROM users WHERE role = 'rep' AND status <> 'inactive' ORDER BY id",
    {},
    t,
  );
  const loads = await ctx.db.select<{ owner_id: number; n: number }>(
    "SELECT owner_id, COUNT(*) AS n FROM leads WHERE status = 'assigned' AND owner_id IS NOT NULL GROUP BY owner_id",
    {},
    t,
  );
  const load = new Map(loads.map((l) => [Number(l.owner_id), Number(l.n)]));
  return users.map((u) => {
    let skills: unknown = u.skills;
    if (typeof skills === 'string') {
      try {
        skills = JSON.parse(skills);
      } catch {
        skills = [];
      }
    }
    return {
      id: Number(u.id),
      name: u.name,
      status: u.status === 'away' ? 'away' : 'active',
      skills: Array.isArray(skills) ? skills.map(String) : [],
      openLeads: load.get(Number(u.id)) ?? 0,
    };
  });
}

export interface AssignResult {
  assigned: boolean;
  userId: number | null;
  reason: AssignChoice | null;
}

/**
 * Assigns an unassigned lead by the configured strategy (round-robin / least-loaded / match by region, industry,
 * skill), skipping away reps, and tells the assignee in chat ('lead.assigned', with why). Returns assigned=false
 * when the lead already has an owner or nobody is available (the SLA sweep then escalates hot ones).
 */
export async function assignLead(ctx: CoreContext, actor: Actor, leadId: number, parentT?: Transaction | null): Promise<AssignResult> {
  return ctx.db.tx(async (t) => {
    const lastUserId = await lockAssignState(ctx, t);
    const lead = (await ctx.db.select<{ id: number; owner_id: number | null; status: string; region: string | null; industry: string | null; skill: string | null }>(
      'SELECT id, owner_id, status, region, industry, skill FROM leads WHERE id = :id', { id: leadId }, t))[0];
    if (!lead) throw new AppError('NOT_FOUND', { field: 'leadId' });
    if (lead.owner_id !== null || lead.status !== 'new') return { assigned: false, userId: lead.owner_id === null ? null : Number(lead.owner_id), reason: null };
    const cfg = await getLeadsConfig(ctx, t);
    const choice = chooseAssignee(await loadReps(ctx, t), lead, cfg.assign, lastUserId);
    if (!choice) return { assigned: false, userId: null, reason: null };
    return giveLead(ctx, actor, t, leadId, choice);
  }, parentT);
}

/** A manager hands a lead to a specific rep (away reps refused). */
export async function assignLeadTo(ctx: CoreContext, actor: Actor, leadId: number, userId: number, parentT?: Transaction | null): Promise<AssignResult> {
  if (actor.kind === 'user' && actor.role === 'rep') throw new AppError('FORBIDDEN', { field: 'userId' });
  return ctx.db.tx(async (t) => {
    await lockAssignState(ctx, t);
    const rep = (await ctx.db.select<{ status: string; role: string }>('SELECT status, role FROM users WHERE id = :id', { id: userId }, t))[0];
    if (!rep) throw new AppError('VALIDATION', { field: 'userId', detail: { 'zh-CN': '用户不存在', en: 'No such user' } });
    if (rep.status === 'inactive') throw new AppError('INVALID_STATE', { field: 'userId', detail: { 'zh-CN': '该用户已离职', en: 'This user has left' } });
    if (rep.status === 'away') throw new AppError('INVALID_STATE', { field: 'userId', detail: { 'zh-CN': '该销售正在休假', en: 'This rep is away' } });
    return giveLead(ctx, actor, t, leadId, { userId, strategy: 'round_robin', zh: '主管指派', en: 'assigned by a manager' }, true);
  }, parentT);
}

async function giveLead(ctx: CoreContext, actor: Actor, t: Transaction, leadId: number, choice: AssignChoice, manual = false): Promise<AssignResult> {
  const now = ctx.clock.now();
  const reason: AssignReason = { strategy: manual ? 'manual' : choice.strategy, zh: choice.zh, en: choice.en };
  // Conditional: 0 rows changed = someone else assigned it first.
  const [, changed] = await ctx.db.sequelize.query(
    `UPDATE leads SET owner_id = :uid, status = 'assigned', assigned_at = :now, assign_reason = :reason, updated_at = :now
     WHERE id = :id AND status = 'new' AND owner_id IS NULL`,
    { replacements: { uid: choice.userId, now, reason: JSON.stringify(reason), id: leadId }, type: QueryTypes.UPDATE, transaction: t },
  );
  if (!Number(changed)) return { assigned: false, userId: null, reason: null };
  if (!manual) {
    await ctx.db.sequelize.query('UPDATE lead_assign_state SET last_user_id = :uid, updated_at = :now WHERE scope = :s', {
      replacements: { uid: choice.userId, now, s: SCOPE }, type: QueryTypes.UPDATE, transaction: t,
    });
  }
  // The card shows the score explained (stored compactly as numbers): the same DTO every reader gets.
  const lead = toLeadDto((await ctx.db.select<Record<string, unknown>>(`SELECT ${LEAD_SELECT} FROM leads WHERE id = :id`, { id: leadId }, t))[0]);
  await enqueueMessages(ctx, t, [{
    to: { userId: choice.userId },
    kind: 'lead.assigned',
    payload: {
      leadId, company: lead.company, contactName: lead.contactName, phone: lead.phone, email: lead.email, source: lead.source,
      campaign: lead.campaign, region: lead.region, industry: lead.industry, score: lead.score, scoreReasons: lead.scoreReasons, why: reason,
    },
    dedupeKey: `lead.assigned:${leadId}:${choice.userId}`,
  }]);
  await recordAudit(ctx, t, { actor, action: 'lead.assign', entityType: 'lead', entityId: leadId, channel: 'job', data: { userId: choice.userId, strategy: reason.strategy } });
  return { assigned: true, userId: choice.userId, reason: choice };
}
