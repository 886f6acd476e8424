import { describeEachDb } from '../helpers/db';
import { makeOrg, draft, type Org } from '../integration/contracts/fixtures';
import { createContract, submitContract } from '../../core/contracts/operations';
import { decideStep } from '../../core/approvals/operations';
import { runWeeklyDigest } from '../../core/receivables/operations';
import { setTeamDigestChat } from '../../core/org/teams';

/** A team whose group was made its digest channel (from the bot's greeting card) gets its weekly digest there. */
describeEachDb('the team digest channel', (h) => {
  let o: Org;
  beforeAll(async () => {
    o = await makeOrg(h.ctx);
    h.clock.set('2026-11-23T02:00:00Z'); // a Monday, 10:00 in Shanghai
  });

  it('only a manager (or admin) sets it; the weekly receivables digest then goes to the group', async () => {
    await expect(setTeamDigestChat(h.ctx, o.as(o.rep), 'card', { chatId: 'oc_team' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const cust = await o.customer();
    const c = await createContract(h.ctx, o.as(o.rep), 'chat', draft(cust, 200_00, 0, { instalments: [{ dueDate: '2026-11-25', amountCents: 200_00 }] }) as never);
    const v = await submitContract(h.ctx, o.as(o.rep), 'chat', { contractId: c.id });
    for (const s of v.steps) {
      const approver = [o.manager, o.finance, o.director].find((u) => u.id === s.approverId)!;
      await decideStep(h.ctx, o.as(approver), 'card', { stepId: s.id, decision: 'approve' });
    }
    const r = await setTeamDigestChat(h.ctx, o.as(o.manager), 'card', { chatId: 'oc_team_group' });
    expect(r.teamId).toBe(o.manager.teamId);
    expect(await runWeeklyDigest(h.ctx)).toBeGreaterThanOrEqual(1);
    const rows = await h.db.select<{ recipient_type: string; recipient: string }>("SELECT recipient_type, recipient FROM outbox WHERE kind = 'receivable.digest' AND dedupe_key LIKE :k", { k: `receivable:digest:${o.manager.id}:${o.manager.teamId}:%` });
    expect(rows.map((x) => x.recipient)).toEqual(['oc_team_group']);
  });
});
