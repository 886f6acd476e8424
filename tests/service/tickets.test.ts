// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import { outcomeOf } from '../helpers/outcome';
import { describeEachDb } from '../helpers/db';
import { makeWorld, outbox, onlyAgents, staff, makeCustomer, type ServiceWorld } from './fixtures';
import { createTicket, acceptTicket, commentTicket, waitForCustomer, resolveTicket, reopenTicket, closeTicket, assignTicket, readAttachment } from '../../core/tickets/operations';
import { getTicket, listTickets } from '../../core/tickets/queries';
import { setServiceConfig } from '../../core/tickets/config';
import { memoryStorage } from '../../core/tickets/storage';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const code = (p: Promise<unknown>) => outcomeOf(p, 'ok');

describeEachDb('tickets: lifecycle', (h) => {
  let w: ServiceWorld;
  beforeAll(async () => {
    h.clock.set('2026-11-23T02:00:00Z'); // Monday 10:00 Shanghai
    w = await makeWorld(h.ctx);
  });

  it('a customer files a ticket with a photo; it is auto-assigned to a skilled agent who is told in chat', async () => {
    const storage = memoryStorage();
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'tech_support', description: '打印机无法连接网络，重启无效' }, { storage, files: [{ name: 'a.png', mime: 'image/png', data: PNG }] });
    expect(t.status).toBe('assigned');
    expect(t.no).toMatch(/^T\d{6}$/);
    expect(t.title).toBe('打印机无法连接网络，重启无效');
    expect(t.attachments).toHaveLength(1);
    expect(t.agent).toEqual({ name: w.agents[0].name });
    expect(t.timeline.map((e) => e.kind)).toEqual(['status', 'status']);
    expect((t as { sla?: unknown }).sla).toBeUndefined(); // customers do not see SLA internals
    const msgs = (await outbox(h.ctx, 'ticket.assigned')).filter((m) => m.payload.ticketId === t.id);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].recipient).toBe(String(w.agents[0].id));
    expect(msgs[0].payload).toMatchObject({ no: t.no, typeLabel: '技术支持', customerName: expect.any(String) });
    const file = await readAttachment(h.ctx, w.customerA.actor, t.attachments[0].id, storage);
    expect(file.data.equals(PNG)).toBe(true);
    expect(await code(readAttachment(h.ctx, w.customerB.actor, t.attachments[0].id, storage))).toBe('NOT_FOUND');
  });

  it('rejects a non-image, an oversized photo and a priority customers may not set', async () => {
    const storage = memoryStorage();
    const bad = createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: 'x' }, { storage, files: [{ name: 'x.png', mime: 'image/png', data: Buffer.from('#!/bin/sh') }] });
    expect(await code(bad)).toBe('UNSUPPORTED_MEDIA');
    const big = createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: 'x' }, { storage, files: [{ name: 'x.png', mime: 'image/png', data: Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]) }] });
    expect(await code(big)).toBe('PAYLOAD_TOO_LARGE');
    expect(await code(createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: 'x', priority: 'urgent' }))).toBe('VALIDATION');
    expect(await code(createTicket(h.ctx, w.customerA.actor, { type: 'nope' as 'repair', description: 'x' }))).toBe('VALIDATION');
    expect(storage.size()).toBe(0);
  });

  it('runs the full lifecycle with internal notes hidden, waiting pause, resolve → survey, reopen, close', async () => {
    const agent = staff(w.agents[0]);
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: '发票怎么开？' });
    expect(t.status).toBe('assigned');
    const accepted = await acceptTicket(h.ctx, agent, { ticketId: t.id });
    expect(accepted.status).toBe('in_progress');
    expect(await code(acceptTicket(h.ctx, agent, { ticketId: t.id }))).toBe('ALREADY_DONE');
    await commentTicket(h.ctx, agent, { ticketId: t.id, body: '内部：客户是老客户', internal: true });
    await commentTicket(h.ctx, agent, { ticketId: t.id, body: '您好，请提供税号' });
    const waiting = await waitForCustomer(h.ctx, agent, { ticketId: t.id });
    expect(waiting.status).toBe('waiting_customer');
    expect(waiting.sla!.paused).toBe(true);
    h.clock.advance(3_600_000);
    const reply = await commentTicket(h.ctx, w.customerA.actor, { ticketId: t.id, body: '税号是 91310000XXXX' });
    expect(reply.author.type).toBe('customer');
    const mine = await getTicket(h.ctx, w.customerA.actor, t.id);
    expect(mine.status).toBe('in_progress');
    expect(mine.timeline.some((e) => e.body?.includes('内部'))).toBe(false);
    expect(mine.timeline.every((e) => e.kind === 'comment' || e.kind === 'status')).toBe(true);
    const staffView = await getTicket(h.ctx, agent, t.id);
    expect(staffView.timeline.some((e) => e.kind === 'note' && e.internal)).toBe(true);
    expect(staffView.sla!.paused).toBe(false);
    expect(staffView.sla!.firstResponse.stage).toBe('met');

    const resolved = await resolveTicket(h.ctx, agent, { ticketId: t.id, resolution: '已开票' });
    expect(resolved.status).toBe('resolved');
    expect(resolved.survey).toMatchObject({ kind: 'csat', status: 'pending' });
    expect(await code(resolveTicket(h.ctx, agent, { ticketId: t.id }))).toBe('ALREADY_DONE');
    const customerView = await getTicket(h.ctx, w.customerA.actor, t.id);
    expect(customerView.canReopen).toBe(true);

    h.clock.advance(2 * 86_400_000);
    const reopened = await reopenTicket(h.ctx, w.customerA.actor, { ticketId: t.id, reason: '发票抬头错了' });
    expect(reopened.status).toBe('assigned');
    expect(reopened.survey).toMatchObject({ status: 'expired' });
    await resolveTicket(h.ctx, agent, { ticketId: t.id });
    const closed = await closeTicket(h.ctx, agent, { ticketId: t.id });
    expect(closed.status).toBe('closed');
    expect(await code(commentTicket(h.ctx, w.customerA.actor, { ticketId: t.id, body: 'hi' }))).toBe('INVALID_STATE');
    h.clock.advance(8 * 86_400_000);
    expect(await code(reopenTicket(h.ctx, w.customerA.actor, { ticketId: t.id, reason: '还是不行' }))).toBe('EXPIRED');
    const open = await getTicket(h.ctx, w.customerA.actor, t.id);
    expect(open.canReopen).toBe(false);
  });

  it('an open ticket cannot be reopened; customers cannot resolve; another customer gets NOT_FOUND', async () => {
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: '问题' });
    expect(await code(reopenTicket(h.ctx, w.customerA.actor, { ticketId: t.id, reason: 'x' }))).toBe('INVALID_STATE');
    expect(await code(resolveTicket(h.ctx, w.customerA.actor, { ticketId: t.id }))).toBe('FORBIDDEN');
    expect(await code(getTicket(h.ctx, w.customerB.actor, t.id))).toBe('NOT_FOUND');
    expect(await code(commentTicket(h.ctx, w.customerB.actor, { ticketId: t.id, body: 'x' }))).toBe('NOT_FOUND');
  });

  it('lists a customer\'s own tickets newest first with keyset pages', async () => {
    const other = await makeCustomer(h.ctx, w.rep.id);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createTicket(h.ctx, other.actor, { type: 'other', description: `问题 ${i}` })).id);
    await createTicket(h.ctx, w.customerB.actor, { type: 'other', description: 'B 的问题' });
    const p1 = await listTickets(h.ctx, other.actor, { limit: 2 });
    expect(p1.items.map((x) => x.id)).toEqual([ids[4], ids[3]]);
    const p2 = await listTickets(h.ctx, other.actor, { limit: 2, cursor: p1.nextCursor });
    const p3 = await listTickets(h.ctx, other.actor, { limit: 2, cursor: p2.nextCursor });
    expect([...p2.items, ...p3.items].map((x) => x.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(p3.nextCursor).toBeNull();
    // A customer cannot widen the filter to another customer.
    const sneaky = await listTickets(h.ctx, other.actor, { customerId: w.customerB.id });
    expect(sneaky.items.every((x) => ids.includes(x.id))).toBe(true);
    expect((await listTickets(h.ctx, other.actor, { status: 'closed' })).items).toHaveLength(0);
  });
});

describeEachDb('tickets: assignment strategies', (h) => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await makeWorld(h.ctx, [['咨询'], ['咨询'], ['咨询'], ['维修']]);
  });

  it('round-robin rotates over skilled agents; away agents are skipped', async () => {
    await setServiceConfig(h.ctx, { assignment: 'round_robin' });
    await onlyAgents(h.ctx, w.agents.map((a) => a.id));
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await getTicket(h.ctx, staff(w.manager), (await createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: `q${i}` })).id)).agent!.id!);
    const skilled = w.agents.slice(0, 3).map((a) => a.id);
    expect(got.slice(0, 3).sort()).toEqual([...skilled].sort());
    expect(got[3]).toBe(got[0]);
    await onlyAgents(h.ctx, [w.agents[0].id, w.agents[2].id, w.agents[3].id]);
    const next = [];
    for (let i = 0; i < 2; i++) next.push((await getTicket(h.ctx, staff(w.manager), (await createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: `r${i}` })).id)).agent!.id);
    expect(next).not.toContain(w.agents[1].id);
  });

  it('least-busy under 12 concurrent tickets spreads them evenly (race-safe)', async () => {
    await setServiceConfig(h.ctx, { assignment: 'least_busy' });
    await onlyAgents(h.ctx, w.agents.map((a) => a.id));
    // Close everything so the three consult agents start level.
    await h.ctx.models.Ticket.update({ status: 'closed' }, { where: {} });
    await Promise.all(Array.from({ length: 12 }, (_, i) => createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: `c${i}` })));
    const rows = await h.db.select<{ assignee_id: number; n: number }>(
      "SELECT assignee_id, COUNT(*) AS n FROM tickets WHERE status = 'assigned' GROUP BY assignee_id ORDER BY assignee_id",
    );
    expect(rows.map((r) => Number(r.n))).toEqual([4, 4, 4]);
  });

  it('with no agent available the ticket stays new; manual assignment notifies the agent', async () => {
    await onlyAgents(h.ctx, []);
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: '坏了' });
    expect(t.status).toBe('new');
    expect(await code(assignTicket(h.ctx, staff(w.rep), { ticketId: t.id, userId: w.agents[3].id }))).toBe('FORBIDDEN');
    const a = await assignTicket(h.ctx, staff(w.manager), { ticketId: t.id, userId: w.agents[3].id });
    expect(a.status).toBe('assigned');
    const msgs = (await outbox(h.ctx, 'ticket.assigned')).filter((m) => m.payload.ticketId === t.id);
    expect(msgs.map((m) => m.recipient)).toEqual([String(w.agents[3].id)]);
  });
});
