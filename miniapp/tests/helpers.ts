/** Contract-shaped fixtures (server/mp/CONTRACT.md) and a fake /mp/v1 behind the mocked Taro.request. */
import * as Taro from '@tarojs/taro';
import type { Article, Me, Meta, Profile, Session, Survey, TicketDetail, TicketSummary } from '../src/api/types';

const T = Taro as unknown as {
  request: jest.Mock;
  uploadFile: jest.Mock;
  __reset(): void;
  __setRouterParams(p: Record<string, string>): void;
  setStorageSync(k: string, v: unknown): void;
  getStorageSync(k: string): unknown;
};
export const taro = T;

export interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  header: Record<string, string>;
}
export type Reply = { status?: number; body?: unknown };
type Handler = (call: Call) => Reply | unknown;

/**
 * Routes `METHOD /path` (path relative to /mp/v1, ':id' matches a number) to handlers; a handler returns the
 * body (status 200) or `{status, body}`. Unknown routes answer 404. Every call is recorded.
 */
export function mockApi(routes: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  T.request.mockImplementation(async (opts: { url: string; method?: string; data?: unknown; header?: Record<string, string> }) => {
    const url = new URL(opts.url, 'http://x');
    const path = url.pathname.replace(/^\/mp\/v1/, '');
    const call: Call = { method: opts.method ?? 'GET', path, query: Object.fromEntries(url.searchParams), body: opts.data, header: opts.header ?? {} };
    calls.push(call);
    for (const [key, handler] of Object.entries(routes)) {
      const [m, p] = key.split(' ');
      const re = new RegExp('^' + p.replace(/:\w+/g, '\\d+') + '$');
      if (m === call.method && re.test(path)) {
        const r = handler(call);
        if (r && typeof r === 'object' && 'status' in (r as object) && typeof (r as Reply).status === 'number') {
          const reply = r as Reply;
          return { statusCode: reply.status, data: reply.body ?? '', header: {} };
        }
        return { statusCode: 200, data: r, header: {} };
      }
    }
    return { statusCode: 404, data: { error: { code: 'NOT_FOUND', message: '未找到' } }, header: {} };
  });
  return calls;
}

export function apiError(status: number, code: string, message: string, field?: string): Reply {
  return { status, body: { error: { code, message, ...(field ? { field } : {}) } } };
}

export const session: Session = {
  token: 'mp1.test-token',
  expiresAt: '2099-01-01T00:00:00.000Z',
  customer: { id: 12, name: '远航科技有限公司' },
  contact: { id: 34, name: '王伟' },
};

/** Fresh mocks, empty storage, optionally signed in, with router params. */
export function setup(opts: { signedIn?: boolean; params?: Record<string, string> } = {}): void {
  T.__reset();
  delete (process.env as Record<string, string | undefined>).TARO_ENV;
  if (opts.signedIn !== false) T.setStorageSync('crm.session', session);
  T.__setRouterParams(opts.params ?? {});
}

export const meta: Meta = {
  ticketTypes: [
    { value: 'consult', label: '咨询' },
    { value: 'tech_support', label: '技术支持' },
    { value: 'complaint', label: '投诉' },
    { value: 'return', label: '退换货' },
    { value: 'repair', label: '维修' },
    { value: 'other', label: '其他' },
  ],
  priorities: [
    { value: 'normal', label: '普通' },
    { value: 'high', label: '紧急' },
  ],
  upload: { maxFiles: 6, maxBytes: 5242880, mimeTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] },
};

export const me: Me = {
  customer: { id: 12, name: '远航科技有限公司', tier: 'normal' },
  contact: { id: 34, name: '王伟', title: '采购经理' },
  owner: { name: '李娜', phone: '139****0001', email: 'rep1@demo.crm' },
  tickets: { open: 2, waitingCustomer: 1, resolvedRecently: 0 },
  pendingSurveys: 1,
  contracts: null,
  receivables: null,
};

export function ticketSummary(id: number, over: Partial<TicketSummary> = {}): TicketSummary {
  return {
    id,
    no: `T${String(id).padStart(6, '0')}`,
    type: 'tech_support',
    typeLabel: '技术支持',
    priority: 'normal',
    status: 'assigned',
    statusLabel: '已分配',
    title: `打印机无法连接 ${id}`,
    createdAt: '2026-11-22T02:00:00.000Z',
    updatedAt: '2026-11-22T02:00:00.000Z',
    ...over,
  };
}

export function ticketDetail(over: Partial<TicketDetail> = {}): TicketDetail {
  return {
    ...ticketSummary(7),
    type: 'repair',
    typeLabel: '维修',
    description: '打印机无法连接到网络，指示灯闪烁',
    resolvedAt: null,
    closedAt: null,
    canReopen: false,
    reopenUntil: null,
    agent: { name: '赵客服' },
    attachments: [{ id: 3, name: 'photo.jpg', mime: 'image/jpeg', size: 20480, url: '/mp/v1/attachments/3?exp=1&sig=abc' }],
    timeline: [
      { id: 1, kind: 'status', from: null, to: 'new', fromLabel: null, toLabel: '新建', author: { type: 'customer', name: '王伟' }, body: null, at: '2026-11-22T02:00:00.000Z' },
      { id: 2, kind: 'comment', author: { type: 'agent', name: '赵客服' }, body: '请重启试试', at: '2026-11-22T02:10:00.000Z' },
    ],
    survey: null,
    ...over,
  };
}

export function survey(over: Partial<Survey> = {}): Survey {
  return {
    id: 5,
    kind: 'csat',
    status: 'pending',
    ticket: { id: 7, no: 'T000007', title: '打印机无法连接' },
    question: '您对本次服务满意吗？',
    scale: { min: 1, max: 5 },
    answer: null,
    createdAt: '2026-11-22T02:00:00.000Z',
    expiresAt: '2026-11-29T02:00:00.000Z',
    ...over,
  };
}

export const profile: Profile = {
  contact: { id: 34, name: '王伟', title: '采购经理', phone: '138****5678', email: 'wang@example.com', wechat: null },
  customer: { id: 12, name: '远航科技有限公司' },
  bindings: { wechat: false, lark: false },
  session: { client: 'h5', expiresAt: '2027-05-21T00:00:00.000Z' },
};

export const article: Article = {
  id: 3,
  title: '打印机无法连接怎么办',
  body: '# 步骤\n1. 检查网线\n2. 重启打印机',
  category: '故障排查',
  tags: ['打印机'],
  updatedAt: '2026-11-20T00:00:00.000Z',
  helpful: { yes: 3, no: 1 },
  myFeedback: null,
};
