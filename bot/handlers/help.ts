import type { BotRegistry } from '../registry';
import type { ChatHandler } from '../types';
import { t } from '../i18n';

/** Built-in chat handlers: the help card, and the reply to anything the bot did not understand. */
const helpIntent: ChatHandler = async (_cmd, kit) => {
  await kit.reply({ kind: 'help', payload: {} });
};

/**
 * `unknown` is also the fallback for a parsed intent with no registered handler, and for image/file/location
 * messages nobody handles (their intents are `message.image`, `message.file`, `message.location`).
 */
const unknownIntent: ChatHandler = async (cmd, kit) => {
  const text =
    cmd.type === 'text'
      ? t(kit.deps.locale, { 'zh-CN': '抱歉，我没有理解这条消息。发送“帮助”查看我能做什么。', en: 'Sorry, I did not understand that. Send "help" to see what I can do.' })
      : t(kit.deps.locale, { 'zh-CN': '暂不支持处理这类消息。发送“帮助”查看我能做什么。', en: 'I cannot handle this kind of message yet. Send "help" to see what I can do.' });
  await kit.reply({ kind: 'text', payload: { text } });
};

/** The built-in chat intents. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.intent('help', helpIntent);
  r.intent('unknown', unknownIntent);
}
