import { describeEachDb } from '../helpers/db';
import { syncOrg } from '../../core/org/sync';
import { actorOf, findUserByOpenId } from '../../core/users/operations';
import { canSeeCustomer, visibleScope } from '../../core/customers/visibility';
import { createCustomer } from '../../core/customers/operations';
import { assignCustomer } from '../../core/pool/operations';
import type { OrgSnapshot } from '../../core/org/port';

/** The tree kept: a department's leader sees the customers of the departments below theirs, a sibling's leader does not. */
describeEachDb('org sync: a manager sees their department and its sub-departments', (h) => {
  const p = (openId: string, dept: string) => ({ openId, unionId: null, userId: null, name: openId, departmentIds: [dept] });
  const snap: OrgSnapshot = {
    departments: [
      { id: 'od-region', parentId: '0', name: '华东大区', leaderOpenId: 'ou_region' },
      { id: 'od-sh', parentId: 'od-region', name: '上海组', leaderOpenId: 'ou_sh' },
      { id: 'od-sh-1', parentId: 'od-sh', name: '上海一组', leaderOpenId: 'ou_sh1' },
      { id: 'od-south', parentId: '0', name: '华南大区', leaderOpenId: 'ou_south' },
    ],
    users: [p('ou_region', 'od-region'), p('ou_sh', 'od-sh'), p('ou_sh1', 'od-sh-1'), p('ou_rep', 'od-sh-1'), p('ou_south', 'od-south')],
    warnings: [],
  };

  it('visibility follows the tree, in the rule and in SQL', async () => {
    await syncOrg(h.ctx, snap);
    const rep = (await findUserByOpenId(h.ctx, 'ou_rep'))!;
    const c = (await createCustomer(h.ctx, { kind: 'system' }, 'api', { name: '树形可见客户' })).customer;
    await assignCustomer(h.ctx, { kind: 'system' }, 'api', { customerId: c.id, userId: rep.id });
    const [row] = await h.db.select<{ id: number; owner_id: number; team_id: number }>('SELECT id, owner_id, team_id FROM customers WHERE id = :id', { id: c.id });
    const vis = { id: Number(row.id), owner_id: Number(row.owner_id), team_id: Number(row.team_id) };
    const sees = async (openId: string) => {
      const actor = actorOf((await findUserByOpenId(h.ctx, openId))!);
      const scope = visibleScope(actor, 'c');
      const n = await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM customers c WHERE c.id = :id AND ${scope.sql}`, { id: c.id, ...scope.replacements });
      expect(Number(n[0].n) === 1).toBe(canSeeCustomer(actor, vis));
      return canSeeCustomer(actor, vis);
    };
    expect(await sees('ou_sh1')).toBe(true); // their own department
    expect(await sees('ou_sh')).toBe(true); // one level up
    expect(await sees('ou_region')).toBe(true); // two levels up
    expect(await sees('ou_south')).toBe(false); // a sibling region
  });
});
