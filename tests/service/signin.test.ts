// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import { outcomeOf } from '../helpers/outcome';
import { describeEachDb } from '../helpers/db';
import { makeWorld, staff, makeCustomer, type ServiceWorld } from './fixtures';
import { createInvite, redeemInvite, signInWithIdentity, accountSummary } from '../../core/mp/operations';
import { encodeToken, resolveSessionSecret, revokeContactSessions, verifySession } from '../../core/mp/session';

const code = (p: Promise<unknown>) => outcomeOf(p, 'ok');

describeEachDb('customer sign-in (core)', (h) => {
  let w: ServiceWorld;
  beforeAll(async () => {
    h.clock.set(new Date());
    w = await makeWorld(h.ctx, [['咨询']]);
  });

  it('an invite is redeemed exactly once under 8 concurrent attempts', async () => {
    const inv = await createInvite(h.ctx, staff(w.rep), { customerId: w.customerA.id, contactId: w.customerA.contactId });
    const results = await Promise.all(Array.from({ length: 8 }, () => code(redeemInvite(h.ctx, { code: inv.code, client: 'weapp' }, { provider: 'wechat', subject: `wx-${inv.code}` }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'ALREADY_DONE')).toHaveLength(7);
    const again = await signInWithIdentity(h.ctx, 'wechat', `wx-${inv.code}`, 'weapp');
    expect(again.customer.id).toBe(w.customerA.id);
  });

  it('a rep can invite only contacts of customers they can see; a new contact name is added', async () => {
    const other = await makeCustomer(h.ctx, w.manager.id);
    expect(await code(createInvite(h.ctx, staff(w.rep), { customerId: other.id, contactName: '张三' }))).toBe('NOT_FOUND');
    expect(await code(createInvite(h.ctx, w.customerA.actor, { customerId: w.customerA.id, contactName: '张三' }))).toBe('FORBIDDEN');
    const inv = await createInvite(h.ctx, staff(w.rep), { customerId: w.customerB.id, contactName: '新联系人' });
    expect(inv.contact.name).toBe('新联系人');
    expect(inv.contact.id).not.toBe(w.customerB.contactId);
    expect(await code(createInvite(h.ctx, staff(w.rep), { customerId: w.customerB.id, contactId: w.customerA.contactId }))).toBe('NOT_FOUND');
  });

  it('sessions: the generated secret persists; revoking a contact signs out all their sessions; a moved contact loses access', async () => {
    const secret = await resolveSessionSecret(h.ctx);
    expect(await resolveSessionSecret(h.ctx)).toBe(secret);
    expect(secret.length).toBeGreaterThanOrEqual(48);
    const s1 = (await redeemInvite(h.ctx, { code: (await createInvite(h.ctx, staff(w.rep), { customerId: w.customerA.id, contactId: w.customerA.contactId })).code })).session;
    const s2 = (await redeemInvite(h.ctx, { code: (await createInvite(h.ctx, staff(w.rep), { customerId: w.customerA.id, contactId: w.customerA.contactId })).code })).session;
    const t1 = encodeToken(secret, s1.sessionId, s1.expiresAt);
    expect((await verifySession(h.ctx, secret, t1)).customerId).toBe(w.customerA.id);
    expect(await code(verifySession(h.ctx, 'another-secret-of-sufficient-length-xxxxxxxx', t1))).toBe('UNAUTHENTICATED');
    expect(await revokeContactSessions(h.ctx, w.customerA.contactId)).toBeGreaterThanOrEqual(2);
    expect(await code(verifySession(h.ctx, secret, t1))).toBe('UNAUTHENTICATED');
    expect(await code(verifySession(h.ctx, secret, encodeToken(secret, s2.sessionId, s2.expiresAt)))).toBe('UNAUTHENTICATED');

    const c = await makeCustomer(h.ctx, w.rep.id);
    const s3 = (await redeemInvite(h.ctx, { code: (await createInvite(h.ctx, staff(w.rep), { customerId: c.id, contactId: c.contactId })).code })).session;
    const t3 = encodeToken(secret, s3.sessionId, s3.expiresAt);
    expect((await accountSummary(h.ctx, c.actor)).customer.id).toBe(c.id);
    await h.ctx.models.Contact.update({ customer_id: w.customerB.id }, { where: { id: c.contactId } });
    expect(await code(verifySession(h.ctx, secret, t3))).toBe('UNAUTHENTICATED');
  });
});
