import type { Scenario } from '../types';
import { zipfIds } from '../lib/stats';
import { SERVER_ENV, SESSION_SQL, ticketAgent, ticketOwner, token } from './ticket-list';

/**
 * GET /mp/v1/tickets/:id (session check, ticket row, customer-visible timeline with author names, attachments,
 * names, latest survey) against a bare koa route running the same six SELECTs through the raw driver in order.
 * Tickets, events and sessions are seeded by the ticket-list scenario's SeedTables.
 */
const TICKET_SQL = 'SELECT * FROM tickets WHERE id = ?';
const EVENTS_SQL = `SELECT e.id, e.kind, e.author_type, e.author_id, e.body, e.from_status, e.to_status, e.internal, e.created_at, u.name AS user_name, c.name AS contact_name
  FROM ticket_events e LEFT JOIN users u ON e.author_type = 'user' AND u.id = e.author_id LEFT JOIN contacts c ON e.author_type = 'customer' AND c.id = e.author_id
  WHERE e.ticket_id = ? AND e.internal = 0 ORDER BY e.id`;
const ATTACH_SQL = 'SELECT id, name, mime, size FROM ticket_attachments WHERE ticket_id = ? ORDER BY id';
const PEOPLE_SQL = 'SELECT (SELECT name FROM users WHERE id = ?) AS agent_name, (SELECT name FROM customers WHERE id = ?) AS customer_name, (SELECT name FROM contacts WHERE id = ?) AS contact_name';
const SURVEY_SQL = 'SELECT id, kind, status, score FROM surveys WHERE ticket_id = ? ORDER BY id DESC LIMIT 1';

const scenario: Scenario = {
  name: 'ticket-detail',
  issue: 7,
  description: 'GET /mp/v1/tickets/:id (session + ticket + timeline + attachments + names + survey) against a bare koa route running the same SELECTs via the raw driver',
  database: 'mysql',
  targets: ['ticket-detail.ratio'],
  async run(h) {
    const sessions = h.seed.counts.mp_sessions ?? 0;
    const tickets = h.seed.counts.tickets ?? 0;
    if (!sessions || !tickets) return { figures: [], notes: ['no seeded tickets/sessions (tables missing?)'] };
    // Tickets drawn Zipf(s = 1, seeded) over the whole tickets table, one stream shared by every connection.
    const ids = zipfIds(tickets, h.smoke ? 300 : 20_000, 7);
    const server = await h.startServer({ env: SERVER_ENV });
    const baseline = await h.startBaseline({
      sql: {
        detail: [
          { sql: SESSION_SQL, params: ['sid'] },
          { sql: TICKET_SQL, params: ['tid'] },
          { sql: EVENTS_SQL, params: ['tid'] },
          { sql: ATTACH_SQL, params: ['tid'] },
          { sql: PEOPLE_SQL, params: ['a', 'cu', 'co'] },
          { sql: SURVEY_SQL, params: ['tid'] },
        ],
      },
    });
    const cmp = await h.compare(
      { url: server.url, requests: ids.map((tid) => ({ path: `/mp/v1/tickets/${tid}`, headers: { Authorization: `Bearer ${token(ticketOwner(tid, sessions))}` } })) },
      {
        url: baseline.url,
        requests: ids.map((tid) => {
          const c = ticketOwner(tid, sessions);
          return { path: `/sql/detail?sid=${c}&tid=${tid}&a=${ticketAgent(tid, h.seed.users.service) ?? 0}&cu=${c}&co=${c}` };
        }),
      },
    );
    return {
      figures: h.figures('GET /mp/v1/tickets/:id', cmp, { ratio: 'ticket-detail.ratio' }),
      notes: [
        'product runs the 4 detail reads in parallel on the pool; the baseline runs the 6 statements one after another',
        `cache state: warmed by the scenario's own warm-up; tickets Zipf(s = 1, seed 7) over all ${tickets.toLocaleString('en-US')} tickets (${new Set(ids).size.toLocaleString('en-US')} distinct of ${ids.length.toLocaleString('en-US')} draws)`,
      ],
    };
  },
};
export default scenario;
