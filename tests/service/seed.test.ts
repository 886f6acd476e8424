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

  it('leaves held_count equal to the active customers each user owns (30 owned demo customers)', async () => {
    const held = await h.db.select<{ held: number; actual: number }>(
      "SELECT u.held_count AS held, (SELECT COUNT(*) FROM customers c WHERE c.owner_id = u.id AND c.status = 'active') AS actual FROM users u",
    );
    expect(held.filter((u) => Number(u.held) !== Number(u.actual))).toEqual([]);
    expect(held.reduce((n, u) => n + Number(u.held), 0)).toBe(30);
  });
});
