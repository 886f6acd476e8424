import { describeEachDb, type DbHandle } from '../helpers/db';
import { FakeLark } from '../helpers/fake-lark';
import { generateOrg } from '../helpers/org-gen';
import { LarkOrgDirectory } from '../../bot/org-directory';
import { applyDirectoryChanges, syncOrg } from '../../core/org/sync';
import { isEmptyDiff } from '../../core/org/reconcile';
import { setOrgSettings } from '../../core/org/settings';
import { createCustomer } from '../../core/customers/operations';
import { assignCustomer } from '../../core/pool/operations';
import { createTask } from '../../core/tasks/operations';
import type { Actor } from '../../core/context';

const system: Actor = { kind: 'system' };
jest.setTimeout(180_000);

interface U {
  id: number;
  name: string;
  role: string;
  team_id: number | null;
  manager_id: number | null;
  lark_open_id: string;
  status: string;
}
const userOf = async (h: DbHandle, openId: string): Promise<U> =>
  (await h.db.select<U>('SELECT id, name, role, team_id, manager_id, lark_open_id, status FROM users WHERE lark_open_id = :o', { o: openId }))[0];
const teamOf = async (h: DbHandle, dept: string) =>
  (await h.db.select<{ id: number; name: string; parent_id: number | null; manager_id: number | null }>('SELECT id, name, parent_id, manager_id FROM teams WHERE lark_department_id = :d', { d: dept }))[0];
const count = async (h: DbHandle, sql: string, r: Record<string, unknown> = {}) => Number((await h.db.select<{ n: number }>(sql, r))[0].n);

describeEachDb('org sync: a generated org of 2,000 users in 120 departments, against the fake Contact API', (h) => {
  let lark: FakeLark;
  let dir: LarkOrgDirectory;
  let org: { deptIds: string[]; openIds: string[] };
  // The first sync runs at the documented limits (50/s, 1000/min); later ones with both sides' limits raised, so the
  // suite does not spend minutes waiting for the per-minute window.
  let limits = { perSecond: 50, perMinute: 1000 };
  const sync = (dryRun = false) => syncOrg(h.ctx, (dir = new LarkOrgDirectory(lark.client(), { limits })), { dryRun, channel: 'cli' });

  beforeAll(async () => {
    lark = await FakeLark.start();
    org = generateOrg(lark.contact, { users: 2000, departments: 120 });
    await createCustomer(h.ctx, system, 'api', { name: '预置客户' }); // a pool customer, untouched by the sync
  });
  afterAll(async () => lark.close());

  it('a dry run prints the diff and writes nothing', async () => {
    const diff = await sync(true);
    expect(diff.added).toHaveLength(2000);
    expect(diff.teamsAdded).toHaveLength(120);
    expect(await count(h, 'SELECT COUNT(*) AS n FROM users')).toBe(0);
    expect(await count(h, 'SELECT COUNT(*) AS n FROM teams')).toBe(0);
  });

  it('the first sync: departments → teams with the tree, leaders → managers, members → reps', async () => {
    const diff = await sync();
    expect(diff.added).toHaveLength(2000);
    expect(diff.warnings).toEqual([]);
    expect(await count(h, 'SELECT COUNT(*) AS n FROM teams WHERE lark_department_id IS NOT NULL')).toBe(120);
    expect(await count(h, "SELECT COUNT(*) AS n FROM users WHERE status = 'active'")).toBe(2000);
    const leaders = new Set([...lark.contact.depts.values()].map((d) => d.leader));
    expect(await count(h, "SELECT COUNT(*) AS n FROM users WHERE role = 'manager'")).toBe(leaders.size);
    expect(await count(h, "SELECT COUNT(*) AS n FROM users WHERE role = 'rep'")).toBe(2000 - leaders.size);
    // the tree: every sub-department's team hangs below its parent's team
    for (const d of lark.contact.depts.values()) {
      const t = await teamOf(h, d.id);
      expect(t.name).toBe(d.name);
      expect(t.parent_id === null ? null : Number(t.parent_id)).toBe(d.parentId === '0' ? null : Number((await teamOf(h, d.parentId)).id));
      expect(Number(t.manager_id)).toBe((await userOf(h, d.leader!)).id);
    }
    // a rep's manager is their department's leader
    const rep = await userOf(h, org.openIds[1500]);
    const dept = lark.contact.users.get(org.openIds[1500])!.departments[0];
    expect(rep.role).toBe('rep');
    expect(Number(rep.team_id)).toBe(Number((await teamOf(h, dept)).id));
    expect(Number(rep.manager_id)).toBe((await userOf(h, lark.contact.depts.get(dept)!.leader!)).id);
    // a leader's manager is the leader of the department above
    const sub = org.deptIds[50];
    const subLeader = await userOf(h, lark.contact.depts.get(sub)!.leader!);
    const parent = lark.contact.depts.get(sub)!.parentId;
    expect(Number(subLeader.manager_id)).toBe((await userOf(h, lark.contact.depts.get(parent)!.leader!)).id);
    // pagination: every list was read page by page (50 a page) — more requests than departments
    expect(dir.requests).toBeGreaterThan(120);
    expect(lark.contact.stats.rateLimited).toBe(0);
    limits = { perSecond: 1000, perMinute: 1_000_000 };
    lark.contact.limits = limits;
  });

  it('running it twice changes nothing', async () => {
    const before = await h.db.select('SELECT id, name, role, team_id, manager_id, status FROM users ORDER BY id');
    const diff = await sync();
    expect(isEmptyDiff(diff)).toBe(true);
    expect(await h.db.select('SELECT id, name, role, team_id, manager_id, status FROM users ORDER BY id')).toEqual(before);
  });

  it('moves keep the CRM id; a promotion makes a manager (and the old leader a rep)', async () => {
    const mover = org.openIds[1700];
    const before = await userOf(h, mover);
    const target = org.deptIds[77];
    lark.contact.moveUser(mover, [target]);
    const dept = org.deptIds[90];
    const oldLeader = lark.contact.depts.get(dept)!.leader!;
    const promoted = org.openIds[1891];
    lark.contact.moveUser(promoted, [dept]);
    lark.contact.setLeader(dept, promoted);
    const dry = await sync(true);
    expect(dry.moved.map((m) => m.openId)).toEqual(expect.arrayContaining([mover, promoted]));
    expect(dry.promoted).toEqual(expect.arrayContaining([expect.objectContaining({ openId: promoted, from: 'rep', to: 'manager' }), expect.objectContaining({ openId: oldLeader, from: 'manager', to: 'rep' })]));
    await sync();
    const after = await userOf(h, mover);
    expect(after.id).toBe(before.id);
    expect(Number(after.team_id)).toBe(Number((await teamOf(h, target)).id));
    expect((await userOf(h, promoted)).role).toBe('manager');
    expect(Number((await teamOf(h, dept)).manager_id)).toBe((await userOf(h, promoted)).id);
    expect((await userOf(h, oldLeader)).role).toBe('rep');
    expect(Number((await userOf(h, oldLeader)).manager_id)).toBe((await userOf(h, promoted)).id);
    expect(isEmptyDiff(await sync())).toBe(true);
  });

  it('a renamed department renames its team (same id)', async () => {
    const d = org.deptIds[3];
    const before = await teamOf(h, d);
    lark.contact.renameDepartment(d, '华东大区');
    const diff = await sync();
    expect(diff.teamsRenamed).toEqual([{ departmentId: d, from: before.name, to: '华东大区' }]);
    const after = await teamOf(h, d);
    expect(after).toMatchObject({ id: before.id, name: '华东大区' });
    expect(isEmptyDiff(await sync())).toBe(true);
  });

  it('a leaver with customers, tasks and a pending approval step: deactivated, never deleted, everything handed over', async () => {
    const leaverOpen = org.openIds[1999];
    const leaver = await userOf(h, leaverOpen);
    expect(leaver.role).toBe('rep');
    const customers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = (await createCustomer(h.ctx, system, 'api', { name: `离职客户 ${i}` })).customer;
      await assignCustomer(h.ctx, system, 'api', { customerId: c.id, userId: leaver.id });
      customers.push(c.id);
    }
    const task = await createTask(h.ctx, system, 'api', { title: '回访', ownerId: leaver.id });
    const now = h.clock.now();
    const req = await h.ctx.models.ApprovalRequest.create({ entity_type: 'contract', entity_id: 999, submitter_id: leaver.manager_id!, status: 'pending', created_at: now, updated_at: now } as never);
    const step = await h.ctx.models.ApprovalStep.create({ request_id: req.get('id'), seq: 1, label: 'manager', approver_id: leaver.id, status: 'pending', created_at: now, updated_at: now } as never);

    lark.contact.resign(leaverOpen);
    const dry = await sync(true);
    expect(dry.deactivated.map((d) => d.openId)).toEqual([leaverOpen]);
    expect(dry.handedOver).toEqual({ customersToManager: 3, customersToPool: 0, tasks: 1, approvalSteps: 1 });
    expect((await userOf(h, leaverOpen)).status).toBe('active');

    const diff = await sync();
    expect(diff.handedOver).toEqual({ customersToManager: 3, customersToPool: 0, tasks: 1, approvalSteps: 1 });
    const gone = await userOf(h, leaverOpen);
    expect(gone).toMatchObject({ id: leaver.id, status: 'inactive' });
    const mgr = Number(leaver.manager_id);
    expect(await count(h, 'SELECT COUNT(*) AS n FROM customers WHERE id IN (:ids) AND owner_id = :m', { ids: customers, m: mgr })).toBe(3);
    expect(await count(h, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'customer.transfer' AND entity_id IN (:ids)", { ids: customers })).toBe(3);
    expect(await count(h, 'SELECT COUNT(*) AS n FROM tasks WHERE id = :id AND owner_id = :m', { id: task.id, m: mgr })).toBe(1);
    expect(await count(h, 'SELECT COUNT(*) AS n FROM approval_steps WHERE id = :id AND approver_id = :m AND delegated_from_id = :l', { id: step.get('id'), m: mgr, l: leaver.id })).toBe(1);
    expect(await count(h, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.deactivate' AND entity_id = :id", { id: leaver.id })).toBe(1);
    expect(await count(h, 'SELECT held_count AS n FROM users WHERE id = :id', { id: leaver.id })).toBe(0);
    expect(isEmptyDiff(await sync())).toBe(true);
  });

  it('with the pool rule, a leaver\'s customers go back to the pool (audited)', async () => {
    await setOrgSettings(h.ctx, system, 'cli', { leaverCustomers: 'pool' });
    const leaverOpen = org.openIds[1998];
    const leaver = await userOf(h, leaverOpen);
    const c = (await createCustomer(h.ctx, system, 'api', { name: '回公海客户' })).customer;
    await assignCustomer(h.ctx, system, 'api', { customerId: c.id, userId: leaver.id });
    lark.contact.resign(leaverOpen);
    const diff = await sync();
    expect(diff.handedOver.customersToPool).toBe(1);
    expect(await count(h, 'SELECT COUNT(*) AS n FROM customers WHERE id = :id AND owner_id IS NULL', { id: c.id })).toBe(1);
    expect(await count(h, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pool.release' AND entity_id = :id", { id: c.id })).toBe(1);
    await setOrgSettings(h.ctx, system, 'cli', {});
  });

  it('a removed availability scope deactivates the people outside it; restoring it reactivates them with the same ids', async () => {
    const tops = [...lark.contact.depts.values()].filter((d) => d.parentId === '0').map((d) => d.id);
    const dropped = tops[0];
    const droppedDepts = new Set([dropped, ...lark.contact.descendants(dropped)]);
    const outside = [...lark.contact.users.values()].filter((u) => !u.resigned && u.departments.every((d) => droppedDepts.has(d)));
    expect(outside.length).toBeGreaterThan(50);
    const sample = await userOf(h, outside[0].openId);
    lark.contact.setScope({ departments: tops.slice(1) });
    const diff = await sync();
    expect(diff.deactivated).toHaveLength(outside.length);
    expect((await userOf(h, outside[0].openId)).status).toBe('inactive');
    expect(isEmptyDiff(await sync())).toBe(true);
    lark.contact.setScope({ departments: ['0'] });
    const back = await sync();
    expect(back.reactivated).toHaveLength(outside.length);
    expect(await userOf(h, outside[0].openId)).toMatchObject({ id: sample.id, status: 'active' });
    expect(isEmptyDiff(await sync())).toBe(true);
  });

  it('included departments and role mapping in settings: service departments, named admins', async () => {
    const tops = [...lark.contact.depts.values()].filter((d) => d.parentId === '0').map((d) => d.id);
    const admin = org.openIds[10];
    await setOrgSettings(h.ctx, system, 'cli', { includeDepartments: tops.slice(0, 4), serviceDepartments: [tops[1]], adminUsers: [admin] });
    await sync();
    expect((await userOf(h, admin)).role).toBe('admin');
    const svc = [...lark.contact.users.values()].find((u) => !u.resigned && u.departments[0] !== undefined && [tops[1], ...lark.contact.descendants(tops[1])].includes(u.departments[0]) && ![...lark.contact.depts.values()].some((d) => d.leader === u.openId))!;
    expect((await userOf(h, svc.openId)).role).toBe('service');
    const out = [...lark.contact.users.values()].find((u) => !u.resigned && u.departments.length === 1 && [tops[6], ...lark.contact.descendants(tops[6])].includes(u.departments[0]))!;
    expect((await userOf(h, out.openId)).status).toBe('inactive');
    expect(isEmptyDiff(await sync())).toBe(true);
  });
});

describeEachDb('org sync: permissions and degraded scopes', (h) => {
  let lark: FakeLark;
  beforeAll(async () => {
    lark = await FakeLark.start();
    generateOrg(lark.contact, { users: 60, departments: 6 });
  });
  afterAll(async () => lark.close());

  it('a missing contact scope stops the sync with the console\'s words, and changes nothing', async () => {
    lark.contact.revoke('contact:user.base:readonly', 'contact:contact.base:readonly');
    await expect(syncOrg(h.ctx, new LarkOrgDirectory(lark.client()))).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('contact:user.base:readonly') });
    expect(Number((await h.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM users'))[0].n)).toBe(0);
    lark.contact.grant('contact:user.base:readonly', 'contact:contact.base:readonly');
  });

  it('e-mail asked for but not granted: synced without it, with a warning', async () => {
    await setOrgSettings(h.ctx, system, 'cli', { fields: { email: true, mobile: false } });
    const diff = await syncOrg(h.ctx, new LarkOrgDirectory(lark.client()));
    expect(diff.added).toHaveLength(60);
    expect(diff.warnings.join('\n')).toContain('contact:user.email:readonly');
    expect(Number((await h.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE email IS NOT NULL'))[0].n)).toBe(0);
    lark.contact.grant('contact:user.email:readonly');
    const again = await syncOrg(h.ctx, new LarkOrgDirectory(lark.client()));
    expect(again.warnings).toEqual([]);
  });

  it('a user group mapped to service agents: its members are service, and stay so through a contact event', async () => {
    lark.contact.groups.set('g-service', ['ou_000030', 'ou_000031']);
    await setOrgSettings(h.ctx, system, 'cli', { serviceGroups: ['g-service'], fields: { email: true, mobile: false } });
    const diff = await syncOrg(h.ctx, new LarkOrgDirectory(lark.client()));
    expect(diff.promoted.filter((p) => p.to === 'service').map((p) => p.openId).sort()).toEqual(['ou_000030', 'ou_000031']);
    await applyDirectoryChanges(h.ctx, [{ kind: 'user.upsert', user: { openId: 'ou_000030', unionId: null, userId: null, name: '改名客服', departmentIds: ['od-00000'] }, active: true }]);
    const [u] = await h.db.select<{ role: string; name: string }>("SELECT role, name FROM users WHERE lark_open_id = 'ou_000030'");
    expect(u).toEqual({ role: 'service', name: '改名客服' });
    await setOrgSettings(h.ctx, system, 'cli', { fields: { email: true, mobile: false } });
  });

  it('the fake refuses what Lark refuses: a page size over 50, a forged page token, a department outside the range', async () => {
    const c = lark.client();
    const get = (url: string, params: Record<string, unknown>) => c.request({ method: 'GET', url, params }).then((r) => r as { code: number }, (e: { response: { status: number; data: { code: number } } }) => ({ status: e.response.status, code: e.response.data.code }));
    expect(await get('/open-apis/contact/v3/users/find_by_department', { department_id: 'od-00000', page_size: 51 })).toMatchObject({ code: 40011 });
    expect(await get('/open-apis/contact/v3/users/find_by_department', { department_id: 'od-00000', page_size: 50, page_token: 'forged' })).toMatchObject({ code: 40012 });
    lark.contact.setScope({ departments: ['od-00001'] });
    expect(await get('/open-apis/contact/v3/departments/od-00000/children', { page_size: 50 })).toMatchObject({ status: 403, code: 40004 });
    lark.contact.setScope({ departments: ['0'] });
  });
});
