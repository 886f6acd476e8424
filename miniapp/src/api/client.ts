import Taro from '@tarojs/taro';
import { clearSession, getSession } from '../lib/session';
import { getLocale } from '../lib/i18n';

/** '' on H5 (same origin); an absolute origin on the mini-programs (config/index.ts defineConstants). */
export const API_ORIGIN: string = typeof CRM_API_BASE === 'string' ? CRM_API_BASE.replace(/\/$/, '') : '';
export const API_BASE = `${API_ORIGIN}/mp/v1`;

/** A failed API call: the HTTP status and the contract's `{error: {code, message, field?, data?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const unauthenticated = new Set<Listener>();

/** Called when an authenticated call answers 401 (expired or revoked session): pages send the user to sign-in. */
export function onUnauthenticated(fn: Listener): () => void {
  unauthenticated.add(fn);
  return () => unauthenticated.delete(fn);
}

export function headers(auth = true): Record<string, string> {
  const h: Record<string, string> = { 'Accept-Language': getLocale() === 'en' ? 'en' : 'zh-CN' };
  const session = auth ? getSession() : null;
  if (session) h.Authorization = `Bearer ${session.token}`;
  return h;
}

/** Turns a response into data or an ApiError; shared by request() and the upload path. */
export function toResult<T>(statusCode: number, data: unknown, auth: boolean): T {
  if (statusCode >= 200 && statusCode < 300) return (statusCode === 204 ? undefined : data) as T;
  let body = data as { error?: { code?: string; message?: string; field?: string; data?: Record<string, unknown> } } | string | undefined;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  const e = typeof body === 'object' && body ? body.error : undefined;
  const err = new ApiError(statusCode, e?.code ?? `HTTP_${statusCode}`, e?.message ?? `HTTP ${statusCode}`, e?.field, e?.data);
  if (statusCode === 401 && auth) {
    clearSession();
    unauthenticated.forEach((fn) => fn());
  }
  throw err;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** false for the sign-in routes: no bearer, and a 401 is an answer, not an expired session. */
  auth?: boolean;
}

export async function request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, opts: RequestOptions = {}): Promise<T> {
  const auth = opts.auth !== false;
  const qs = Object.entries(opts.query ?? {})
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  let res: { statusCode: number; data: unknown };
  try {
    res = await Taro.request<unknown>({
      url: `${API_BASE}${path}${qs ? `?${qs}` : ''}`,
      method,
      data: opts.body as Taro.request.Option['data'],
      header: { ...headers(auth), ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      dataType: 'json',
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', e instanceof Error ? e.message : String((e as { errMsg?: string })?.errMsg ?? e));
  }
  return toResult<T>(res.statusCode, res.data, auth);
}
