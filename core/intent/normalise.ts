/**
 * Stage 1 of the understanding: the text as the rep meant to type it. Length-preserving (one character in, one
 * out), so every later stage's character ranges index the original message too (the summary is cut from it).
 *
 * - full-width ASCII (１２月３日, ｉｎｆｏ＠…, Ｑ) → half-width; the ideographic space → a space;
 * - Chinese punctuation is kept (the readers accept both forms, and the summary keeps the rep's punctuation);
 * - IME typos of the same pinyin, from a small confusion table (威信 → 微信, 下无 → 下午, 电活 → 电话, …). Only
 *   pairs that are not themselves common words are listed, so a correct message is never "fixed".
 * Chinese numerals stay as written: the time grammar (dates.ts) reads 二十八号 / 三点半 / 九点一刻 directly.
 */

/** Wrong → meant, same length. Checked on whole pairs only. */
export const IME_CONFUSIONS: ReadonlyArray<readonly [string, string]> = [
  ['威信', '微信'], ['维信', '微信'], ['徽信', '微信'], ['微型聊', '微信聊'],
  ['下无', '下午'], ['上无', '上午'], ['中无', '中午'],
  ['电活', '电话'], ['点话', '电话'], ['店话', '电话'], ['垫话', '电话'],
  ['会议是', '会议室'], ['开慧', '开会'], ['拜仿', '拜访'], ['摆访', '拜访'], ['白访', '拜访'],
  ['跟尽', '跟进'], ['根进', '跟进'], ['跟近', '跟进'],
  ['报介', '报价'], ['抱价', '报价'], ['合铜', '合同'], ['和同', '合同'],
  ['明填', '明天'], ['后填', '后天'], ['今填', '今天'], ['星期无', '星期五'], ['周无', '周五'],
  ['联喜', '联系'], ['连系', '联系'], ['提性', '提醒'], ['题醒', '提醒'], ['记的', '记得'],
  ['邮见', '邮件'], ['有件', '邮件'], ['客护', '客户'], ['签月', '签约'],
];

const CONFUSION_RE = new RegExp(IME_CONFUSIONS.map(([w]) => w).join('|'), 'g');
const CONFUSION = new Map(IME_CONFUSIONS);

/** Full-width ASCII (U+FF01–U+FF5E) and the ideographic space → half-width; every other character unchanged. */
export function toHalfWidth(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
    else if (c === 0x3000) out += ' ';
    else out += text[i];
  }
  return out;
}

/** IME typos fixed from the confusion table (same length). */
export function fixImeTypos(text: string): string {
  return text.replace(CONFUSION_RE, (w) => CONFUSION.get(w) ?? w);
}

/**
 * The message as the later stages read it: whitespace runs → one space and trimmed (as before), full-width →
 * half-width, IME typos fixed. `display` is the same text without the typo/width fixes (for the summary).
 */
export function normalise(text: string): { text: string; display: string } {
  const display = text.replace(/\s+/g, ' ').trim();
  return { text: fixImeTypos(toHalfWidth(display)), display };
}
