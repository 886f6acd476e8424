import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { OrgSettingsSchema, type OrgSettings } from './schemas';

export const ORG_SETTINGS_KEY = 'org.sync';
const keyCol = (ctx: CoreContext) => (ctx.db.dialect === 'mysql' ? '`key`' : '"key"');

/** The mapping in force (defaults: the whole availability scope, leaders are managers, leavers' customers to their manager). */
export async function getOrgSettings(ctx: CoreContext, t?: Transaction | null): Promise<OrgSettings> {
  const rows = await ctx.db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyCol(ctx)} = :k`, { k: ORG_SETTINGS_KEY }, t);
  return OrgSettingsSchema.parse(rows.length ? JSON.parse(rows[0].value) : {});
}

/** Replaces the mapping (admins, the CLI); validated so a bad file never reaches a sync. */
export async function setOrgSettings(ctx: CoreContext, actor: Actor, channel: Channel, raw: unknown): Promise<OrgSettings> {
  if (actor.kind !== 'system' && !(actor.kind === 'user' && actor.role === 'admin')) throw new AppError('FORBIDDEN');
  const settings = parseInput(OrgSettingsSchema, raw);
  await ctx.db.tx(async (t) => {
    const now = ctx.clock.now();
    await ctx.db.sequelize.query(`DELETE FROM settings WHERE ${keyCol(ctx)} = :k`, { replacements: { k: ORG_SETTINGS_KEY }, type: QueryTypes.DELETE, transaction: t });
    await ctx.db.sequelize.query(`INSERT INTO settings (${keyCol(ctx)}, value, updated_at) VALUES (:k, :value, :now)`, {
      replacements: { k: ORG_SETTINGS_KEY, value: JSON.stringify(settings), now },
      type: QueryTypes.INSERT,
      transaction: t,
    });
    await recordAudit(ctx, t, { actor, action: 'org.settings.set', entityType: 'setting', entityId: null, channel, data: settings });
  });
  return settings;
}

export const ORG_GROUPS_KEY = 'org.sync.groups';

/** The members of the mapped user groups, as the last full sync read them (groups change no event the CRM gets). */
export async function getOrgGroups(ctx: CoreContext, t?: Transaction | null): Promise<Record<string, string[]>> {
  const rows = await ctx.db.select<{ value: string }>(`SELECT value FROM settings WHERE ${keyCol(ctx)} = :k`, { k: ORG_GROUPS_KEY }, t);
  return rows.length ? (JSON.parse(rows[0].value) as Record<string, string[]>) : {};
}

export async function saveOrgGroups(ctx: CoreContext, t: Transaction, groups: Record<string, string[]>): Promise<void> {
  await ctx.db.sequelize.query(`DELETE FROM settings WHERE ${keyCol(ctx)} = :k`, { replacements: { k: ORG_GROUPS_KEY }, type: QueryTypes.DELETE, transaction: t });
  await ctx.db.sequelize.query(`INSERT INTO settings (${keyCol(ctx)}, value, updated_at) VALUES (:k, :value, :now)`, {
    replacements: { k: ORG_GROUPS_KEY, value: JSON.stringify(groups), now: ctx.clock.now() },
    type: QueryTypes.INSERT,
    transaction: t,
  });
}
