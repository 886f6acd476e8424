import type { Transaction } from 'sequelize';
import { z } from 'zod';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';

const digestInput = z.object({ chatId: z.string().trim().min(1).max(64) });

/**
 * A team's group chat becomes its digest channel (from the bot's greeting card in that group). Only the team's
 * manager or an admin may set it, for the team they belong to. Returns the team's name.
 */
export async function setTeamDigestChat(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof digestInput>, parent?: Transaction | null): Promise<{ teamId: number; teamName: string }> {
  const { chatId } = parseInput(digestInput, raw);
  if (actor.kind !== 'user' || (actor.role !== 'manager' && actor.role !== 'admin')) {
    throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有团队主管或管理员可以设置团队频道', en: "Only a team's manager or an admin may set its channel" } });
  }
  if (actor.teamId === null) throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '您还不属于任何团队', en: 'You are not in a team yet' } });
  return ctx.db.tx(async (t) => {
    const [team] = await ctx.db.select<{ id: number; name: string }>('SELECT id, name FROM teams WHERE id = :id', { id: actor.teamId }, t);
    if (!team) throw new AppError('NOT_FOUND', { field: 'teamId' });
    await ctx.models.Team.update({ digest_chat_id: chatId }, { where: { id: team.id }, transaction: t });
    await recordAudit(ctx, t, { actor, action: 'team.digest_chat', entityType: 'team', entityId: Number(team.id), channel, data: { chatId } });
    return { teamId: Number(team.id), teamName: team.name };
  }, parent);
}

/** The chat a team's digests go to (null: none set). */
export async function teamDigestChat(ctx: CoreContext, teamId: number): Promise<string | null> {
  const [r] = await ctx.db.select<{ digest_chat_id: string | null }>('SELECT digest_chat_id FROM teams WHERE id = :id', { id: teamId });
  return r?.digest_chat_id ?? null;
}
