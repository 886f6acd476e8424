// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import { outcomeOf } from '../helpers/outcome';
import { describeEachDb } from '../helpers/db';
import { makeWorld, outbox, staff, type ServiceWorld } from './fixtures';
import { createTicket, commentTicket, waitForCustomer, resolveTicket } from '../../core/tickets/operations';
import { getTicket } from '../../core/tickets/queries';
import { sweepSla, runSlaSweep } from '../../core/tickets/sla';
import { setServiceConfig } from '../../core/tickets/config';
import { answerSurvey, listSurveys, getSurvey, agentStats, customerSatisfaction, sendNpsSurveys } from '../../core/surveys/operations';

const code = (p: Promise<unknown>) => outcomeOf(p, 'ok');
const MIN = 60_000;

describeEachDb('SLA sweep', (h) => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await makeWorld(h.ctx, [['咨询']]);
    await setServiceConfig(h.ctx, { calendar: { holidays: ['2026-11-24'] } });
  });

  it('warns before breach, escalates to the manager at breach, exactly once even with racing sweeps', async () => {
    h.clock.set('2026-11-23T09:00:00Z'); // Monday 17:00 Shanghai
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: '加急', priority: 'high' });
    const detail = await getTicket(h.ctx, staff(w.manager), t.id);
    // high: 1h first response. 17:00 + 1h = 18:00 Monday. Resolution 8h: Tuesday is a holiday → Wednesday.
    expect(detail.sla!.firstResponse.dueAt).toBe('2026-11-23T10:00:00.000Z');
    expect(detail.sla!.resolution.dueAt).toBe('2026-11-25T08:00:00.000Z'); // Wed 16:00
    h.clock.set('2026-11-23T09:30:00Z');
    expect((await sweepSla(h.ctx)).warned).toBe(0);
    h.clock.set('2026-11-23T09:48:00Z'); // 12 min before: inside the 12-minute lead
    const r1 = await sweepSla(h.ctx);
    expect(r1.warned).toBe(1);
    const warns = (await outbox(h.ctx, 'ticket.sla_warning')).filter((m) => m.payload.ticketId === t.id);
    expect(warns.map((m) => m.recipient)).toEqual([String(w.agents[0].id)]);
    h.clock.set('2026-11-23T12:00:00Z'); // night: still breached (after 18:00)
    const [a, b] = await Promise.all([sweepSla(h.ctx), sweepSla(h.ctx)]);
    await sweepSla(h.ctx);
    await runSlaSweep(h.ctx);
    expect(a.breached + b.breached).toBe(1);
    const breaches = (await outbox(h.ctx, 'ticket.sla_breach')).filter((m) => m.payload.ticketId === t.id);
    expect(breaches.map((m) => m.recipient).sort()).toEqual([String(w.agents[0].id), String(w.manager.id)].sort());
    expect(breaches.find((m) => m.recipient === String(w.manager.id))!.payload).toMatchObject({ clock: 'frt', escalated: true });
    expect(await outbox(h.ctx, 'ticket.sla_warning')).toHaveLength(1);
  });

  it('does not warn or breach while waiting on the customer; the clock resumes with the time left', async () => {
    h.clock.set('2026-11-25T01:00:00Z'); // Wednesday 09:00
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: '需要资料', priority: 'high' });
    await commentTicket(h.ctx, staff(w.agents[0]), { ticketId: t.id, body: '收到' });
    h.clock.set('2026-11-25T02:00:00Z'); // 10:00, 7h of 8h left
    await waitForCustomer(h.ctx, staff(w.agents[0]), { ticketId: t.id, body: '请提供序列号' });
    h.clock.set('2026-11-27T12:00:00Z'); // Friday 20:00: would be long breached
    await sweepSla(h.ctx);
    const about = async (kind: string) => (await outbox(h.ctx, kind)).filter((m) => m.payload.ticketId === t.id).length;
    expect(await about('ticket.sla_warning')).toBe(0);
    expect(await about('ticket.sla_breach')).toBe(0);
    h.clock.set('2026-11-28T02:00:00Z'); // Saturday 10:00: customer answers
    await commentTicket(h.ctx, w.customerA.actor, { ticketId: t.id, body: 'SN123' });
    const d = await getTicket(h.ctx, staff(w.manager), t.id);
    expect(d.status).toBe('in_progress');
    expect(d.sla!.paused).toBe(false);
    expect(d.sla!.resolution.dueAt).toBe('2026-11-30T08:00:00.000Z'); // Monday 09:00 + 7h = 16:00
    h.clock.set('2026-11-30T07:00:00Z'); // Monday 15:00: inside the lead (1h36m)
    await sweepSla(h.ctx);
    expect(await about('ticket.sla_warning')).toBe(1);
    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: t.id });
    h.clock.set('2026-12-01T07:00:00Z');
    await sweepSla(h.ctx);
    expect(await about('ticket.sla_breach')).toBe(0);
  });

  it('closes resolved tickets after the reopen window', async () => {
    h.clock.set('2026-12-20T01:00:00Z');
    const r = await sweepSla(h.ctx);
    expect(r.closed).toBeGreaterThanOrEqual(1);
    const rows = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM tickets WHERE status = 'resolved'");
    expect(Number(rows[0].n)).toBe(0);
  });
});

describeEachDb('surveys', (h) => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await makeWorld(h.ctx, [['维修']]);
  });

  it('resolution sends one CSAT; one answer only, also under concurrent submits; low score alerts the manager', async () => {
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: '空调漏水' });
    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: t.id });
    const { items } = await listSurveys(h.ctx, w.customerA.actor, {});
    const s = items.find((x) => x.ticket?.id === t.id)!;
    expect(s).toMatchObject({ kind: 'csat', status: 'pending', scale: { min: 1, max: 5 } });
    expect(await code(getSurvey(h.ctx, w.customerB.actor, s.id))).toBe('NOT_FOUND');
    expect(await code(answerSurvey(h.ctx, w.customerB.actor, { surveyId: s.id, score: 5 }))).toBe('NOT_FOUND');
    expect(await code(answerSurvey(h.ctx, w.customerA.actor, { surveyId: s.id, score: 6 }))).toBe('VALIDATION');
    const results = await Promise.all([1, 2, 3, 4].map((k) => code(answerSurvey(h.ctx, w.customerA.actor, { surveyId: s.id, score: 1, comment: `差 ${k}` }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'ALREADY_DONE')).toHaveLength(3);
    const after = await getSurvey(h.ctx, w.customerA.actor, s.id);
    expect(after.answer!.score).toBe(1);
    const alerts = (await outbox(h.ctx, 'survey.low_score')).filter((m) => m.payload.surveyId === s.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].recipient).toBe(String(w.manager.id));
    expect(alerts[0].payload).toMatchObject({ score: 1, max: 5, ticketNo: t.no });
    const stats = await agentStats(h.ctx, staff(w.manager), { userId: w.agents[0].id });
    expect(stats).toMatchObject({ resolvedTickets: 1, csat: { answered: 1, average: 1, low: 1 } });
    const sat = await customerSatisfaction(h.ctx, w.customerA.id);
    expect(sat.csat).toEqual({ average: 1, count: 1 });
  });

  it('a good score alerts nobody; an expired survey cannot be answered', async () => {
    const t = await createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: '门锁坏了' });
    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: t.id });
    const s = (await listSurveys(h.ctx, w.customerA.actor, {})).items.find((x) => x.ticket?.id === t.id)!;
    const before = (await outbox(h.ctx, 'survey.low_score')).length;
    await answerSurvey(h.ctx, w.customerA.actor, { surveyId: s.id, score: 5 });
    expect((await outbox(h.ctx, 'survey.low_score')).length).toBe(before);
    const t2 = await createTicket(h.ctx, w.customerA.actor, { type: 'repair', description: '灯不亮' });
    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: t2.id });
    const s2 = (await listSurveys(h.ctx, w.customerA.actor, {})).items.find((x) => x.ticket?.id === t2.id)!;
    h.clock.advance(15 * 86_400_000);
    expect(await code(answerSurvey(h.ctx, w.customerA.actor, { surveyId: s2.id, score: 4 }))).toBe('EXPIRED');
  });

  it('NPS relationship surveys go to signed-in contacts once per interval (0–10 scale)', async () => {
    await h.ctx.models.MpSession.create({ contact_id: w.customerB.contactId, customer_id: w.customerB.id, client: 'h5', expires_at: new Date(h.clock.now().getTime() + 86_400_000), created_at: h.clock.now() });
    expect(await sendNpsSurveys(h.ctx)).toBeGreaterThanOrEqual(0);
    await sendNpsSurveys(h.ctx);
    const nps = (await listSurveys(h.ctx, w.customerB.actor, {})).items.filter((x) => x.kind === 'nps');
    expect(nps).toHaveLength(1);
    expect(nps[0].scale).toEqual({ min: 0, max: 10 });
    await answerSurvey(h.ctx, w.customerB.actor, { surveyId: nps[0].id, score: 3 });
    const alerts = (await outbox(h.ctx, 'survey.low_score')).filter((m) => m.payload.surveyId === nps[0].id);
    expect(alerts).toHaveLength(1);
    expect((await customerSatisfaction(h.ctx, w.customerB.id)).nps!.score).toBe(3);
  });
});

describeEachDb('360° sections', (h) => {
  it('tickets lists open tickets; satisfaction the latest scores', async () => {
    const { getCustomer360 } = await import('../../core/customer360/view360');
    const w = await makeWorld(h.ctx, [['咨询']]);
    const open = await createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: '还没解决' });
    const done = await createTicket(h.ctx, w.customerA.actor, { type: 'consult', description: '已解决' });
    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: done.id });
    const s = (await listSurveys(h.ctx, w.customerA.actor, {})).items[0];
    await answerSurvey(h.ctx, w.customerA.actor, { surveyId: s.id, score: 4 });
    const v = await getCustomer360(h.ctx, { kind: 'system' }, w.customerA.id);
    expect(v.sectionErrors).toEqual([]);
    const tickets = v.sections.tickets as { id: number }[];
    expect(tickets.map((t) => t.id)).toEqual([open.id]);
    expect(v.sections.satisfaction).toMatchObject({ csatAverage: 4, csatCount: 1, latestNps: null });
  });
});
