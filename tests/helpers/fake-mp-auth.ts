import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny fake of the two mini-program login exchanges:
 *   WeChat  GET  /sns/jscode2session?appid&secret&js_code&grant_type  → {openid, session_key} | {errcode: 40029}
 *   Lark    POST /open-apis/authen/v2/oauth/token {grant_type, client_id, client_secret, code} → {code: 0, access_token}
 *           GET  /open-apis/authen/v1/user_info (Bearer)               → {code: 0, data: {open_id}}
 * Register codes with `wechatCode(code, openid)` / `larkCode(code, openId)`; codes are one-time, like the real ones.
 * Use `url` as WECHAT_API_BASE and as LARK_DOMAIN.
 */
export class FakeMpAuth {
  private wechat = new Map<string, string>();
  private lark = new Map<string, string>();
  private tokens = new Map<string, string>();
  readonly calls: string[] = [];
  private constructor(private server: http.Server, readonly url: string, readonly appId: string, readonly appSecret: string) {}

  static async start(appId = 'wx_app', appSecret = 'wx_secret_value'): Promise<FakeMpAuth> {
    let self: FakeMpAuth | null = null;
    const server = http.createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    self = new FakeMpAuth(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, appId, appSecret);
    return self;
  }

  wechatCode(code: string, openid: string): void {
    this.wechat.set(code, openid);
  }
  larkCode(code: string, openId: string): void {
    this.lark.set(code, openId);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const u = new URL(req.url ?? '/', this.url);
    this.calls.push(`${req.method} ${u.pathname}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && u.pathname === '/sns/jscode2session') {
      const p = u.searchParams;
      if (p.get('appid') !== this.appId || p.get('secret') !== this.appSecret) return send(200, { errcode: 40125, errmsg: 'invalid appsecret' });
      const openid = this.wechat.get(p.get('js_code') ?? '');
      if (!openid) return send(200, { errcode: 40029, errmsg: 'invalid code' });
      this.wechat.delete(p.get('js_code')!);
      return send(200, { openid, session_key: 'sk' });
    }
    if (req.method === 'POST' && u.pathname === '/open-apis/authen/v2/oauth/token') {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const b = JSON.parse(raw || '{}') as Record<string, string>;
        const openId = this.lark.get(b.code);
        if (!openId || b.grant_type !== 'authorization_code') return send(400, { code: 20003, error: 'invalid_grant' });
        this.lark.delete(b.code);
        const token = `u-${Math.random().toString(36).slice(2)}`;
        this.tokens.set(token, openId);
        return send(200, { code: 0, access_token: token, token_type: 'Bearer', expires_in: 7200 });
      });
      return;
    }
    if (req.method === 'GET' && u.pathname === '/open-apis/authen/v1/user_info') {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const openId = this.tokens.get(token);
      if (!openId) return send(401, { code: 99991668, msg: 'invalid access token' });
      return send(200, { code: 0, data: { open_id: openId, name: 'x' } });
    }
    send(404, { code: 404 });
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
