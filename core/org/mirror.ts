import { QueryTypes, type Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { parseJson } from '../db/connection';
import { getOrCreateSetting } from '../db/settings';
import type { Mirror, MirrorDept, MirrorUser } from './rules';

/** The last known Lark directory (org_departments, org_users): what the full sync and the contact events write. */

export async function loadMirror(ctx: CoreContext, t?: Transaction | null): Promise<Mirror> {
  const depts = await ctx.db.select<{ open_department_id: string; parent_id: string | null; name: string; leader_open_id: string | null; present: unknown; event_ms: unknown }>(
    'SELECT open_department_id, parent_id, name, leader_open_id, present, event_ms FROM org_departments ORDER BY open_department_id',
    {},
    t,
  );
  const users = await ctx.db.select<{ open_id: string; union_id: string | null; user_id: string | null; name: string; email: string | null; mobile: string | null; department_ids: unknown; present: unknown; event_ms: unknown }>(
    'SELECT open_id, union_id, user_id, name, email, mobile, department_ids, present, event_ms FROM org_users ORDER BY open_id',
    {},
    t,
  );
  return {
    depts: new Map(depts.map((d) => [d.open_department_id, { id: d.open_department_id, parentId: d.parent_id ?? '0', name: d.name, leaderOpenId: d.leader_open_id, present: Boolean(Number(d.present)), eventMs: Number(d.event_ms ?? 0) }])),
    users: new Map(
      users.map((u) => [
        u.open_id,
        { openId: u.open_id, unionId: u.union_id, userId: u.user_id, name: u.name, email: u.email, mobile: u.mobile, departmentIds: parseJson<string[]>(u.department_ids, []), present: Boolean(Number(u.present)), eventMs: Number(u.event_ms ?? 0) },
      ]),
    ),
  };
}

const CHUNK = 500;

async function insertDepts(ctx: CoreContext, t: Transaction, rows: MirrorDept[]): Promise<void> {
  const now = ctx.clock.now();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    const repl: Record<string, unknown> = { now };
    const values = part.map((d, j) => {
      Object.assign(repl, { [`i${j}`]: d.id, [`p${j}`]: d.parentId, [`n${j}`]: d.name.slice(0, 100), [`l${j}`]: d.leaderOpenId, [`s${j}`]: d.present, [`v${j}`]: d.eventMs });
      return `(:i${j}, :p${j}, :n${j}, :l${j}, :s${j}, :v${j}, :now)`;
    });
    await ctx.db.sequelize.query(`INSERT INTO org_departments (open_department_id, parent_id, name, leader_open_id, present, event_ms, updated_at) VALUES ${values.join(', ')}`, {
      replacements: repl,
      type: QueryTypes.INSERT,
      transaction: t,
    });
  }
}

async function insertUsers(ctx: CoreContext, t: Transaction, rows: MirrorUser[]): Promise<void> {
  const now = ctx.clock.now();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    const repl: Record<string, unknown> = { now };
    const values = part.map((u, j) => {
      Object.assign(repl, {
        [`o${j}`]: u.openId,
        [`u${j}`]: u.unionId,
        [`e${j}`]: u.userId,
        [`n${j}`]: u.name.slice(0, 100),
        [`m${j}`]: u.email,
        [`p${j}`]: u.mobile,
        [`d${j}`]: JSON.stringify(u.departmentIds),
        [`s${j}`]: u.present,
        [`v${j}`]: u.eventMs,
      });
      return `(:o${j}, :u${j}, :e${j}, :n${j}, :m${j}, :p${j}, :d${j}, :s${j}, :v${j}, :now)`;
    });
    await ctx.db.sequelize.query(`INSERT INTO org_users (open_id, union_id, user_id, name, email, mobile, department_ids, present, event_ms, updated_at) VALUES ${values.join(', ')}`, {
      replacements: repl,
      type: QueryTypes.INSERT,
      transaction: t,
    });
  }
}

/** Replaces the whole mirror (a full sync). */
export async function replaceMirror(ctx: CoreContext, t: Transaction, m: Mirror): Promise<void> {
  await ctx.db.sequelize.query('DELETE FROM org_departments', { type: QueryTypes.DELETE, transaction: t });
  await ctx.db.sequelize.query('DELETE FROM org_users', { type: QueryTypes.DELETE, transaction: t });
  await insertDepts(ctx, t, [...m.depts.values()]);
  await insertUsers(ctx, t, [...m.users.values()]);
}

/** Writes the rows an event changed. */
export async function saveMirrorRows(ctx: CoreContext, t: Transaction, depts: MirrorDept[], users: MirrorUser[]): Promise<void> {
  if (depts.length) {
    await ctx.db.sequelize.query('DELETE FROM org_departments WHERE open_department_id IN (:ids)', { replacements: { ids: depts.map((d) => d.id) }, type: QueryTypes.DELETE, transaction: t });
    await insertDepts(ctx, t, depts);
  }
  if (users.length) {
    await ctx.db.sequelize.query('DELETE FROM org_users WHERE open_id IN (:ids)', { replacements: { ids: users.map((u) => u.openId) }, type: QueryTypes.DELETE, transaction: t });
    await insertUsers(ctx, t, users);
  }
}

/**
 * One org change at a time: the full sync and each event's reconciliation take this lock first in their
 * transaction (MySQL: a locking read of one settings row; SQLite serialises write transactions already), so none
 * reconciles from a mirror another is changing.
 */
export async function lockOrg(ctx: CoreContext, t: Transaction): Promise<void> {
  if (ctx.db.dialect !== 'mysql') return;
  await getOrCreateSetting(ctx.db, 'org.sync.lock', () => '1');
  await ctx.db.select("SELECT value FROM settings WHERE `key` = 'org.sync.lock' FOR UPDATE", {}, t);
}
