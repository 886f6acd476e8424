import type { z } from 'zod';
import { AppError } from './errors';

/**
 * Validates input with a zod schema; the first issue becomes a VALIDATION AppError naming the field.
 * Core operations validate too, so every transport gets the same answer for the same bad input.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.') || 'body';
  throw new AppError('VALIDATION', {
    field,
    detail: { 'zh-CN': `字段 ${field} 无效：${issue.message}`, en: `Invalid ${field}: ${issue.message}` },
  });
}
