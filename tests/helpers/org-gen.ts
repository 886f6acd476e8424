import type { FakeDirectory } from './fake-lark-contact';

/**
 * A generated company in a fake Lark directory: `departments` departments in a tree (a few top-level ones, the rest
 * below them, two levels deep), a leader for each, `users` people spread over them (some in two departments).
 * Deterministic (no randomness): the same sizes give the same org. Events are not emitted (it is the starting state).
 */
export function generateOrg(dir: FakeDirectory, o: { users: number; departments: number; top?: number; prefix?: string }): { deptIds: string[]; openIds: string[] } {
  const p = o.prefix ?? '';
  const top = o.top ?? Math.max(1, Math.round(o.departments / 15));
  const deptIds: string[] = [];
  for (let i = 0; i < o.departments; i++) {
    const id = `od-${p}${String(i).padStart(5, '0')}`;
    const parentId = i < top ? '0' : i < top * 4 ? deptIds[i % top] : deptIds[top + (i % (top * 3))];
    deptIds.push(id);
    dir.addDepartment({ id, parentId, name: `部门 ${i}` }, false);
  }
  const openIds: string[] = [];
  for (let i = 0; i < o.users; i++) {
    const openId = `ou_${p}${String(i).padStart(6, '0')}`;
    const primary = deptIds[i % deptIds.length];
    const departments = i % 37 === 5 ? [primary, deptIds[(i * 7) % deptIds.length]].filter((v, k, a) => a.indexOf(v) === k) : [primary];
    dir.addUser({ openId, name: `员工 ${i}`, departments, email: `u${p}${i}@corp.example`, mobile: `+86 138${String(i).padStart(8, '0')}` }, false);
    openIds.push(openId);
  }
  // The first member of each department leads it.
  deptIds.forEach((id, k) => {
    dir.depts.get(id)!.leader = openIds[k % openIds.length];
  });
  return { deptIds, openIds };
}
