import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { withBatchedReads } from '../db/fast-read';
import { ACTIVITY_SELECT, toActivityDto, type ActivityRow } from '../activities/operations';
import { CUSTOMER_FROM, CUSTOMER_SELECT, toCustomerDto, type CustomerRow } from '../customers/operations';
import { CONTACT_SELECT, toContactDto, type ContactRow } from '../customers/contacts';
import { assertCanSeeCustomer, canSeePersonalFields } from '../customers/visibility';
import { describeTier } from '../customers/tiers';
import type { Customer360 } from './schemas';

export type { Customer360 } from './schemas';

/**
 * The 360° view (its own context, above customers and activities): profile, contacts, last 20 follow-ups, tier
 * and why, plus every other context's summary from the SECTIONS in ctx.registry (tasks, contracts, receivables,
 * tickets and satisfaction register theirs in their index.ts). Every query starts at once (one round: on MySQL one
 * packet); each section must be ONE indexed query on customer_id.
 */
/** Sections every 360 answer has, empty ([]) until their context registers them. */
export const STANDARD_SECTIONS = ['tasks', 'opportunities', 'contracts', 'receivables', 'tickets', 'satisfaction'] as const;

const ACTIVITIES_IN_VIEW = 20;

/** `t`: read inside the caller's transaction (e.g. a chat handler showing what it just wrote), sections included. */
export async function getCustomer360(ctx: CoreContext, actor: Actor, id: number, t?: Transaction | null): Promise<Customer360> {
  // Hot read path: outside a transaction, every statement (sections included) goes to MySQL in one packet.
  if (!t) return withBatchedReads(ctx, (c) => view360(c, actor, id, null));
  // Inside a caller's transaction the sections read there too, so the view shows what the caller just wrote.
  const base = ctx.db;
  const inTx: CoreContext = { ...ctx, db: { ...base, select: (sql, r, tt) => base.select(sql, r, tt ?? t) } };
  return view360(inTx, actor, id, t);
}

async function view360(ctx: CoreContext, actor: Actor, id: number, t: Transaction | null): Promise<Customer360> {
  if (!Number.isInteger(id) || id <= 0) throw new AppError('VALIDATION', { field: 'customerId' });
  const sections = ctx.registry.view360Sections;
  const sectionNames = [...new Set([...STANDARD_SECTIONS, ...sections.keys()])];
  const sectionErrors: string[] = [];
  // Everything in one parallel round; visibility is checked on the profile before anything is returned.
  const [profileRows, contactRows, activityRows, ...sectionValues] = await Promise.all([
    ctx.db.select<CustomerRow>(`SELECT ${CUSTOMER_SELECT} FROM ${CUSTOMER_FROM} WHERE c.id = :id`, { id }, t),
    ctx.db.select<ContactRow>(`SELECT ${CONTACT_SELECT} FROM contacts WHERE customer_id = :id ORDER BY is_primary DESC, id LIMIT 50`, { id }, t),
    ctx.db.select<ActivityRow>(
      `SELECT ${ACTIVITY_SELECT}, u.name AS user_name FROM activities a LEFT JOIN users u ON u.id = a.user_id
       WHERE a.customer_id = :id ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${ACTIVITIES_IN_VIEW}`,
      { id },
      t,
    ),
    ...sectionNames.map((name) => {
      const fn = sections.get(name);
      if (!fn) return Promise.resolve([]);
      return fn(ctx, id).catch(() => {
        sectionErrors.push(name);
        return [];
      });
    }),
  ]);
  const p = profileRows[0];
  const vis = p && { id: Number(p.id), owner_id: p.owner_id === null ? null : Number(p.owner_id), team_id: p.team_id === null ? null : Number(p.team_id) };
  assertCanSeeCustomer(ctx, actor, vis);
  if (p.status === 'merged' && p.merged_into_id) return view360(ctx, actor, Number(p.merged_into_id), t);
  if (p.status === 'deleted') throw new AppError('NOT_FOUND', { field: 'customerId' });
  const customer = toCustomerDto(p, actor);
  const details = canSeePersonalFields(actor, vis!);
  const activities = activityRows.map(toActivityDto);
  const withNext = activities.find((a) => a.nextStep || a.nextAt);
  const out: Record<string, unknown> = {};
  sectionNames.forEach((n, i) => (out[n] = sectionValues[i] ?? []));
  return {
    customer,
    tier: describeTier(customer.tier, customer.tierReason, ctx.locale),
    contacts: contactRows.map((r) => toContactDto(r, details)),
    activities,
    nextStep: withNext ? { text: withNext.nextStep, at: withNext.nextAt } : null,
    sections: out,
    sectionErrors,
  };
}
