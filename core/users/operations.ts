import { z } from 'zod';
import { Op } from 'sequelize';
import { dbId } from '../shared/fields';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { isUniqueViolation } from '../db/connection';
import { recordAudit } from '../audit/record';
import { normalizeEmail, normalizePhone } from '../customers/normalize';
import type { UserAttrs } from './model';
import { ROLES, type UserDto } from './schemas';
import { parseInput } from '../validation';

export type { UserDto } from './schemas';

export function toUserDto(u: UserAttrs): UserDto {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    phone: u.phone,
    role: u.role,
    teamId: u.team_id,
    managerId: u.manager_id,
    larkOpenId: u.lark_open_id,
    status: u.status,
    skills: u.skills ?? [],
  };
}

export function actorOf(u: Pick<UserDto, 'id' | 'role' | 'teamId' | 'teamIds'>): Actor {
  return { kind: 'user', userId: u.id, role: u.role, teamId: u.teamId, ...(u.teamIds?.length ? { teamIds: u.teamIds } : {}) };
}

/** The team and every team below it (teams.parent_id, kept by the org sync from the Lark department tree). */
export async function teamSubtree(ctx: CoreContext, teamId: number): Promise<number[]> {
  const rows = await ctx.db.select<{ id: number }>(
    'WITH RECURSIVE sub(id) AS (SELECT id FROM teams WHERE id = :t UNION SELECT t.id FROM teams t JOIN sub ON t.parent_id = sub.id) SELECT id FROM sub LIMIT 5000',
    { t: teamId },
  );
  return rows.map((r) => Number(r.id));
}

export const createUserInput = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
  email: z.string().trim().max(190).optional().nullable(),
  phone: z.string().trim().max(32).optional().nullable(),
  teamId: dbId.optional().nullable(),
  team: z.string().trim().min(1).max(100).optional(),
  larkOpenId: z.string().trim().min(1).max(64).optional().nullable(),
  skills: z.array(z.string().min(1).max(32)).max(20).optional(),
});
export type CreateUserInput = z.input<typeof createUserInput>;

/** Adds a CRM user; `team` (a name) creates or reuses the team. A manager of a new team becomes its manager. */
export async function createUser(ctx: CoreContext, actor: Actor, channel: Channel, raw: CreateUserInput): Promise<UserDto> {
  const input = parseInput(createUserInput, raw);
  const email = input.email ? normalizeEmail(input.email) : null;
  if (input.email && !email) throw new AppError('VALIDATION', { field: 'email', detail: { 'zh-CN': '邮箱格式不正确', en: 'Not a valid e-mail address' } });
  const phone = input.phone ? normalizePhone(input.phone) : null;
  if (input.phone && !phone) throw new AppError('VALIDATION', { field: 'phone', detail: { 'zh-CN': '手机号格式不正确', en: 'Not a valid phone number' } });
  try {
    return await ctx.db.tx(async (t) => {
      let teamId = input.teamId ?? null;
      let newTeam = false;
      if (!teamId && input.team) {
        const [team, created] = await ctx.models.Team.findOrCreate({ where: { name: input.team }, defaults: { name: input.team }, transaction: t });
        teamId = team.get('id');
        newTeam = created;
      } else if (teamId && !(await ctx.models.Team.findByPk(teamId, { transaction: t }))) {
        throw new AppError('VALIDATION', { field: 'teamId', detail: { 'zh-CN': '团队不存在', en: 'No such team' } });
      }
      let managerId: number | null = null;
      if (teamId) {
        const team = await ctx.models.Team.findByPk(teamId, { transaction: t });
        managerId = team?.get('manager_id') ?? null;
      }
      const user = await ctx.models.User.create(
        {
          name: input.name,
          role: input.role,
          email,
          phone,
          team_id: teamId,
          manager_id: input.role === 'manager' ? null : managerId,
          lark_open_id: input.larkOpenId ?? null,
          skills: input.skills ?? [],
        },
        { transaction: t },
      );
      if (teamId && input.role === 'manager' && (newTeam || managerId === null)) {
        await ctx.models.Team.update({ manager_id: user.get('id') }, { where: { id: teamId }, transaction: t });
        await ctx.models.User.update({ manager_id: user.get('id') }, { where: { team_id: teamId, manager_id: null, role: ['rep', 'service'] }, transaction: t });
      }
      await recordAudit(ctx, t, { actor, action: 'user.create', entityType: 'user', entityId: user.get('id'), channel, data: { role: input.role, teamId } });
      return toUserDto(user.get({ plain: true }));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      const field = String((e as { fields?: Record<string, unknown> }).fields ? Object.keys((e as { fields: Record<string, unknown> }).fields)[0] : 'larkOpenId');
      throw new AppError('DUPLICATE', { field: field.includes('email') ? 'email' : 'larkOpenId' });
    }
    throw e;
  }
}

/** The CRM user behind a Lark open_id; a deactivated user (left the company) is nobody. */
export async function findUserByOpenId(ctx: CoreContext, openId: string): Promise<UserDto | null> {
  const u = await ctx.models.User.findOne({ where: { lark_open_id: openId } });
  if (!u || u.get('status') === 'inactive') return null;
  const dto = toUserDto(u.get({ plain: true }));
  // A manager also manages the teams below theirs (the org tree): one indexed walk down teams.parent_id.
  if (dto.role === 'manager' && dto.teamId !== null) {
    const teamIds = await teamSubtree(ctx, dto.teamId);
    if (teamIds.length > 1) dto.teamIds = teamIds;
  }
  return dto;
}

export async function getUser(ctx: CoreContext, id: number): Promise<UserDto> {
  const u = await ctx.models.User.findByPk(id);
  if (!u) throw new AppError('NOT_FOUND', { field: 'userId' });
  return toUserDto(u.get({ plain: true }));
}

/** A person as a directory lists them: the user, their team's name and their own language (null: the default). */
export type PersonDto = UserDto & { teamName: string | null; locale: string | null };

/** Every active or away person who has a Lark identity (open_id), with their team's name; ordered by id. */
export async function listLinkedPeople(ctx: CoreContext): Promise<PersonDto[]> {
  const rows = await ctx.models.User.findAll({ where: { status: ['active', 'away'], lark_open_id: { [Op.ne]: null } }, order: [['id', 'ASC']] });
  const teamIds = [...new Set(rows.map((u) => u.get('team_id')).filter((x): x is number => x !== null))];
  const teams = teamIds.length ? await ctx.models.Team.findAll({ where: { id: teamIds } }) : [];
  const names = new Map(teams.map((t) => [t.get('id'), t.get('name')]));
  return rows.map((u) => {
    const plain = u.get({ plain: true });
    return { ...toUserDto(plain), teamName: plain.team_id !== null ? (names.get(plain.team_id) ?? null) : null, locale: plain.locale ?? null };
  });
}

/** Links a user who has no Lark identity yet to an open_id (e.g. the demo's people); DUPLICATE when taken. */
export async function linkLarkOpenId(ctx: CoreContext, actor: Actor, channel: Channel, userId: number, openId: string): Promise<UserDto> {
  const input = parseInput(z.object({ openId: z.string().regex(/^ou_[A-Za-z0-9_]{1,60}$/) }), { openId });
  try {
    return await ctx.db.tx(async (t) => {
      const u = await ctx.models.User.findByPk(userId, { transaction: t });
      if (!u) throw new AppError('NOT_FOUND', { field: 'userId' });
      if (u.get('lark_open_id') === input.openId) return toUserDto(u.get({ plain: true }));
      if (u.get('lark_open_id')) throw new AppError('DUPLICATE', { field: 'larkOpenId' });
      await u.update({ lark_open_id: input.openId }, { transaction: t });
      await recordAudit(ctx, t, { actor, action: 'user.link_lark', entityType: 'user', entityId: userId, channel, data: { openId: input.openId } });
      return toUserDto(u.get({ plain: true }));
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('DUPLICATE', { field: 'larkOpenId' });
    throw e;
  }
}

/** Active people without a Lark identity whose e-mail is at `domain` (e.g. the demo's, demo.crm). */
export async function unlinkedUsersAt(ctx: CoreContext, domain: string): Promise<UserDto[]> {
  const rows = await ctx.models.User.findAll({ where: { lark_open_id: null, status: ['active', 'away'], email: { [Op.like]: `%@${domain.replace(/[%_\\]/g, '')}` } }, order: [['id', 'ASC']] });
  return rows.map((u) => toUserDto(u.get({ plain: true })));
}
