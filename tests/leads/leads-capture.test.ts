import { describeEachDb } from '../helpers/db';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { captureLead, convertLead, getLead } from '../../core/leads/operations';
import { setLeadsConfig } from '../../core/leads/config';
import type { Actor } from '../../core/context';

jest.setTimeout(30_000); // MySQL migrations on a shared, busy server can exceed the default 5 s

const system: Actor = { kind: 'system' };

describeEachDb('leads: capture, de-dup, scoring, conversion', (h) => {
  let rep: UserDto;
  beforeAll(async () => {
    await setLeadsConfig(h.ctx, { assign: { strategy: 'round_robin' } });
    rep = await createUser(h.ctx, system, 'cli', { name: 'Rep', role: 'rep' });
  });
  const count = async (sql: string, r: Record<string, unknown> = {}) => Number((await h.db.select<{ n: number }>(sql, r))[0].n);

  it('captures with source, campaign and an explained score, and assigns', async () => {
    const r = await captureLead(h.ctx, system, 'api', {
      company: '远航科技有限公司', contactName: '王伟', phone: '+86 138-0000-0001', email: 'Wang@YuanHang.cn',
      industry: '制造业', companySize: 500, source: '转介绍', campaign: 'expo-2026',
    });
    expect(r.duplicateOf).toBeNull();
    expect(r.lead).toMatchObject({ company: '远航科技有限公司', source: '转介绍', campaign: 'expo-2026', status: 'assigned', ownerId: rep.id });
    // industry 30 + source 20 + size 16 + interactions 3 + recency 15
    expect(r.lead!.score).toBe(84);
    expect(r.lead!.scoreReasons.map((x) => x.factor)).toEqual(['industry', 'source', 'size', 'interactions', 'recency']);
    expect(r.lead!.scoreReasons[0].zh).toContain('制造业');
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'lead.assigned' AND recipient = :r", { r: String(rep.id) })).toBe(1);
  });

  it('a duplicate by phone, e-mail or company name (any formatting) is linked, not re-created', async () => {
    const before = await count('SELECT COUNT(*) AS n FROM leads');
    const byPhone = await captureLead(h.ctx, system, 'api', { contactName: '王先生', phone: '0086 138 0000 0001', source: '官网', campaign: 'web-q4' });
    const byEmail = await captureLead(h.ctx, system, 'api', { contactName: 'W', email: 'wang+news@yuanhang.cn', source: 'ads' });
    const byName = await captureLead(h.ctx, system, 'api', { company: '远航科技（有限公司）', source: 'event' });
    for (const d of [byPhone, byEmail, byName]) expect(d.duplicateOf?.kind).toBe('lead');
    expect(new Set([byPhone, byEmail, byName].map((d) => d.duplicateOf!.id)).size).toBe(1);
    expect(await count('SELECT COUNT(*) AS n FROM leads')).toBe(before);
    const id = byPhone.duplicateOf!.id!;
    // Every touch keeps its source and campaign; interactions feed the score.
    const touches = await h.db.select<{ source: string; campaign: string | null }>('SELECT source, campaign FROM lead_touches WHERE lead_id = :id ORDER BY id', { id });
    expect(touches.map((t) => t.source)).toEqual(['转介绍', '官网', 'ads', 'event']);
    expect(touches[1].campaign).toBe('web-q4');
    expect((await getLead(h.ctx, system, id)).interactions).toBe(4);
  });

  it('a lead matching an existing customer is linked to the customer', async () => {
    const c = await createCustomer(h.ctx, actorOf(rep), 'api', { name: '星海集团', email: 'info@xinghai.cn' });
    const r = await captureLead(h.ctx, system, 'api', { contactName: '李', email: 'INFO@xinghai.cn', source: '官网' });
    expect(r).toEqual({ lead: null, duplicateOf: { kind: 'customer', id: c.customer.id } });
    expect(await count('SELECT COUNT(*) AS n FROM lead_touches WHERE customer_id = :c', { c: c.customer.id })).toBe(1);
  });

  it('concurrent captures of the same lead create exactly one', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => captureLead(h.ctx, system, 'api', { company: `蓝海物流${i % 2 ? '有限公司' : ''}`, phone: '13900009999', source: 'web' })),
    );
    expect(await count("SELECT COUNT(*) AS n FROM leads WHERE phone_norm = '13900009999'")).toBe(1);
    expect(results.filter((r) => r.duplicateOf === null)).toHaveLength(1);
    const id = results.find((r) => r.duplicateOf === null)!.lead!.id;
    expect(results.every((r) => r.lead?.id === id)).toBe(true);
    expect(await count('SELECT COUNT(*) AS n FROM lead_touches WHERE lead_id = :id', { id })).toBe(12);
  });

  it('names the field for bad input', async () => {
    await expect(captureLead(h.ctx, system, 'api', { company: 'X', phone: 'abc', source: 'web' })).rejects.toMatchObject({ code: 'VALIDATION', field: 'phone' });
    await expect(captureLead(h.ctx, system, 'api', { source: 'web', phone: '13800000000' })).rejects.toMatchObject({ code: 'VALIDATION', field: 'company' });
  });

  it('converts into a customer with its contact, keeping history; converting twice answers the same customer', async () => {
    const r = await captureLead(h.ctx, system, 'api', { company: '宏达机械', contactName: '赵敏', phone: '13700001111', source: '展会', campaign: 'expo', message: '想要报价' });
    const lead = r.lead!;
    expect(lead.ownerId).toBe(rep.id);
    const conv = await convertLead(h.ctx, actorOf(rep), 'chat', lead.id);
    expect(conv).toMatchObject({ linkedExisting: false, alreadyConverted: false });
    const cust = (await h.db.select<{ name: string; owner_id: number; source: string }>('SELECT name, owner_id, source FROM customers WHERE id = :id', { id: conv.customerId }))[0];
    expect(cust).toMatchObject({ name: '宏达机械', source: '展会' });
    expect(Number(cust.owner_id)).toBe(rep.id);
    const contact = (await h.db.select<{ name: string; phone_norm: string }>('SELECT name, phone_norm FROM contacts WHERE customer_id = :id', { id: conv.customerId }))[0];
    expect(contact).toEqual({ name: '赵敏', phone_norm: '13700001111' });
    const acts = await h.db.select<{ summary: string }>('SELECT summary FROM activities WHERE customer_id = :id', { id: conv.customerId });
    expect(acts[0].summary).toContain('expo');
    expect(await count('SELECT COUNT(*) AS n FROM lead_touches WHERE lead_id = :l AND customer_id = :c', { l: lead.id, c: conv.customerId })).toBe(1);
    expect(await getLead(h.ctx, system, lead.id)).toMatchObject({ status: 'converted', customerId: conv.customerId });
    expect(await convertLead(h.ctx, actorOf(rep), 'chat', lead.id)).toMatchObject({ customerId: conv.customerId, alreadyConverted: true });
    // Afterwards the same phone is a duplicate of the customer.
    expect((await captureLead(h.ctx, system, 'api', { contactName: '赵', phone: '137 0000 1111', source: 'web' })).duplicateOf).toEqual({ kind: 'customer', id: conv.customerId });
  });

  it('another rep cannot convert someone else\'s lead', async () => {
    const other = await createUser(h.ctx, system, 'cli', { name: 'Other', role: 'rep' });
    await h.db.sequelize.query("UPDATE users SET status = 'away' WHERE id = :id", { replacements: { id: other.id } });
    const r = await captureLead(h.ctx, system, 'api', { company: '云帆网络', source: 'web' });
    expect(r.lead!.ownerId).toBe(rep.id);
    await expect(convertLead(h.ctx, actorOf(other), 'chat', r.lead!.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
