import type { Transaction } from 'sequelize';
import type { CoreContext } from '../context';

/**
 * Small read-only lookups of colleagues that other contexts and the transports need (who to escalate to, who may
 * take a customer or a lead, how to reach a user). Transports ask here instead of reading the users table.
 */

export interface UserRef {
  id: number;
  name: string;
}
const refs = (rows: { id: number; name: string }[]): UserRef[] => rows.map((r) => ({ id: Number(r.id), name: r.name }));

/** The manager to escalate to: the user's manager, else the first manager, else the first admin. */
export async function managerFor(ctx: CoreContext, t: Transaction | null, userId: number | null): Promise<number | null> {
  if (userId) {
    // A manager who has left (org sync: status 'inactive') is skipped: nothing may wait on them.
    const [u] = await ctx.db.select<{ manager_id: number | null }>(
      "SELECT u.manager_id FROM users u JOIN users m ON m.id = u.manager_id AND m.status <> 'inactive' WHERE u.id = :id",
      { id: userId },
      t,
    );
    if (u?.manager_id) return Number(u.manager_id);
  }
  const [m] = await ctx.db.select<{ id: number }>("SELECT id FROM users WHERE role = 'manager' AND status <> 'inactive' ORDER BY id LIMIT 1", {}, t);
  if (m) return Number(m.id);
  const [a] = await ctx.db.select<{ id: number }>("SELECT id FROM users WHERE role = 'admin' AND status <> 'inactive' ORDER BY id LIMIT 1", {}, t);
  return a ? Number(a.id) : null;
}

/** The user's own language setting (null: none set, use the default). */
export async function userLocale(ctx: CoreContext, userId: number, t?: Transaction | null): Promise<string | null> {
  const r = await ctx.db.select<{ locale: string | null }>('SELECT locale FROM users WHERE id = :id', { id: userId }, t);
  return r[0]?.locale ?? null;
}

/** How to reach a user in Lark: their open_id (null: not linked) and language; null when there is no such user. */
export async function userContact(ctx: CoreContext, userId: number, t?: Transaction | null): Promise<{ larkOpenId: string | null; locale: string | null } | null> {
  const u = await ctx.db.select<{ lark_open_id: string | null; locale: string | null }>('SELECT lark_open_id, locale FROM users WHERE id = :id', { id: userId }, t);
  return u.length ? { larkOpenId: u[0].lark_open_id, locale: u[0].locale } : null;
}

/** Colleagues with exactly this name: at most two (enough to tell "one", "none" and "ambiguous" apart). */
export async function colleaguesNamed(ctx: CoreContext, name: string, t?: Transaction | null): Promise<UserRef[]> {
  return refs(await ctx.db.select<{ id: number; name: string }>('SELECT id, name FROM users WHERE name = :name ORDER BY id LIMIT 2', { name }, t));
}

/** Active reps and managers who may own customers, by name: of one team (none when teamId is null), or of every team. */
export async function customerOwnerCandidates(ctx: CoreContext, scope: { teamId: number | null } | 'all', t?: Transaction | null): Promise<UserRef[]> {
  if (scope !== 'all' && scope.teamId === null) return [];
  return refs(
    await ctx.db.select<{ id: number; name: string }>(
      `SELECT id, name FROM users WHERE role IN ('rep', 'manager') AND status = 'active' ${scope === 'all' ? '' : 'AND team_id = :team'} ORDER BY name LIMIT 100`,
      { team: scope === 'all' ? null : scope.teamId },
      t,
    ),
  );
}

/** Active reps, by name (who a lead may be assigned to). */
export async function activeReps(ctx: CoreContext, limit = 50): Promise<UserRef[]> {
  return refs(await ctx.db.select<{ id: number; name: string }>(`SELECT id, name FROM users WHERE role = 'rep' AND status = 'active' ORDER BY name LIMIT ${Math.max(1, Math.min(500, Math.floor(limit)))}`));
}
