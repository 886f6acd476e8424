import { AppError } from '../errors';

/**
 * The one input policy of the CRM, applied at every edge (HTTP bodies and queries, chat messages and card values, CSV
 * rows, CLI arguments) and again by parseInput in front of every core operation, so a route, handler or command that
 * forgets still cannot store what it refuses. The same on SQLite and MariaDB (the databases disagreed: NUL was a 500
 * on one and stored on the other; a lone surrogate the other way round).
 *
 * Text: refused when it holds a C0/C1 control character other than tab and LF (CRLF counts as LF and is normalised
 * to it), DEL, a lone UTF-16 surrogate, or a bidi embedding/override/isolate control (U+202A–U+202E, U+2066–U+2069:
 * "Trojan source"), or when it is longer than TEXT_MAX characters. Zero-width joiners and emoji are text.
 * Numbers: integers outside ±2^53, non-finite numbers. Ids, dates and date-times: the builders in core/shared/fields.ts.
 */
export const TEXT_MAX = 65_535;
/** Nesting deeper than this in a body is refused (a deep body would otherwise overflow a walker's stack). */
export const MAX_DEPTH = 32;

// eslint-disable-next-line no-control-regex
const BAD_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|\r(?!\n)|\p{Cs}/u;

export type TextProblem = 'control' | 'bidi' | 'surrogate' | 'too_long';

/** Why `s` is refused, or null when it is acceptable text. */
export function textProblem(s: string, max = TEXT_MAX): TextProblem | null {
  if (s.length > max) return 'too_long';
  const m = BAD_TEXT.exec(s);
  if (!m) return null;
  const c = m[0].codePointAt(0)!;
  if (c >= 0xd800 && c <= 0xdfff) return 'surrogate';
  if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return 'bidi';
  return 'control';
}

const PROBLEM_TEXT: Record<TextProblem | 'number' | 'depth', { 'zh-CN': string; en: string }> = {
  control: { 'zh-CN': '含有不允许的控制字符', en: 'contains a control character' },
  bidi: { 'zh-CN': '含有不允许的文字方向控制字符', en: 'contains a bidirectional control character' },
  surrogate: { 'zh-CN': '含有无效的 Unicode 字符', en: 'contains invalid Unicode' },
  too_long: { 'zh-CN': `过长（最多 ${TEXT_MAX} 个字符）`, en: `is too long (at most ${TEXT_MAX} characters)` },
  number: { 'zh-CN': '数值超出范围', en: 'is a number out of range' },
  depth: { 'zh-CN': '嵌套层级过深', en: 'is nested too deeply' },
};

/** The words for a problem, in both languages (the CSV import report, the CLI). */
export function problemText(problem: keyof typeof PROBLEM_TEXT): { 'zh-CN': string; en: string } {
  return PROBLEM_TEXT[problem];
}

export function inputError(field: string, problem: keyof typeof PROBLEM_TEXT): AppError {
  const p = PROBLEM_TEXT[problem];
  return new AppError('VALIDATION', { field, detail: { 'zh-CN': `字段 ${field} ${p['zh-CN']}`, en: `${field} ${p.en}` }, data: { reason: problem } });
}

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/**
 * Checks a parsed input (JSON body, query, form fields, CLI arguments) against the policy and answers it with CRLF
 * normalised to LF: the same object when nothing changed (the common case allocates nothing). Throws VALIDATION
 * naming the field path (`name`, `items[2].note`) of the first value refused.
 */
export function cleanInput<T>(value: T, path = ''): T {
  return walk(value, path, 0) as T;
}

function walk(v: unknown, path: string, depth: number): unknown {
  if (typeof v === 'string') {
    const p = textProblem(v);
    if (p) throw inputError(path || 'body', p);
    return v.includes('\r') ? v.replace(/\r\n/g, '\n') : v;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER) throw inputError(path || 'body', 'number');
    return v;
  }
  if (v === null || typeof v !== 'object' || v instanceof Date || Buffer.isBuffer(v)) return v;
  if (depth >= MAX_DEPTH) throw inputError(path || 'body', 'depth');
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const c = walk(v[i], join(path, i), depth + 1);
      if (c !== v[i]) (out ??= [...v])[i] = c;
    }
    return out ?? v;
  }
  let out: Record<string, unknown> | null = null;
  for (const k of Object.keys(v)) {
    const kp = textProblem(k, 256);
    if (kp) throw inputError(join(path, k.replace(/[^\w.-]/g, '?')), kp);
    const cur = (v as Record<string, unknown>)[k];
    const c = walk(cur, join(path, k), depth + 1);
    if (c !== cur) (out ??= { ...(v as Record<string, unknown>) })[k] = c;
  }
  return out ?? v;
}
