/** The page's own words, Chinese first. Cards are in the language the bot chose for the person. */
export type PageLocale = 'zh-CN' | 'en';

const S = {
  title: ['CRM 沙盒', 'CRM sandbox'],
  subtitle: ['本地模拟飞书聊天：消息经由真实的事件回调与发件箱', 'Lark chat, simulated locally: messages go through the real event callback and outbox'],
  iam: ['我是', 'I am'],
  chats: ['会话', 'Chats'],
  bot: ['CRM 助手', 'CRM bot'],
  botP2p: ['单聊', 'Direct message'],
  group: ['群聊', 'Group'],
  placeholder: ['输入消息，回车发送（Shift+回车换行）', 'Type a message, Enter to send (Shift+Enter for a new line)'],
  send: ['发送', 'Send'],
  empty: ['还没有消息。试试发送“帮助”。', 'No messages yet. Try sending "help".'],
  connecting: ['连接中…', 'Connecting…'],
  live: ['已连接', 'Live'],
  offline: ['连接断开，正在重连…', 'Disconnected, reconnecting…'],
  sendFailed: ['发送失败', 'Sending failed'],
  actionFailed: ['操作失败', 'Action failed'],
  ok: ['确定', 'OK'],
  cancel: ['取消', 'Cancel'],
  noPeople: ['没有可用的演示用户：先运行 npm run crm -- seed --demo', 'No demo people: run npm run crm -- seed --demo first'],
  unsupportedMsg: ['[不支持的消息类型: {t}]', '[unsupported message type: {t}]'],
  you: ['我', 'Me'],
  edited: ['已更新', 'updated'],
  role_rep: ['销售', 'Sales rep'],
  role_manager: ['销售经理', 'Manager'],
  role_service: ['客服', 'Service agent'],
  role_admin: ['管理员', 'Admin'],
} as const;

export type Key = keyof typeof S;

export function tr(locale: PageLocale, key: Key, vars: Record<string, string> = {}): string {
  const s: string = S[key][locale === 'en' ? 1 : 0];
  return s.replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? '');
}

export function roleLabel(locale: PageLocale, role: string): string {
  const k = `role_${role}` as Key;
  return k in S ? tr(locale, k) : role;
}
