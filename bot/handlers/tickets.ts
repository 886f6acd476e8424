import type { BotRegistry } from '../registry';
import { toDbId } from '../../core/shared/fields';
import { cardDataOf, ticketCard } from '../render/tickets';
import { t } from '../i18n';
import type { CardActionCommand, CardActionHandler, CardActionResult, ChatHandler, HandlerKit } from '../types';
import { actorOf } from '../../core/users/operations';
import { AppError } from '../../core/errors';
import { acceptTicket, commentTicket, resolveTicket } from '../../core/tickets/operations';
import { getTicket, type TicketDetailDto } from '../../core/tickets/queries';
import { createInvite } from '../../core/mp/operations';
import { findCustomersByName } from '../../core/customers/operations';
import { searchArticles } from '../../core/knowledge/operations';
import { agentStats } from '../../core/surveys/operations';

/**
 * Service desk in chat: the ticket card's buttons (accept, reply, resolve), inviting a customer contact to the
 * mini-program ("邀请 <客户> <联系人>"), and knowledge search for agents ("知识 <问题>").
 * Repeated clicks are safe: the core refuses a second move with ALREADY_DONE, which the dispatcher shows as
 * "已处理" without a second effect.
 */
const ticketIdOf = (cmd: CardActionCommand): number => {
  const id = toDbId(cmd.value.ticketId);
  if (id === null) throw new AppError('VALIDATION', { field: 'ticketId' });
  return id;
};

function answer(kit: HandlerKit, d: TicketDetailDto, toast: { 'zh-CN': string; en: string }): CardActionResult {
  return {
    toast: { type: 'success', content: t(kit.deps.locale, toast) },
    card: ticketCard(cardDataOf(d), { locale: kit.deps.locale, zone: kit.deps.core.timezone }) as unknown as Record<string, unknown>,
  };
}

const ticketAcceptAction: CardActionHandler = async (cmd, kit) => {
  const d = await acceptTicket(kit.deps.core, actorOf(cmd.user), { ticketId: ticketIdOf(cmd) }, kit.t);
  return answer(kit, d, { 'zh-CN': '已接单', en: 'Accepted' });
};

const ticketResolveAction: CardActionHandler = async (cmd, kit) => {
  const d = await resolveTicket(kit.deps.core, actorOf(cmd.user), { ticketId: ticketIdOf(cmd) }, kit.t);
  return answer(kit, d, { 'zh-CN': '已标记为解决，客户将收到满意度调查', en: 'Resolved; the customer gets a satisfaction survey' });
};

const ticketCommentAction: CardActionHandler = async (cmd, kit) => {
  const ticketId = ticketIdOf(cmd);
  const body = String(cmd.formValue?.body ?? '').trim();
  if (!body) throw new AppError('VALIDATION', { field: 'body', detail: { 'zh-CN': '请填写回复内容', en: 'Write a reply first' } });
  const actor = actorOf(cmd.user);
  await commentTicket(kit.deps.core, actor, { ticketId, body }, kit.t);
  return answer(kit, await getTicket(kit.deps.core, actor, ticketId, kit.t), { 'zh-CN': '回复已发送给客户', en: 'Reply sent to the customer' });
};

// ---- invite a customer contact to the mini-program
const INVITE = /^(?:邀请|invite)\s+(.+?)\s+(\S+)\s*$/i;
const mpInviteIntent: ChatHandler = async (cmd, kit) => {
  const L = (zh: string, en: string) => t(kit.deps.locale, { 'zh-CN': zh, en });
  const m = INVITE.exec(cmd.text);
  if (!m) {
    await kit.reply({ kind: 'text', payload: { text: L('用法：邀请 <客户名称> <联系人姓名>', 'Usage: invite <customer> <contact name>') } });
    return;
  }
  const actor = actorOf(cmd.user);
  const found = await findCustomersByName(kit.deps.core, actor, m[1], 5);
  const exact = found.filter((c) => c.name === m[1]);
  const pick = exact.length === 1 ? exact[0] : found.length === 1 ? found[0] : null;
  if (!pick) {
    const text = found.length
      ? L(`找到多个客户，请写全称：${found.map((c) => c.name).join('、')}`, `Several customers match; use the full name: ${found.map((c) => c.name).join(', ')}`)
      : L(`没有找到客户“${m[1]}”`, `No customer "${m[1]}" found`);
    await kit.reply({ kind: 'text', payload: { text } });
    return;
  }
  const inv = await createInvite(kit.deps.core, actor, { customerId: pick.id, contactName: m[2] }, kit.t);
  const base = kit.deps.config.publicUrl;
  const until = new Date(inv.expiresAt).toLocaleString(kit.deps.locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone: kit.deps.core.timezone });
  await kit.reply({
    kind: 'text',
    payload: {
      text: L(
        `已为 ${inv.customer.name} 的 ${inv.contact.name} 生成小程序邀请码：${inv.code}\n链接：${base}/?invite=${inv.code}\n有效期至 ${until}，仅可使用一次。`,
        `Mini-program invite for ${inv.contact.name} of ${inv.customer.name}: ${inv.code}\nLink: ${base}/?invite=${inv.code}\nValid until ${until}, single use.`,
      ),
    },
  });
};

// ---- knowledge search for agents
const KB = /^(?:知识库|知识|kb)\s+(.+)$/i;
const kbSearchIntent: ChatHandler = async (cmd, kit) => {
  const q = KB.exec(cmd.text)?.[1] ?? '';
  const { items } = await searchArticles(kit.deps.core, actorOf(cmd.user), { q: q.slice(0, 100), limit: 5 });
  const L = (zh: string, en: string) => t(kit.deps.locale, { 'zh-CN': zh, en });
  const text = items.length ? `${L('知识库结果：', 'Knowledge base:')}\n${items.map((a, i) => `${i + 1}. ${a.title} — ${a.snippet}`).join('\n')}` : L(`没有找到与“${q}”相关的文章`, `Nothing found for "${q}"`);
  await kit.reply({ kind: 'text', payload: { text } });
};

// ---- an agent's own service figures (last 30 days)
const serviceStatsIntent: ChatHandler = async (cmd, kit) => {
  const since = new Date(kit.deps.core.clock.now().getTime() - 30 * 86_400_000);
  const s = await agentStats(kit.deps.core, actorOf(cmd.user), { userId: cmd.user.id, since });
  const L = (zh: string, en: string) => t(kit.deps.locale, { 'zh-CN': zh, en });
  const avg = s.csat.average === null ? '—' : s.csat.average.toFixed(2);
  await kit.reply({
    kind: 'text',
    payload: {
      text: L(
        `近 30 天：处理中 ${s.openTickets} 个，已解决 ${s.resolvedTickets} 个，超时 ${s.breaches} 个；满意度 ${avg}（${s.csat.answered} 份，低分 ${s.csat.low} 份）`,
        `Last 30 days: ${s.openTickets} open, ${s.resolvedTickets} resolved, ${s.breaches} SLA breaches; CSAT ${avg} (${s.csat.answered} answers, ${s.csat.low} low)`,
      ),
    },
  });
};

/** Service desk in chat: ticket card actions, mini-program invites, knowledge search, service figures. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.action('ticket.accept', ticketAcceptAction);
  r.action('ticket.resolve', ticketResolveAction);
  r.action('ticket.comment', ticketCommentAction);
  r.textIntent('mp.invite', /^(?:邀请|invite)\s+\S+/i);
  r.intent('mp.invite', mpInviteIntent);
  r.textIntent('kb.search', KB);
  r.intent('kb.search', kbSearchIntent);
  r.textIntent('service.stats', /^(?:服务统计|客服统计|我的服务统计|service\s+stats|my\s+service\s+stats)\s*$/i);
  r.intent('service.stats', serviceStatsIntent);
  r.help({ id: 'mp.invite', title: { 'zh-CN': '邀请客户使用小程序', en: 'Invite a customer to the mini-program' }, example: { 'zh-CN': '邀请 远航科技有限公司 王伟', en: 'invite Acme Ltd Jane' } });
  r.help({ id: 'service.stats', title: { 'zh-CN': '我的服务统计', en: 'My service figures' }, example: { 'zh-CN': '服务统计', en: 'service stats' } });
  r.help({ id: 'kb.search', title: { 'zh-CN': '搜索知识库', en: 'Search the knowledge base' }, example: { 'zh-CN': '知识 打印机无法连接', en: 'kb printer offline' } });
}
