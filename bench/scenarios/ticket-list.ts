import type { Scenario, SeedTable, SeedContext } from '../types';
import { zipfIds } from '../lib/stats';
import { encodeToken } from '../../core/mp/session';
import { PRIORITIES, TICKET_TYPES } from '../../core/tickets/rules';

/**
 * GET /mp/v1/tickets (customer session check + one keyset list query) against a bare koa route running the
 * same two statements through the raw driver. Seeds tickets (concentrated on the first customers, so lists
 * are full pages), three timeline events each, and one mini-program session per ticketed customer.
 */
export const BENCH_MP_SECRET = 'bench-mp-session-secret-0123456789abcdef';
/** Customers that have sessions and tickets: 1..sessions(scale). */
const SESSIONS = { smoke: 50, small: 500, full: 500 };
const sessionsOf = (s: SeedContext) => Math.min(SESSIONS[s.scale], s.counts.customers ?? SESSIONS[s.scale]);
const FAR = new Date('2099-01-01T00:00:00Z');

export const ticketOwner = (ticketId: number, sessions: number) => 1 + ((ticketId - 1) % sessions);
export const ticketAgent = (ticketId: number, service: number[]) => (service.length ? service[(ticketId - 1) % service.length] : null);
export const token = (sessionId: number) => encodeToken(BENCH_MP_SECRET, sessionId, FAR);

export const SEED_TABLES: SeedTable[] = [
  {
    table: 'tickets',
    rows: { smoke: 200, small: 20_000, full: 100_000 },
    version: 1,
    row(i, r, s) {
      const id = i + 1;
      const created = new Date(s.now.getTime() - (100_000 - i) * 60_000);
      const status = r() < 0.6 ? 'resolved' : r() < 0.5 ? 'in_progress' : 'assigned';
      const customer = ticketOwner(id, sessionsOf(s));
      return {
        id,
        customer_id: customer,
        contact_id: customer,
        type: TICKET_TYPES[Math.floor(r() * TICKET_TYPES.length)],
        priority: PRIORITIES[Math.floor(r() * PRIORITIES.length)],
        status,
        title: `设备故障报修 #${id}`,
        description: '会议室投影仪开机后没有画面，指示灯闪烁，已尝试重启。',
        assignee_id: ticketAgent(id, s.users.service),
        tier: null,
        source: 'mp',
        created_by_type: 'customer',
        created_by_id: customer,
        first_responded_at: created,
        resolved_at: status === 'resolved' ? created : null,
        closed_at: null,
        reopen_count: 0,
        frt_due_at: created,
        frt_warn_at: created,
        frt_stage: 'met',
        res_due_at: created,
        res_warn_at: created,
        res_stage: status === 'resolved' ? 'met' : 'ok',
        sla_paused_at: null,
        sla_next_at: null,
        created_at: created,
        updated_at: created,
      };
    },
  },
  {
    table: 'ticket_events',
    rows: { smoke: 600, small: 60_000, full: 300_000 },
    version: 1,
    row(i, _r, s) {
      const ticketId = 1 + Math.floor(i / 3);
      const k = i % 3;
      const at = new Date(s.now.getTime() - (100_000 - ticketId) * 60_000 + k * 60_000);
      const customer = ticketOwner(ticketId, sessionsOf(s));
      const agent = ticketAgent(ticketId, s.users.service);
      if (k === 0) return { id: i + 1, ticket_id: ticketId, kind: 'status', author_type: 'customer', author_id: customer, body: null, from_status: null, to_status: 'new', internal: false, created_at: at };
      if (k === 1) return { id: i + 1, ticket_id: ticketId, kind: 'comment', author_type: agent ? 'user' : 'system', author_id: agent, body: '您好，工程师将于今天下午上门检查。', from_status: null, to_status: null, internal: false, created_at: at };
      return { id: i + 1, ticket_id: ticketId, kind: 'note', author_type: agent ? 'user' : 'system', author_id: agent, body: '内部备注：客户为老客户', from_status: null, to_status: null, internal: true, created_at: at };
    },
  },
  {
    table: 'mp_sessions',
    rows: SESSIONS,
    version: 1,
    row(i, _r, s) {
      return { id: i + 1, contact_id: i + 1, customer_id: i + 1, client: 'h5', expires_at: FAR, revoked_at: null, created_at: s.now };
    },
  },
];

export const SESSION_SQL =
  'SELECT s.contact_id, s.customer_id, s.client, s.expires_at, s.revoked_at, c.customer_id AS contact_customer FROM mp_sessions s LEFT JOIN contacts c ON c.id = s.contact_id WHERE s.id = ?';
const LIST_SQL = 'SELECT id, type, priority, status, title, created_at, updated_at FROM tickets WHERE customer_id = ? ORDER BY id DESC LIMIT 21';

/** Server env: the session secret the tokens are signed with, and no per-session rate limit in the way. */
export const SERVER_ENV = { MP_SESSION_SECRET: BENCH_MP_SECRET, CRM_MP_SESSION_RPM: '1000000' };

const scenario: Scenario = {
  name: 'ticket-list',
  issue: 7,
  description: 'GET /mp/v1/tickets (session check + keyset list) against a bare koa route running the same two SELECTs via the raw driver',
  database: 'mysql',
  targets: ['ticket-list.ratio'],
  seed: SEED_TABLES,
  async run(h) {
    const sessions = h.seed.counts.mp_sessions ?? 0;
    if (!sessions || !h.seed.counts.tickets) return { figures: [], notes: ['no seeded tickets/sessions (tables missing?)'] };
    // Customers (sessions) drawn Zipf(s = 1, seeded) over every customer with a session, one shared stream.
    const ids = zipfIds(sessions, h.smoke ? 200 : 10_000, 11);
    const server = await h.startServer({ env: SERVER_ENV });
    const baseline = await h.startBaseline({ sql: { list: [{ sql: SESSION_SQL, params: ['sid'] }, { sql: LIST_SQL, params: ['cid'] }] } });
    const cmp = await h.compare(
      { url: server.url, requests: ids.map((sid) => ({ path: '/mp/v1/tickets?limit=20', headers: { Authorization: `Bearer ${token(sid)}` } })) },
      { url: baseline.url, requests: ids.map((sid) => ({ path: `/sql/list?sid=${sid}&cid=${sid}` })) },
    );
    return {
      figures: h.figures('GET /mp/v1/tickets', cmp, { ratio: 'ticket-list.ratio' }),
      notes: [`cache state: warmed by the scenario's own warm-up; sessions Zipf(s = 1, seed 11) over all ${sessions} customers with sessions; ${sessions} customers with sessions, ~${Math.round(h.seed.counts.tickets / sessions)} tickets each; pages of 20; baseline: the same 2 SELECTs via the raw driver`],
    };
  },
};
export default scenario;
