import request from 'supertest';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { createDb } from '../../core/db/connection';
import { createContext } from '../../core/compose';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { completeTask, createTask, snoozeTask } from '../../core/tasks/operations';
import { calendarFeed, createCalendarFeed, deliverDueReminders, sendDailyAgendas } from '../../core/tasks/reminders';
import { calendarRouter } from '../../server/http/calendar';
import type { Actor } from '../../core/context';

jest.setTimeout(30_000); // MySQL migrations on a shared, busy server can exceed the default 5 s

const system: Actor = { kind: 'system' };
const MIN = 60_000;

describeEachDb('tasks and reminders', (h) => {
  let rep: UserDto;
  let customerId: number;
  const outbox = (kind: string) => h.db.select<{ dedupe_key: string; recipient: string; payload: unknown }>('SELECT dedupe_key, recipient, payload FROM outbox WHERE kind = :k ORDER BY id', { k: kind });
  beforeAll(async () => {
    rep = await createUser(h.ctx, system, 'cli', { name: 'Rep', role: 'rep' });
    customerId = (await createCustomer(h.ctx, actorOf(rep), 'api', { name: '远航科技' })).customer.id;
  });

  it('delivers a reminder at its minute, once', async () => {
    const now = h.clock.now();
    const task = await createTask(h.ctx, actorOf(rep), 'chat', { title: '给王总打电话', dueAt: new Date(now.getTime() + 10 * MIN), customerId, channel: 'phone' });
    expect(task).toMatchObject({ customerName: '远航科技', ownerId: rep.id, status: 'open' });
    expect((await deliverDueReminders(h.ctx)).sent).toBe(0);
    h.clock.advance(10 * MIN);
    expect((await deliverDueReminders(h.ctx)).sent).toBe(1);
    expect((await deliverDueReminders(h.ctx)).sent).toBe(0);
    const msgs = (await outbox('task.reminder')).filter((m) => m.dedupe_key.startsWith(`task.remind:${task.id}:`));
    expect(msgs.map((m) => m.dedupe_key)).toEqual([`task.remind:${task.id}:0`]);
    expect(msgs[0].recipient).toBe(String(rep.id));
  });

  it('snooze 1 h re-arms it (a second click of the same card does nothing); tomorrow 9:00 is in the CRM zone', async () => {
    const task = await createTask(h.ctx, actorOf(rep), 'chat', { title: '发报价', dueAt: h.clock.now() });
    await deliverDueReminders(h.ctx);
    const s1 = await snoozeTask(h.ctx, actorOf(rep), 'card', task.id, { kind: '1h' }, 0);
    expect(s1.changed).toBe(true);
    expect(new Date(s1.task.remindAt!).getTime()).toBe(h.clock.now().getTime() + 60 * MIN - (h.clock.now().getTime() % MIN));
    expect((await snoozeTask(h.ctx, actorOf(rep), 'card', task.id, { kind: '1h' }, 0)).changed).toBe(false);
    h.clock.advance(60 * MIN);
    expect((await deliverDueReminders(h.ctx)).sent).toBe(1);
    const s2 = await snoozeTask(h.ctx, actorOf(rep), 'card', task.id, { kind: 'tomorrow9' }, 1);
    const local = new Date(s2.task.remindAt!).toLocaleString('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' });
    expect(local).toBe('09:00');
    const done = await completeTask(h.ctx, actorOf(rep), 'card', task.id);
    expect(done.changed).toBe(true);
    expect((await completeTask(h.ctx, actorOf(rep), 'card', task.id)).changed).toBe(false);
    h.clock.advance(24 * 60 * MIN);
    expect((await deliverDueReminders(h.ctx)).sent).toBe(0); // done tasks never remind
  });

  it('reschedule moves the due time and re-arms; past times and other reps are refused', async () => {
    const task = await createTask(h.ctx, actorOf(rep), 'chat', { title: '拜访', dueAt: h.clock.now() });
    const at = new Date(h.clock.now().getTime() + 3 * 60 * MIN);
    const r = await snoozeTask(h.ctx, actorOf(rep), 'card', task.id, { kind: 'reschedule', at });
    expect(r.task.dueAt).toBe(at.toISOString());
    expect(r.task.remindAt).toBe(at.toISOString());
    await expect(snoozeTask(h.ctx, actorOf(rep), 'card', task.id, { kind: 'reschedule', at: new Date(h.clock.now().getTime() - 3_600_000) })).rejects.toMatchObject({ code: 'VALIDATION', field: 'at' });
    const other = await createUser(h.ctx, system, 'cli', { name: 'Other', role: 'rep' });
    await expect(completeTask(h.ctx, actorOf(other), 'card', task.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('exactly once across a restart and across two processes', async () => {
    const base = h.clock.now();
    for (let i = 0; i < 40; i++) await createTask(h.ctx, actorOf(rep), 'chat', { title: `T${i}`, dueAt: new Date(base.getTime() + (i % 2 ? 5 : 10) * MIN) });
    // "process 1" delivers the first half, then stops; "process 2" starts on the same database.
    h.clock.advance(5 * MIN);
    expect((await deliverDueReminders(h.ctx)).sent).toBe(20);
    const db2 = createDb(h.url);
    const db3 = createDb(h.url);
    try {
      const ctx2 = createContext(db2, { clock: h.clock });
      const ctx3 = createContext(db3, { clock: h.clock });
      expect((await deliverDueReminders(ctx2)).sent).toBe(0); // the restart re-sends nothing
      h.clock.advance(5 * MIN);
      // two processes poll at once: every due reminder goes out exactly once
      const [a, b] = await Promise.all([deliverDueReminders(ctx2, { batch: 7 }), deliverDueReminders(ctx3, { batch: 7 })]);
      expect(a.sent + b.sent).toBe(20);
    } finally {
      await db2.close();
      await db3.close();
    }
    const keys = (await outbox('task.reminder')).map((m) => m.dedupe_key);
    expect(new Set(keys).size).toBe(keys.length);
    const [{ n }] = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM tasks WHERE title LIKE 'T%' AND reminded_at IS NOT NULL AND remind_at IS NULL");
    expect(Number(n)).toBe(40);
  });

  it('sends one 9:00 agenda per rep per day with today\'s and overdue tasks', async () => {
    h.clock.set('2026-12-01T01:00:00Z'); // 09:00 Shanghai
    await createTask(h.ctx, actorOf(rep), 'chat', { title: '今天的任务', dueAt: new Date('2026-12-01T06:00:00Z'), remindAt: null });
    const first = await sendDailyAgendas(h.ctx);
    const second = await sendDailyAgendas(h.ctx);
    expect(first.sent).toBeGreaterThanOrEqual(1);
    expect(second.sent).toBe(0);
    const msg = (await outbox('task.agenda')).find((m) => m.dedupe_key === `agenda:${rep.id}:2026-12-01`)!;
    const payload = typeof msg.payload === 'string' ? JSON.parse(msg.payload) : msg.payload;
    expect(payload.today.map((t: { title: string }) => t.title)).toEqual(['今天的任务']);
    expect(payload.overdue.length).toBeGreaterThan(0);
  });

  it('serves an ICS feed at a secret URL, folded and escaped; a wrong token is 404', async () => {
    await createTask(h.ctx, actorOf(rep), 'chat', { title: '拜访远航科技, 演示方案; 带上合同和报价单以及最新版的产品手册，记得提前确认会议室', dueAt: new Date('2026-12-02T02:00:00Z'), customerId, channel: 'visit' });
    const { token } = await createCalendarFeed(h.ctx, actorOf(rep), rep.id);
    const { app } = await testApp(h.ctx, [calendarRouter]);
    const res = await request(app.callback()).get(`/calendar/${token}.ics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/calendar');
    const text: string = res.text;
    expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const unfolded = text.replace(/\r\n /g, '');
    expect(unfolded).toContain('SUMMARY:拜访远航科技\\, 演示方案\\; 带上合同');
    expect(unfolded).toContain('DTSTART:20261202T020000Z');
    expect(unfolded).toContain('DURATION:PT60M');
    expect((await request(app.callback()).get('/calendar/AAAAAAAAAAAAAAAAAAAAAAAA.ics')).status).toBe(404);
    // rotating the token revokes the old URL
    await createCalendarFeed(h.ctx, actorOf(rep), rep.id);
    await expect(calendarFeed(h.ctx, token)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('registers the 360° tasks section', () => {
    expect([...h.ctx.registry.view360Sections.keys()]).toContain('tasks');
  });
});
