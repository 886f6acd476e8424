import { z } from 'zod';
import { dbId } from '../shared/fields';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { toDate } from '../db/connection';
import { recordAudit } from '../audit/record';
import { loadCustomerRow, parseJson, toCustomerDto, type CustomerDto } from './operations';
import { assertCanEditCustomer } from './visibility';
import { adjustHeld } from './held';
import type { MergeResult } from './schemas';

/**
 * Explicit merge of two customers: everything that points at the source (contacts, follow-ups, tasks,
 * tickets, contracts, pool history… — every table with a customer_id column, found from the schema so
 * later contexts are covered without editing this file) moves to the target; the source stays as a
 * 'merged' row pointing at the target (old links keep working). Audit entries are never rewritten.
 */
const SKIP = new Set(['customers', 'audit_log', 'schema_migrations']);
const tablesCache = new WeakMap<object, string[]>();

async function tablesWithCustomerId(ctx: CoreContext): Promise<string[]> {
  const cached = tablesCache.get(ctx.db);
  if (cached) return cached;
  let tables: string[];
  if (ctx.db.dialect === 'mysql') {
    const rows = await ctx.db.select<{ t: string }>("SELECT table_name AS t FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name = 'customer_id'");
    tables = rows.map((r) => r.t ?? (r as unknown as { T: string }).T);
  } else {
    const all = await ctx.db.select<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    tables = [];
    for (const { name } of all) {
      const cols = await ctx.db.select<{ name: string }>(`PRAGMA table_info("${name.replace(/"/g, '')}")`);
      if (cols.some((c) => c.name === 'customer_id')) tables.push(name);
    }
  }
  tables = tables.filter((t) => !SKIP.has(t)).sort();
  tablesCache.set(ctx.db, tables);
  return tables;
}

export const mergeCustomersInput = z.object({
  targetId: dbId,
  sourceId: dbId,
});

export async function mergeCustomers(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof mergeCustomersInput>, parentT?: Transaction | null): Promise<MergeResult> {
  const { targetId, sourceId } = parseInput(mergeCustomersInput, raw);
  if (targetId === sourceId) throw new AppError('VALIDATION', { field: 'sourceId', detail: { 'zh-CN': '不能与自身合并', en: 'Cannot merge a customer into itself' } });
  const tables = await tablesWithCustomerId(ctx);
  return ctx.db.tx(async (t) => {
    const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
    // Lock both rows in id order (no deadlock between two merges of the same pair).
    await ctx.db.select(`SELECT id FROM customers WHERE id IN (:ids) ORDER BY id${lock}`, { ids: [targetId, sourceId] }, t);
    const target = await loadCustomerRow(ctx, targetId, t);
    const source = await loadCustomerRow(ctx, sourceId, t);
    assertCanEditCustomer(ctx, actor, target && { id: targetId, owner_id: target.owner_id, team_id: target.team_id });
    assertCanEditCustomer(ctx, actor, source && { id: sourceId, owner_id: source.owner_id, team_id: source.team_id });
    if (source!.status === 'merged' && Number(source!.merged_into_id) === targetId) throw new AppError('ALREADY_DONE');
    if (target!.status !== 'active' || source!.status !== 'active') throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '只能合并有效客户', en: 'Only active customers can be merged' } });
    if (actor.kind === 'user' && actor.role === 'service') throw new AppError('FORBIDDEN');

    const moved: Record<string, number> = {};
    for (const table of tables) {
      const [, n] = await ctx.db.sequelize.query(`UPDATE ${table} SET customer_id = :to WHERE customer_id = :from`, {
        replacements: { to: targetId, from: sourceId },
        transaction: t,
        type: QueryTypes.UPDATE,
      });
      if (Number(n)) moved[table] = Number(n);
    }

    // The target keeps its values; gaps are filled from the source, figures add up, notes and tags join.
    const s = source!;
    const tg = target!;
    const full = await ctx.db.select<Record<string, unknown>>('SELECT id, phone, phone_norm, email, email_norm FROM customers WHERE id IN (:ids)', { ids: [targetId, sourceId] }, t);
    const fs = full.find((r) => Number(r.id) === sourceId)!;
    const ft = full.find((r) => Number(r.id) === targetId)!;
    const latest = (a: unknown, b: unknown) => {
      const x = toDate(a);
      const y = toDate(b);
      return !x ? y : !y ? x : x > y ? x : y;
    };
    const tags = [...new Set([...parseJson<string[]>(tg.tags, []), ...parseJson<string[]>(s.tags, [])])];
    const notes = [tg.notes, s.notes ? `[合并自 ${s.name}] ${s.notes}` : null].filter(Boolean).join('\n') || null;
    const patch: Record<string, unknown> = {
      phone: ft.phone ?? fs.phone,
      phone_norm: ft.phone_norm ?? fs.phone_norm,
      email: ft.email ?? fs.email,
      email_norm: ft.email_norm ?? fs.email_norm,
      region: tg.region ?? s.region,
      industry: tg.industry ?? s.industry,
      source: tg.source ?? s.source,
      notes,
      tags: JSON.stringify(tags),
      last_followup_at: latest(tg.last_followup_at, s.last_followup_at),
      last_won_at: latest(tg.last_won_at, s.last_won_at),
      won_count: Number(tg.won_count ?? 0) + Number(s.won_count ?? 0),
      won_total_cents: Number(tg.won_total_cents ?? 0) + Number(s.won_total_cents ?? 0),
      owner_id: tg.owner_id ?? s.owner_id,
      team_id: tg.owner_id !== null ? tg.team_id : s.team_id,
      claimed_at: tg.owner_id !== null ? toDate(tg.claimed_at) : toDate(s.claimed_at),
      now: ctx.clock.now(),
      id: targetId,
    };
    await ctx.db.sequelize.query(
      `UPDATE customers SET phone = :phone, phone_norm = :phone_norm, email = :email, email_norm = :email_norm, region = :region, industry = :industry,
        source = :source, notes = :notes, tags = :tags, last_followup_at = :last_followup_at, last_won_at = :last_won_at, won_count = :won_count,
        won_total_cents = :won_total_cents, owner_id = :owner_id, team_id = :team_id, claimed_at = :claimed_at, updated_at = :now WHERE id = :id`,
      { replacements: patch, transaction: t, type: QueryTypes.UPDATE },
    );
    await ctx.db.sequelize.query("UPDATE customers SET status = 'merged', merged_into_id = :to, owner_id = NULL, updated_at = :now WHERE id = :from", {
      replacements: { to: targetId, from: sourceId, now: ctx.clock.now() },
      transaction: t,
      type: QueryTypes.UPDATE,
    });
    // Both were active; now only the target is, owned by its owner or else the source's: the source's owner loses
    // one (unless they now own the target), the target's owner keeps theirs.
    await adjustHeld(ctx, t, [[s.owner_id, -1], [tg.owner_id, -1], [tg.owner_id ?? s.owner_id, 1]]);
    await recordAudit(ctx, t, { actor, action: 'customer.merge', entityType: 'customer', entityId: targetId, channel, data: { sourceId, sourceName: s.name, sourceOwnerId: s.owner_id, moved } });
    await recordAudit(ctx, t, { actor, action: 'customer.merged_into', entityType: 'customer', entityId: sourceId, channel, data: { targetId } });
    return { customer: toCustomerDto((await loadCustomerRow(ctx, targetId, t))!, actor), moved };
  }, parentT);
}
