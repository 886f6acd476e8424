import Router from '@koa/router';
import type { RouterFactory } from '../app';
import { calendarFeed } from '../../core/tasks/reminders';

/** GET /calendar/<secret>.ics: a rep's tasks as an iCalendar feed (Lark Calendar, Outlook, Google subscribe to it). */
export const calendarRouter: RouterFactory = ({ core }) => {
  const router = new Router();
  router.get('/calendar/:file', async (ctx) => {
    const m = /^([A-Za-z0-9_-]{16,64})\.ics$/.exec(ctx.params.file);
    if (!m) {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: 'Not found' } };
      return;
    }
    ctx.body = await calendarFeed(core, m[1]);
    ctx.type = 'text/calendar; charset=utf-8';
    ctx.set('Cache-Control', 'private, max-age=300');
  });
  return router;
};
