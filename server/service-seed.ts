import type { CoreContext } from '../core/context';
import { createArticle } from '../core/knowledge/operations';
import { createTicket, acceptTicket, commentTicket, resolveTicket } from '../core/tickets/operations';
import { hashInviteCode, newInviteCode, normaliseInviteCode } from '../core/mp/session';
import { INVITE_DAYS } from '../core/mp/operations';
import { actorOf, toUserDto } from '../core/users/operations';

export interface ServiceSeedSummary {
  tickets: number;
  articles: number;
  /** A one-time mini-program invite for the demo customer's contact (printed in the start-up log). */
  inviteCode: string | null;
  inviteFor: string | null;
  /** Whom the invite is for (the start-up banner prints how to make another one for them). */
  inviteCustomerId?: number;
  inviteContact?: string;
}

const ARTICLES = [
  { title: '打印机无法连接网络怎么办', category: '故障排查', tags: ['打印机', '网络'], body: '1. 确认打印机与电脑在同一无线网络。\n2. 在打印机面板上重新运行无线设置向导。\n3. 在电脑上删除并重新添加打印机。\n如仍无法连接，请提交工单并附上面板截图。' },
  { title: '如何申请增值税专用发票', category: '财务', tags: ['发票'], body: '在“我的订单”中选择订单，点击“申请发票”，填写公司抬头、税号、开户行及账号。专票将在 3 个工作日内寄出。' },
  { title: '设备保修政策说明', category: '售后', tags: ['保修', '维修'], body: '整机保修 1 年，主要部件保修 3 年。保修期内非人为损坏免费维修；维修请提交“维修”类型工单并上传故障照片。' },
  { title: '退换货流程', category: '售后', tags: ['退货', '换货'], body: '签收 7 天内可无理由退货，15 天内质量问题可换货。请提交“退换货”工单，客服审核后安排上门取件。' },
  { title: 'How to reset your portal password', category: 'Account', tags: ['login', 'password'], body: 'Open the sign-in page, choose "Forgot password", and follow the link we e-mail you. Passwords need at least 8 characters.' },
];

/** Owned customers with a contact, oldest first: the demo's tickets and invite go to the first ones. */
export function inviteCandidates(ctx: CoreContext, n: number): Promise<{ id: number; name: string; contact_id: number; contact_name: string }[]> {
  return ctx.db.select<{ id: number; name: string; contact_id: number; contact_name: string }>(
    `SELECT c.id, c.name, ct.id AS contact_id, ct.name AS contact_name FROM customers c JOIN contacts ct ON ct.customer_id = c.id
      WHERE c.owner_id IS NOT NULL ORDER BY c.id, ct.id LIMIT ${Math.max(1, Math.floor(n))}`,
  );
}

/** Demo service data: knowledge articles, a few tickets in different states, and one invite code. */
export async function seedServiceDemo(ctx: CoreContext): Promise<ServiceSeedSummary> {
  const system = { kind: 'system' } as const;
  for (const a of ARTICLES) await createArticle(ctx, system, a);
  const agentRow = await ctx.models.User.findOne({ where: { role: 'service' }, order: [['id', 'ASC']] });
  const customers = await inviteCandidates(ctx, 3);
  if (!customers.length) return { tickets: 0, articles: ARTICLES.length, inviteCode: null, inviteFor: null };
  const asCustomer = (i: number) => ({ kind: 'customer' as const, customerId: customers[i % customers.length].id, contactId: customers[i % customers.length].contact_id });
  let tickets = 0;
  const t1 = await createTicket(ctx, asCustomer(0), { type: 'tech_support', description: '办公室打印机连不上无线网络，已经重启过两次。' }, { channel: 'mp' });
  const t2 = await createTicket(ctx, asCustomer(0), { type: 'repair', description: '会议室投影仪开机后没有画面，指示灯闪烁。', priority: 'high' }, { channel: 'mp' });
  const t3 = await createTicket(ctx, asCustomer(1), { type: 'consult', description: '请问年度服务合同可以按季度付款吗？' }, { channel: 'mp' });
  tickets += 3;
  if (agentRow) {
    const agent = actorOf(toUserDto(agentRow.get({ plain: true })));
    await acceptTicket(ctx, agent, { ticketId: t1.id });
    await commentTicket(ctx, agent, { ticketId: t1.id, body: '您好，请按知识库《打印机无法连接网络怎么办》操作一遍，如仍有问题请回复。' });
    await commentTicket(ctx, agent, { ticketId: t3.id, body: '可以，季度付款需在合同中注明，我们会联系您的客户经理。' });
    await resolveTicket(ctx, agent, { ticketId: t3.id });
  }
  void t2;
  // The demo invite: CRM_DEMO_INVITE_CODE fixes it (handy for scripted demos and browser tests).
  const code = normaliseInviteCode(process.env.CRM_DEMO_INVITE_CODE || newInviteCode());
  const now = ctx.clock.now();
  const c0 = customers[0];
  await ctx.models.MpInvite.create({ code_hash: hashInviteCode(code), customer_id: c0.id, contact_id: c0.contact_id, expires_at: new Date(now.getTime() + INVITE_DAYS * 86_400_000), created_at: now });
  return { tickets, articles: ARTICLES.length, inviteCode: code, inviteFor: `${c0.name} / ${c0.contact_name}`, inviteCustomerId: Number(c0.id), inviteContact: c0.contact_name };
}
