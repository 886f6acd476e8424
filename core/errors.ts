/**
 * The one error type of the CRM. Every rule the core refuses is an AppError with a code from a
 * closed set; transports map codes to their own shape exactly once (HTTP status, card toast).
 */
export type Locale = 'zh-CN' | 'en';

type Messages = Record<Locale, string>;

/** Closed set of codes. Adding one means adding its messages here and its HTTP status in server/http/errors.ts. */
export const ERROR_MESSAGES = {
  VALIDATION: { 'zh-CN': '输入有误', en: 'Invalid input' },
  UNAUTHENTICATED: { 'zh-CN': '请先登录或提供有效凭证', en: 'Authentication required' },
  FORBIDDEN: { 'zh-CN': '没有权限执行此操作', en: 'You are not allowed to do this' },
  NOT_FOUND: { 'zh-CN': '找不到该记录', en: 'Not found' },
  DUPLICATE: { 'zh-CN': '记录已存在', en: 'Already exists' },
  CONFLICT: { 'zh-CN': '记录已被他人修改，请刷新后重试', en: 'The record changed meanwhile; reload and retry' },
  INVALID_STATE: { 'zh-CN': '当前状态下不能执行此操作', en: 'Not possible in the current state' },
  ALREADY_DONE: { 'zh-CN': '已处理，无需重复操作', en: 'Already done' },
  LIMIT_REACHED: { 'zh-CN': '已达到上限', en: 'Limit reached' },
  COOLDOWN: { 'zh-CN': '冷却期内暂不可操作', en: 'Not yet possible: cooling down' },
  EXPIRED: { 'zh-CN': '已过期', en: 'Expired' },
  PAYLOAD_TOO_LARGE: { 'zh-CN': '内容过大', en: 'Payload too large' },
  UNSUPPORTED_MEDIA: { 'zh-CN': '不支持的文件类型', en: 'Unsupported file type' },
  RATE_LIMITED: { 'zh-CN': '请求过于频繁，请稍后再试', en: 'Too many requests; try again later' },
  UNAVAILABLE: { 'zh-CN': '服务暂不可用，请稍后再试', en: 'Service unavailable; try again later' },
  INTERNAL: { 'zh-CN': '系统内部错误', en: 'Internal error' },
} as const satisfies Record<string, Messages>;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

export interface AppErrorOptions {
  /** The input field at fault (dot path), shown to the user. */
  field?: string;
  /** A more precise, already-localised message for each locale; defaults to the code's generic message. */
  detail?: Partial<Messages>;
  /** Machine-readable extras safe to show to the caller (e.g. the existing record on DUPLICATE). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly detail?: Partial<Messages>;
  readonly data?: Record<string, unknown>;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    // A refusal (not found, conflict, limit reached…) is an answer, not a fault: no stack trace to capture (it was
    // ~4% of a refused claim's server CPU). INTERNAL and UNAVAILABLE keep theirs for the log.
    const limit = Error.stackTraceLimit;
    if (code !== 'INTERNAL' && code !== 'UNAVAILABLE') Error.stackTraceLimit = 0;
    try {
      super(options.detail?.en ?? ERROR_MESSAGES[code].en, { cause: options.cause });
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = 'AppError';
    this.code = code;
    this.field = options.field;
    this.detail = options.detail;
    this.data = options.data;
  }

  /** The user-facing message in the given locale, naming the field when there is one. */
  localized(locale: Locale): string {
    const base = this.detail?.[locale] ?? this.detail?.en ?? ERROR_MESSAGES[this.code][locale];
    if (!this.field || base.includes(this.field)) return base;
    return locale === 'zh-CN' ? `${base}（字段：${this.field}）` : `${base} (field: ${this.field})`;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Shorthand for a validation failure on one field with a bilingual explanation. */
export function invalid(field: string, zh: string, en: string): AppError {
  return new AppError('VALIDATION', { field, detail: { 'zh-CN': zh, en } });
}
