import { card, divider, markdown, note, md, type Card } from '../cards/kit';
import { t, type Locale } from '../i18n';
import { cardMessage, textMessage } from './registry';
import type { BotRegistry, HelpEntry } from '../registry';

export type { HelpEntry };

/**
 * What the help card lists: these built-in entries describe the chat intents of core/intent; capabilities
 * add their own lines with `r.help(…)` in their `register(r)` (bot/handlers/<context>.ts).
 */
const BUILTIN_HELP: HelpEntry[] = [
  { id: 'log_followup', title: { 'zh-CN': '记录跟进', en: 'Log a follow-up' }, example: { 'zh-CN': '今天电话联系了华为张总，下周三再跟进', en: 'Called Acme Ltd today, follow up next Wednesday' } },
  { id: 'create_lead', title: { 'zh-CN': '新建线索', en: 'Create a lead' }, example: { 'zh-CN': '新线索 上海某某科技 李经理 13800138000', en: 'New lead Acme Ltd, Jane Doe, jane@acme.com' } },
  { id: 'find_customer', title: { 'zh-CN': '查询客户', en: 'Find a customer' }, example: { 'zh-CN': '查 华为', en: 'find Acme' } },
  { id: 'create_task', title: { 'zh-CN': '创建任务/拜访', en: 'Plan a task or visit' }, example: { 'zh-CN': '明天下午3点拜访华为', en: 'Visit Acme tomorrow 3pm' } },
  { id: 'claim', title: { 'zh-CN': '从公海认领客户', en: 'Claim from the public pool' }, example: { 'zh-CN': '认领 华为', en: 'claim Acme' } },
  { id: 'help', title: { 'zh-CN': '查看帮助', en: 'Show this help' }, example: { 'zh-CN': '帮助', en: 'help' } },
];

/** The help card listing `entries` (default: the built-in ones; the bot passes its registry's). */
export function helpCard(locale: Locale, entries: HelpEntry[] = BUILTIN_HELP): Card {
  const lines = entries.map((e) => `- **${md(t(locale, e.title))}**：${md(t(locale, e.example))}`.replace('：', locale === 'en' ? ': ' : '：'));
  return card({
    title: t(locale, { 'zh-CN': 'CRM 助手能做什么', en: 'What the CRM bot can do' }),
    template: 'blue',
    elements: [
      markdown(t(locale, { 'zh-CN': '直接用自然语言发消息给我即可，例如：', en: 'Just write to me in plain words, for example:' })),
      markdown(lines.join('\n')),
      divider(),
      note(t(locale, { 'zh-CN': '卡片上的按钮可直接审批、认领和更新。发送“帮助”随时查看本说明。', en: 'Buttons on cards approve, claim and update directly. Send "help" to see this again.' })),
    ],
  });
}

/** The built-in outbox kinds: the help card (with every line the registry holds when it renders) and plain text. Called by composeBot(). */
export function register(r: BotRegistry): void {
  for (const e of BUILTIN_HELP) r.help(e);
  r.renderer('help', (_payload, ctx) => cardMessage(helpCard(ctx.locale, r.helpEntries())));
  r.renderer<{ text?: unknown }>('text', (payload) => textMessage(String(payload.text ?? '')));
}
