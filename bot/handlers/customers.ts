import { randomUUID } from 'node:crypto';
import { toDbId } from '../../core/shared/fields';
import { DateTime } from 'luxon';
import type { BotRegistry } from '../registry';
import { errorText } from '../errors';
import { t } from '../i18n';
import { isAppError } from '../../core/errors';
import { actorOf } from '../../core/users/operations';
import { customerOwnerCandidates } from '../../core/users/directory';
import { findCustomersByName, getCustomer, searchCustomers } from '../../core/customers/operations';
import { getCustomer360 } from '../../core/customer360/view360';
import { TIER_NAMES, TIERS } from '../../core/customers/rules';
import { logActivity } from '../../core/activities/operations';
import { assignCustomer, claimCustomer, releaseCustomer } from '../../core/pool/operations';
import { ACTIVITY_CHANNELS, type ActivityChannel } from '../../core/activities/model';
import { customer360Card, followupFormCard, pickItem, poolListCard, reassignFormCard, taskFormCard, type PoolListPayload } from '../render/customers';
import { createTask } from '../../core/tasks/operations';
import { noteEmptyInChat, spendInCard, spendInChat } from '../read-budget';
import type { CardActionCommand, CardActionHandler, CardActionResult, ChatCommand, ChatHandler, HandlerKit } from '../types';
import { matchedCustomer, understood } from '../understood';

/**
 * Customers in chat: "查 <name>" (one → 360° card, several → pick list), "公海 [filters]" (pool list with claim
 * buttons), "认领 <name>", and the card actions behind the 360°/pool/notice cards. Every read and change goes
 * through core operations with the sender as actor, so visibility and pool rules are the core's.
 */

const viewerOf = (u: { id: number; role: ChatCommand['user']['role'] }) => ({ id: u.id, role: u.role });
/** An id from a card value: the one id rule (core/shared/input.ts). */
const numberOf = toDbId;

async function replyError(kit: HandlerKit, e: unknown): Promise<void> {
  if (!isAppError(e)) throw e;
  await kit.reply({ kind: 'text', payload: { text: errorText(e, kit.deps.locale) } });
}

// ------------------------------------------------------------------ find

/**
 * A question about a customer. The customer the dictionary matched exactly opens its 360° card directly; otherwise
 * the name as written is searched among what the sender may see, and a fuzzy match is offered ("您是不是指 …？").
 */
const findCustomerIntent: ChatHandler = async (cmd, kit) => {
  const p = understood(cmd);
  const m = matchedCustomer(p);
  // No organisation in the reading: what follows the look-up word (a phone, an e-mail, a contact's name) is searched.
  const q = p.customer?.trim() || m?.name || cmd.text.replace(/^(查一下|查询|查找|查看|搜索|搜一下|搜|查|找一下|找|find|search(\s+for)?|look\s*up)\s*[:：]?\s*/i, '').trim();
  const locale = kit.deps.locale;
  if (!q) {
    await kit.reply({ kind: 'text', payload: { text: t(locale, { 'zh-CN': '请告诉我要查的客户，例如“查 远航科技”。', en: 'Tell me whom to look up, e.g. "find Acme".' }) } });
    return;
  }
  const actor = actorOf(cmd.user);
  if (m?.exact) {
    if (!(await spendInChat(kit, actor, 'lookup'))) return;
    const view = await getCustomer360(kit.deps.core, actor, m.id, kit.t).catch((e: unknown) => (isAppError(e) ? null : Promise.reject(e)));
    if (view) {
      await kit.reply({ kind: 'customer.360', payload: { view, viewer: viewerOf(cmd.user) } as never });
      return;
    }
  }
  if (!(await spendInChat(kit, actor, 'search'))) return;
  const found = await findCustomersByName(kit.deps.core, actor, q, 10);
  if (!found.length && m && !m.exact) {
    const c = await getCustomer(kit.deps.core, actor, m.id, kit.t).catch((e: unknown) => (isAppError(e) ? null : Promise.reject(e)));
    if (c) {
      await kit.reply({ kind: 'customer.pick', payload: { query: q, items: [pickItem(c)], suggest: true } });
      return;
    }
  }
  if (!found.length) {
    await noteEmptyInChat(kit, actor);
    await kit.reply({
      kind: 'text',
      payload: { text: t(locale, { 'zh-CN': `没有找到“${q}”（只显示你负责的客户和公海客户）。`, en: `No customer matches "${q}" (you see your own customers and the public pool).` }) },
    });
    return;
  }
  if (found.length === 1) {
    const view = await getCustomer360(kit.deps.core, actor, found[0].id, kit.t);
    await kit.reply({ kind: 'customer.360', payload: { view, viewer: viewerOf(cmd.user) } as never });
    return;
  }
  await kit.reply({ kind: 'customer.pick', payload: { query: q, items: found.map(pickItem) } });
};

const customerViewAction: CardActionHandler = async (cmd, kit) => {
  const id = numberOf(cmd.value.customerId);
  if (!id) return { toast: { type: 'error', content: t(kit.deps.locale, { 'zh-CN': '无效的客户', en: 'Invalid customer' }) } };
  const limited = await spendInCard(kit, actorOf(cmd.user), 'lookup');
  if (limited) return limited;
  const view = await getCustomer360(kit.deps.core, actorOf(cmd.user), id, kit.t);
  return { card: customer360Card(view, viewerOf(cmd.user), kit.deps.locale, kit.deps.core.timezone) };
};

// ------------------------------------------------------------------ pool list

/** "公海 华东 高价值 制造业": tier names (zh/en), regions (华东/华南/… or ending in 省/市/区), anything else an industry or name. */
export function parsePoolFilters(text: string): PoolListPayload['filters'] {
  const words = text.replace(/^(公海池?|公海客户|pool)\s*/i, '').split(/[\s,，、]+/).filter(Boolean);
  const f: PoolListPayload['filters'] = {};
  for (const w of words) {
    const tier = TIERS.find((x) => TIER_NAMES[x]['zh-CN'] === w || TIER_NAMES[x].en.toLowerCase() === w.toLowerCase() || x === w);
    if (tier) f.tier = tier;
    else if (/^(华东|华南|华北|华中|西南|西北|东北)$|[省市区]$/.test(w)) f.region = w;
    else if (!f.industry) f.industry = w;
    else f.q = w;
  }
  return f;
}

async function poolPage(kit: HandlerKit, cmd: { user: ChatCommand['user'] }, filters: PoolListPayload['filters'], cursor: string | null): Promise<PoolListPayload> {
  const page = await searchCustomers(kit.deps.core, actorOf(cmd.user), { pool: true, limit: 8, cursor, region: filters.region, industry: filters.industry, tier: filters.tier, q: filters.q });
  return {
    filters,
    items: page.items.map((c) => ({ ...pickItem(c), industry: c.industry, releasedAt: c.releasedAt })),
    nextCursor: page.nextCursor,
  };
}

const poolListIntent: ChatHandler = async (cmd, kit) => {
  if (!(await spendInChat(kit, actorOf(cmd.user), 'list'))) return;
  try {
    await kit.reply({ kind: 'pool.list', payload: (await poolPage(kit, cmd, parsePoolFilters(cmd.text), null)) as never });
  } catch (e) {
    await replyError(kit, e);
  }
};

const poolListAction: CardActionHandler = async (cmd, kit) => {
  const v = cmd.value;
  const filters = { region: (v.region as string) ?? null, industry: (v.industry as string) ?? null, tier: (v.tier as string) ?? null, q: (v.q as string) ?? null };
  const limited = await spendInCard(kit, actorOf(cmd.user), 'list');
  if (limited) return limited;
  const page = await poolPage(kit, cmd, filters, typeof v.cursor === 'string' ? v.cursor : null);
  return { card: poolListCard(page, kit.deps.locale, kit.deps.core.timezone) };
};

// ------------------------------------------------------------------ claim / release / reassign

const poolClaimAction: CardActionHandler = async (cmd, kit) => {
  const id = numberOf(cmd.value.customerId);
  if (!id) return { toast: { type: 'error', content: t(kit.deps.locale, { 'zh-CN': '无效的客户', en: 'Invalid customer' }) } };
  const { customer } = await claimCustomer(kit.deps.core, actorOf(cmd.user), 'card', id, kit.t);
  return { toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': `已领取「${customer.name}」`, en: `Claimed "${customer.name}"` }) } };
};

/**
 * A claim, wherever its verb stood in the message. The customer the dictionary matched exactly is claimed by id (the
 * pool rules are the core's); otherwise the name is searched in the pool, and a fuzzy match in the pool is offered.
 */
const claimIntent: ChatHandler = async (cmd, kit) => {
  const locale = kit.deps.locale;
  const p = understood(cmd);
  const m = matchedCustomer(p);
  const q = p.customer?.trim() || m?.name || '';
  if (!q) {
    await kit.reply({ kind: 'text', payload: { text: t(locale, { 'zh-CN': '请告诉我要认领哪个客户，例如“认领 远航科技”。', en: 'Tell me which customer to claim, e.g. "claim Acme".' }) } });
    return;
  }
  const actor = actorOf(cmd.user);
  const claim = async (id: number): Promise<boolean> => {
    try {
      const { customer } = await claimCustomer(kit.deps.core, actor, 'chat', id, kit.t);
      const view = await getCustomer360(kit.deps.core, actor, customer.id, kit.t);
      await kit.reply({ kind: 'text', payload: { text: t(locale, { 'zh-CN': `已领取「${customer.name}」。`, en: `Claimed "${customer.name}".` }) } });
      await kit.reply({ kind: 'customer.360', payload: { view, viewer: viewerOf(cmd.user) } as never });
      return true;
    } catch (e) {
      await replyError(kit, e);
      return false;
    }
  };
  if (!(await spendInChat(kit, actor, 'search'))) return;
  const found = await findCustomersByName(kit.deps.core, actor, m?.exact ? m.name : q, 10);
  const inPool = found.filter((c) => c.inPool);
  const exactHit = m?.exact ? inPool.find((c) => c.id === m.id) : undefined;
  if (exactHit || inPool.length === 1 || (inPool.length > 1 && inPool[0].name === q)) {
    await claim((exactHit ?? inPool[0]).id);
    return;
  }
  if (inPool.length > 1) {
    await kit.reply({ kind: 'pool.list', payload: { filters: { q }, items: inPool.map((c) => ({ ...pickItem(c), industry: c.industry, releasedAt: c.releasedAt })), nextCursor: null } as never });
    return;
  }
  const mine = found.find((c) => c.ownerId === cmd.user.id);
  if (!mine && m && !m.exact) {
    const c = await getCustomer(kit.deps.core, actor, m.id, kit.t).catch((e: unknown) => (isAppError(e) ? null : Promise.reject(e)));
    if (c?.inPool) {
      await kit.reply({ kind: 'text', payload: { text: t(locale, { 'zh-CN': `公海里没有“${q}”。您是不是指「${c.name}」？`, en: `No pool customer "${q}". Did you mean "${c.name}"?` }) } });
      await kit.reply({ kind: 'pool.list', payload: { filters: { q: c.name }, items: [{ ...pickItem(c), industry: c.industry, releasedAt: c.releasedAt }], nextCursor: null } as never });
      return;
    }
  }
  await kit.reply({
    kind: 'text',
    payload: {
      text: mine
        ? t(locale, { 'zh-CN': `「${mine.name}」已经是你的客户。`, en: `"${mine.name}" is already yours.` })
        : t(locale, { 'zh-CN': `公海里没有“${q}”。发送“公海”查看可领取的客户。`, en: `No pool customer matches "${q}". Send "pool" to see what can be claimed.` }),
    },
  });
};

const customerReleaseAction: CardActionHandler = async (cmd, kit) => {
  const id = numberOf(cmd.value.customerId);
  if (!id) return { toast: { type: 'error', content: 'invalid' } };
  const actor = actorOf(cmd.user);
  const c = await releaseCustomer(kit.deps.core, actor, 'card', id, null, kit.t);
  const view = await getCustomer360(kit.deps.core, actor, id, kit.t);
  return {
    toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': `「${c.name}」已释放到公海`, en: `"${c.name}" is back in the pool` }) },
    card: customer360Card(view, viewerOf(cmd.user), kit.deps.locale, kit.deps.core.timezone),
  };
};

const customerReassignFormAction: CardActionHandler = async (cmd, kit) => {
  const id = numberOf(cmd.value.customerId);
  if (!id) return { toast: { type: 'error', content: 'invalid' } };
  const u = cmd.user;
  if (u.role !== 'manager' && u.role !== 'admin') {
    return { toast: { type: 'error', content: t(kit.deps.locale, { 'zh-CN': '只有主管可以重新分配客户', en: 'Only a manager may reassign customers' }) } };
  }
  const c = await getCustomer(kit.deps.core, actorOf(u), id, kit.t);
  const users = await customerOwnerCandidates(kit.deps.core, u.role === 'admin' ? 'all' : { teamId: u.teamId }, kit.t);
  return { card: reassignFormCard(c, users, kit.deps.locale) };
};

const customerReassignAction: CardActionHandler = async (cmd, kit) => {
  const id = numberOf(cmd.value.customerId);
  const userId = numberOf(cmd.formValue.userId ?? cmd.value.userId);
  if (!id || !userId) return { toast: { type: 'error', content: t(kit.deps.locale, { 'zh-CN': '请选择新负责人', en: 'Pick the new owner' }) } };
  const actor = actorOf(cmd.user);
  const c = await assignCustomer(kit.deps.core, actor, 'card', { customerId: id, userId }, kit.t);
  const view = await getCustomer360(kit.deps.core, actor, id, kit.t);
  return {
    toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': `已分配给 ${c.ownerName ?? ''}`, en: `Assigned to ${c.ownerName ?? ''}` }) },
    card: customer360Card(view, viewerOf(cmd.user), kit.deps.locale, kit.deps.core.timezone),
  };
};

// ------------------------------------------------------------------ follow-up form

const customerFollowupFormAction: CardActionHandler = async (cmd, kit) => {
  const id = numberOf(cmd.value.customerId);
  if (!id) return { toast: { type: 'error', content: 'invalid' } };
  const c = await getCustomer(kit.deps.core, actorOf(cmd.user), id, kit.t);
  return { card: followupFormCard(c, `${id}:${randomUUID()}`, kit.deps.locale) };
};

/** The dispatcher makes a submit idempotent by its `key` (a second click answers "already done"). */
const customerFollowupSubmitAction: CardActionHandler = async (cmd: CardActionCommand, kit): Promise<CardActionResult> => {
  const id = numberOf(cmd.value.customerId);
  if (!id) return { toast: { type: 'error', content: 'invalid' } };
  const f = cmd.formValue;
  const channel = (ACTIVITY_CHANNELS as readonly string[]).includes(String(f.channel)) ? (String(f.channel) as ActivityChannel) : 'other';
  let nextAt: string | null = null;
  if (typeof f.nextAt === 'string' && f.nextAt) {
    // date_picker answers "YYYY-MM-DD" (sometimes with " +0800"): 09:00 that day in the CRM zone.
    const d = DateTime.fromISO(f.nextAt.slice(0, 10), { zone: kit.deps.core.timezone }).set({ hour: 9 });
    if (d.isValid) nextAt = d.toISO();
  }
  const actor = actorOf(cmd.user);
  await logActivity(
    kit.deps.core,
    actor,
    'card',
    { customerId: id, channel, summary: String(f.summary ?? '').trim(), nextStep: typeof f.nextStep === 'string' && f.nextStep.trim() ? f.nextStep.trim() : null, nextAt },
    kit.t,
  );
  const view = await getCustomer360(kit.deps.core, actor, id, kit.t);
  return {
    toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '跟进已记录', en: 'Follow-up saved' }) },
    card: customer360Card(view, viewerOf(cmd.user), kit.deps.locale, kit.deps.core.timezone),
  };
};

// ------------------------------------------------------------------ task from the 360 card

const customerTaskFormAction: CardActionHandler = async (cmd, kit) => {
  const id = numberOf(cmd.value.customerId);
  if (!id) return { toast: { type: 'error', content: 'invalid' } };
  const c = await getCustomer(kit.deps.core, actorOf(cmd.user), id, kit.t);
  return { card: taskFormCard(c, `${id}:${randomUUID()}`, kit.deps.locale) };
};

const customerTaskSubmitAction: CardActionHandler = async (cmd, kit) => {
  const id = numberOf(cmd.value.customerId);
  if (!id) return { toast: { type: 'error', content: 'invalid' } };
  const actor = actorOf(cmd.user);
  await getCustomer(kit.deps.core, actor, id, kit.t); // visibility first
  const f = cmd.formValue;
  let dueAt: string | null = null;
  if (typeof f.dueAt === 'string' && f.dueAt) {
    const d = DateTime.fromISO(f.dueAt.slice(0, 10), { zone: kit.deps.core.timezone }).set({ hour: 18 });
    if (d.isValid) dueAt = d.toISO();
  }
  await createTask(kit.deps.core, actor, 'card', { title: String(f.title ?? '').trim(), customerId: id, dueAt }, kit.t);
  const view = await getCustomer360(kit.deps.core, actor, id, kit.t);
  return {
    toast: { type: 'success', content: t(kit.deps.locale, { 'zh-CN': '任务已创建', en: 'Task created' }) },
    card: customer360Card(view, viewerOf(cmd.user), kit.deps.locale, kit.deps.core.timezone),
  };
};

/** Customers and the public pool in chat. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.intent('find_customer', findCustomerIntent);
  r.action('customer.view', customerViewAction);
  r.textIntent('pool_list', /^(公海池?|公海客户|pool)(\s|$)/i);
  r.intent('pool_list', poolListIntent);
  r.action('pool.list', poolListAction);
  r.action('pool.claim', poolClaimAction);
  r.intent('claim', claimIntent);
  r.action('customer.release', customerReleaseAction);
  r.action('customer.reassign_form', customerReassignFormAction);
  r.action('customer.reassign', customerReassignAction);
  r.action('customer.followup_form', customerFollowupFormAction);
  r.action('customer.followup_submit', customerFollowupSubmitAction);
  r.action('customer.task_form', customerTaskFormAction);
  r.action('customer.task_submit', customerTaskSubmitAction);
}
