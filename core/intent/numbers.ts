/** Small-number parsing shared by the date rules: Arabic digits, Chinese numerals up to 99, English words. */

import { cnInt } from './money';

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Character class matching a number written either way (for building regexes). */
export const NUM = '(?:\\d{1,2}|[零〇一二两三四五六七八九十]{1,3})';

export function cnNumber(raw: string): number | null {
  const s = raw.trim();
  if (/^\d+$/.test(s)) return parseInt(s, 10);
  if (!s || !/^[零〇一二两三四五六七八九十]+$/.test(s)) return null;
  if (!s.includes('十')) {
    // 二〇二六 style: digit by digit.
    return parseInt([...s].map((c) => CN_DIGITS[c]).join(''), 10);
  }
  // 十, 十五, 二十, 二十三: at most one digit on either side of one 十, read by the amounts' numeral parser.
  if (!/^[零〇一二两三四五六七八九]?十[零〇一二两三四五六七八九]?$/.test(s)) return null;
  return cnInt(s);
}

const EN_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, fifteen: 15, twenty: 20, thirty: 30, couple: 2,
};
export const EN_NUM = `(?:\\d{1,3}|${Object.keys(EN_WORDS).join('|')})`;

export function enNumber(raw: string): number | null {
  const s = raw.trim().toLowerCase();
  if (/^\d+$/.test(s)) return parseInt(s, 10);
  return EN_WORDS[s] ?? null;
}
