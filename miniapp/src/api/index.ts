import Taro from '@tarojs/taro';
import { API_BASE, ApiError, headers, request, toResult } from './client';
import { platform } from '../lib/platform';
import type { Article, ArticleHit, Client, FeedbackResult, Me, Meta, NewTicket, Profile, Session, Survey, TicketDetail, TicketPage, TimelineEntry } from './types';

export { ApiError, onUnauthenticated, API_ORIGIN } from './client';
export type { Article, ArticleHit, Me, Meta, Profile, Session, Survey, TicketDetail, TicketSummary, TimelineEntry } from './types';

/** Typed calls for every /mp/v1 route the pages use (server/mp/CONTRACT.md). */
export const api = {
  meta: () => request<Meta>('GET', '/meta', { auth: false }),

  redeemInvite: (body: { code: string; client: Client; wechatCode?: string; larkCode?: string }) =>
    request<Session>('POST', '/auth/invite', { body, auth: false }),
  signInWechat: (code: string) => request<Session>('POST', '/auth/wechat', { body: { code }, auth: false }),
  signInLark: (code: string) => request<Session>('POST', '/auth/lark', { body: { code }, auth: false }),
  logout: () => request<void>('POST', '/auth/logout'),

  me: () => request<Me>('GET', '/me'),
  profile: () => request<Profile>('GET', '/profile'),
  updateProfile: (body: { name?: string; title?: string; email?: string | null }) => request<Profile>('PATCH', '/profile', { body }),

  tickets: (query: { status?: 'open' | 'closed' | 'all'; limit?: number; cursor?: string | null }) =>
    request<TicketPage>('GET', '/tickets', { query: { status: query.status, limit: query.limit, cursor: query.cursor ?? undefined } }),
  ticket: (id: number) => request<TicketDetail>('GET', `/tickets/${id}`),
  createTicket,
  comment: (id: number, body: string) => request<TimelineEntry>('POST', `/tickets/${id}/comments`, { body: { body } }),
  reopen: (id: number, reason: string) => request<TicketDetail>('POST', `/tickets/${id}/reopen`, { body: { reason } }),

  surveys: (status: 'pending' | 'all' = 'pending') => request<{ items: Survey[] }>('GET', '/surveys', { query: { status } }),
  survey: (id: number) => request<Survey>('GET', `/surveys/${id}`),
  answerSurvey: (id: number, body: { score: number; comment?: string }) => request<Survey>('POST', `/surveys/${id}/answer`, { body }),

  searchArticles: (q: string, limit = 10) => request<{ items: ArticleHit[] }>('GET', '/kb/search', { query: { q, limit } }),
  article: (id: number) => request<Article>('GET', `/kb/articles/${id}`),
  articleFeedback: (id: number, helpful: boolean, query?: string) =>
    request<FeedbackResult>('POST', `/kb/articles/${id}/feedback`, { body: { helpful, query } }),
};

/** One photo through Taro.uploadFile (WeChat/Lark carry one file per request). */
async function uploadOne(path: string, filePath: string, formData?: Record<string, string>): Promise<TicketDetail> {
  let res: Taro.uploadFile.SuccessCallbackResult;
  try {
    res = await Taro.uploadFile({ url: `${API_BASE}${path}`, filePath, name: 'photos', formData, header: headers(true) });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', e instanceof Error ? e.message : String((e as { errMsg?: string })?.errMsg ?? e));
  }
  let data: unknown = res.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      // leave as text
    }
  }
  return toResult<TicketDetail>(res.statusCode, data, true);
}

/**
 * Files a ticket. Without photos: JSON. On H5: one multipart request with every photo (the files are blob: URLs
 * from chooseImage). On WeChat/Lark `uploadFile` carries one file per request: the first photo goes with the
 * ticket, each further one to /tickets/:id/attachments. A further photo that fails does not undo the ticket: the
 * returned ticket simply has fewer attachments than photos (the page says so).
 */
async function createTicket(input: NewTicket, photos: string[] = []): Promise<TicketDetail> {
  if (!photos.length) return request<TicketDetail>('POST', '/tickets', { body: input });
  const fields: Record<string, string> = { type: input.type, description: input.description };
  if (input.title) fields.title = input.title;
  if (input.priority) fields.priority = input.priority;
  if (platform() === 'h5' && typeof fetch === 'function' && typeof FormData !== 'undefined') {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    let i = 0;
    for (const p of photos) {
      const blob = await (await fetch(p)).blob();
      const ext = (blob.type.split('/')[1] || 'jpg').replace('jpeg', 'jpg');
      form.append('photos', blob, `photo-${++i}.${ext}`);
    }
    let res: Response;
    try {
      res = await fetch(`${API_BASE}/tickets`, { method: 'POST', headers: headers(true), body: form });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', e instanceof Error ? e.message : String(e));
    }
    const text = await res.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // not JSON: toResult reports the status
    }
    return toResult<TicketDetail>(res.status, data, true);
  }
  let ticket = await uploadOne('/tickets', photos[0], fields);
  for (const p of photos.slice(1)) {
    try {
      ticket = await uploadOne(`/tickets/${ticket.id}/attachments`, p);
    } catch {
      // the ticket exists; the page reports the missing photos
    }
  }
  return ticket;
}
