import type { Transaction } from 'sequelize';
import type { Channel, CoreContext } from '../context';
import { loadMirror, lockOrg, replaceMirror, saveMirrorRows } from './mirror';
import { reconcile } from './reconcile';
import type { Mirror, MirrorDept, MirrorUser } from './rules';
import { getOrgSettings, saveOrgGroups } from './settings';
import type { OrgDepartment, OrgDirectory, OrgPerson, OrgSnapshot } from './port';
import type { OrgDiff } from './schemas';

export interface SyncOptions {
  dryRun?: boolean;
  channel?: Channel;
}

const deptRow = (d: OrgDepartment, present: boolean, eventMs: number): MirrorDept => ({ id: d.id, parentId: d.parentId || '0', name: d.name, leaderOpenId: d.leaderOpenId, present, eventMs });
const userRow = (u: OrgPerson, present: boolean, eventMs: number): MirrorUser => ({
  openId: u.openId,
  unionId: u.unionId,
  userId: u.userId,
  name: u.name,
  email: u.email ?? null,
  mobile: u.mobile ?? null,
  departmentIds: u.departmentIds.length ? u.departmentIds : ['0'],
  present,
  eventMs,
});

/**
 * The full sync: the directory's snapshot replaces the mirror (whoever is missing from it is known gone: left or
 * out of the app's availability, and so is a linked CRM user it does not list), then teams and people are reconciled.
 * `dryRun` computes the same diff and writes nothing. Safe to run twice: the second run finds nothing to change.
 */
export async function syncOrg(ctx: CoreContext, source: OrgDirectory | OrgSnapshot, opts: SyncOptions = {}): Promise<OrgDiff> {
  const settings = await getOrgSettings(ctx);
  const startMs = ctx.clock.now().getTime();
  const snap = 'snapshot' in source ? await source.snapshot({ ...settings.fields, groups: settings.serviceGroups }) : source;
  const groups = snap.groups ?? {};
  const diff = await ctx.db.tx(async (t) => {
    await lockOrg(ctx, t);
    const mirror: Mirror = { depts: new Map(), users: new Map() };
    for (const d of snap.departments) mirror.depts.set(d.id, deptRow(d, true, startMs));
    for (const u of snap.users) mirror.users.set(u.openId, userRow(u, true, startMs));
    const before = await loadMirror(ctx, t);
    // An event newer than the snapshot's start (it came while the directory was read) keeps its word.
    for (const d of before.depts.values()) if (d.eventMs > startMs || !mirror.depts.has(d.id)) mirror.depts.set(d.id, d.eventMs > startMs ? d : { ...d, present: false, eventMs: startMs });
    for (const u of before.users.values()) if (u.eventMs > startMs || !mirror.users.has(u.openId)) mirror.users.set(u.openId, u.eventMs > startMs ? u : { ...u, present: false, eventMs: startMs });
    const linked = await ctx.db.select<{ lark_open_id: string; lark_union_id: string | null; name: string }>('SELECT lark_open_id, lark_union_id, name FROM users WHERE lark_open_id IS NOT NULL', {}, t);
    for (const u of linked) {
      if (!mirror.users.has(u.lark_open_id)) mirror.users.set(u.lark_open_id, { openId: u.lark_open_id, unionId: u.lark_union_id, userId: null, name: u.name, email: null, mobile: null, departmentIds: [], present: false, eventMs: startMs });
    }
    const d = await reconcile(ctx, t, mirror, settings, { dryRun: Boolean(opts.dryRun), channel: opts.channel ?? 'job', groups });
    if (!opts.dryRun) {
      await replaceMirror(ctx, t, mirror);
      await saveOrgGroups(ctx, t, groups);
    }
    return d;
  });
  diff.warnings.unshift(...snap.warnings);
  return diff;
}

/** One change the contact events carry, normalised by the transport (bot/org-events.ts). */
export type DirectoryChange =
  | { kind: 'user.upsert'; user: OrgPerson; active: boolean }
  | { kind: 'user.remove'; openId: string }
  | { kind: 'dept.upsert'; dept: OrgDepartment }
  | { kind: 'dept.remove'; id: string };

/**
 * The incremental path: the changes patch the mirror, then the same reconciliation as the full sync runs. An event
 * about someone whose department is not known yet (before the first full sync) is kept and does nothing else.
 */
export async function applyDirectoryChanges(
  ctx: CoreContext,
  changes: DirectoryChange[],
  opts: { channel?: Channel; eventMs?: number } = {},
  parent?: Transaction | null,
): Promise<OrgDiff> {
  const settings = await getOrgSettings(ctx, parent);
  const at = opts.eventMs ?? ctx.clock.now().getTime();
  return ctx.db.tx(async (t) => {
    await lockOrg(ctx, t);
    const mirror = await loadMirror(ctx, t);
    const depts = new Map<string, MirrorDept>();
    const users = new Map<string, MirrorUser>();
    // A change older than what the mirror holds (events processed out of order, or before a newer full sync) is ignored.
    const newer = (cur: { eventMs: number } | undefined) => !cur || at >= cur.eventMs;
    for (const c of changes) {
      if (c.kind === 'dept.upsert') {
        if (newer(depts.get(c.dept.id) ?? mirror.depts.get(c.dept.id))) depts.set(c.dept.id, deptRow(c.dept, true, at));
      } else if (c.kind === 'dept.remove') {
        const cur = depts.get(c.id) ?? mirror.depts.get(c.id);
        if (newer(cur)) depts.set(c.id, cur ? { ...cur, present: false, eventMs: at } : { id: c.id, parentId: '0', name: c.id, leaderOpenId: null, present: false, eventMs: at });
      } else if (c.kind === 'user.upsert') {
        const cur = users.get(c.user.openId) ?? mirror.users.get(c.user.openId);
        if (!newer(cur)) continue;
        // Only the fields the CRM keeps: e-mail and mobile only when the setting asks; departments kept when the
        // event carries none (the department scope not granted).
        const departmentIds = c.user.departmentIds.length ? c.user.departmentIds : (cur?.departmentIds ?? []);
        const row = userRow({ ...c.user, departmentIds, email: settings.fields.email ? c.user.email : null, mobile: settings.fields.mobile ? c.user.mobile : null }, c.active, at);
        users.set(c.user.openId, { ...row, unionId: row.unionId ?? cur?.unionId ?? null, userId: row.userId ?? cur?.userId ?? null });
      } else {
        const cur = users.get(c.openId) ?? mirror.users.get(c.openId);
        if (newer(cur)) users.set(c.openId, cur ? { ...cur, present: false, eventMs: at } : { openId: c.openId, unionId: null, userId: null, name: c.openId, email: null, mobile: null, departmentIds: [], present: false, eventMs: at });
      }
    }
    for (const d of depts.values()) mirror.depts.set(d.id, d);
    for (const u of users.values()) mirror.users.set(u.openId, u);
    await saveMirrorRows(ctx, t, [...depts.values()], [...users.values()]);
    return reconcile(ctx, t, mirror, settings, { dryRun: false, channel: opts.channel ?? 'job' });
  }, parent);
}
