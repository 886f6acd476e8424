import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
const stamps = {
  created_at: { type: DataTypes.DATE(3), allowNull: false },
  updated_at: { type: DataTypes.DATE(3), allowNull: false },
};
/** Money is integer cents (BIGINT), never floats. */
const cents = { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 };

/** Contracts, their approval flows, and receivable plans (issue 8). */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.createTable('contracts', {
    id,
    number: { type: DataTypes.STRING(40), allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    team_id: { type: DataTypes.INTEGER, allowNull: true },
    title: { type: DataTypes.STRING(200), allowNull: true },
    currency: { type: DataTypes.STRING(3), allowNull: false, defaultValue: 'CNY' },
    list_cents: cents,
    amount_cents: cents,
    discount_bp: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    sign_date: { type: DataTypes.DATEONLY, allowNull: true },
    start_date: { type: DataTypes.DATEONLY, allowNull: false },
    end_date: { type: DataTypes.DATEONLY, allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'draft' },
    note: { type: DataTypes.STRING(1000), allowNull: true },
    renewal_of_id: { type: DataTypes.INTEGER, allowNull: true },
    terminated_reason: { type: DataTypes.STRING(500), allowNull: true },
    created_by: { type: DataTypes.INTEGER, allowNull: true },
    approved_at: { type: DataTypes.DATE(3), allowNull: true },
    ...stamps,
  });
  await q.addIndex('contracts', ['number'], { unique: true, name: 'contracts_number_uq' });
  // One renewal per contract: concurrent "create renewal" taps agree on one draft (NULLs do not collide).
  await q.addIndex('contracts', ['renewal_of_id'], { unique: true, name: 'contracts_renewal_of_uq' });
  await q.addIndex('contracts', ['customer_id', 'id'], { name: 'contracts_customer_idx' });
  await q.addIndex('contracts', ['owner_id', 'status'], { name: 'contracts_owner_status_idx' });
  await q.addIndex('contracts', ['status', 'end_date'], { name: 'contracts_status_end_idx' });
  await q.addIndex('contracts', ['status', 'start_date'], { name: 'contracts_status_start_idx' });

  await q.createTable('contract_lines', {
    id,
    contract_id: { type: DataTypes.INTEGER, allowNull: false },
    seq: { type: DataTypes.INTEGER, allowNull: false },
    name: { type: DataTypes.STRING(200), allowNull: false },
    quantity: { type: DataTypes.INTEGER, allowNull: false },
    unit_price_cents: cents,
    discount_bp: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    amount_cents: cents,
  });
  await q.addIndex('contract_lines', ['contract_id', 'seq'], { unique: true, name: 'contract_lines_contract_uq' });

  await q.createTable('contract_attachments', {
    id,
    contract_id: { type: DataTypes.INTEGER, allowNull: false },
    file_name: { type: DataTypes.STRING(255), allowNull: false },
    file_key: { type: DataTypes.STRING(255), allowNull: false },
    mime: { type: DataTypes.STRING(100), allowNull: true },
    size_bytes: { type: DataTypes.INTEGER, allowNull: true },
    uploaded_by: { type: DataTypes.INTEGER, allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('contract_attachments', ['contract_id'], { name: 'contract_attachments_contract_idx' });

  await q.createTable('approval_requests', {
    id,
    entity_type: { type: DataTypes.STRING(32), allowNull: false },
    entity_id: { type: DataTypes.INTEGER, allowNull: false },
    submitter_id: { type: DataTypes.INTEGER, allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'pending' },
    rules: { type: DataTypes.JSON, allowNull: true },
    note: { type: DataTypes.STRING(1000), allowNull: true },
    reason: { type: DataTypes.STRING(1000), allowNull: true },
    decided_at: { type: DataTypes.DATE(3), allowNull: true },
    ...stamps,
  });
  await q.addIndex('approval_requests', ['entity_type', 'entity_id', 'id'], { name: 'approval_requests_entity_idx' });
  await q.addIndex('approval_requests', ['submitter_id', 'status'], { name: 'approval_requests_submitter_idx' });

  await q.createTable('approval_steps', {
    id,
    request_id: { type: DataTypes.INTEGER, allowNull: false },
    seq: { type: DataTypes.INTEGER, allowNull: false },
    label: { type: DataTypes.STRING(64), allowNull: false },
    approver_id: { type: DataTypes.INTEGER, allowNull: false },
    delegated_from_id: { type: DataTypes.INTEGER, allowNull: true },
    status: { type: DataTypes.STRING(16), allowNull: false },
    decided_by: { type: DataTypes.INTEGER, allowNull: true },
    decided_at: { type: DataTypes.DATE(3), allowNull: true },
    channel: { type: DataTypes.STRING(16), allowNull: true },
    comment: { type: DataTypes.STRING(1000), allowNull: true },
    ...stamps,
  });
  await q.addIndex('approval_steps', ['request_id', 'seq'], { unique: true, name: 'approval_steps_request_uq' });
  await q.addIndex('approval_steps', ['approver_id', 'status'], { name: 'approval_steps_approver_idx' });

  await q.createTable('approval_delegations', {
    user_id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
    delegate_id: { type: DataTypes.INTEGER, allowNull: false },
    until_at: { type: DataTypes.DATE(3), allowNull: false },
    ...stamps,
  });

  await q.createTable('receivable_instalments', {
    id,
    contract_id: { type: DataTypes.INTEGER, allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    seq: { type: DataTypes.INTEGER, allowNull: false },
    due_date: { type: DataTypes.DATEONLY, allowNull: false },
    amount_cents: cents,
    paid_cents: cents,
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'pending' },
    // 1 once the contract is approved: only live instalments are due, reminded, forecast.
    live: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    paid_on: { type: DataTypes.DATEONLY, allowNull: true },
    ...stamps,
  });
  await q.addIndex('receivable_instalments', ['contract_id', 'seq'], { unique: true, name: 'receivable_inst_contract_uq' });
  await q.addIndex('receivable_instalments', ['live', 'status', 'due_date'], { name: 'receivable_inst_due_idx' });
  await q.addIndex('receivable_instalments', ['customer_id', 'due_date'], { name: 'receivable_inst_customer_idx' });
  await q.addIndex('receivable_instalments', ['owner_id', 'status', 'due_date'], { name: 'receivable_inst_owner_idx' });

  await q.createTable('receivable_payments', {
    id,
    instalment_id: { type: DataTypes.INTEGER, allowNull: false },
    contract_id: { type: DataTypes.INTEGER, allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    amount_cents: cents,
    paid_on: { type: DataTypes.DATEONLY, allowNull: false },
    recorded_by: { type: DataTypes.INTEGER, allowNull: true },
    channel: { type: DataTypes.STRING(16), allowNull: false },
    note: { type: DataTypes.STRING(500), allowNull: true },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex('receivable_payments', ['customer_id', 'paid_on'], { name: 'receivable_pay_customer_idx' });
  await q.addIndex('receivable_payments', ['instalment_id'], { name: 'receivable_pay_inst_idx' });
  await q.addIndex('receivable_payments', ['contract_id'], { name: 'receivable_pay_contract_idx' });
}

export async function down({ queryInterface: q }: MigrationContext): Promise<void> {
  for (const t of ['receivable_payments', 'receivable_instalments', 'approval_delegations', 'approval_steps', 'approval_requests', 'contract_attachments', 'contract_lines', 'contracts']) {
    await q.dropTable(t);
  }
}
