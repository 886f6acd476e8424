import type { BotRegistry } from '../registry';
import type { CardActionHandler, EventHandler } from '../types';
import { t } from '../i18n';
import { AppError } from '../../core/errors';
import { actorOf } from '../../core/users/operations';
import { applyDirectoryChanges } from '../../core/org/sync';
import { setTeamDigestChat } from '../../core/org/teams';
import { CONTACT_EVENTS, contactChanges } from '../org-events';
import { groupGreetingCard } from '../render/org';

/**
 * The org chart and group chats:
 * - contact events (users, departments, the app's availability) apply to the CRM's people within seconds, through
 *   the same reconciliation as the full sync (core/org/sync.ts);
 * - im.chat.member.bot.added_v1: the bot greets the group with what it can do there;
 * - the greeting's button makes the group the clicking manager's team digest channel.
 */
const contactEvent: EventHandler = async (env, kit) => {
  const changes = contactChanges(env);
  // The event's create_time orders it against others (delivery and processing order may differ).
  const eventMs = Number(env.header.create_time);
  if (changes.length) await applyDirectoryChanges(kit.deps.core, changes, { channel: 'job', eventMs: Number.isFinite(eventMs) && eventMs > 0 ? eventMs : undefined }, kit.t);
};

const botAdded: EventHandler = async (env, kit) => {
  const chatId = typeof env.event.chat_id === 'string' ? env.event.chat_id : '';
  if (!chatId) return;
  const chatName = typeof env.event.name === 'string' ? env.event.name : null;
  // One greeting per chat and addition (the event id): re-delivery does not greet twice.
  await kit.reply({ to: { chatId }, kind: 'org.greeting', payload: { chatId, chatName }, dedupeKey: `org.greeting:${env.header.event_id}` });
};

const digestChannelAction: CardActionHandler = async (cmd, kit) => {
  const chatId = typeof cmd.value.chatId === 'string' ? cmd.value.chatId : cmd.chatId;
  if (!chatId) throw new AppError('VALIDATION', { field: 'chatId' });
  const r = await setTeamDigestChat(kit.deps.core, actorOf(cmd.user), 'card', { chatId }, kit.t);
  return {
    toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': `已设为 ${r.teamName} 的团队频道`, en: `Now the team channel of ${r.teamName}` }) },
    card: groupGreetingCard(kit.deps.locale, { chatId, chatName: null, digestTeam: r.teamName }) as unknown as Record<string, unknown>,
  };
};

export function register(r: BotRegistry): void {
  for (const type of CONTACT_EVENTS) r.event(type, contactEvent);
  r.event('im.chat.member.bot.added_v1', botAdded);
  r.action('org.digest_channel', digestChannelAction);
}
