import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError, type Locale } from '../errors';
import { canSeePersonalFields } from './visibility';

/**
 * 撞单: what a de-duplication check may tell the caller about the record it collided with (README, "撞单 / What a
 * de-dup check tells you"). The duplicate is always stopped; what is said depends on the caller:
 *
 * - the caller may see the existing record's personal fields unmasked (its owner, a manager of its team or of the
 *   pool, admin, service, the system, an integration key): its id and name;
 * - otherwise, an owned record: only that it exists and its owner's display name, whom to ask;
 * - otherwise, a pool record: only that it is in the public pool ("该号码已属于公海中的客户"), not which.
 *
 * Never an id, a name, a team, a date or a (masked or unmasked) personal field of a record outside that rule.
 * Every de-dup answer of every transport (create, patch, contacts, lead capture, CSV import rows) is built here.
 */
export type DedupKey = 'name' | 'phone' | 'email';

export interface DuplicateHit {
  /** The live (surviving) customer id. */
  id: number;
  /** Which key collided (null: not known, e.g. an import row matched on several). */
  kind: DedupKey | null;
}

export type DuplicateNotice =
  | { visible: true; existingId: number; name: string; matched: DedupKey | null }
  | { visible: false; ownerName: string | null; inPool: boolean; matched: DedupKey | null };

interface Row {
  id: number;
  name: string;
  owner_id: number | null;
  team_id: number | null;
  owner_name: string | null;
}

/** The notices for several hits at once (one query); a hit whose row vanished is left out. */
export async function duplicateNotices(ctx: CoreContext, actor: Actor, hits: DuplicateHit[], t?: Transaction | null): Promise<Map<number, DuplicateNotice>> {
  const out = new Map<number, DuplicateNotice>();
  const ids = [...new Set(hits.map((h) => h.id))];
  if (!ids.length) return out;
  const rows = await ctx.db.select<Row>('SELECT c.id, c.name, c.owner_id, c.team_id, u.name AS owner_name FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE c.id IN (:ids)', { ids }, t);
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const h of hits) {
    const r = byId.get(h.id);
    if (r) out.set(h.id, noticeOf(actor, r, h.kind));
  }
  return out;
}

export async function duplicateNotice(ctx: CoreContext, actor: Actor, hit: DuplicateHit, t?: Transaction | null): Promise<DuplicateNotice> {
  const n = (await duplicateNotices(ctx, actor, [hit], t)).get(hit.id);
  // Gone meanwhile (deleted in a race): say only that it exists, nothing about it.
  return n ?? { visible: false, ownerName: null, inPool: false, matched: hit.kind };
}

function noticeOf(actor: Actor, r: Row, matched: DedupKey | null): DuplicateNotice {
  const vis = { id: Number(r.id), owner_id: r.owner_id === null ? null : Number(r.owner_id), team_id: r.team_id === null ? null : Number(r.team_id) };
  if (canSeePersonalFields(actor, vis)) return { visible: true, existingId: vis.id, name: r.name, matched };
  return { visible: false, ownerName: vis.owner_id === null ? null : (r.owner_name ?? null), inPool: vis.owner_id === null, matched };
}

const WHAT: Record<'phone' | 'email', { 'zh-CN': string; en: string }> = {
  phone: { 'zh-CN': '该号码', en: 'This phone number' },
  email: { 'zh-CN': '该邮箱', en: 'This e-mail address' },
};

/** The sentence a person reads (chat reply, import row, error message). */
export function duplicateText(n: DuplicateNotice): Record<Locale, string> {
  if (n.visible) return { 'zh-CN': `客户「${n.name}」（#${n.existingId}）已存在`, en: `Customer "${n.name}" (#${n.existingId}) already exists` };
  if (n.inPool) {
    if (n.matched === 'name') return { 'zh-CN': '同名客户已在公海中，可在公海中领取', en: 'A customer of that name is in the public pool; claim it there' };
    if (n.matched === null) return { 'zh-CN': '该客户已在公海中', en: 'This customer is in the public pool' };
    return { 'zh-CN': `${WHAT[n.matched]['zh-CN']}已属于公海中的客户`, en: `${WHAT[n.matched].en} belongs to a customer in the public pool` };
  }
  if (n.ownerName) return { 'zh-CN': `该客户已由 ${n.ownerName} 负责，请联系其协作`, en: `This customer is already handled by ${n.ownerName}; ask them to work with you` };
  return { 'zh-CN': '该客户已存在，由其他同事负责', en: 'This customer already exists and is handled by a colleague' };
}

/** The machine-readable part of a DUPLICATE answer: nothing beyond what the notice may say. */
export function duplicateData(n: DuplicateNotice): Record<string, unknown> {
  if (n.visible) return { existingId: n.existingId, name: n.name };
  return n.inPool ? { inPool: true } : { ownerName: n.ownerName };
}

/** DUPLICATE (409) carrying the notice. */
export function duplicateError(n: DuplicateNotice, field: string = n.matched ?? 'name'): AppError {
  return new AppError('DUPLICATE', { field, detail: duplicateText(n), data: duplicateData(n) });
}
