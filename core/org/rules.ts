import type { Role } from '../context';
import { ROOT_DEPARTMENT } from './port';
import type { OrgSettings } from './schemas';

/**
 * Pure policy: what the CRM's teams and people should be, given the last known Lark directory (the mirror) and the
 * mapping in settings. A full sync and the contact events both end here, so they cannot disagree.
 */

export interface MirrorDept {
  id: string;
  parentId: string;
  name: string;
  leaderOpenId: string | null;
  /** false: known to be gone (deleted, out of the app's availability). */
  present: boolean;
  /** When this was true (event create_time or full-sync start, ms): an older change is ignored. */
  eventMs: number;
}

export interface MirrorUser {
  openId: string;
  unionId: string | null;
  userId: string | null;
  name: string;
  email: string | null;
  mobile: string | null;
  departmentIds: string[];
  /** false: deleted, resigned or out of the app's availability. */
  present: boolean;
  eventMs: number;
}

export interface Mirror {
  depts: Map<string, MirrorDept>;
  users: Map<string, MirrorUser>;
}

export interface DesiredTeam {
  deptId: string;
  name: string;
  /** The nearest included ancestor department (the team tree skips departments outside the CRM). */
  parentDeptId: string | null;
  leaderOpenId: string | null;
}

export interface DesiredUser {
  openId: string;
  unionId: string | null;
  userId: string | null;
  name: string;
  email: string | null;
  mobile: string | null;
  role: Exclude<Role, 'admin'> | 'admin';
  /** null: a direct member of the company root (no team). */
  teamDeptId: string | null;
  managerOpenId: string | null;
}

export interface OrgPlan {
  teams: Map<string, DesiredTeam>;
  users: Map<string, DesiredUser>;
  /** In the mirror but not in the CRM's scope (left, out of availability, outside the included departments). */
  gone: Set<string>;
  /** Departments not known yet: left alone until they are. */
  pending: string[];
}

const MAX_DEPTH = 64;

/** The department and its ancestors, nearest first (stops at the root, an unknown department or a cycle). */
export function ancestry(depts: Map<string, MirrorDept>, id: string): string[] {
  const out: string[] = [];
  let cur: string | undefined = id;
  while (cur && cur !== ROOT_DEPARTMENT && out.length < MAX_DEPTH && !out.includes(cur)) {
    out.push(cur);
    cur = depts.get(cur)?.parentId;
  }
  return out;
}

export function planOrg(mirror: Mirror, settings: OrgSettings, groups: Record<string, string[]> = {}): OrgPlan {
  const include = new Set(settings.includeDepartments);
  const service = new Set(settings.serviceDepartments);
  const included = (id: string): boolean => {
    if (id === ROOT_DEPARTMENT) return include.size === 0;
    const d = mirror.depts.get(id);
    if (!d || !d.present) return false;
    if (!include.size) return true;
    return ancestry(mirror.depts, id).some((a) => include.has(a));
  };

  const teams = new Map<string, DesiredTeam>();
  for (const d of mirror.depts.values()) {
    if (!included(d.id)) continue;
    const parent = ancestry(mirror.depts, d.parentId).find((a) => included(a)) ?? null;
    teams.set(d.id, { deptId: d.id, name: d.name, parentDeptId: parent, leaderOpenId: d.leaderOpenId });
  }
  const ledBy = new Map<string, string[]>();
  for (const t of teams.values()) {
    if (!t.leaderOpenId) continue;
    ledBy.set(t.leaderOpenId, [...(ledBy.get(t.leaderOpenId) ?? []), t.deptId]);
  }

  const users = new Map<string, DesiredUser>();
  const gone = new Set<string>();
  const pending: string[] = [];
  const admins = new Set(settings.adminUsers);
  const serviceUsers = new Set([...settings.serviceUsers, ...settings.serviceGroups.flatMap((g) => groups[g] ?? [])]);
  for (const u of mirror.users.values()) {
    if (!u.present) {
      gone.add(u.openId);
      continue;
    }
    const unknown = u.departmentIds.some((id) => id !== ROOT_DEPARTMENT && !mirror.depts.has(id));
    const mine = u.departmentIds.filter(included);
    // Several departments led: the one they belong to first (their order), else the lowest id (deterministic,
    // whatever order the directory was read in).
    const led = [...(ledBy.get(u.openId) ?? [])].sort();
    if (!mine.length && !led.length) {
      if (unknown) pending.push(u.openId);
      else gone.add(u.openId);
      continue;
    }
    const teamDeptId = mine.find((d) => led.includes(d)) ?? led[0] ?? (mine[0] === ROOT_DEPARTMENT ? null : mine[0]);
    const isService = serviceUsers.has(u.openId) || (teamDeptId !== null && ancestry(mirror.depts, teamDeptId).some((a) => service.has(a)));
    const role: DesiredUser['role'] = admins.has(u.openId) ? 'admin' : isService ? 'service' : led.length ? 'manager' : 'rep';
    users.set(u.openId, { openId: u.openId, unionId: u.unionId, userId: u.userId, name: u.name, email: u.email, mobile: u.mobile, role, teamDeptId, managerOpenId: null });
  }
  // Managers: the leader of the user's department, else of the nearest ancestor that has one (never themselves).
  for (const u of users.values()) {
    if (!u.teamDeptId) continue;
    for (const a of ancestry(mirror.depts, u.teamDeptId)) {
      const leader = teams.get(a)?.leaderOpenId ?? null;
      if (leader && leader !== u.openId && users.has(leader)) {
        u.managerOpenId = leader;
        break;
      }
    }
  }
  return { teams, users, gone, pending: pending.sort() };
}
