import { describeEachDb } from '../helpers/db';
import { makeOrg, draft, type Org } from '../integration/contracts/fixtures';
import { createContract, submitContract } from '../../core/contracts/operations';
import { syncOrg } from '../../core/org/sync';
import type { OrgSnapshot } from '../../core/org/port';
import type { UserDto } from '../../core/users/operations';

/**
 * A manager with a contract waiting for their approval leaves: the pending step goes through the approval engine to
 * their own manager (who gets the approval card), so the request never waits on someone who left. The directory is
 * fed to the sync as a snapshot (the port's other implementation: tests, the sandbox).
 */
describeEachDb("org sync: a leaver's pending approval step is delegated through the engine", (h) => {
  let o: Org;
  const person = (u: UserDto, dept: string) => ({ openId: u.larkOpenId!, unionId: null, userId: null, name: u.name, departmentIds: [dept] });
  const snapshot = (without: UserDto[] = []): OrgSnapshot => ({
    departments: [
      { id: 'od-hq', parentId: '0', name: '总部', leaderOpenId: o.director.larkOpenId },
      { id: 'od-sales', parentId: 'od-hq', name: '销售部', leaderOpenId: without.includes(o.manager) ? null : o.manager.larkOpenId },
    ],
    users: [
      person(o.director, 'od-hq'),
      person(o.deputy, 'od-hq'),
      person(o.finance, 'od-hq'),
      person(o.admin, 'od-hq'),
      person(o.manager, 'od-sales'),
      person(o.rep, 'od-sales'),
      person(o.rep2, 'od-sales'),
    ].filter((p) => !without.some((w) => w.larkOpenId === p.openId)),
    warnings: [],
  });

  beforeAll(async () => {
    o = await makeOrg(h.ctx);
  });

  it("the step moves to the manager's manager, with the approval card, and nothing is left waiting on the leaver", async () => {
    await syncOrg(h.ctx, snapshot());
    const c = await createContract(h.ctx, o.as(o.rep), 'chat', draft(await o.customer(), 500_000_00));
    const view = await submitContract(h.ctx, o.as(o.rep), 'chat', { contractId: c.id });
    const step = view.currentStep!;
    expect(step.approverId).toBe(o.manager.id);

    const diff = await syncOrg(h.ctx, snapshot([o.manager]));
    expect(diff.deactivated.map((d) => d.userId)).toEqual([o.manager.id]);
    expect(diff.handedOver.approvalSteps).toBeGreaterThanOrEqual(1);
    const [s] = await h.db.select<{ approver_id: number; delegated_from_id: number; status: string }>('SELECT approver_id, delegated_from_id, status FROM approval_steps WHERE id = :id', { id: step.id });
    expect({ approver: Number(s.approver_id), from: Number(s.delegated_from_id), status: s.status }).toEqual({ approver: o.director.id, from: o.manager.id, status: 'pending' });
    const cards = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'approval.request' AND recipient = :to", { to: String(o.director.id) });
    expect(Number(cards[0].n)).toBeGreaterThanOrEqual(1);
    const waiting = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM approval_steps WHERE approver_id = :u AND status IN ('pending', 'waiting')", { u: o.manager.id });
    expect(Number(waiting[0].n)).toBe(0);
  });
});
