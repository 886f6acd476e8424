import { describeEachDb } from '../helpers/db';
import { AppError } from '../../core/errors';
import { createUser, findUserByOpenId, linkLarkOpenId, listLinkedPeople, unlinkedUsersAt } from '../../core/users/operations';

const system = { kind: 'system' } as const;

describeEachDb('users: linking a person to a Lark identity (the demo people in the sandbox)', (h) => {
  it('lists the unlinked at a domain, links them once, refuses a taken open_id, lists the linked with their team', async () => {
    const mgr = await createUser(h.ctx, system, 'cli', { name: '王经理', role: 'manager', team: '华东销售一组', email: 'manager@demo.crm' });
    const rep = await createUser(h.ctx, system, 'cli', { name: '李娜', role: 'rep', teamId: mgr.teamId, email: 'rep1@demo.crm' });
    await createUser(h.ctx, system, 'cli', { name: 'Real', role: 'rep', email: 'real@example.com' });
    await createUser(h.ctx, system, 'cli', { name: 'Linked', role: 'rep', email: 'linked@demo.crm', larkOpenId: 'ou_real_1' });

    expect((await unlinkedUsersAt(h.ctx, 'demo.crm')).map((u) => u.name)).toEqual(['王经理', '李娜']);
    expect(await unlinkedUsersAt(h.ctx, '%')).toEqual([]); // a wildcard is not a domain

    await linkLarkOpenId(h.ctx, system, 'cli', rep.id, 'ou_demo_rep1');
    expect((await findUserByOpenId(h.ctx, 'ou_demo_rep1'))?.id).toBe(rep.id);
    // the same link again is a no-op; another open_id for a linked person, or a taken one, is a DUPLICATE
    await expect(linkLarkOpenId(h.ctx, system, 'cli', rep.id, 'ou_demo_rep1')).resolves.toMatchObject({ larkOpenId: 'ou_demo_rep1' });
    await expect(linkLarkOpenId(h.ctx, system, 'cli', rep.id, 'ou_other')).rejects.toMatchObject({ code: 'DUPLICATE', field: 'larkOpenId' });
    await expect(linkLarkOpenId(h.ctx, system, 'cli', mgr.id, 'ou_demo_rep1')).rejects.toMatchObject({ code: 'DUPLICATE', field: 'larkOpenId' });
    await expect(linkLarkOpenId(h.ctx, system, 'cli', mgr.id, 'not an open id')).rejects.toBeInstanceOf(AppError);
    await expect(linkLarkOpenId(h.ctx, system, 'cli', 999_999, 'ou_x')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const people = await listLinkedPeople(h.ctx);
    expect(people.map((p) => [p.name, p.larkOpenId, p.teamName])).toEqual([
      ['李娜', 'ou_demo_rep1', '华东销售一组'],
      ['Linked', 'ou_real_1', null],
    ]);
    const audit = await h.ctx.db.select<{ action: string }>("SELECT action FROM audit_log WHERE action = 'user.link_lark'", {});
    expect(audit).toHaveLength(1);
  });
});
