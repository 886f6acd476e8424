import type { CoreContext } from '../core/context';
import type { Config } from './config';
import type { SeedSummary } from './seed';
import { inviteCandidates } from './service-seed';

/**
 * What `npm start` prints once the server listens: the URLs a newcomer needs (zh-CN first, English second), as
 * plain lines on stderr (the JSON log stays on stdout). A capability that brings a page of its own adds a function to
 * BANNER_SECTIONS (e.g. the sandbox: `(b) => [line('沙箱 / Sandbox', `${b.localUrl}/sandbox`)]`).
 */
export interface BannerContext {
  config: Config;
  /** This machine's URL of the server (the port it actually listens on). */
  localUrl: string;
  /** The base of links sent to people (CRM_PUBLIC_URL, else localUrl). */
  publicUrl: string;
  /** The demo invite made at this start (first start only), or who the demo invites would go to on later starts. */
  invite: DemoInvite | null;
  /** The server's process id (what `kill` stops). */
  pid?: number;
  /** The chat sandbox's page when it is on (server/sandbox/), else absent. */
  sandboxUrl?: string | null;
}

export interface DemoInvite {
  /** Set on the first start only: the code is stored hashed, so it can never be shown again. */
  code?: string;
  customerId: number;
  customerName?: string;
  contact: string;
}

export type BannerSection = (b: BannerContext) => string[];

/**
 * The demo invite to show: the code seeded at this (first) start; on later starts the code was shown once and is stored
 * hashed, so only whom to make another for (the same contact).
 */
export async function demoInviteOf(core: CoreContext, seeded: SeedSummary): Promise<DemoInvite | null> {
  const s = seeded.service;
  if (s?.inviteCode && s.inviteCustomerId && s.inviteContact) {
    return { code: s.inviteCode, customerId: s.inviteCustomerId, customerName: s.inviteFor?.split(' / ')[0], contact: s.inviteContact };
  }
  if (seeded.seeded) return null;
  const [c] = await inviteCandidates(core, 1).catch(() => []);
  return c ? { customerId: Number(c.id), customerName: c.name, contact: c.contact_name } : null;
}

const PAD = 30;
/** One aligned `label  value` line. */
export function line(label: string, value: string): string {
  const width = [...label].reduce((w, ch) => w + (/[\u2E80-\uFFEF]/.test(ch) ? 2 : 1), 0); // CJK is two columns wide
  return `  ${label}${' '.repeat(Math.max(1, PAD - width))}${value}`;
}

/** `npm run crm -- mp invite …` for a customer's contact (a name with spaces is quoted). */
export function inviteCommand(customerId: number, contact: string): string {
  const name = /^[\p{L}\p{N}._-]+$/u.test(contact) ? contact : `'${contact.replace(/'/g, `'\\''`)}'`;
  return `npm run crm -- mp invite --customer-id ${customerId} --contact ${name}`;
}

const core: BannerSection = (b) => [
  line('H5 小程序 / H5 app', `${b.localUrl}/`),
  ...(b.publicUrl !== b.localUrl ? [line('公网地址 / public URL', `${b.publicUrl}/`)] : []),
  line('健康检查 / health', `${b.localUrl}/healthz`),
  line('指标 / metrics', `${b.localUrl}/metrics  (${b.config.metricsToken ? 'Authorization: Bearer $CRM_METRICS_TOKEN' : '仅本机 / loopback only'})`),
  line('接口文档 / API (OpenAPI)', `${b.localUrl}/api/v1/openapi.json`),
  ...(b.pid ? [line('停止 / stop', `Ctrl-C, kill ${b.pid}`)] : []),
];

const invite: BannerSection = (b) => {
  const i = b.invite;
  if (!i) return [];
  const another = inviteCommand(i.customerId, i.contact);
  if (i.code) {
    return [
      line('演示邀请链接 / demo invite', `${b.publicUrl}/?invite=${i.code}  (${i.customerName ? `${i.customerName} / ` : ''}${i.contact})`),
      line('', '只显示这一次，只能用一次，7 天内有效 · shown only now, single use, valid 7 days'),
      line('', `再生成一个 / make another: ${another}`),
    ];
  }
  return [
    line('演示邀请 / demo invite', '首次启动时已显示，只能用一次 · was shown at the first start, single use'),
    line('', `生成新的 / make one: ${another}`),
  ];
};

const sandbox: BannerSection = (b) =>
  b.sandboxUrl ? [line('聊天沙盒 / chat sandbox', `${b.sandboxUrl}  (不需要飞书应用 · no Lark app needed)`)] : [];

/** The banner's sections, in order. Add yours here (one line each). */
export const BANNER_SECTIONS: BannerSection[] = [core, sandbox, invite];

export function startupBanner(b: BannerContext, sections: BannerSection[] = BANNER_SECTIONS): string[] {
  const body = sections.flatMap((s) => s(b));
  return ['', 'CRM 已启动 · CRM is running', ...body, ''];
}

/** The URL of a server listening on `host:port`, as a browser on this machine would open it. */
export function localUrlOf(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** CRM_PUBLIC_URL when it was set; its default (`http://localhost:PORT`) is replaced by the real local URL (PORT=0). */
export function publicUrlOf(config: Config, localUrl: string): string {
  return config.publicUrl === `http://localhost:${config.port || 3000}` ? localUrl : config.publicUrl;
}
