import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { recordAudit, recordAuditMany, type AuditInput } from '../audit/record';
import { normalizeEmail, normalizePhone } from '../customers/normalize';
import { planOrg, type Mirror } from './rules';
import type { OrgDiff, OrgSettings } from './schemas';
import { handOver, handOverCounts } from './leaver';
import { getOrgGroups } from './settings';

interface TeamRow {
  id: number;
  name: string;
  parent_id: number | null;
  manager_id: number | null;
  lark_department_id: string;
}
interface UserRow {
  id: number;
  name: string;
  role: string;
  team_id: number | null;
  manager_id: number | null;
  lark_open_id: string | null;
  lark_union_id: string | null;
  lark_user_id: string | null;
  status: string;
  email: string | null;
  phone: string | null;
}

export function emptyDiff(): OrgDiff {
  return {
    teamsAdded: [],
    teamsRenamed: [],
    teamsMoved: [],
    teamLeaders: [],
    added: [],
    moved: [],
    promoted: [],
    renamed: [],
    managerChanged: [],
    deactivated: [],
    reactivated: [],
    handedOver: { customersToManager: 0, customersToPool: 0, tasks: 0, approvalSteps: 0 },
    pending: [],
    warnings: [],
  };
}

/** True when a sync would change nothing. */
export function isEmptyDiff(d: OrgDiff): boolean {
  return ![d.teamsAdded, d.teamsRenamed, d.teamsMoved, d.teamLeaders, d.added, d.moved, d.promoted, d.renamed, d.managerChanged, d.deactivated, d.reactivated].some((l) => l.length);
}

const SYSTEM: Actor = { kind: 'system' };
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Brings teams and users in line with the mirror: computes the plan (rules.ts), diffs it against the tables and,
 * unless `dryRun`, applies it inside `t`. Linked users are matched by open_id, else by union_id (stable across apps),
 * so they keep their CRM id across renames and moves. Nobody is deleted: a leaver is deactivated and handed over.
 */
export async function reconcile(
  ctx: CoreContext,
  t: Transaction,
  mirror: Mirror,
  settings: OrgSettings,
  opts: { dryRun: boolean; channel: Channel; groups?: Record<string, string[]> },
): Promise<OrgDiff> {
  const plan = planOrg(mirror, settings, opts.groups ?? (await getOrgGroups(ctx, t)));
  const diff = emptyDiff();
  diff.pending = plan.pending;

  const teams = (await ctx.db.select<TeamRow>('SELECT id, name, parent_id, manager_id, lark_department_id FROM teams WHERE lark_department_id IS NOT NULL', {}, t)).map((r) => ({
    ...r,
    id: Number(r.id),
    parent_id: num(r.parent_id),
    manager_id: num(r.manager_id),
  }));
  const teamByDept = new Map(teams.map((r) => [r.lark_department_id, r]));
  const deptOfTeam = new Map(teams.map((r) => [r.id, r.lark_department_id]));
  const users = (
    await ctx.db.select<UserRow>(
      'SELECT id, name, role, team_id, manager_id, lark_open_id, lark_union_id, lark_user_id, status, email, phone FROM users WHERE lark_open_id IS NOT NULL OR lark_union_id IS NOT NULL',
      {},
      t,
    )
  ).map((r) => ({ ...r, id: Number(r.id), team_id: num(r.team_id), manager_id: num(r.manager_id) }));
  const byOpen = new Map(users.filter((u) => u.lark_open_id).map((u) => [u.lark_open_id!, u]));
  const byUnion = new Map(users.filter((u) => u.lark_union_id).map((u) => [u.lark_union_id!, u]));
  const openOfUser = new Map(users.map((u) => [u.id, u.lark_open_id]));
  const current = (openId: string, unionId: string | null) => byOpen.get(openId) ?? (unionId ? byUnion.get(unionId) : undefined);
  const teamName = (deptId: string | null) => (deptId === null ? null : (plan.teams.get(deptId)?.name ?? teamByDept.get(deptId)?.name ?? deptId));

  // Teams
  for (const d of plan.teams.values()) {
    const cur = teamByDept.get(d.deptId);
    if (!cur) {
      diff.teamsAdded.push({ departmentId: d.deptId, name: d.name });
      continue;
    }
    if (cur.name !== d.name.slice(0, 100)) diff.teamsRenamed.push({ departmentId: d.deptId, from: cur.name, to: d.name });
    const curParent = cur.parent_id === null ? null : (deptOfTeam.get(cur.parent_id) ?? null);
    if (curParent !== d.parentDeptId) diff.teamsMoved.push({ departmentId: d.deptId, name: d.name, from: teamName(curParent), to: teamName(d.parentDeptId) });
    const curLeader = cur.manager_id === null ? null : (openOfUser.get(cur.manager_id) ?? `user:${cur.manager_id}`);
    const leader = d.leaderOpenId && plan.users.has(d.leaderOpenId) ? d.leaderOpenId : null;
    if (curLeader !== leader) diff.teamLeaders.push({ departmentId: d.deptId, name: d.name, from: curLeader, to: leader });
  }

  // Users
  type Change = { row: UserRow | undefined; d: NonNullable<ReturnType<typeof plan.users.get>>; role: string };
  const changes: Change[] = [];
  for (const d of plan.users.values()) {
    const row = current(d.openId, d.unionId);
    const role = row?.role === 'admin' ? 'admin' : d.role; // an admin is never demoted by a sync
    const entry = { openId: d.openId, name: d.name, userId: row?.id ?? null };
    changes.push({ row, d, role });
    if (!row) {
      diff.added.push({ ...entry, from: null, to: teamName(d.teamDeptId) });
      continue;
    }
    if (row.status === 'inactive') diff.reactivated.push({ ...entry, from: 'inactive', to: 'active' });
    if (row.role !== role) diff.promoted.push({ ...entry, from: row.role, to: role });
    const curDept = row.team_id === null ? null : (deptOfTeam.get(row.team_id) ?? `team:${row.team_id}`);
    if (curDept !== d.teamDeptId) diff.moved.push({ ...entry, from: curDept === null ? null : (teamName(curDept) ?? curDept), to: teamName(d.teamDeptId) });
    if (row.name !== d.name.slice(0, 100)) diff.renamed.push({ ...entry, from: row.name, to: d.name });
    const curMgr = row.manager_id === null ? null : (openOfUser.get(row.manager_id) ?? `user:${row.manager_id}`);
    if (curMgr !== d.managerOpenId) diff.managerChanged.push({ ...entry, from: curMgr, to: d.managerOpenId });
  }
  const leavers: UserRow[] = [];
  for (const openId of plan.gone) {
    const m = mirror.users.get(openId);
    const row = current(openId, m?.unionId ?? null);
    if (!row || row.status === 'inactive') continue;
    if (row.role === 'admin') {
      diff.warnings.push(`${row.name} (${openId}) is no longer in the directory but is an admin: kept active; deactivate by hand if they left`);
      continue;
    }
    leavers.push(row);
    diff.deactivated.push({ openId, name: row.name, userId: row.id, from: row.status, to: 'inactive' });
  }

  if (opts.dryRun) {
    for (const l of leavers) {
      const c = await handOverCounts(ctx, t, l.id, settings);
      diff.handedOver.customersToManager += c.customersToManager;
      diff.handedOver.customersToPool += c.customersToPool;
      diff.handedOver.tasks += c.tasks;
      diff.handedOver.approvalSteps += c.approvalSteps;
    }
    return diff;
  }
  if (isEmptyDiff(diff) && !changes.some((c) => c.row && idsDiffer(c.row, c.d))) return diff;

  // Apply: teams first (ids), then their tree, then people, then who leads each team, then the leavers.
  const now = ctx.clock.now();
  for (const d of plan.teams.values()) {
    const cur = teamByDept.get(d.deptId);
    if (!cur) {
      const created = await ctx.models.Team.create({ name: d.name.slice(0, 100), lark_department_id: d.deptId }, { transaction: t });
      const row: TeamRow = { id: Number(created.get('id')), name: d.name, parent_id: null, manager_id: null, lark_department_id: d.deptId };
      teamByDept.set(d.deptId, row);
      deptOfTeam.set(row.id, d.deptId);
    } else if (cur.name !== d.name.slice(0, 100)) {
      await upd(ctx, t, 'UPDATE teams SET name = :name, updated_at = :now WHERE id = :id', { name: d.name.slice(0, 100), now, id: cur.id });
    }
  }
  for (const d of plan.teams.values()) {
    const cur = teamByDept.get(d.deptId)!;
    const parent = d.parentDeptId === null ? null : (teamByDept.get(d.parentDeptId)?.id ?? null);
    if (cur.parent_id !== parent) await upd(ctx, t, 'UPDATE teams SET parent_id = :parent, updated_at = :now WHERE id = :id', { parent, now, id: cur.id });
  }

  const teamId = (deptId: string | null) => (deptId === null ? null : (teamByDept.get(deptId)?.id ?? null));
  const takenEmails = new Set((await ctx.db.select<{ email: string }>('SELECT email FROM users WHERE email IS NOT NULL', {}, t)).map((r) => r.email));
  const fresh = changes.filter((c) => !c.row);
  for (let i = 0; i < fresh.length; i += 500) {
    const rows = fresh.slice(i, i + 500).map(({ d, role }) => {
      let email = settings.fields.email && d.email ? normalizeEmail(d.email) : null;
      if (email && takenEmails.has(email)) email = null;
      if (email) takenEmails.add(email);
      return {
        name: d.name.slice(0, 100),
        role: role as 'rep',
        team_id: teamId(d.teamDeptId),
        lark_open_id: d.openId,
        lark_union_id: d.unionId,
        lark_user_id: d.userId,
        email,
        phone: settings.fields.mobile && d.mobile ? normalizePhone(d.mobile) : null,
        status: 'active' as const,
        skills: [],
      };
    });
    await ctx.models.User.bulkCreate(rows, { transaction: t });
  }
  const idOfOpen = new Map(
    (await ctx.db.select<{ id: number; lark_open_id: string }>('SELECT id, lark_open_id FROM users WHERE lark_open_id IS NOT NULL', {}, t)).map((r) => [r.lark_open_id, Number(r.id)]),
  );
  const audits: AuditInput[] = [];
  for (const { row, d, role } of changes) {
    const id = row?.id ?? idOfOpen.get(d.openId)!;
    const manager = d.managerOpenId ? (idOfOpen.get(d.managerOpenId) ?? null) : null;
    const team = teamId(d.teamDeptId);
    if (!row) {
      if (manager !== null) await upd(ctx, t, 'UPDATE users SET manager_id = :manager WHERE id = :id', { manager, id });
      audits.push({ actor: SYSTEM, action: 'user.create', entityType: 'user', entityId: id, channel: opts.channel, data: { role, teamId: team, source: 'org.sync' } });
      continue;
    }
    const changed =
      row.name !== d.name.slice(0, 100) || row.role !== role || row.team_id !== team || row.manager_id !== manager || row.status === 'inactive' || idsDiffer(row, d);
    if (!changed) continue;
    await upd(
      ctx,
      t,
      `UPDATE users SET name = :name, role = :role, team_id = :team, manager_id = :manager, lark_open_id = :open, lark_union_id = COALESCE(:union_id, lark_union_id), lark_user_id = COALESCE(:user_id, lark_user_id),
         status = CASE WHEN status = 'inactive' THEN 'active' ELSE status END, updated_at = :now WHERE id = :id`,
      { name: d.name.slice(0, 100), role, team, manager, open: d.openId, union_id: d.unionId, user_id: d.userId, now, id },
    );
    if (row.role !== role || row.team_id !== team || row.status === 'inactive') {
      audits.push({ actor: SYSTEM, action: 'user.org', entityType: 'user', entityId: id, channel: opts.channel, data: { role: { from: row.role, to: role }, teamId: { from: row.team_id, to: team }, reactivated: row.status === 'inactive' } });
    }
  }
  for (const d of plan.teams.values()) {
    const cur = teamByDept.get(d.deptId)!;
    const manager = d.leaderOpenId && plan.users.has(d.leaderOpenId) ? (idOfOpen.get(d.leaderOpenId) ?? null) : null;
    if (cur.manager_id !== manager) await upd(ctx, t, 'UPDATE teams SET manager_id = :manager, updated_at = :now WHERE id = :id', { manager, now, id: cur.id });
  }
  for (const l of leavers) {
    await upd(ctx, t, "UPDATE users SET status = 'inactive', updated_at = :now WHERE id = :id", { now, id: l.id });
    await upd(ctx, t, 'UPDATE teams SET manager_id = NULL, updated_at = :now WHERE manager_id = :id', { now, id: l.id });
  }
  for (const l of leavers) {
    const h = await handOver(ctx, t, l, settings, opts.channel);
    diff.handedOver.customersToManager += h.customersToManager;
    diff.handedOver.customersToPool += h.customersToPool;
    diff.handedOver.tasks += h.tasks;
    diff.handedOver.approvalSteps += h.approvalSteps;
  }
  for (let i = 0; i < audits.length; i += 1000) await recordAuditMany(ctx, t, audits.slice(i, i + 1000));
  await recordAudit(ctx, t, {
    actor: SYSTEM,
    action: 'org.sync',
    entityType: 'org',
    entityId: null,
    channel: opts.channel,
    data: {
      teamsAdded: diff.teamsAdded.length,
      added: diff.added.length,
      moved: diff.moved.length,
      promoted: diff.promoted.length,
      deactivated: diff.deactivated.length,
      reactivated: diff.reactivated.length,
      handedOver: diff.handedOver,
    },
  });
  return diff;
}

function idsDiffer(row: UserRow, d: { openId: string; unionId: string | null; userId: string | null }): boolean {
  return row.lark_open_id !== d.openId || (d.unionId !== null && row.lark_union_id !== d.unionId) || (d.userId !== null && row.lark_user_id !== d.userId);
}

async function upd(ctx: CoreContext, t: Transaction, sql: string, replacements: Record<string, unknown>): Promise<void> {
  await ctx.db.sequelize.query(sql, { replacements, type: QueryTypes.UPDATE, transaction: t });
}
