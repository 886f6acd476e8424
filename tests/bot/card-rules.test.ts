/**
 * Every card the bot can send, rendered with realistic data (long Chinese and English names, many rows, both
 * languages) and checked against the documented Card JSON 2.0 rules (tests/helpers/lark-card). A renderer kind or
 * an exported `…Card` builder without a fixture here fails the test. Also: the validator refuses cards that break a
 * rule (each rule test can fail).
 */
import type { CoreContext } from '../../core/context';
import type { TaskDto } from '../../core/tasks/operations';
import type { Customer360 } from '../../core/customer360/view360';
import type { CustomerDto } from '../../core/customers/operations';
import type { ApprovalView } from '../../core/approvals/operations';
import type { ContractDto } from '../../core/contracts/operations';
import type { ImportReport } from '../../core/leads/import';
import { SCORE_FACTORS } from '../../core/leads/schemas';
import * as kit from '../../bot/cards/kit';
import { button, buttonRow, card, columnSet, datePicker, divider, form, input, linkButton, markdown, note, selectStatic, type Card } from '../../bot/cards/kit';
import type { LarkMessage } from '../../bot/render/registry';
import { composeBot } from '../../bot/compose';
import * as orgCards from '../../bot/render/org';
import * as builtinCards from '../../bot/render/builtin';
import * as ticketCards from '../../bot/render/tickets';
import * as contractCards from '../../bot/render/contracts';
import * as leadCards from '../../bot/render/leads';
import * as customerCards from '../../bot/render/customers';
import * as leadImport from '../../bot/handlers/lead-import';
import * as opportunityCards from '../../bot/render/opportunities';
import type { OpportunityDto, PipelineDto, QuoteDto, ForecastDto, FunnelDto } from '../../core/opportunities/schemas';
import type { Draft } from '../../bot/render/leads';
import type { Locale } from '../../bot/i18n';
import { validateCard, describeViolations, cardRejection } from '../helpers/lark-card';
import { renderCard } from '../../server/sandbox/page/render/card';

const LOCALES: Locale[] = ['zh-CN', 'en'];
const TZ = 'Asia/Shanghai';
const ZH = '上海远航国际物流供应链管理集团股份有限公司华东区域运营中心（浦东新区张江高科技园区分部）';
const EN = 'Acme Global Logistics & Supply Chain Management Holdings International Ltd. — East China Operations Centre';
const names = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? `${EN} #${i + 1}` : `${ZH}第${i + 1}号`));
const LONG_TEXT = `${ZH}。客户反馈系统在月末结算时偶发超时，要求我们在下周三之前给出书面的排查报告和补偿方案，并安排工程师上门。`.repeat(6);
const iso = (d: string) => new Date(d).toISOString();

const REPS = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: `${['王伟', '李娜', 'Jane Doe-Smithson', '欧阳慕容雪'][i % 4]}${i + 1}` }));
const fakeCore = { timezone: TZ, locale: 'zh-CN', db: { select: async () => REPS } } as unknown as CoreContext;

const task = (i: number, over: Partial<TaskDto> = {}): TaskDto => ({
  id: 100 + i, title: `${i % 2 ? EN : ZH} 回访 ${i}`, priority: i % 3 ? 'normal' : 'high', dueAt: iso('2026-03-02T07:00:00Z'), remindAt: null,
  customerId: 7, customerName: i % 2 ? EN : ZH, leadId: null, ownerId: 1, channel: 'visit', status: 'open', doneAt: null, updatedAt: null, ...over,
});

const customer = (i: number, over: Partial<CustomerDto> = {}): CustomerDto => ({
  id: i, name: names(i + 1)[i], phone: '+86 138 0013 8000', email: 'procurement.director@acme-logistics.example.com', ownerId: 1, ownerName: '欧阳慕容雪', teamId: 1, poolId: null,
  inPool: false, tier: 'high_value', tierReason: null, tags: [], source: 'web', region: '华东', industry: '制造业', notes: null, status: 'active', mergedIntoId: null,
  lastFollowupAt: iso('2026-02-20T02:00:00Z'), claimedAt: null, releasedAt: null, lastWonAt: null, wonCount: 0, wonTotalCents: 0, ...over,
} as CustomerDto);

const view360 = (inPool: boolean): Customer360 => ({
  customer: customer(1, { inPool, ownerId: inPool ? null : 1, ownerName: inPool ? null : '欧阳慕容雪' }),
  tier: { code: 'high_value', name: '高价值', nameZh: '高价值', nameEn: 'High value', reason: null, explanation: '近 12 个月成交 ¥1,280,000.00，3 份合同' } as Customer360['tier'],
  contacts: Array.from({ length: 5 }, (_, i) => ({ id: i, customerId: 1, name: `${EN} contact ${i}`, title: '采购总监 Procurement Director', phone: '13800138000', email: null, wechat: null, isPrimary: i === 0 })),
  activities: Array.from({ length: 20 }, (_, i) => ({ id: i, customerId: 1, contactId: null, userId: 1, userName: '王伟', channel: 'phone', summary: LONG_TEXT, nextStep: null, nextAt: null, occurredAt: iso('2026-02-01T02:00:00Z'), source: 'chat' })) as Customer360['activities'],
  nextStep: { text: LONG_TEXT.slice(0, 200), at: iso('2026-03-04T06:00:00Z') },
  sections: { tasks: [task(1), task(2)], contracts: { count: 3 }, receivables: { summary: '逾期 ¥52,000.00' }, tickets: [], satisfaction: { summary: 'CSAT 4.6 / 5' } },
  sectionErrors: [],
});

const draft = (over: Partial<Draft> = {}): Draft => ({
  kind: 'followup', customerId: 7, customerName: ZH, contact: { name: 'Jane Doe-Smithson', phone: '13800138000', email: 'jane@acme.example.com' }, channel: 'visit',
  summary: LONG_TEXT, at: iso('2026-03-04T07:00:00Z'), nonce: 'n-0123456789abcdef', priority: 'high', ...over,
});

/** The largest understood card: a message as long as one is carried (500 characters), two other readings, a fuzzy match. */
const understoodDraft = (over: Partial<Draft> = {}): Draft => draft({
  customerId: null,
  suggest: { id: 8, name: ZH },
  alts: [{ kind: 'task', customer: ZH, at: iso('2026-03-05T01:00:00Z') }, { kind: 'lead', customer: ZH, at: null }, { kind: 'followup', customer: ZH, at: null }],
  customerText: ZH,
  origin: {
    text: LONG_TEXT.slice(0, 500), sentAt: iso('2026-03-01T02:00:00Z'),
    read: { intent: 'log_followup', customer: ZH, channel: 'visit', contact: { name: 'Jane Doe-Smithson', phone: '13800138000', email: 'jane@acme.example.com' }, next_at: iso('2026-03-04T07:00:00Z'), due_at: null },
  },
  ...over,
});

const approvalView = (status: ApprovalView['status']): ApprovalView => ({
  requestId: 9, entityType: 'contract', entityId: 3, status, submitter: { id: 2, name: 'Jane Doe-Smithson' }, note: LONG_TEXT.slice(0, 300), reason: status === 'rejected' ? '折扣超出政策，请重新报价' : null, rules: [],
  steps: Array.from({ length: 4 }, (_, i) => ({ id: 50 + i, seq: i + 1, label: ['销售经理', 'Finance', '法务 Legal', '总经理'][i], approverId: 10 + i, approverName: REPS[i].name, delegatedFromId: i === 2 ? 99 : null, delegatedFromName: i === 2 ? '欧阳慕容雪' : null, status: i === 0 ? 'approved' : i === 1 ? 'pending' : 'waiting', decidedAt: null, channel: null, comment: i === 0 ? LONG_TEXT.slice(0, 120) : null })),
  currentStep: status === 'pending' ? { id: 51, approverId: 11 } : null,
  comments: Array.from({ length: 6 }, (_, i) => ({ userId: 1, userName: REPS[i].name, text: LONG_TEXT.slice(0, 80), at: iso('2026-02-01T02:00:00Z') })),
  subject: {
    contractId: 3, number: 'HT-2026-000123', title: EN, customer: { id: 7, name: ZH, tier: '高价值' }, owner: { id: 2, name: 'Jane' }, currency: 'CNY', listCents: 158_000_000, amountCents: 128_000_000,
    discountBp: 1899, discountLimitBp: 1500, discountOverLimit: true, startDate: '2026-03-01', endDate: '2027-02-28',
    lines: Array.from({ length: 18 }, (_, i) => ({ name: `${i % 2 ? EN : ZH} 模块 ${i}`, quantity: 12, unitPriceCents: 1_250_000, discountBp: 500, amountCents: 14_250_000 })),
    history: { contracts: 12, contractCents: 980_000_000, paidCents: 870_000_000, outstandingCents: 110_000_000, overdueCents: 5_200_000, risk: 'medium' },
  },
  createdAt: iso('2026-02-01T02:00:00Z'), decidedAt: null,
});

const contract = (): ContractDto => ({
  id: 3, number: 'HT-2026-000123', customerId: 7, customerName: ZH, ownerId: 2, ownerName: 'Jane Doe-Smithson', title: EN, currency: 'CNY', listCents: 158_000_000, amountCents: 128_000_000, discountBp: 1899,
  signDate: null, startDate: '2026-03-01', endDate: '2027-02-28', status: 'draft', note: null, renewalOfId: null, opportunityId: null, quoteId: null,
  lines: Array.from({ length: 20 }, (_, i) => ({ seq: i + 1, name: `${i % 2 ? EN : ZH} 模块 ${i}`, quantity: 12, unitPriceCents: 1_250_000, discountBp: 500, amountCents: 14_250_000 })),
  instalments: Array.from({ length: 12 }, (_, i) => ({ id: i, seq: i + 1, dueDate: `2026-${String((i % 12) + 1).padStart(2, '0')}-28`, amountCents: 10_666_667, paidCents: 0, status: 'open' })),
  attachments: [], approvalRequestId: null,
} as ContractDto);

const ticket = (status: 'new' | 'assigned' | 'in_progress' | 'resolved', priority: 'urgent' | 'high' | 'normal' | 'low' = 'urgent') => ({
  ticketId: 41, no: 'TK-20260301-0041', title: `${ZH}：${EN}`, description: LONG_TEXT.slice(0, 301), typeLabel: '故障 Incident', priority, status,
  customerName: ZH, contactName: 'Jane Doe-Smithson', agentName: '欧阳慕容雪', firstResponseDueAt: iso('2026-03-01T03:00:00Z'), resolutionDueAt: iso('2026-03-02T03:00:00Z'),
});

const lead = (score: number) => ({
  leadId: 5, company: ZH, contactName: 'Jane Doe-Smithson', phone: '13800138000', email: 'jane@acme.example.com', source: '官网表单 Website form', campaign: '2026 春季展会 Spring Expo', region: '华东', industry: '制造业',
  score, scoreReasons: Array.from({ length: 8 }, (_, i) => ({ factor: SCORE_FACTORS[i % SCORE_FACTORS.length], points: 10, max: 15, zh: `${ZH} 因素 ${i}`, en: `${EN} factor ${i}` })),
  why: { strategy: 'round_robin', zh: '按地区轮流分配（华东）', en: 'Round robin by region (East China)' }, waitedMinutes: 95, slaMinutes: 30,
});

const receivable = { instalmentId: 8, contractId: 3, number: 'HT-2026-000123', customerName: ZH, ownerName: 'Jane Doe-Smithson', dueDate: '2026-03-31', outstandingCents: 52_000_000, daysOverdue: 12, daysLeft: 5 };
const notices = (n: number) => ({ count: n + 7, customers: names(n).map((name, i) => ({ id: i + 1, name, dueAt: iso('2026-03-10T00:00:00Z'), reason: i % 3 ? 'no_followup' : 'no_won_deal' })) });
const poolItems = (n: number) => names(n).map((name, i) => ({ id: i + 1, name, ownerName: null, inPool: true, tier: ['high_value', 'potential', 'normal', 'at_risk', null][i % 5], region: '华东 East China', industry: '制造业 Manufacturing', releasedAt: iso('2026-02-10T00:00:00Z') }));
const importReport = (dryRun: boolean, failed = false): ImportReport => ({
  importId: 1, dryRun, mapping: { company: '公司名称 Company', contactName: '联系人 Contact', phone: '手机 Mobile', email: 'E-mail', source: '来源 Source', region: '地区 Region' }, unmapped: [],
  total: 2400, valid: 2300, duplicate: 60, invalid: 40, committed: dryRun ? 0 : 1200,
  rows: Array.from({ length: 100 }, (_, i) => ({ line: i + 2, status: i % 2 ? 'invalid' : 'duplicate', reason: { zh: `${ZH} 手机号格式不正确`, en: `${EN}: bad phone number` } })),
  failed: failed ? { batch: 3, firstLine: 1001, message: 'deadlock' } : null,
});

// ---- the sales pipeline (bot/render/opportunities.ts): long names, every stage, both pipelines
const PIPELINE: PipelineDto = {
  id: 1, key: 'default', name: '新客户销售', kind: 'new', isDefault: true,
  stages: [
    { key: 'initial', name: '初步接洽', nameEn: 'Initial contact', probability: 10, category: 'pipeline', requires: [] },
    { key: 'qualified', name: '需求确认', nameEn: 'Qualified', probability: 20, category: 'pipeline', requires: [] },
    { key: 'proposal', name: '方案报价', nameEn: 'Proposal', probability: 50, category: 'best_case', requires: ['amount'] },
    { key: 'negotiation', name: '谈判', nameEn: 'Negotiation', probability: 80, category: 'commit', requires: ['amount'] },
    { key: 'won', name: '赢单', nameEn: 'Won', probability: 100, category: 'won', requires: [] },
    { key: 'lost', name: '输单', nameEn: 'Lost', probability: 0, category: 'lost', requires: [] },
  ],
};
const RENEWAL: PipelineDto = { ...PIPELINE, id: 2, key: 'renewal', name: '续约', kind: 'renewal', isDefault: false, stages: [
  { key: 'renewal_due', name: '续约沟通', nameEn: 'Renewal due', probability: 40, category: 'pipeline', requires: [] },
  { key: 'renewal_quote', name: '续约报价', nameEn: 'Renewal quote', probability: 60, category: 'best_case', requires: [] },
  { key: 'renewal_negotiation', name: '续约谈判', nameEn: 'Renewal negotiation', probability: 80, category: 'commit', requires: [] },
  ...PIPELINE.stages.slice(4),
] };
const oppLines = Array.from({ length: 14 }, (_, i) => ({ seq: i + 1, name: `${i % 2 ? EN : ZH} 模块 ${i}`, quantity: 10 + i, unitPriceCents: 1_234_567, discountBp: 1250, amountCents: 10_802_461 }));
const opp = (over: Partial<OpportunityDto> = {}): OpportunityDto => ({
  id: 42, customerId: 7, customerName: ZH, pipelineId: 1, pipelineKey: 'default', name: `${EN} ERP 升级二期`, ownerId: 1, ownerName: '欧阳慕容雪', teamId: 1,
  stage: 'proposal', stageName: '方案报价', status: 'open', probability: 50, probabilityOverridden: false, currency: 'CNY', amountCents: 5_000_000_000, weightedCents: 2_500_000_000,
  expectedCloseDate: '2026-12-31', source: 'manual', leadId: null, campaign: null, renewalOfContractId: null, lines: oppLines, competitors: ['友商甲', 'Globex'],
  lossReason: null, lossNote: null, nextStep: LONG_TEXT.slice(0, 400), stageEnteredAt: iso('2026-11-01T00:00:00Z'), closedAt: null, wonContractId: null,
  createdAt: iso('2026-10-01T00:00:00Z'), updatedAt: iso('2026-11-01T00:00:00Z'), version: 7, ...over,
});
const quote = (over: Partial<QuoteDto> = {}): QuoteDto => ({
  id: 9, number: 'BJ20261207-00009', opportunityId: 42, opportunityName: `${EN} ERP 升级二期`, customerId: 7, customerName: ZH, version: 3, status: 'sent', currency: 'CNY',
  listCents: 5_500_000_000, amountCents: 5_000_000_000, discountBp: 909, validUntil: '2027-01-06', expired: false, note: null, lines: oppLines, sentAt: null, acceptedAt: null, contractId: null, createdAt: iso('2026-12-07T00:00:00Z'), ...over,
});
const section = (p: PipelineDto, n: number) => ({
  pipeline: p,
  stages: p.stages.filter((s) => s.category !== 'won' && s.category !== 'lost').map((s, i) => ({ key: s.key, name: s.name, probability: s.probability, count: n + i, amountCents: 999_999_999_99, weightedCents: 499_999_999_99 })),
  total: { count: n * 4, amountCents: 9_999_999_999_99, weightedCents: 4_999_999_999_99 },
  top: Array.from({ length: 5 }, (_, i) => ({ id: i + 1, name: `${EN} 项目 ${i}`, customerName: names(5)[i], stage: p.stages[i % 3].key, stageName: p.stages[i % 3].name, amountCents: i ? 123_456_789 : null, expectedCloseDate: '2026-12-31', version: i + 1 })),
});
const forecast = (months: number): ForecastDto => {
  const m = (k: number) => ({ month: `2027-${String(k + 1).padStart(2, '0')}`, open: 12, pipelineCents: 999_999_999_99, weightedCents: 555_555_555_55, commitCents: 333_333_333_33, bestCaseCents: 444_444_444_44, wonCents: 111_111_111_11, won: 3 });
  const totals = { open: 36, pipelineCents: 1, weightedCents: 2, commitCents: 3, bestCaseCents: 4, wonCents: 5, won: 9 };
  return { scope: { pipelineId: 1, pipelineKey: 'default', teamId: 1, ownerId: null, currency: 'CNY' }, period: { label: months > 1 ? '2027-Q1' : '2027-01', from: '2027-01-01', to: months > 1 ? '2027-03-31' : '2027-01-31' }, months: Array.from({ length: months }, (_, k) => m(k)), totals };
};
const funnel: FunnelDto = {
  scope: { pipelineId: 1, pipelineKey: 'default', teamId: 1, ownerId: null, currency: 'CNY' }, period: { label: '2027-Q1', from: '2027-01-01', to: '2027-03-31' },
  stages: PIPELINE.stages.map((s, i) => ({ key: s.key, name: s.name, nameEn: s.nameEn, category: s.category, probability: s.probability, count: i * 7, amountCents: 123_456_789_00, weightedCents: 1, reached: 10 - i, conversionToNext: i % 2 ? 0.4567 : null, avgDaysInStage: i ? 12.5 : null })),
  winRate: { won: 5, lost: 7, rate: 5 / 12 },
};
const draftOpp = { customer: ZH, name: `${EN} ERP`, amountCents: 5_000_000_000, expectedCloseDate: '2026-12-31', stage: null, nonce: 'opp:om_1' };
const stageChanged = { opportunityId: 42, name: `${EN} ERP 升级二期`, customerName: ZH, ownerId: 1, ownerName: '欧阳慕容雪', fromStage: 'proposal', fromStageName: '方案报价', toStage: 'negotiation', toStageName: '谈判', currency: 'CNY', amountCents: 5_000_000_000, probability: 80, expectedCloseDate: '2026-12-31', byName: 'Jane Doe-Smithson' };
const stuck = (audience: 'owner' | 'manager', n: number) => ({
  day: '2026-12-07', stuckDays: 14, audience, total: n, totalCents: 9_999_999_999_99,
  deals: Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `${EN} 项目 ${i}`, customerName: names(n)[i], ownerName: REPS[i % 50].name, stageName: '方案报价', days: 14 + i, currency: 'CNY', amountCents: i % 3 ? 123_456_789 : null })),
});

/**
 * ONE object keyed by renderer kind: every registered kind must be here (payloads rendered in both locales).
 * To enumerate kinds differently (e.g. an explicit composeBot()), change only `kinds()` below.
 */
const RENDERER_FIXTURES: Record<string, Record<string, unknown>[]> = {
  help: [{}],
  text: [{ text: LONG_TEXT }],
  'lead.assigned': [lead(85), lead(40)],
  'lead.sla_escalated': [lead(90)],
  'task.reminder': [{ task: task(1), seq: 3 }, { task: task(2, { status: 'done', title: EN }), seq: 4 }],
  'task.agenda': [{ day: '2026-03-02', today: Array.from({ length: 15 }, (_, i) => task(i)), overdue: Array.from({ length: 10 }, (_, i) => task(i + 20)), followups: Array.from({ length: 10 }, (_, i) => ({ customerId: i, name: names(10)[i], nextAt: null, summary: LONG_TEXT })), nearRecycling: Array.from({ length: 10 }, (_, i) => ({ customerId: i, name: names(10)[i], dueAt: iso('2026-03-09T00:00:00Z') })) }],
  'leads.card': [{ card: leadCards.draftCard(draft(), 'zh-CN', TZ) }, { card: leadCards.draftCard(understoodDraft(), 'zh-CN', TZ) }, { card: leadImport.importReportCard(importReport(true), `${ZH}.xlsx`, 'en', { action: 'lead.import', key: 'k' }) }],
  'approval.request': [{ view: approvalView('pending'), viewerId: 11 }, { view: approvalView('pending'), viewerId: 2 }, { view: approvalView('rejected'), viewerId: 2 }, { view: approvalView('withdrawn'), viewerId: 5 }],
  'approval.outcome': [{ status: 'approved', decidedByName: 'Jane', reason: null, subject: { number: 'HT-1', customer: { name: ZH } } }, { status: 'rejected', decidedByName: '王伟', reason: LONG_TEXT, subject: {} }],
  'contract.renewal_due': [{ contractId: 3, number: 'HT-2026-000123', customerName: ZH, amountCents: 128_000_000, endDate: '2026-04-30', daysLeft: 30 }],
  'receivable.due_soon': [receivable],
  'receivable.overdue': [receivable],
  'receivable.overdue_escalation': [receivable],
  'receivable.digest': [{
    week: { from: '2026-03-02', to: '2026-03-08' },
    dueThisWeek: Array.from({ length: 30 }, (_, i) => ({ number: `HT-2026-${i}`, customerName: names(30)[i], ownerName: REPS[i].name, dueDate: '2026-03-05', outstandingCents: 1_000_000 * i })),
    dueThisWeekCents: 99_000_000,
    overdueByOwner: REPS.slice(0, 20).map((r, i) => ({ ownerName: r.name, count: i + 1, outstandingCents: 500_000 * i })),
    forecast: { overdueCents: 52_000_000, months: Array.from({ length: 12 }, (_, i) => ({ month: `2026-${String(i + 1).padStart(2, '0')}`, outstandingCents: 10_000_000 })) },
  }],
  'contract.draft': [{ contract: contract() }, { contract: contract(), submitted: true, headline: `审批人：${REPS.slice(0, 4).map((r) => r.name).join(' → ')}` }],
  'contract.form': [{ customer: ZH }, {}],
  'opportunity.stage_changed': [stageChanged, { ...stageChanged, fromStage: null, fromStageName: null, toStage: 'won', toStageName: '赢单', amountCents: null, byName: null }],
  'opportunity.stuck_digest': [stuck('owner', 3), stuck('manager', 25)],
  'opportunity.card': [{ card: opportunityCards.opportunityCard(opp(), PIPELINE, { locale: 'zh-CN', quotes: [quote()] }) }, { card: opportunityCards.pipelineCard([section(PIPELINE, 3), section(RENEWAL, 2)], 'en') }],
  'receivable.choose': [{ customerName: ZH, amountCents: 50_000_000, options: Array.from({ length: 6 }, (_, i) => ({ contractId: i, number: `HT-2026-00012${i}`, outstandingCents: 12_000_000, nextDueDate: '2026-03-31' })) }],
  'ticket.assigned': [ticket('assigned'), ticket('new', 'low')],
  'ticket.sla_warning': [{ ...ticket('in_progress', 'high'), clock: 'frt', dueAt: iso('2026-03-01T03:00:00Z') }],
  'ticket.sla_breach': [{ ...ticket('in_progress'), clock: 'res', dueAt: iso('2026-03-02T03:00:00Z'), escalated: true }, { ...ticket('resolved', 'normal'), clock: 'frt', dueAt: null }],
  'survey.low_score': [{ surveyId: 1, kind: 'csat', score: 1, max: 5, comment: LONG_TEXT, ticketNo: 'TK-1', ticketTitle: EN, customerName: ZH, contactName: 'Jane', agentName: '王伟' }, { surveyId: 2, kind: 'nps', score: 2, max: 10, comment: null, ticketNo: null, ticketTitle: null, customerName: null, contactName: null, agentName: null }],
  'customer.360': [
    { view: view360(false), viewer: { id: 1, role: 'rep' } },
    { view: view360(false), viewer: { id: 3, role: 'manager' } },
    { view: view360(true), viewer: { id: 4, role: 'service' } },
  ],
  'customer.pick': [{ query: ZH, items: Array.from({ length: 10 }, (_, i) => customerCards.pickItem(customer(i))) }, { query: ZH, items: [customerCards.pickItem(customer(1))], suggest: true }],
  'pool.list': [{ filters: { region: '华东', industry: '制造业', tier: 'high_value', q: EN }, items: poolItems(8), nextCursor: 'c-8' }, { filters: {}, items: [], nextCursor: null }],
  'pool.recycle_warning': [notices(20)],
  'pool.recycled': [notices(20)],
  'customer.assigned': [{ customerId: 7, name: ZH }],
  'customer.reassigned': [{ customerId: 7, name: EN, toName: '欧阳慕容雪' }],
  'org.greeting': [{ chatId: 'oc_team', chatName: ZH }, { chatId: 'oc_x', chatName: null }],
};

/** Every exported `…Card` builder (and the ones handlers export), keyed `<module>.<name>`, with realistic arguments. */
const BUILDER_MODULES: Record<string, Record<string, unknown>> = { builtin: builtinCards, tickets: ticketCards, contracts: contractCards, leads: leadCards, customers: customerCards, leadImport, opportunities: opportunityCards };
const BUILDER_FIXTURES: Record<string, (locale: Locale) => Card[]> = {
  'builtin.helpCard': (l) => [builtinCards.helpCard(l)],
  'org.groupGreetingCard': (l) => [orgCards.groupGreetingCard(l, { chatId: 'oc_1', chatName: ZH }), orgCards.groupGreetingCard(l, { chatId: 'oc_1', chatName: null, digestTeam: ZH })],
  'tickets.ticketCard': (l) => (['new', 'assigned', 'in_progress', 'resolved'] as const).map((s) => ticketCards.ticketCard(ticket(s), { locale: l, zone: TZ })),
  'contracts.approvalCard': (l) => [approvalCard(l, 'pending', 11), approvalCard(l, 'pending', 2), approvalCard(l, 'approved', 11)],
  'contracts.draftCard': (l) => [contractCards.draftCard(contract(), l), contractCards.draftCard(contract(), l, { submitted: true, headline: ZH })],
  'contracts.contractFormCard': (l) => [contractCards.contractFormCard(l, { customer: ZH })],
  'contracts.chooseContractCard': (l) => [contractCards.chooseContractCard({ customerName: EN, amountCents: 1, options: [{ contractId: 1, number: 'HT-1', outstandingCents: 5, nextDueDate: '2026-01-01' }] }, l)],
  'leads.draftCard': (l) => (['followup', 'task', 'lead'] as const).flatMap((kind) => [leadCards.draftCard(draft({ kind }), l, TZ), leadCards.draftCard(understoodDraft({ kind }), l, TZ)]),
  'leads.draftEditCard': (l) => (['followup', 'task', 'lead'] as const).map((kind) => leadCards.draftEditCard(draft({ kind, channel: null }), l, TZ)),
  'leads.draftPickCard': (l) => [leadCards.draftPickCard(ZH, Array.from({ length: 8 }, (_, i) => ({ id: i, name: names(8)[i], ownerName: i % 2 ? null : '王伟', inPool: i % 2 === 1 })), draft(), l)],
  'leads.draftUnknownCard': (l) => [leadCards.draftUnknownCard(draft(), l), leadCards.draftUnknownCard(draft({ customerName: null }), l)],
  'leads.savedCard': () => [leadCards.savedCard(`✓ ${ZH}`, LONG_TEXT, 'orange', [note(EN)])],
  'leads.leadAssignedCard': (l) => [leadCards.leadAssignedCard(lead(75), l)],
  'leads.taskCard': (l) => [leadCards.taskCard(task(1), 2, l, TZ), leadCards.taskCard(task(2), null, l, TZ, true)],
  'leads.rescheduleFormCard': (l) => [leadCards.rescheduleFormCard(task(3), l, TZ)],
  'leads.agendaCard': (l) => [leadCards.agendaCard({ day: '2026-03-02', today: [], overdue: [], followups: [], nearRecycling: [] }, l, TZ)],
  'leads.slaEscalatedCard': (l) => [leadCards.slaEscalatedCard(lead(90), REPS, l), leadCards.slaEscalatedCard(lead(90), [], l)],
  'leads.weekCard': (l) => [leadCards.weekCard(Array.from({ length: 40 }, (_, i) => task(i, { dueAt: iso(`2026-03-0${(i % 7) + 2}T0${i % 9}:00:00Z`) })), 'week', l, TZ), leadCards.weekCard([], 'day', l, TZ)],
  'leads.newTaskFormCard': (l) => [leadCards.newTaskFormCard({ id: 7, name: ZH }, 'task.new:n', l), leadCards.newTaskFormCard({ id: null, name: null }, 'task.new:m', l)],
  'customers.customer360Card': (l) => [customerCards.customer360Card(view360(false), { id: 1, role: 'rep' }, l, TZ), customerCards.customer360Card(view360(true), { id: 9, role: 'admin' }, l, TZ)],
  'customers.pickListCard': (l) => [customerCards.pickListCard(EN, Array.from({ length: 10 }, (_, i) => customerCards.pickItem(customer(i))), l)],
  'customers.poolListCard': (l) => [customerCards.poolListCard({ filters: { q: ZH }, items: poolItems(8), nextCursor: 'x' }, l, TZ)],
  'customers.followupFormCard': (l) => [customerCards.followupFormCard({ id: 7, name: ZH }, '7:n', l)],
  'customers.taskFormCard': (l) => [customerCards.taskFormCard({ id: 7, name: EN }, '7:n', l)],
  'customers.reassignFormCard': (l) => [customerCards.reassignFormCard({ id: 7, name: ZH }, REPS, l)],
  'customers.recycleWarningCard': (l) => [customerCards.recycleWarningCard(notices(20), l, TZ)],
  'customers.recycledCard': (l) => [customerCards.recycledCard(notices(20), l)],
  'opportunities.opportunityCard': (l) => [
    opportunityCards.opportunityCard(opp(), PIPELINE, { locale: l, quotes: [quote()] }),
    opportunityCards.opportunityCard(opp({ amountCents: null, weightedCents: null, lines: [], nextStep: null }), PIPELINE, { locale: l, quotes: [quote({ status: 'draft' })], heading: `✓ ${ZH}` }),
    opportunityCards.opportunityCard(opp({ status: 'lost', stage: 'lost', stageName: '输单', lossReason: 'competitor', lossNote: LONG_TEXT.slice(0, 500) }), PIPELINE, { locale: l }),
    opportunityCards.opportunityCard(opp({ status: 'won', stage: 'won', stageName: '赢单', closedAt: iso('2026-12-01T00:00:00Z'), wonContractId: 5 }), PIPELINE, { locale: l }),
    opportunityCards.opportunityCard(opp({ pipelineId: 2, stage: 'renewal_due', stageName: '续约沟通' }), RENEWAL, { locale: l, extra: [markdown(LONG_TEXT.slice(0, 200))] }),
  ],
  'opportunities.lossFormCard': (l) => [opportunityCards.lossFormCard(opp(), l), opportunityCards.lossFormCard(opp(), l, { from: 'list', reason: 'price', note: LONG_TEXT.slice(0, 400) })],
  'opportunities.quoteCard': (l) => (['draft', 'sent', 'accepted', 'rejected', 'superseded'] as const).map((status) => opportunityCards.quoteCard(quote({ status }), l, status === 'accepted' ? { contract: { id: 1, number: 'HT-2026-000123', status: 'pending_approval' } } : {})),
  'opportunities.pipelineCard': (l) => [opportunityCards.pipelineCard([section(PIPELINE, 3), section(RENEWAL, 2)], l), opportunityCards.pipelineCard([{ ...section(PIPELINE, 0), top: [], total: { count: 0, amountCents: 0, weightedCents: 0 } }], l, { audience: 'team' }), opportunityCards.pipelineCard([section(PIPELINE, 1)], l, { audience: 'company' })],
  'opportunities.forecastCard': (l) => [opportunityCards.forecastCard(forecast(3), funnel, l, { audience: 'team' }), opportunityCards.forecastCard(forecast(1), null, l), opportunityCards.forecastCard(forecast(12), funnel, l, { audience: 'company' })],
  'opportunities.chooseOpportunityCard': (l) => [opportunityCards.chooseOpportunityCard(ZH, Array.from({ length: 12 }, (_, i) => ({ id: i, name: `${EN} ${i}`, customerName: names(12)[i], stageName: '谈判', amountCents: i ? 1 : null })), { stage: 'lost', stageName: '输单', lossReason: 'price', lossNote: LONG_TEXT.slice(0, 300) }, l)],
  'opportunities.chooseCustomerCard': (l) => [opportunityCards.chooseCustomerCard(draftOpp, Array.from({ length: 8 }, (_, i) => ({ id: i, name: names(8)[i], ownerName: i % 2 ? null : '王伟', inPool: i % 2 === 1 })), l)],
  'opportunities.askCustomerCard': (l) => [opportunityCards.askCustomerCard(draftOpp, l), opportunityCards.askCustomerCard({ ...draftOpp, customer: null, name: null, amountCents: null, expectedCloseDate: null }, l)],
  'opportunities.claimFirstCard': (l) => [opportunityCards.claimFirstCard(draftOpp, { id: 7, name: ZH }, l)],
  'opportunities.createFormCard': (l) => [opportunityCards.createFormCard({ id: 7, name: ZH }, 'opp.form:7:n', l)],
  'opportunities.stageChangedCard': (l) => [opportunityCards.stageChangedCard(stageChanged, l)],
  'opportunities.stuckDigestCard': (l) => [opportunityCards.stuckDigestCard(stuck('manager', 40), l)],
  'leadImport.importReportCard': (l) => [leadImport.importReportCard(importReport(true), `${ZH}.csv`, l, { action: 'lead.import', key: 'k' }), leadImport.importReportCard(importReport(false, true), 'leads.xlsx', l, null)],
};
function approvalCard(l: Locale, status: ApprovalView['status'], viewer: number): Card {
  return contractCards.approvalCard(approvalView(status), viewer, l);
}

BUILDER_MODULES.org = orgCards; // the group greeting (bot/render/org.ts)

/** Kit builders covered by the kit fixture below (every element builder the kit exports). */
const KIT_BUILDERS = ['card', 'markdown', 'note', 'divider', 'button', 'linkButton', 'columnSet', 'buttonRow', 'form', 'input', 'selectStatic', 'datePicker'];
const KIT_HELPERS = ['cardBytes', 'fitsLimit', 'md'];
function kitCard(l: Locale): Card {
  return card({
    title: `${ZH} ${EN}`,
    subtitle: l,
    template: 'carmine',
    elements: [
      markdown('**b**', { textSize: 'heading', align: 'center' }),
      note('n'),
      divider(),
      button({ text: 'x', type: 'danger_filled', value: { action: 'a' }, confirm: { title: 't', text: 'c' }, disabled: true, url: 'https://example.com' }),
      linkButton({ text: 'open', url: 'https://example.com', type: 'laser' }),
      columnSet([[markdown('a')], { elements: [markdown('b')], weight: 5, verticalAlign: 'bottom' }, { elements: [markdown('c')], width: 'auto' }], { flexMode: 'bisect', horizontalSpacing: 'large' }),
      buttonRow([button({ text: 'a', value: { action: 'a' } }), button({ text: 'b', type: 'text', value: { action: 'b' } })]),
      form('kit_form', [
        input({ name: 'a', label: 'A', placeholder: 'p', defaultValue: 'd', required: true, maxLength: kit.INPUT_MAX_LENGTH, multiline: true }),
        selectStatic({ name: 's', placeholder: 'p', options: [{ text: 'x', value: 'x' }, { text: 'y', value: 'y' }], initial: 'x', required: true }),
        datePicker({ name: 'd', placeholder: 'p', initial: '2026-03-01', required: true }),
        buttonRow([button({ text: 'go', type: 'primary_filled', submit: true, name: 'go', value: { action: 'go' } })]),
      ]),
    ],
  });
}

/** Valid for Lark, and drawn by the sandbox page's renderer without a placeholder (server/sandbox/page/render). */
function expectValid(label: string, c: unknown): void {
  const v = validateCard(c);
  if (v.length) throw new Error(`${label} breaks the documented Card JSON 2.0 rules:\n${describeViolations(v)}`);
  for (const locale of LOCALES) {
    const r = renderCard(c, { locale });
    if (r.unsupported.length) throw new Error(`${label}: the sandbox renderer cannot draw ${r.unsupported.join(', ')}`);
  }
}

/** Every kind the composed bot renders (bot/compose.ts). */
const bot = composeBot();
const kinds = (): string[] => bot.renderers();

describe('every card the bot sends follows the documented Card JSON 2.0 rules', () => {
  it('every registered renderer kind has a fixture (a new kind without one fails here)', () => {
    expect(kinds().filter((k) => !(k in RENDERER_FIXTURES))).toEqual([]);
    expect(Object.keys(RENDERER_FIXTURES).filter((k) => !kinds().includes(k))).toEqual([]);
  });

  it.each(Object.keys(RENDERER_FIXTURES))('renderer %s (zh-CN and en)', async (kind) => {
    for (const locale of LOCALES) {
      for (const [i, payload] of RENDERER_FIXTURES[kind].entries()) {
        const msg: LarkMessage = await bot.render(kind, payload, { locale, core: fakeCore });
        if (msg.msg_type === 'interactive') expectValid(`${kind}[${i}] ${locale}`, msg.content);
        else expect(msg.msg_type).toBe('text');
      }
    }
  });

  it('every exported …Card builder has a fixture', () => {
    const exported = Object.entries(BUILDER_MODULES).flatMap(([m, mod]) => Object.entries(mod).filter(([n, f]) => typeof f === 'function' && /Card$/.test(n)).map(([n]) => `${m}.${n}`));
    expect(exported.filter((k) => !(k in BUILDER_FIXTURES))).toEqual([]);
    expect(Object.keys(BUILDER_FIXTURES).filter((k) => !exported.includes(k))).toEqual([]);
  });

  it.each(Object.keys(BUILDER_FIXTURES))('builder %s (zh-CN and en)', (name) => {
    for (const locale of LOCALES) BUILDER_FIXTURES[name](locale).forEach((c, i) => expectValid(`${name}[${i}] ${locale}`, c));
  });

  it('every kit element builder, with every option, makes a valid card', () => {
    const fns = Object.entries(kit).filter(([, f]) => typeof f === 'function').map(([n]) => n);
    expect(fns.filter((n) => !KIT_BUILDERS.includes(n) && !KIT_HELPERS.includes(n))).toEqual([]);
    for (const l of LOCALES) expectValid(`kit ${l}`, kitCard(l));
  });
});

// ------------------------------------------------------------------ the validator itself

const base = () => card({ title: 't', elements: [markdown('m')] }) as unknown as Record<string, any>;
const formCard = (...els: Record<string, unknown>[]) => card({ elements: [form('f', [...(els as kit.CardElement[]), button({ text: 'ok', submit: true, name: 'ok', value: { action: 'x' } })])] });
const rulesOf = (c: unknown) => validateCard(c).map((v) => v.rule);

describe('the strict Card JSON 2.0 validator refuses what the docs forbid', () => {
  it('accepts a minimal valid card', () => {
    expect(validateCard(base())).toEqual([]);
  });
  it('input max_length must be 1–1000', () => {
    const at = (n: number) => rulesOf(formCard(input({ name: 'a', maxLength: n })));
    expect(at(1000)).toEqual([]);
    expect(at(1)).toEqual([]);
    expect(at(2000)).toEqual(['input.max_length']);
    expect(rulesOf(formCard({ tag: 'input', name: 'a', max_length: 0 }))).toEqual(['input.max_length']);
    const v = validateCard(formCard(input({ name: 'a', maxLength: 2000 })));
    expect(v[0].path).toBe('$.body.elements[0].elements[0].max_length');
    expect(cardRejection(v)).toEqual({ status: 400, code: 230099, msg: expect.stringContaining('ErrCode: 11310; ErrPath: ROOT -> body -> elements[0] -> elements[0] -> max_length') });
  });
  it('unknown properties are refused (JSON 2.0 reports unsupported properties)', () => {
    const c = base();
    c.body.elements[0].colour = 'red';
    expect(rulesOf(c)).toEqual(['markdown.unsupported_property']);
    const r = base();
    r.elements = [];
    expect(rulesOf(r)).toEqual(['card.unsupported_property']);
  });
  it('enum values: button type, header template, input_type', () => {
    expect(rulesOf(card({ elements: [{ ...button({ text: 'b', value: { action: 'a' } }), type: 'secondary' }] }))).toEqual(['button.type']);
    const c = base();
    c.header.template = 'pink';
    expect(rulesOf(c)).toEqual(['header.template']);
    expect(rulesOf(formCard({ ...input({ name: 'a' }), input_type: 'email' }))).toEqual(['input.input_type']);
  });
  it('schema "2.0" and update_multi: true', () => {
    const c = base();
    c.schema = '1.0';
    expect(rulesOf(c)).toEqual(['card.schema']);
    const d = base();
    d.config.update_multi = false;
    expect(rulesOf(d)).toEqual(['config.update_multi']);
  });
  it('forms: only at the root, not nested, a submit button inside, unique names, names on interactive components', () => {
    const nested = card({ elements: [columnSet([[formCard().body.elements[0]]])] });
    expect(rulesOf(nested)).toEqual(['form.root_only']);
    const inForm = card({ elements: [form('outer', [formCard().body.elements[0], button({ text: 'ok', submit: true, name: 'ok2', value: { action: 'x' } })])] });
    expect(rulesOf(inForm)).toContain('form.root_only');
    expect(rulesOf(card({ elements: [form('f', [input({ name: 'a' })])] }))).toEqual(['form.submit_button']);
    expect(rulesOf(formCard(input({ name: 'ok' })))).toEqual(['form.name_unique']);
    expect(rulesOf(formCard(input({ name: 'f' })))).toEqual(['form.name_unique']);
    expect(rulesOf(formCard({ tag: 'input' }))).toEqual(['input.name']);
    expect(rulesOf(formCard({ tag: 'button', name: 'b', text: { tag: 'plain_text', content: 'b' }, behaviors: [{ type: 'callback', value: {} }] }))).toEqual(['button.form_action_type']);
    // A submit button outside a form.
    expect(rulesOf(card({ elements: [button({ text: 'b', submit: true, value: { action: 'a' } })] }))).toEqual(['button.form_action_type']);
  });
  it('what may sit in a column and a collapsible panel; columns only in a column_set', () => {
    expect(rulesOf(card({ elements: [columnSet([[{ tag: 'table' }]])] }))).toEqual(['column.nesting']);
    expect(rulesOf(card({ elements: [{ tag: 'collapsible_panel', header: { title: { tag: 'plain_text', content: 'p' } }, elements: [{ tag: 'table' }] }] }))).toEqual(['collapsible_panel.nesting']);
    expect(rulesOf(card({ elements: [{ tag: 'collapsible_panel', elements: [] }] }))).toEqual(['collapsible_panel.header']);
    expect(rulesOf(card({ elements: [{ tag: 'column', elements: [] }] }))).toEqual(['column.parent']);
    expect(rulesOf(card({ elements: [columnSet([{ elements: [], weight: 6 }])] }))).toEqual(['column.weight']);
  });
  it('deprecated 1.0 components and unknown tags', () => {
    const v = validateCard(card({ elements: [{ tag: 'note', elements: [] }] }));
    expect(v.map((x) => [x.rule, x.subCode])).toEqual([['note.deprecated', 200861]]);
    expect(rulesOf(card({ elements: [{ tag: 'action', actions: [] }] }))).toEqual(['action.deprecated']);
    expect(rulesOf(card({ elements: [{ tag: 'blink' }] }))).toEqual(['component.unknown']);
  });
  it('at most 200 elements, at most 30 KB, at most 5 nested containers', () => {
    expect(rulesOf(card({ elements: Array.from({ length: 100 }, () => button({ text: 'b', value: { action: 'a' } })) }))).toEqual([]);
    expect(rulesOf(card({ elements: Array.from({ length: 101 }, () => button({ text: 'b', value: { action: 'a' } })) }))).toEqual(['card.max_elements']);
    expect(rulesOf(card({ elements: [markdown('x'.repeat(31 * 1024))] }))).toEqual(['card.max_bytes']);
    let deep: Record<string, unknown> = markdown('x');
    for (let i = 0; i < 6; i++) deep = { tag: 'collapsible_panel', header: {}, elements: [deep] };
    expect(rulesOf(card({ elements: [deep as never] }))).toContain('card.max_nesting');
  });
  it('option values unique, placeholder ≤ 100 characters, element_id format and uniqueness, confirm needs a title', () => {
    expect(rulesOf(formCard(selectStatic({ name: 's', options: [{ text: 'a', value: '1' }, { text: 'b', value: '1' }] })))).toEqual(['select_static.options.value_unique']);
    expect(rulesOf(formCard(input({ name: 'a', placeholder: '长'.repeat(101) })))).toEqual(['input.placeholder']);
    expect(rulesOf(card({ elements: [{ ...markdown('a'), element_id: '1bad' }] }))).toEqual(['markdown.element_id']);
    expect(rulesOf(card({ elements: [{ ...markdown('a'), element_id: 'same' }, { ...divider(), element_id: 'same' }] }))).toEqual(['card.element_id_unique']);
    expect(rulesOf(card({ elements: [{ ...button({ text: 'b', value: { action: 'a' } }), confirm: { text: { tag: 'plain_text', content: 'x' } } }] }))).toEqual(['button.confirm']);
    expect(rulesOf(formCard(datePicker({ name: 'd', initial: '2026/03/01' })))).toEqual(['date_picker.initial_date']);
  });
});
