import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/** Service through the mini-program: tickets + timeline + attachments, surveys, knowledge base, customer sign-in. */
const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
const stamps = {
  created_at: { type: DataTypes.DATE(3), allowNull: false },
  updated_at: { type: DataTypes.DATE(3), allowNull: false },
};
const str = (n: number, allowNull = true) => ({ type: DataTypes.STRING(n), allowNull });
const date = (allowNull = true) => ({ type: DataTypes.DATE(3), allowNull });
const int = (allowNull = true) => ({ type: DataTypes.INTEGER, allowNull });

export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('tickets', {
    id,
    customer_id: int(false),
    contact_id: int(),
    type: str(24, false),
    priority: str(12, false),
    status: str(20, false),
    title: str(200, false),
    description: { type: DataTypes.TEXT, allowNull: false },
    assignee_id: int(),
    tier: str(16),
    source: str(12, false),
    created_by_type: str(12, false),
    created_by_id: int(),
    first_responded_at: date(),
    resolved_at: date(),
    closed_at: date(),
    reopen_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    // SLA clocks: absolute due/warn times (recomputed on resume), per-clock stage, and the next moment the sweep must look.
    frt_due_at: date(),
    frt_warn_at: date(),
    frt_stage: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'ok' },
    res_due_at: date(),
    res_warn_at: date(),
    res_stage: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'ok' },
    sla_paused_at: date(),
    sla_next_at: date(),
    ...stamps,
  });
  await q.addIndex('tickets', ['customer_id', 'id'], { name: 'tickets_customer_idx' });
  await q.addIndex('tickets', ['customer_id', 'status', 'id'], { name: 'tickets_customer_status_idx' });
  await q.addIndex('tickets', ['assignee_id', 'status'], { name: 'tickets_assignee_status_idx' });
  await q.addIndex('tickets', ['status', 'resolved_at'], { name: 'tickets_status_resolved_idx' });
  await q.addIndex('tickets', ['sla_next_at'], { name: 'tickets_sla_next_idx' });

  await q.createTable('ticket_events', {
    id,
    ticket_id: int(false),
    kind: str(12, false), // comment | status | note | assign
    author_type: str(12, false), // customer | user | system
    author_id: int(),
    body: { type: DataTypes.TEXT, allowNull: true },
    from_status: str(20),
    to_status: str(20),
    internal: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    created_at: date(false),
  });
  await q.addIndex('ticket_events', ['ticket_id', 'id'], { name: 'ticket_events_ticket_idx' });

  await q.createTable('ticket_attachments', {
    id,
    ticket_id: int(false),
    event_id: int(),
    storage_key: str(200, false),
    name: str(200, false),
    mime: str(64, false),
    size: int(false),
    created_at: date(false),
  });
  await q.addIndex('ticket_attachments', ['ticket_id', 'id'], { name: 'ticket_attachments_ticket_idx' });

  // One row per assignment queue, locked while choosing an agent (serialises round-robin and least-busy).
  await q.createTable('service_queues', {
    name: { type: DataTypes.STRING(32), primaryKey: true, allowNull: false },
    last_user_id: int(),
    updated_at: date(false),
  });
  // Assignment reads active service agents on every new ticket.
  await q.addIndex('users', ['role', 'status'], { name: 'users_role_status_idx' });
  await q.bulkInsert('service_queues', [{ name: 'default', last_user_id: null, updated_at: new Date() }]);

  await q.createTable('surveys', {
    id,
    kind: str(8, false), // csat | nps
    customer_id: int(false),
    contact_id: int(),
    ticket_id: int(),
    agent_id: int(),
    status: str(12, false), // pending | answered | expired
    score: int(),
    comment: str(1000),
    expires_at: date(false),
    answered_at: date(),
    ...stamps,
  });
  await q.addIndex('surveys', ['customer_id', 'status', 'id'], { name: 'surveys_customer_idx' });
  await q.addIndex('surveys', ['ticket_id'], { name: 'surveys_ticket_idx' });
  await q.addIndex('surveys', ['agent_id', 'answered_at'], { name: 'surveys_agent_idx' });
  await q.addIndex('surveys', ['contact_id', 'kind', 'created_at'], { name: 'surveys_contact_kind_idx' });

  await q.createTable('kb_articles', {
    id,
    title: str(200, false),
    body: { type: DataTypes.TEXT, allowNull: false },
    category: str(64),
    tags: { type: DataTypes.JSON, allowNull: true },
    status: str(12, false), // draft | published
    helpful_yes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    helpful_no: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_by: int(),
    ...stamps,
  });
  await q.addIndex('kb_articles', ['status', 'category'], { name: 'kb_articles_status_idx' });

  await q.createTable('kb_terms', {
    term: { type: DataTypes.STRING(40), allowNull: false, primaryKey: true },
    article_id: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
    weight: { type: DataTypes.INTEGER, allowNull: false },
  });
  await q.addIndex('kb_terms', ['article_id'], { name: 'kb_terms_article_idx' });

  await q.createTable('kb_feedback', {
    id,
    article_id: int(false),
    contact_id: int(),
    user_id: int(),
    helpful: { type: DataTypes.BOOLEAN, allowNull: false },
    query: str(100),
    ...stamps,
  });
  await q.addIndex('kb_feedback', ['article_id', 'contact_id'], { unique: true, name: 'kb_feedback_contact_uq' });

  await q.createTable('mp_invites', {
    id,
    code_hash: str(64, false),
    customer_id: int(false),
    contact_id: int(false),
    created_by: int(),
    expires_at: date(false),
    redeemed_at: date(),
    created_at: date(false),
  });
  await q.addIndex('mp_invites', ['code_hash'], { unique: true, name: 'mp_invites_code_uq' });
  await q.addIndex('mp_invites', ['contact_id'], { name: 'mp_invites_contact_idx' });

  await q.createTable('mp_identities', {
    id,
    provider: str(12, false), // wechat | lark
    subject: str(128, false),
    contact_id: int(false),
    customer_id: int(false),
    created_at: date(false),
  });
  await q.addIndex('mp_identities', ['provider', 'subject'], { unique: true, name: 'mp_identities_subject_uq' });
  await q.addIndex('mp_identities', ['contact_id'], { name: 'mp_identities_contact_idx' });

  await q.createTable('mp_sessions', {
    id,
    contact_id: int(false),
    customer_id: int(false),
    client: str(8, false),
    expires_at: date(false),
    revoked_at: date(),
    created_at: date(false),
  });
  await q.addIndex('mp_sessions', ['contact_id'], { name: 'mp_sessions_contact_idx' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.removeIndex('users', 'users_role_status_idx');
  for (const t of ['mp_sessions', 'mp_identities', 'mp_invites', 'kb_feedback', 'kb_terms', 'kb_articles', 'surveys', 'service_queues', 'ticket_attachments', 'ticket_events', 'tickets']) {
    await q.dropTable(t);
  }
}
