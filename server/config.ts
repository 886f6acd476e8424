import { z } from 'zod';
import { IANAZone } from 'luxon';
import type { BotConfig } from '../bot/config';
import { DEFAULT_READ_BUDGET, type ReadBudgetConfig } from '../core/audit/read-budget';

const optionalSecret = z.string().min(1).optional();
const port = z.coerce.number().int().min(0).max(65535); // 0 = any free port (tests)

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb):\/\/[^/]+\/[\w$-]+(\?.*)?$|^sqlite:.+$/, 'must be mysql://user:pass@host:3306/db or sqlite:<path>')
    .default('sqlite:data/crm.sqlite'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  CRM_TIMEZONE: z.string().refine((v) => IANAZone.isValidZone(v), 'must be an IANA time zone such as Asia/Shanghai').default('Asia/Shanghai'),
  CRM_LOCALE: z.enum(['zh-CN', 'en']).default('zh-CN'),
  LARK_APP_ID: optionalSecret,
  LARK_APP_SECRET: optionalSecret,
  LARK_ENCRYPT_KEY: optionalSecret,
  LARK_VERIFICATION_TOKEN: optionalSecret,
  LARK_TENANT_KEY: z.string().trim().min(1).max(128).optional(),
  LARK_DOMAIN: z
    .string()
    .regex(/^(feishu|lark|https?:\/\/[^\s]+)$/, 'must be feishu, lark or a base URL such as http://127.0.0.1:8080')
    .default('feishu'),
  LARK_MODE: z.enum(['webhook', 'ws']).default('webhook'),
  MP_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  WECHAT_APP_ID: optionalSecret,
  WECHAT_APP_SECRET: optionalSecret,
  WECHAT_API_BASE: z.string().url('must be a URL').default('https://api.weixin.qq.com'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CRM_JOBS: z.enum(['on', 'off']).default('on'),
  CRM_DEMO_SEED: z.enum(['on', 'off']).default('on'),
  CRM_TRUST_PROXY: z.enum(['on', 'off']).default('off'),
  CRM_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  CRM_PUBLIC_URL: z.string().url('must be the public base URL, e.g. https://crm.example.com').optional(),
  CRM_UPLOAD_DIR: z.string().min(1).default('data/uploads'),
  CRM_MP_SIGNIN_RPM: z.coerce.number().int().min(1).max(100_000).default(20),
  CRM_MP_SESSION_RPM: z.coerce.number().int().min(1).max(1_000_000).default(120),
  // Per-user read budgets (core/audit/read-budget.ts), per CRM_READ_WINDOW_S window.
  CRM_READ_SEARCH_PER_WINDOW: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_READ_BUDGET.search),
  CRM_READ_LIST_PER_WINDOW: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_READ_BUDGET.list),
  CRM_READ_LOOKUP_PER_WINDOW: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_READ_BUDGET.lookup),
  CRM_READ_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(DEFAULT_READ_BUDGET.windowSeconds),
  CRM_READ_EMPTY_BURST: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_READ_BUDGET.emptyBurst),
  // The chat sandbox (server/sandbox/): auto = on when no Lark app is configured (no LARK_APP_ID); on = always, the
  // bot then talks to the built-in Open API only and other machines may open /sandbox; off = never.
  CRM_SANDBOX: z.enum(['auto', 'on', 'off']).default('auto'),
  // Horizontal scale (several processes on one MySQL): what this process runs, and the optional Redis.
  CRM_ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  REDIS_URL: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be redis://[user:pass@]host:6379[/db] or rediss://…').optional(),
  // Drills and tests only: one cron rule (5 or 6 fields, seconds first) replacing every job's schedule.
  CRM_JOBS_CRON: z.string().regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron rule of 5 or 6 fields, e.g. "*/10 * * * * *"').optional(),
  CRM_DEMO_INVITE_CODE: z.string().regex(/^[A-Za-z0-9-]{6,32}$/, 'must be 6–32 letters or digits').optional(),
});

export type RawConfig = z.infer<typeof schema>;

/** The process configuration; `locale`, `publicUrl` and `lark` are declared by the bot (BotConfig), which reads them. */
export interface Config extends BotConfig {
  databaseUrl: string;
  port: number;
  host: string;
  timezone: string;
  mpSessionSecret?: string;
  wechat: { appId?: string; appSecret?: string; apiBase: string };
  logLevel: RawConfig['LOG_LEVEL'];
  jobs: boolean;
  demoSeed: boolean;
  /** Believe X-Forwarded-For/-Proto (only behind a reverse proxy: per-IP rate limits depend on it). */
  trustProxy: boolean;
  /** GET /metrics needs `Authorization: Bearer <this>`; without it only loopback clients get the metrics. */
  metricsToken?: string;
  uploadDir: string;
  mp: { signInPerMinute: number; sessionPerMinute: number; demoInviteCode?: string };
  /** Per-user read budgets of /api/v1 and chat (CRM_READ_*). */
  readBudget: ReadBudgetConfig;
  /** CRM_SANDBOX: the chat sandbox (server/sandbox/mode.ts says what each value means). */
  sandbox: 'auto' | 'on' | 'off';
  /** CRM_ROLE: web serves HTTP only; worker runs the jobs, the outbox and the inbox sweeper (and /healthz); all both. */
  role: 'web' | 'worker' | 'all';
  /** REDIS_URL: the Lark send budget and the HTTP rate limits are kept in Redis instead of the database. */
  redisUrl?: string;
  /** CRM_JOBS_CRON (drills, tests): every job on this schedule. */
  jobsCron?: string;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string, value: string | undefined) {
    // One line, naming the variable; the value is shown only when it is not a secret.
    // URLs (DATABASE_URL, REDIS_URL) are shown with their password hidden.
    const shown = value !== undefined && /_URL$/.test(variable) ? redactUrl(value) : value;
    super(`Invalid configuration: ${variable} ${reason}${shown !== undefined && !/SECRET|KEY|TOKEN|PASS/i.test(variable) ? ` (got "${shown}")` : ''}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates configuration; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    picked[key] = v === '' ? undefined : v;
  }
  const r = schema.safeParse(picked);
  if (!r.success) {
    const issue = r.error.issues[0];
    const variable = String(issue.path[0]);
    throw new ConfigError(variable, issue.message, picked[variable]);
  }
  const c = r.data;
  if ((c.LARK_APP_ID && !c.LARK_APP_SECRET) || (!c.LARK_APP_ID && c.LARK_APP_SECRET)) {
    throw new ConfigError(c.LARK_APP_ID ? 'LARK_APP_SECRET' : 'LARK_APP_ID', 'must be set together with ' + (c.LARK_APP_ID ? 'LARK_APP_ID' : 'LARK_APP_SECRET'), undefined);
  }
  if (c.LARK_MODE === 'ws' && !c.LARK_APP_ID && c.CRM_SANDBOX !== 'on') throw new ConfigError('LARK_MODE', 'ws needs LARK_APP_ID and LARK_APP_SECRET', c.LARK_MODE);
  return {
    databaseUrl: c.DATABASE_URL,
    port: c.PORT,
    host: c.HOST,
    timezone: c.CRM_TIMEZONE,
    locale: c.CRM_LOCALE,
    lark: {
      appId: c.LARK_APP_ID,
      appSecret: c.LARK_APP_SECRET,
      encryptKey: c.LARK_ENCRYPT_KEY,
      verificationToken: c.LARK_VERIFICATION_TOKEN,
      tenantKey: c.LARK_TENANT_KEY,
      domain: c.LARK_DOMAIN,
      mode: c.LARK_MODE,
    },
    mpSessionSecret: c.MP_SESSION_SECRET,
    wechat: { appId: c.WECHAT_APP_ID, appSecret: c.WECHAT_APP_SECRET, apiBase: c.WECHAT_API_BASE },
    logLevel: c.LOG_LEVEL,
    jobs: c.CRM_JOBS === 'on',
    demoSeed: c.CRM_DEMO_SEED === 'on',
    trustProxy: c.CRM_TRUST_PROXY === 'on',
    publicUrl: (c.CRM_PUBLIC_URL ?? `http://localhost:${c.PORT || 3000}`).replace(/\/+$/, ''),
    uploadDir: c.CRM_UPLOAD_DIR,
    metricsToken: c.CRM_METRICS_TOKEN,
    mp: { signInPerMinute: c.CRM_MP_SIGNIN_RPM, sessionPerMinute: c.CRM_MP_SESSION_RPM, demoInviteCode: c.CRM_DEMO_INVITE_CODE },
    role: c.CRM_ROLE,
    redisUrl: c.REDIS_URL,
    jobsCron: c.CRM_JOBS_CRON,
    readBudget: {
      search: c.CRM_READ_SEARCH_PER_WINDOW,
      list: c.CRM_READ_LIST_PER_WINDOW,
      lookup: c.CRM_READ_LOOKUP_PER_WINDOW,
      windowSeconds: c.CRM_READ_WINDOW_S,
      emptyBurst: c.CRM_READ_EMPTY_BURST,
    },
    sandbox: c.CRM_SANDBOX,
  };
}

/** What the bot is given: only the part of the configuration it reads. */
export function botConfigOf(c: Config): BotConfig {
  return { locale: c.locale, publicUrl: c.publicUrl, lark: c.lark, readBudget: c.readBudget };
}

/** The database URL with its password hidden, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]*)@/, '//$1:***@');
}
