import { button, buttonRow, card, divider, markdown, md, note, type Card } from '../cards/kit';
import { t, type Locale } from '../i18n';
import { cardMessage } from './registry';
import type { BotRegistry } from '../registry';

/**
 * The greeting the bot posts when it is added to a group: what it can do there, and a button that makes the group
 * its team's digest channel (a manager's or an admin's click; anyone else is told why not).
 */
export function groupGreetingCard(locale: Locale, o: { chatId: string; chatName: string | null; digestTeam?: string | null }): Card {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  return card({
    title: L('大家好，我是 CRM 助手', 'Hello, I am the CRM bot'),
    subtitle: o.chatName ?? undefined,
    template: 'blue',
    elements: [
      markdown(
        L(
          '在群里 **@我** 即可：\n- 记录跟进：`@CRM 今天拜访了华为张总，下周三再跟进`\n- 查询客户：`@CRM 查 华为`\n- 新建线索：`@CRM 新线索 上海某某科技 李经理 13800138000`\n- 查看帮助：`@CRM 帮助`',
          'In this group, **@mention me**:\n- log a follow-up: `@CRM visited Acme today, follow up next Wednesday`\n- find a customer: `@CRM find Acme`\n- new lead: `@CRM new lead Acme Ltd, Jane Doe, jane@acme.com`\n- help: `@CRM help`',
        ),
      ),
      divider(),
      o.digestTeam
        ? markdown(L(`本群已是 **${md(o.digestTeam)}** 的团队频道：团队摘要会发到这里。`, `This group is the team channel of **${md(o.digestTeam)}**: the team's digests come here.`))
        : markdown(L('团队主管可把本群设为团队频道，团队摘要（如每周回款摘要）将发到这里。', "A team's manager can make this group the team's channel: the team's digests (such as the weekly receivables digest) then come here.")),
      o.digestTeam ? null : buttonRow([button({ text: L('设为我的团队频道', 'Make this my team channel'), type: 'primary', value: { action: 'org.digest_channel', chatId: o.chatId } })]),
      note(L('我只读取 @我 的消息。', 'I only read messages that @mention me.')),
    ],
  });
}

export function register(r: BotRegistry): void {
  r.renderer<{ chatId?: unknown; chatName?: unknown }>('org.greeting', (payload, ctx) =>
    cardMessage(groupGreetingCard(ctx.locale, { chatId: String(payload.chatId ?? ''), chatName: typeof payload.chatName === 'string' ? payload.chatName : null })),
  );
}
