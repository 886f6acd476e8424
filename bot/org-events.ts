import type { DirectoryChange } from '../core/org/sync';
import type { OrgDepartment, OrgPerson } from '../core/org/port';
import type { LarkEnvelope } from './normalize';

/**
 * The contact events (contact.user.*_v3, contact.department.*_v3, contact.scope.updated_v3) as the org sync's
 * changes. Only the fields the CRM keeps are read; ids are open_id / open_department_id (the events' defaults).
 */
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);

function person(o: Obj): OrgPerson | null {
  const openId = str(o.open_id);
  if (!openId) return null;
  return {
    openId,
    unionId: str(o.union_id),
    userId: str(o.user_id),
    name: str(o.name) ?? openId,
    departmentIds: Array.isArray(o.department_ids) ? o.department_ids.filter((d): d is string => typeof d === 'string') : [],
    email: str(o.enterprise_email) ?? str(o.email),
    mobile: str(o.mobile),
  };
}
const working = (o: Obj) => !obj(o.status).is_resigned && !obj(o.status).is_exited;

function department(o: Obj): OrgDepartment | null {
  const id = str(o.open_department_id);
  if (!id) return null;
  return { id, parentId: str(o.parent_department_id) ?? '0', name: str(o.name) ?? id, leaderOpenId: str(o.leader_user_id) };
}

export const CONTACT_EVENTS = [
  'contact.user.created_v3',
  'contact.user.updated_v3',
  'contact.user.deleted_v3',
  'contact.department.created_v3',
  'contact.department.updated_v3',
  'contact.department.deleted_v3',
  'contact.scope.updated_v3',
] as const;

export function contactChanges(env: LarkEnvelope): DirectoryChange[] {
  const e = env.event ?? {};
  const out: DirectoryChange[] = [];
  const upsertUser = (o: Obj) => {
    const p = person(o);
    if (p) out.push({ kind: 'user.upsert', user: p, active: working(o) });
  };
  const removeUser = (o: Obj) => {
    const id = str(o.open_id);
    if (id) out.push({ kind: 'user.remove', openId: id });
  };
  const upsertDept = (o: Obj) => {
    const d = department(o);
    if (d && !obj(o.status).is_deleted) out.push({ kind: 'dept.upsert', dept: d });
    else if (d) out.push({ kind: 'dept.remove', id: d.id });
  };
  const removeDept = (o: Obj) => {
    const id = str(o.open_department_id);
    if (id) out.push({ kind: 'dept.remove', id });
  };
  switch (env.header.event_type) {
    case 'contact.user.created_v3':
    case 'contact.user.updated_v3':
      upsertUser(obj(e.object));
      break;
    case 'contact.user.deleted_v3':
      removeUser(obj(e.object));
      break;
    case 'contact.department.created_v3':
    case 'contact.department.updated_v3':
      upsertDept(obj(e.object));
      break;
    case 'contact.department.deleted_v3':
      removeDept(obj(e.object));
      break;
    case 'contact.scope.updated_v3': {
      const added = obj(e.added);
      const removed = obj(e.removed);
      list(added.departments).forEach(upsertDept);
      list(added.users).forEach(upsertUser);
      list(removed.users).forEach(removeUser);
      list(removed.departments).forEach(removeDept);
      break;
    }
  }
  return out;
}
