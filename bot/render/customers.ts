import { DateTime } from 'luxon';
import { button, buttonRow, card, columnSet, datePicker, divider, form, input, markdown, md, note, selectStatic, INPUT_MAX_LENGTH, type Card, type CardElement, type Template } from '../cards/kit';
import { CHANNEL_NAMES, t, type Locale } from '../i18n';
import { cardMessage, type Renderer } from './registry';
import type { BotRegistry } from '../registry';
import type { Customer360 } from '../../core/customer360/view360';
import type { CustomerDto } from '../../core/customers/operations';
import { TIER_NAMES, isTier } from '../../core/customers/rules';
import type { Role } from '../../core/context';

/**
 * Customer cards: the 360° card, the pick list, the public pool list, the follow-up form, and the pool
 * notices (recycle warning, recycled, assigned). Pure functions of their payload (the handler loads data
 * with the viewer's visibility; the renderer never queries).
 */
export interface Viewer {
  id: number;
  role: Role;
}

const SECTION_NAMES: Record<string, { 'zh-CN': string; en: string }> = {
  tasks: { 'zh-CN': '待办任务', en: 'Open tasks' },
  opportunities: { 'zh-CN': '进行中商机', en: 'Open opportunities' },
  contracts: { 'zh-CN': '合同', en: 'Contracts' },
  receivables: { 'zh-CN': '回款', en: 'Receivables' },
  tickets: { 'zh-CN': '未结工单', en: 'Open tickets' },
  satisfaction: { 'zh-CN': '满意度', en: 'Satisfaction' },
};
const TIER_TEMPLATE: Record<string, Template> = { high_value: 'orange', potential: 'green', normal: 'blue', at_risk: 'grey' };

/** A line of text with one button on its right. */
const itemRow = (text: CardElement, btn: CardElement) => columnSet([{ elements: [text], weight: 4, verticalAlign: 'center' }, { elements: [btn], width: 'auto', verticalAlign: 'center' }], { flexMode: 'none' });

const fmtDate = (iso: string | null, tz: string, withTime = false) =>
  iso ? DateTime.fromISO(iso).setZone(tz).toFormat(withTime ? 'yyyy-MM-dd HH:mm' : 'yyyy-MM-dd') : '—';

export const tierName = (tier: string | null, locale: Locale) => (isTier(tier) ? TIER_NAMES[tier][locale] : t(locale, { 'zh-CN': '未分级', en: 'Unrated' }));

function ownerText(c: Pick<CustomerDto, 'inPool' | 'ownerName'>, locale: Locale): string {
  return c.inPool ? t(locale, { 'zh-CN': '公海', en: 'Public pool' }) : md(c.ownerName ?? '—');
}

function sectionSummary(sections: Record<string, unknown>, locale: Locale): string | null {
  const parts: string[] = [];
  for (const [name, v] of Object.entries(sections)) {
    const label = SECTION_NAMES[name] ? t(locale, SECTION_NAMES[name]) : name;
    if (Array.isArray(v)) {
      if (v.length) parts.push(`${label} ${v.length}`);
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const n = o.count ?? o.open ?? o.total;
      if (typeof n === 'number' && n > 0) parts.push(`${label} ${n}`);
      else if (typeof o.summary === 'string' && o.summary) parts.push(`${label}：${md(o.summary)}`);
    }
  }
  return parts.length ? parts.join(' · ') : null;
}

export function customer360Card(view: Customer360, viewer: Viewer, locale: Locale, tz: string): Card {
  const c = view.customer;
  const lines = [
    `**${t(locale, { 'zh-CN': '负责人', en: 'Owner' })}**：${ownerText(c, locale)}`,
    c.region || c.industry ? `**${t(locale, { 'zh-CN': '地区/行业', en: 'Region/industry' })}**：${md([c.region, c.industry].filter(Boolean).join(' / '))}` : null,
    c.phone ? `**${t(locale, { 'zh-CN': '电话', en: 'Phone' })}**：${md(c.phone)}` : null,
    `**${t(locale, { 'zh-CN': '等级', en: 'Tier' })}**：${view.tier ? md(view.tier.explanation) : tierName(c.tier, locale)}`,
    `**${t(locale, { 'zh-CN': '最近跟进', en: 'Last follow-up' })}**：${fmtDate(c.lastFollowupAt, tz)}`,
  ].filter(Boolean);
  const contacts = view.contacts.slice(0, 3).map((k) => `- ${md(k.name)}${k.title ? `（${md(k.title)}）` : ''}${k.phone ? ` ${md(k.phone)}` : ''}`);
  const acts = view.activities.slice(0, 5).map((a) => `- ${fmtDate(a.occurredAt, tz)} ${t(locale, CHANNEL_NAMES[a.channel] ?? CHANNEL_NAMES.other)}：${md(a.summary.slice(0, 80))}`);
  const sections = sectionSummary(view.sections, locale);
  const mine = c.ownerId === viewer.id;
  const manager = viewer.role === 'manager' || viewer.role === 'admin';
  const buttons: CardElement[] = [];
  if (c.inPool) buttons.push(button({ text: t(locale, { 'zh-CN': '领取', en: 'Claim' }), type: 'primary', value: { action: 'pool.claim', customerId: c.id } }));
  if (mine || manager || viewer.role === 'service') buttons.push(button({ text: t(locale, { 'zh-CN': '记录跟进', en: 'Log follow-up' }), type: c.inPool ? 'default' : 'primary', value: { action: 'customer.followup_form', customerId: c.id } }));
  if (!c.inPool && (mine || manager)) buttons.push(button({ text: t(locale, { 'zh-CN': '创建任务', en: 'Create task' }), value: { action: 'customer.task_form', customerId: c.id } }));
  if (!c.inPool && (mine || manager)) buttons.push(button({ text: t(locale, { 'zh-CN': '建商机', en: 'Create opportunity' }), value: { action: 'opportunity.create_form', customerId: c.id, customerName: c.name } }));
  if (!c.inPool && (mine || manager)) {
    buttons.push(
      button({
        text: t(locale, { 'zh-CN': '释放到公海', en: 'Release to pool' }),
        type: 'danger',
        value: { action: 'customer.release', customerId: c.id },
        confirm: { title: t(locale, { 'zh-CN': '释放客户', en: 'Release customer' }), text: t(locale, { 'zh-CN': `确定把「${c.name}」释放到公海吗？`, en: `Release "${c.name}" to the public pool?` }) },
      }),
    );
  }
  if (manager) buttons.push(button({ text: t(locale, { 'zh-CN': '重新分配', en: 'Reassign' }), value: { action: 'customer.reassign_form', customerId: c.id } }));
  return card({
    title: c.name,
    subtitle: `${tierName(c.tier, locale)} · ${c.inPool ? t(locale, { 'zh-CN': '公海', en: 'Public pool' }) : (c.ownerName ?? '')}`,
    template: TIER_TEMPLATE[c.tier ?? ''] ?? 'blue',
    elements: [
      markdown(lines.join('\n')),
      contacts.length ? markdown(`**${t(locale, { 'zh-CN': '联系人', en: 'Contacts' })}**\n${contacts.join('\n')}`) : null,
      divider(),
      markdown(`**${t(locale, { 'zh-CN': '最近跟进记录', en: 'Recent follow-ups' })}**\n${acts.length ? acts.join('\n') : t(locale, { 'zh-CN': '暂无', en: 'None yet' })}`),
      view.nextStep ? markdown(`**${t(locale, { 'zh-CN': '下一步', en: 'Next step' })}**：${md(view.nextStep.text ?? '')} ${view.nextStep.at ? fmtDate(view.nextStep.at, tz, true) : ''}`.trim()) : null,
      sections ? note(sections) : null,
      buttons.length ? buttonRow(buttons) : null,
    ],
  });
}

export interface PickItem {
  id: number;
  name: string;
  ownerName: string | null;
  inPool: boolean;
  tier: string | null;
  region: string | null;
}

export const pickItem = (c: CustomerDto): PickItem => ({ id: c.id, name: c.name, ownerName: c.ownerName, inPool: c.inPool, tier: c.tier, region: c.region });

/** Several customers match a name; or (`suggest`) none does and the dictionary's closest one is offered. */
export function pickListCard(query: string, items: PickItem[], locale: Locale, suggest = false): Card {
  return card({
    title: suggest
      ? t(locale, { 'zh-CN': `您是不是指 ${items[0]?.name ?? ''}？`, en: `Did you mean ${items[0]?.name ?? ''}?` })
      : t(locale, { 'zh-CN': `找到 ${items.length} 个客户`, en: `${items.length} customers found` }),
    template: 'wathet',
    elements: [
      note(suggest
        ? t(locale, { 'zh-CN': `没有名为“${md(query)}”的客户，最接近的是：`, en: `No customer is named "${md(query)}"; the closest is:` })
        : t(locale, { 'zh-CN': `“${md(query)}”匹配多个客户，请选择：`, en: `"${md(query)}" matches several customers; pick one:` })),
      ...items.map((c) =>
        itemRow(
          markdown(`**${md(c.name)}** · ${tierName(c.tier, locale)} · ${ownerText(c, locale)}${c.region ? ` · ${md(c.region)}` : ''}`),
          button({ text: t(locale, { 'zh-CN': '查看', en: 'View' }), value: { action: 'customer.view', customerId: c.id } }),
        ),
      ),
    ],
  });
}

export interface PoolListPayload {
  filters: { region?: string | null; industry?: string | null; tier?: string | null; q?: string | null };
  items: (PickItem & { industry: string | null; releasedAt: string | null })[];
  nextCursor: string | null;
}

export function poolListCard(p: PoolListPayload, locale: Locale, tz: string): Card {
  const f = p.filters;
  const filterText = [f.region, f.industry, f.tier ? tierName(f.tier, locale) : null, f.q].filter(Boolean).join(' / ');
  return card({
    title: t(locale, { 'zh-CN': '公海客户', en: 'Public pool' }),
    subtitle: filterText ? md(filterText) : undefined,
    template: 'turquoise',
    elements: [
      p.items.length ? null : markdown(t(locale, { 'zh-CN': '没有符合条件的公海客户。', en: 'No pool customers match.' })),
      ...p.items.map((c) =>
        itemRow(
          markdown(
            `**${md(c.name)}** · ${tierName(c.tier, locale)}${c.region ? ` · ${md(c.region)}` : ''}${c.industry ? ` · ${md(c.industry)}` : ''}` +
              (c.releasedAt ? `\n${t(locale, { 'zh-CN': '回到公海', en: 'back in pool' })} ${fmtDate(c.releasedAt, tz)}` : ''),
          ),
          button({ text: t(locale, { 'zh-CN': '领取', en: 'Claim' }), type: 'primary', value: { action: 'pool.claim', customerId: c.id } }),
        ),
      ),
      p.nextCursor ? button({ text: t(locale, { 'zh-CN': '更多', en: 'More' }), value: { action: 'pool.list', cursor: p.nextCursor, ...f } }) : null,
      note(t(locale, { 'zh-CN': '筛选：发送“公海 华东”“公海 高价值”“公海 制造业”。', en: 'Filter: send "pool 华东", "pool 高价值", "pool manufacturing".' })),
    ],
  });
}

export function followupFormCard(customer: { id: number; name: string }, nonce: string, locale: Locale): Card {
  return card({
    title: t(locale, { 'zh-CN': `记录跟进：${customer.name}`, en: `Log follow-up: ${customer.name}` }),
    template: 'blue',
    elements: [
      form('followup', [
        selectStatic({
          name: 'channel',
          placeholder: t(locale, { 'zh-CN': '方式', en: 'Channel' }),
          initial: 'phone',
          options: Object.entries(CHANNEL_NAMES).map(([value, names]) => ({ value, text: t(locale, names) })),
        }),
        input({ name: 'summary', label: t(locale, { 'zh-CN': '沟通内容', en: 'Summary' }), required: true, maxLength: INPUT_MAX_LENGTH, multiline: true }),
        input({ name: 'nextStep', label: t(locale, { 'zh-CN': '下一步（可选）', en: 'Next step (optional)' }), maxLength: 500 }),
        datePicker({ name: 'nextAt', placeholder: t(locale, { 'zh-CN': '下次跟进日期（可选）', en: 'Next follow-up date (optional)' }) }),
        button({ text: t(locale, { 'zh-CN': '保存', en: 'Save' }), type: 'primary', submit: true, name: 'save', value: { action: 'customer.followup_submit', customerId: customer.id, key: nonce } }),
      ]),
    ],
  });
}

export function taskFormCard(customer: { id: number; name: string }, nonce: string, locale: Locale): Card {
  return card({
    title: t(locale, { 'zh-CN': `创建任务：${customer.name}`, en: `New task: ${customer.name}` }),
    template: 'blue',
    elements: [
      form('task', [
        input({ name: 'title', label: t(locale, { 'zh-CN': '任务', en: 'Task' }), required: true, maxLength: 500, placeholder: t(locale, { 'zh-CN': '例如：发送报价单', en: 'e.g. send the quote' }) }),
        datePicker({ name: 'dueAt', placeholder: t(locale, { 'zh-CN': '截止日期', en: 'Due date' }) }),
        button({ text: t(locale, { 'zh-CN': '创建', en: 'Create' }), type: 'primary', submit: true, name: 'create', value: { action: 'customer.task_submit', customerId: customer.id, key: nonce } }),
      ]),
    ],
  });
}

export function reassignFormCard(customer: { id: number; name: string }, users: { id: number; name: string }[], locale: Locale): Card {
  return card({
    title: t(locale, { 'zh-CN': `重新分配：${customer.name}`, en: `Reassign: ${customer.name}` }),
    template: 'indigo',
    elements: [
      form('reassign', [
        selectStatic({ name: 'userId', placeholder: t(locale, { 'zh-CN': '选择新负责人', en: 'New owner' }), required: true, options: users.map((u) => ({ value: String(u.id), text: u.name })) }),
        button({ text: t(locale, { 'zh-CN': '分配', en: 'Assign' }), type: 'primary', submit: true, name: 'assign', value: { action: 'customer.reassign', customerId: customer.id } }),
      ]),
    ],
  });
}

type NoticeList = { count: number; customers: { id: number; name: string; dueAt?: string; reason?: string }[] };

export function recycleWarningCard(p: NoticeList, locale: Locale, tz: string): Card {
  return card({
    title: t(locale, { 'zh-CN': `${p.count} 个客户即将回收到公海`, en: `${p.count} customers will go back to the pool soon` }),
    template: 'orange',
    elements: [
      note(t(locale, { 'zh-CN': '记录一次跟进即可保留客户。', en: 'Log a follow-up to keep a customer.' })),
      ...p.customers.map((c) =>
        itemRow(
          markdown(
            `**${md(c.name)}** · ${t(locale, { 'zh-CN': '回收时间', en: 'recycled on' })} ${fmtDate(c.dueAt ?? null, tz)}` +
              (c.reason === 'no_won_deal' ? ` · ${t(locale, { 'zh-CN': '领取后未成交', en: 'no deal since claim' })}` : ''),
          ),
          button({ text: t(locale, { 'zh-CN': '记录跟进', en: 'Log follow-up' }), type: 'primary', value: { action: 'customer.followup_form', customerId: c.id } }),
        ),
      ),
      p.count > p.customers.length ? note(t(locale, { 'zh-CN': `另有 ${p.count - p.customers.length} 个未列出`, en: `${p.count - p.customers.length} more not listed` })) : null,
    ],
  });
}

export function recycledCard(p: NoticeList, locale: Locale): Card {
  return card({
    title: t(locale, { 'zh-CN': `${p.count} 个客户已回收到公海`, en: `${p.count} customers went back to the pool` }),
    template: 'grey',
    elements: [
      markdown(p.customers.map((c) => `- ${md(c.name)}`).join('\n')),
      note(t(locale, { 'zh-CN': '长时间未跟进的客户会自动回收；冷却期后可重新领取。', en: 'Customers without follow-up are recycled automatically; you may re-claim them after the cooldown.' })),
    ],
  });
}

const customerAssignedRenderer: Renderer<{ customerId: number; name: string }> = (p, ctx) =>
  cardMessage(
    card({
      title: t(ctx.locale, { 'zh-CN': '你有一个新客户', en: 'A customer was assigned to you' }),
      template: 'green',
      elements: [markdown(`**${md(p.name)}**`), buttonRow([button({ text: t(ctx.locale, { 'zh-CN': '查看', en: 'View' }), type: 'primary', value: { action: 'customer.view', customerId: p.customerId } })])],
    }),
  );
const customerReassignedRenderer: Renderer<{ customerId: number; name: string; toName?: string }> = (p, ctx) =>
  cardMessage(
    card({
      title: t(ctx.locale, { 'zh-CN': '客户已转给他人', en: 'A customer was reassigned' }),
      template: 'grey',
      elements: [markdown(t(ctx.locale, { 'zh-CN': `「${md(p.name)}」已分配给 ${md(p.toName ?? '')}`, en: `"${md(p.name)}" now belongs to ${md(p.toName ?? '')}` }))],
    }),
  );

/** Outbox kinds of customers and the pool. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.renderer<{ view: Customer360; viewer: Viewer }>('customer.360', (p, ctx) => cardMessage(customer360Card(p.view, p.viewer, ctx.locale, ctx.core.timezone)));
  r.renderer<{ query: string; items: PickItem[]; suggest?: boolean }>('customer.pick', (p, ctx) => cardMessage(pickListCard(p.query, p.items, ctx.locale, !!p.suggest)));
  r.renderer<PoolListPayload>('pool.list', (p, ctx) => cardMessage(poolListCard(p, ctx.locale, ctx.core.timezone)));
  r.renderer<NoticeList>('pool.recycle_warning', (p, ctx) => cardMessage(recycleWarningCard(p, ctx.locale, ctx.core.timezone)));
  r.renderer<NoticeList>('pool.recycled', (p, ctx) => cardMessage(recycledCard(p, ctx.locale)));
  r.renderer('customer.assigned', customerAssignedRenderer);
  r.renderer('customer.reassigned', customerReassignedRenderer);
}
