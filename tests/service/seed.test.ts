// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import { describeEachDb } from '../helpers/db';
import { seedDemo } from '../../server/seed';
import { redeemInvite } from '../../core/mp/operations';
import { searchArticles } from '../../core/knowledge/operations';

describeEachDb('demo seed: service desk', (h) => {
  it('seeds tickets, articles and a working invite code', async () => {
    const s = await seedDemo(h.ctx);
    expect(s.service).toMatchObject({ tickets: 3, articles: 5, inviteCode: expect.stringMatching(/^[A-Z0-9]{8}$/) });
    const signed = await redeemInvite(h.ctx, { code: s.service!.inviteCode! });
    expect(`${signed.customer.name} / ${signed.contact.name}`).toBe(s.service!.inviteFor);
    expect((await searchArticles(h.ctx, { kind: 'system' }, { q: '发票' })).items).toHaveLength(1);
    const rows = await h.db.select<{ status: string }>('SELECT status FROM tickets ORDER BY id');
    expect(rows.map((r) => r.status)).toEqual(['in_progress', 'assigned', 'resolved']);
  });
});
