import type { Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { readSetting, writeSetting } from '../db/settings';
import { OrgSettingsSchema, type OrgSettings } from './schemas';

export const ORG_SETTINGS_KEY = 'org.sync';

/** The mapping in force (defaults: the whole availability scope, leaders are managers, leavers' customers to their manager). */
export async function getOrgSettings(ctx: CoreContext, t?: Transaction | null): Promise<OrgSettings> {
  const value = await readSetting(ctx.db, ORG_SETTINGS_KEY, t);
  return OrgSettingsSchema.parse(value === null ? {} : JSON.parse(value));
}

/** Replaces the mapping (admins, the CLI); validated so a bad file never reaches a sync. */
export async function setOrgSettings(ctx: CoreContext, actor: Actor, channel: Channel, raw: unknown): Promise<OrgSettings> {
  if (actor.kind !== 'system' && !(actor.kind === 'user' && actor.role === 'admin')) throw new AppError('FORBIDDEN');
  const settings = parseInput(OrgSettingsSchema, raw);
  await ctx.db.tx(async (t) => {
    await writeSetting(ctx.db, t, ORG_SETTINGS_KEY, settings, ctx.clock.now());
    await recordAudit(ctx, t, { actor, action: 'org.settings.set', entityType: 'setting', entityId: null, channel, data: settings });
  });
  return settings;
}

export const ORG_GROUPS_KEY = 'org.sync.groups';

/** The members of the mapped user groups, as the last full sync read them (groups change no event the CRM gets). */
export async function getOrgGroups(ctx: CoreContext, t?: Transaction | null): Promise<Record<string, string[]>> {
  const value = await readSetting(ctx.db, ORG_GROUPS_KEY, t);
  return value === null ? {} : (JSON.parse(value) as Record<string, string[]>);
}

export async function saveOrgGroups(ctx: CoreContext, t: Transaction, groups: Record<string, string[]>): Promise<void> {
  await writeSetting(ctx.db, t, ORG_GROUPS_KEY, groups, ctx.clock.now());
}
