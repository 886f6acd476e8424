import { registerView360Section } from '../customers/view360';
import { listCustomerTasks } from './operations';

/** The 360° view's 'tasks' section: the customer's open tasks, one indexed query. */
let registered = false;
export function registerTaskSections(): void {
  if (registered) return;
  registered = true;
  registerView360Section('tasks', (ctx, customerId) => listCustomerTasks(ctx, customerId, 20));
}
registerTaskSections();
