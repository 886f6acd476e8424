import { randomBytes } from 'node:crypto';
import type { BotConfig } from './config';
import { eventSignature, larkEncrypt } from './crypto';
import { CONTACT_EVENTS } from './org-events';

/**
 * `npm run crm -- lark check` and its start-up summary: is the configured Lark app ready for the CRM?
 * 1. credentials: a tenant token (POST /auth/v3/tenant_access_token/internal);
 * 2. scopes: the app's grants (GET /application/v6/scopes) against what the CRM needs;
 * 3. events: the online version's subscribed events (GET /application/v6/applications/:app_id, then
 *    /app_versions/:version_id) against what the CRM handles;
 * 4. callbacks: a signed, encrypted url_verification posted to the running server's /lark/events with this
 *    configuration's Encrypt Key and Verification Token must come back with its challenge.
 * Each gap is one problem with what to do, in the developer console's words.
 */

export const REQUIRED_SCOPES: { scope: string; why: string }[] = [
  { scope: 'im:message', why: 'read messages sent to the bot' },
  { scope: 'im:message:send_as_bot', why: 'send cards and replies as the bot' },
  { scope: 'contact:contact.base:readonly', why: 'read the org chart (users sync)' },
  { scope: 'contact:department.base:readonly', why: 'read departments (teams)' },
  { scope: 'contact:user.base:readonly', why: 'read names and ids of people (users sync)' },
  { scope: 'contact:user.department:readonly', why: "read people's departments (teams, managers)" },
];
export const OPTIONAL_SCOPES: { scope: string; why: string }[] = [
  { scope: 'contact:user.employee_id:readonly', why: "keep employees' user_id" },
  { scope: 'contact:user.email:readonly', why: 'copy e-mail addresses (only when the org.sync setting asks)' },
  { scope: 'contact:user.phone:readonly', why: 'copy mobile numbers (only when the org.sync setting asks)' },
];
export const REQUIRED_EVENTS: { event: string; why: string }[] = [
  { event: 'im.message.receive_v1', why: 'chat with the bot' },
  { event: 'card.action.trigger', why: 'card buttons (new-style card callbacks)' },
  { event: 'im.chat.member.bot.added_v1', why: 'greet a group when the bot is added' },
  ...CONTACT_EVENTS.map((event) => ({ event, why: 'apply org changes within seconds' })),
];

export interface CheckLine {
  ok: boolean;
  /** 'error': the CRM cannot work; 'warn': something optional is missing. */
  level: 'ok' | 'error' | 'warn';
  what: string;
  fix?: string;
}

export interface CheckOptions {
  /** The running server's base URL for the callback self-test (null: skip it, e.g. at start-up). */
  serverUrl: string | null;
  fetch?: typeof fetch;
}

export function apiBase(domain: string): string {
  if (domain === 'feishu') return 'https://open.feishu.cn';
  if (domain === 'lark') return 'https://open.larksuite.com';
  return domain.replace(/\/+$/, '');
}

type Reply = { status: number; body: { code?: number; msg?: string; data?: Record<string, unknown>; tenant_access_token?: string } };

export async function larkCheck(cfg: BotConfig['lark'], o: CheckOptions): Promise<CheckLine[]> {
  const f = o.fetch ?? fetch;
  const base = apiBase(cfg.domain);
  const out: CheckLine[] = [];
  const ok = (what: string) => out.push({ ok: true, level: 'ok', what });
  const bad = (what: string, fix: string, level: 'error' | 'warn' = 'error') => out.push({ ok: false, level, what, fix });
  const call = async (method: string, path: string, token: string | null, body?: unknown): Promise<Reply> => {
    const res = await f(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let parsed: Reply['body'] = {};
    try {
      parsed = (await res.json()) as Reply['body'];
    } catch {
      parsed = {};
    }
    return { status: res.status, body: parsed };
  };

  if (!cfg.appId || !cfg.appSecret) {
    bad('LARK_APP_ID / LARK_APP_SECRET are not set', 'Developer console → Credentials & Basic Info: copy App ID and App Secret into LARK_APP_ID and LARK_APP_SECRET');
    return out;
  }
  // 1. credentials
  let token: string | null = null;
  try {
    const r = await call('POST', '/open-apis/auth/v3/tenant_access_token/internal', null, { app_id: cfg.appId, app_secret: cfg.appSecret });
    if (r.body.code === 0 && r.body.tenant_access_token) {
      token = r.body.tenant_access_token;
      ok(`credentials: tenant token issued for ${cfg.appId}`);
    } else {
      bad(`credentials refused (${r.body.code ?? r.status} ${r.body.msg ?? ''})`.replace(/\s+\)/, ')'), 'Developer console → Credentials & Basic Info: check App ID and App Secret (reset the secret if unsure) and set LARK_APP_ID / LARK_APP_SECRET');
    }
  } catch (e) {
    bad(`cannot reach the Lark Open API at ${base} (${(e as Error).message})`, 'check LARK_DOMAIN (feishu | lark | a base URL) and the network');
  }
  if (token) {
    // 2. scopes
    const s = await call('GET', '/open-apis/application/v6/scopes', token);
    if (s.body.code === 0) {
      const granted = new Set(((s.body.data?.scopes as { scope_name: string; grant_status: number }[]) ?? []).filter((x) => x.grant_status === 1).map((x) => x.scope_name));
      const full = granted.has('contact:contact:readonly_as_app') || granted.has('contact:contact:readonly');
      for (const { scope, why } of REQUIRED_SCOPES) {
        if (granted.has(scope) || (full && scope.startsWith('contact:'))) ok(`scope ${scope}`);
        else bad(`scope ${scope} is missing (${why})`, `Developer console → Permissions & Scopes: add "${scope}", then Version Management & Release: publish a new version (an admin approves it)`);
      }
      for (const { scope, why } of OPTIONAL_SCOPES) {
        if (granted.has(scope) || (full && scope === 'contact:user.employee_id:readonly')) ok(`scope ${scope} (optional)`);
        else bad(`optional scope ${scope} not granted (${why})`, `Developer console → Permissions & Scopes: add "${scope}" if you need it`, 'warn');
      }
    } else {
      bad(`cannot read the app's granted scopes (${s.body.code} ${s.body.msg ?? ''})`, 'Developer console → Permissions & Scopes: add "application:application:self_manage" so the check can read the app\'s own settings', 'warn');
    }
    // 3. events
    const app = await call('GET', `/open-apis/application/v6/applications/${encodeURIComponent(cfg.appId)}?lang=zh_cn`, token);
    const version = (app.body.data?.app as { online_version_id?: string } | undefined)?.online_version_id;
    if (app.body.code === 0 && version) {
      const v = await call('GET', `/open-apis/application/v6/applications/${encodeURIComponent(cfg.appId)}/app_versions/${encodeURIComponent(version)}?lang=zh_cn`, token);
      const events = new Set(((v.body.data?.app_version as { events?: string[] } | undefined)?.events ?? []) as string[]);
      if (v.body.code === 0) {
        for (const { event, why } of REQUIRED_EVENTS) {
          if (events.has(event)) ok(`event ${event}`);
          else bad(`event ${event} is not subscribed (${why})`, `Developer console → Events & Callbacks → Event configuration: add "${event}", then publish a new version`);
        }
      } else bad(`cannot read the app version's events (${v.body.code} ${v.body.msg ?? ''})`, 'Developer console → Permissions & Scopes: add "application:application:self_manage"', 'warn');
    } else if (app.body.code === 0) {
      bad('the app has no published version yet', 'Developer console → Version Management & Release: create and publish a version');
    } else {
      bad(`cannot read the app's settings (${app.body.code} ${app.body.msg ?? ''})`, 'Developer console → Permissions & Scopes: add "application:application:self_manage" so the check can read the subscribed events', 'warn');
    }
  }
  // 4. callbacks
  if (!cfg.encryptKey) bad('LARK_ENCRYPT_KEY is not set: callbacks are not signed', 'Developer console → Events & Callbacks → Encryption strategy: set an Encrypt Key and copy it into LARK_ENCRYPT_KEY', cfg.verificationToken ? 'warn' : 'error');
  if (!cfg.verificationToken) bad('LARK_VERIFICATION_TOKEN is not set', 'Developer console → Events & Callbacks → Encryption strategy: copy the Verification Token into LARK_VERIFICATION_TOKEN');
  if (o.serverUrl && (cfg.encryptKey || cfg.verificationToken)) {
    const challenge = randomBytes(8).toString('hex');
    const inner = JSON.stringify({ type: 'url_verification', challenge, token: cfg.verificationToken ?? '' });
    const raw = cfg.encryptKey ? JSON.stringify({ encrypt: larkEncrypt(cfg.encryptKey, inner) }) : inner;
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (cfg.encryptKey) Object.assign(headers, { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': eventSignature(ts, nonce, cfg.encryptKey, raw) });
    const url = `${o.serverUrl.replace(/\/+$/, '')}/lark/events`;
    try {
      const res = await f(url, { method: 'POST', headers, body: raw });
      const body = (await res.json().catch(() => ({}))) as { challenge?: string };
      if (res.status === 200 && body.challenge === challenge) ok(`callbacks: ${url} accepts requests signed with this Encrypt Key and Verification Token`);
      else {
        bad(
          `callbacks: ${url} refused a request signed with this configuration (HTTP ${res.status}): the running server has another LARK_ENCRYPT_KEY or LARK_VERIFICATION_TOKEN`,
          'Developer console → Events & Callbacks → Encryption strategy: copy Encrypt Key and Verification Token into the server\'s LARK_ENCRYPT_KEY / LARK_VERIFICATION_TOKEN and restart it',
        );
      }
    } catch (e) {
      bad(`callbacks: cannot reach ${url} (${(e as Error).message})`, 'start the server (npm start) and pass its public URL with --url; Developer console → Events & Callbacks: set the Request URL to <your URL>/lark/events', 'warn');
    }
  }
  return out;
}

/** The check as text, one line each: ✓ / ✗ / ! with what to do. */
export function formatCheck(lines: CheckLine[]): string[] {
  return lines.map((l) => (l.ok ? `✓ ${l.what}` : `${l.level === 'error' ? '✗' : '!'} ${l.what}\n    → ${l.fix}`));
}
