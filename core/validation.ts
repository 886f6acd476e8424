import type { z } from 'zod';
import { AppError } from './errors';
import { cleanInput } from './shared/input';

/**
 * Validates input with a zod schema; the first issue becomes a VALIDATION AppError naming the field.
 * Core operations validate too, so every transport gets the same answer for the same bad input. Before the schema,
 * the input policy (core/shared/input.ts: control characters, lone surrogates, bidi controls, over-long text,
 * unsafe numbers) is applied to every string and number in the input, whatever the schema says about them.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(cleanInput(raw));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.') || 'body';
  throw new AppError('VALIDATION', {
    field,
    detail: { 'zh-CN': `字段 ${field} 无效：${issue.message}`, en: `Invalid ${field}: ${issue.message}` },
  });
}
