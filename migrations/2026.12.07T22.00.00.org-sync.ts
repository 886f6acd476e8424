import { DataTypes } from 'sequelize';
import type { MigrationContext } from '../core/db/migrator';

/**
 * Org sync (core/org): the Lark org chart becomes the CRM's teams and people.
 * - teams: the Lark department a team mirrors (unique), its parent team (the tree) and the group chat that gets the
 *   team's digests (set from the bot's greeting card in that group).
 * - users: the other Lark ids (union_id is stable across apps, user_id is the tenant's employee id); a user who
 *   leaves is status 'inactive' (never deleted).
 * - org_departments / org_users: the last known Lark directory (what a full sync or the contact events said), so an
 *   event and a full sync reconcile from the same picture. `present = 0`: known to be gone (deleted, resigned, out of
 *   the app's availability); no row at all: not known yet (an event that came before the first full sync).
 *   `event_ms`: when what the row says was true (the event's create_time, or the full sync's start), so an older
 *   event processed after a newer one changes nothing.
 */
export async function up({ queryInterface: q }: MigrationContext): Promise<void> {
  await q.addColumn('teams', 'lark_department_id', { type: DataTypes.STRING(64), allowNull: true });
  await q.addColumn('teams', 'parent_id', { type: DataTypes.INTEGER, allowNull: true });
  await q.addColumn('teams', 'digest_chat_id', { type: DataTypes.STRING(64), allowNull: true });
  await q.addIndex('teams', ['lark_department_id'], { unique: true, name: 'teams_lark_department_uq' });
  await q.addIndex('teams', ['parent_id'], { name: 'teams_parent_idx' });
  await q.addColumn('users', 'lark_union_id', { type: DataTypes.STRING(64), allowNull: true });
  await q.addColumn('users', 'lark_user_id', { type: DataTypes.STRING(64), allowNull: true });
  await q.addIndex('users', ['lark_union_id'], { unique: true, name: 'users_lark_union_id_uq' });

  await q.createTable('org_departments', {
    open_department_id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    parent_id: { type: DataTypes.STRING(64), allowNull: true },
    name: { type: DataTypes.STRING(100), allowNull: false },
    leader_open_id: { type: DataTypes.STRING(64), allowNull: true },
    chat_id: { type: DataTypes.STRING(64), allowNull: true },
    present: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    event_ms: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    updated_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.createTable('org_users', {
    open_id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    union_id: { type: DataTypes.STRING(64), allowNull: true },
    user_id: { type: DataTypes.STRING(64), allowNull: true },
    name: { type: DataTypes.STRING(100), allowNull: false },
    email: { type: DataTypes.STRING(190), allowNull: true },
    mobile: { type: DataTypes.STRING(32), allowNull: true },
    department_ids: { type: DataTypes.JSON, allowNull: true },
    present: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    event_ms: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    updated_at: { type: DataTypes.DATE(3), allowNull: false },
  });
}

export async function down({ queryInterface: q, sequelize }: MigrationContext): Promise<void> {
  await q.dropTable('org_users');
  await q.dropTable('org_departments');
  // Not queryInterface.removeColumn: on SQLite it rebuilds the table and loses its indexes. Indexes first (SQLite
  // cannot drop an indexed column), then the columns in place.
  await q.removeIndex('users', 'users_lark_union_id_uq');
  await sequelize.query('ALTER TABLE users DROP COLUMN lark_user_id');
  await sequelize.query('ALTER TABLE users DROP COLUMN lark_union_id');
  await q.removeIndex('teams', 'teams_parent_idx');
  await q.removeIndex('teams', 'teams_lark_department_uq');
  await sequelize.query('ALTER TABLE teams DROP COLUMN digest_chat_id');
  await sequelize.query('ALTER TABLE teams DROP COLUMN parent_id');
  await sequelize.query('ALTER TABLE teams DROP COLUMN lark_department_id');
}
