import { describeEachDb } from '../../helpers/db';
import { createContract } from '../../../core/contracts/operations';
import { actorOf } from '../../../core/users/operations';
import { runRecycle } from '../../../core/pool/recycle';
import { draft, makeOrg } from './fixtures';

/** The contracts context registers its recycle exclusion (core/contracts/index.ts): a live contract keeps the customer. */
describeEachDb('recycling spares customers with a live contract', (h) => {
  it('an approved or active contract excludes the customer; a draft does not', async () => {
    const o = await makeOrg(h.ctx);
    const [live, drafted, none] = [await o.customer(), await o.customer(), await o.customer()];
    const liveContract = await createContract(h.ctx, actorOf(o.rep), 'api', draft(live, 1_000_000));
    await createContract(h.ctx, actorOf(o.rep), 'api', draft(drafted, 1_000_000));
    await h.db.sequelize.query("UPDATE contracts SET status = 'active' WHERE id = :id", { replacements: { id: liveContract.id } });
    const longAgo = new Date(h.clock.now().getTime() - 200 * 86_400_000);
    await h.db.sequelize.query('UPDATE customers SET last_followup_at = :d, claimed_at = :d, last_won_at = NULL, tier = NULL WHERE id IN (:ids)', { replacements: { d: longAgo, ids: [live, drafted, none] } });
    expect([...h.ctx.registry.recycleExclusions.keys()]).toContain('contracts.live');
    const r = await runRecycle(h.ctx);
    expect(r.excluded).toBeGreaterThanOrEqual(1);
    const owners = await h.db.select<{ id: number; owner_id: number | null }>('SELECT id, owner_id FROM customers WHERE id IN (:ids) ORDER BY id', { ids: [live, drafted, none] });
    expect(owners.map((c) => [Number(c.id), c.owner_id === null ? null : Number(c.owner_id)])).toEqual([[live, o.rep.id], [drafted, null], [none, null]]);
  });
});
