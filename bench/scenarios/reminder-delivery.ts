import { QueryTypes } from 'sequelize';
import type { Scenario } from '../types';
import { createContext } from '../../core/compose';
import { toDate } from '../../core/db/connection';
import { startJobs } from '../../server/jobs';
import { createLogger } from '../../server/logger';

/**
 * Reminder delivery latency: N tasks all due at the same moment, the real reminder job (tasks.reminders, every second,
 * core/tasks/index.ts, run by the server's scheduler in server/jobs.ts) polling the database due-list; latency = outbox row written − due time, per reminder.
 * "Sent" is the outbox enqueue (the bot's outbox then delivers within Lark's rate limits, measured by its own scenario).
 */
const TITLE = 'bench-reminder';

const scenario: Scenario = {
  name: 'reminder-delivery',
  issue: 6,
  description: 'due → enqueued latency of task reminders with N due at once, real worker polling every second',
  database: 'any',
  targets: ['reminder.p99'],
  async run(h) {
    const n = h.smoke ? 200 : 10_000;
    const ctx = createContext(h.db, { timezone: 'Asia/Shanghai' });
    const reps = h.seed.users.reps.length ? h.seed.users.reps : [h.seed.users.admin];
    const cleanup = async () => {
      await h.db.sequelize.query("DELETE FROM outbox WHERE kind = 'task.reminder' AND dedupe_key IN (SELECT CONCAT_WS('', 'task.remind:', id, ':0') FROM tasks WHERE title = :t)".replace(
        "CONCAT_WS('', 'task.remind:', id, ':0')", h.dialect === 'mysql' ? "CONCAT('task.remind:', id, ':0')" : "'task.remind:' || id || ':0'"), { replacements: { t: TITLE }, type: QueryTypes.DELETE });
      await h.db.sequelize.query('DELETE FROM tasks WHERE title = :t', { replacements: { t: TITLE }, type: QueryTypes.DELETE });
    };
    await cleanup();
    const due = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    const esc = (v: unknown) => h.db.sequelize.escape(v as string);
    const now = new Date();
    for (let b = 0; b < n; b += 2000) {
      const values: string[] = [];
      for (let i = b; i < Math.min(n, b + 2000); i++) {
        values.push(`(${[TITLE, 'normal', due, due, 0, reps[i % reps.length], 'open', 'bench', now, now].map(esc).join(', ')})`);
      }
      await h.db.sequelize.query(`INSERT INTO tasks (title, priority, due_at, remind_at, reminder_seq, owner_id, status, source, created_at, updated_at) VALUES ${values.join(', ')}`, { type: QueryTypes.INSERT });
    }
    const worker = startJobs({ core: ctx, logger: createLogger('error') }, { jobs: ctx.registry.jobs.filter((j) => j.name === 'tasks.reminders'), workers: [] });
    const deadline = Date.now() + 120_000;
    try {
      for (;;) {
        const [{ n_left: left }] = await h.db.select<{ n_left: number }>('SELECT COUNT(*) AS n_left FROM tasks WHERE title = :t AND remind_at IS NOT NULL', { t: TITLE });
        if (Number(left) === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await worker.stop();
    }
    const ids = new Map((await h.db.select<{ id: number }>('SELECT id FROM tasks WHERE title = :t', { t: TITLE })).map((r) => [`task.remind:${r.id}:0`, true]));
    const rows = await h.db.select<{ dedupe_key: string; created_at: unknown }>("SELECT dedupe_key, created_at FROM outbox WHERE kind = 'task.reminder' AND created_at >= :d", { d: new Date(due.getTime() - 1000) });
    const lat = rows.filter((r) => ids.has(r.dedupe_key)).map((r) => toDate(r.created_at)!.getTime() - due.getTime()).sort((a, b) => a - b);
    await cleanup();
    const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
    return {
      figures: [
        { name: `p99 due → enqueued (${n} due at once)`, value: q(0.99), unit: 'ms', target: 'reminder.p99' },
        { name: 'p50', value: q(0.5), unit: 'ms' },
        { name: 'max', value: lat.at(-1) ?? NaN, unit: 'ms' },
        { name: 'reminders sent', value: lat.length, unit: 'count' },
      ],
      notes: ['the worker polls every second, so up to 1 s of a reminder\'s latency is the polling phase'],
      details: { n, sent: lat.length },
    };
  },
};
export default scenario;
