import type { CoreRegistry } from '../registry';
import { listCustomerTasks } from './operations';
import { deliverDueReminders, sendDailyAgendas } from './reminders';

/**
 * Tasks: the 360° 'tasks' section (open tasks, one indexed query), the morning agenda and the reminder poller
 * (every second; reminders and agendas carry outbox dedupe keys, so several processes may run them).
 */
export function register(r: CoreRegistry): void {
  r.view360Section('tasks', (ctx, customerId) => listCustomerTasks(ctx, customerId, 20));
  r.job({ name: 'tasks.agenda', cron: '0 9 * * *', run: (ctx) => sendDailyAgendas(ctx) });
  r.job({ name: 'tasks.reminders', cron: '* * * * * *', run: (ctx) => deliverDueReminders(ctx), logWhen: (res) => res.sent > 0 });
}
