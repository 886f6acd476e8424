import { cleanInput, textProblem, TEXT_MAX } from '../../core/shared/input';
import { dateTime, day, dbId, isPlausibleDay, toDbId } from '../../core/shared/fields';
import { parseInput } from '../../core/validation';
import { z } from 'zod';
import { AppError } from '../../core/errors';

/** The one input policy (issue #24), as pure rules: what is text, what is refused, and how the field is named. */
describe('text policy', () => {
  it.each([
    ['NUL', 'a\u0000b', 'control'],
    ['BEL', 'a\u0007b', 'control'],
    ['lone CR', 'a\rb', 'control'],
    ['DEL', 'a\u007fb', 'control'],
    ['C1 (NEL)', 'a\u0085b', 'control'],
    ['lone high surrogate', 'a\ud800b', 'surrogate'],
    ['lone low surrogate', 'a\udc00', 'surrogate'],
    ['RLO', 'a\u202eb', 'bidi'],
    ['LRE', 'a\u202ab', 'bidi'],
    ['RLI', 'a\u2067b', 'bidi'],
    ['PDI', 'a\u2069b', 'bidi'],
    ['too long', 'x'.repeat(TEXT_MAX + 1), 'too_long'],
  ])('%s is refused', (_n, s, why) => expect(textProblem(s)).toBe(why));

  it.each([
    ['tab and newline', 'a\tb\nc'],
    ['CRLF', 'a\r\nb'],
    ['emoji with ZWJ', '👨‍👩‍👧 👍🏽'],
    ['zero-width joiner / non-joiner', 'a\u200db\u200cc'],
    ['Chinese and full-width', '北京远航科技有限公司（总部）'],
    ['surrogate pair', '𠮷'],
    ['the limit', 'x'.repeat(TEXT_MAX)],
  ])('%s is text', (_n, s) => expect(textProblem(s)).toBeNull());

  it('names the field path and normalises CRLF without copying what did not change', () => {
    const ok = { name: 'a', items: [{ note: 'x' }] };
    expect(cleanInput(ok)).toBe(ok);
    expect(cleanInput({ note: 'a\r\nb', n: 1 })).toEqual({ note: 'a\nb', n: 1 });
    const field = (v: unknown) => {
      try {
        cleanInput(v);
      } catch (e) {
        return [(e as AppError).code, (e as AppError).field];
      }
      return null;
    };
    expect(field({ items: [{ note: 'ok' }, { note: 'ok' }, { note: 'a\u0000' }] })).toEqual(['VALIDATION', 'items[2].note']);
    expect(field({ 'bad\u0000key': 1 })).toEqual(['VALIDATION', 'bad?key']);
    expect(field({ n: 2 ** 60 })).toEqual(['VALIDATION', 'n']);
    expect(field('x\u202e')).toEqual(['VALIDATION', 'body']);
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(field(deep)?.[0]).toBe('VALIDATION');
  });

  it('parseInput applies it before any schema, whatever the schema says', () => {
    expect(() => parseInput(z.object({ anything: z.any() }), { anything: { deep: ['a\u0000'] } })).toThrow(AppError);
  });
});

describe('ids and dates', () => {
  it('ids are 1..2147483647 everywhere', () => {
    for (const bad of [0, -1, 2147483648, 9223372036854775808, 1.5]) expect(dbId.safeParse(bad).success).toBe(false);
    expect(dbId.safeParse(2147483647).success).toBe(true);
    expect([toDbId('12'), toDbId(12), toDbId('2147483648'), toDbId('1e3'), toDbId(-1), toDbId(null)]).toEqual([12, 12, null, null, null, null]);
  });

  it('a date is a real calendar day in a plausible range', () => {
    for (const bad of ['2026-02-30', '2025-02-29', '0000-01-01', '9999-12-31', '1899-12-31', '2200-01-01', '2026-13-01', '26-01-01', '2026-1-1']) {
      expect([bad, isPlausibleDay(bad), day('d').safeParse(bad).success]).toEqual([bad, false, false]);
    }
    for (const ok of ['2024-02-29', '1900-01-01', '2199-12-31', '2026-12-01']) expect(isPlausibleDay(ok)).toBe(true);
    expect(dateTime.safeParse('2026-12-01T10:00:00+08:00').success).toBe(true);
    for (const bad of ['2026-02-30T10:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T00:00:00Z', 'yesterday']) expect(dateTime.safeParse(bad).success).toBe(false);
  });
});
