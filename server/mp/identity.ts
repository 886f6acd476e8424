import { AppError } from '../../core/errors';
import type { Config } from '../config';

/**
 * Exchanges a mini-program login code for the platform's user id, server-side (the app secret never
 * leaves the server). WeChat: code2session. Lark: OAuth code → user access token → user_info.
 */
export interface IdentityResolver {
  wechat(code: string): Promise<string>;
  lark(code: string): Promise<string>;
}

const badCode = () => new AppError('UNAUTHENTICATED', { data: { reason: 'bad_code' }, detail: { 'zh-CN': '登录凭证无效，请重试', en: 'The login code was refused; try again' } });
const down = (cause: unknown) => new AppError('UNAVAILABLE', { cause });

async function getJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  } catch (e) {
    throw down(e);
  }
  if (res.status >= 500) throw down(new Error(`HTTP ${res.status}`));
  try {
    return (await res.json()) as Record<string, unknown>;
  } catch (e) {
    throw down(e);
  }
}

export function larkBaseUrl(domain: string): string {
  if (domain === 'feishu') return 'https://open.feishu.cn';
  if (domain === 'lark') return 'https://open.larksuite.com';
  return domain.replace(/\/+$/, '');
}

export function identityResolver(config: Config): IdentityResolver {
  return {
    async wechat(code) {
      if (!config.wechat.appId || !config.wechat.appSecret) throw new AppError('UNAVAILABLE', { detail: { 'zh-CN': '未配置微信登录', en: 'WeChat sign-in is not configured' } });
      const u = new URL('/sns/jscode2session', config.wechat.apiBase);
      u.search = new URLSearchParams({ appid: config.wechat.appId, secret: config.wechat.appSecret, js_code: code, grant_type: 'authorization_code' }).toString();
      const body = await getJson(u.toString());
      if (typeof body.openid === 'string' && body.openid) return body.openid;
      if (body.errcode === 45011 || body.errcode === -1) throw down(new Error(`wechat errcode ${body.errcode}`));
      throw badCode();
    },
    async lark(code) {
      if (!config.lark.appId || !config.lark.appSecret) throw new AppError('UNAVAILABLE', { detail: { 'zh-CN': '未配置飞书登录', en: 'Lark sign-in is not configured' } });
      const base = larkBaseUrl(config.lark.domain);
      const tok = await getJson(`${base}/open-apis/authen/v2/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ grant_type: 'authorization_code', client_id: config.lark.appId, client_secret: config.lark.appSecret, code }),
      });
      const access = tok.access_token ?? (tok.data as Record<string, unknown> | undefined)?.access_token;
      if (typeof access !== 'string' || !access) throw badCode();
      const info = await getJson(`${base}/open-apis/authen/v1/user_info`, { headers: { authorization: `Bearer ${access}` } });
      const openId = (info.data as Record<string, unknown> | undefined)?.open_id;
      if (typeof openId !== 'string' || !openId) throw badCode();
      return openId;
    },
  };
}
