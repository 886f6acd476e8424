/**
 * Amounts as reps type them → integer cents, exactly (no floating point): 50万, 五十万, 30w, 1.2亿, ¥80,000,
 * 8万5 (= 85,000), 500k, $1.5m, 2 million, 两百万, 一千二百万. A bare number without a currency sign, a unit or an
 * amount word before it (预算/金额/报价/预计/合同额/budget/worth) is NOT an amount: 10套, ERP 二期, 3点 stay text.
 */

const CN_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 壹: 1, 二: 2, 两: 2, 贰: 2, 三: 3, 叁: 3, 四: 4, 肆: 4, 五: 5, 伍: 5, 六: 6, 陆: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9 };
const CN_SMALL_UNIT: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const CN_NUM_CHARS = '零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟';

/** 一千二百 → 1200, 五十 → 50, 十五 → 15, 两 → 2 (below 10,000; 万/亿 are handled by the caller). */
export function cnInt(s: string): number | null {
  if (!s) return null;
  let total = 0;
  let digit: number | null = null;
  for (const ch of s) {
    if (ch in CN_DIGIT) {
      digit = CN_DIGIT[ch];
    } else if (ch in CN_SMALL_UNIT) {
      total += (digit ?? 1) * CN_SMALL_UNIT[ch];
      digit = null;
    } else return null;
  }
  return total + (digit ?? 0);
}

/** "1.25" × 10^k yuan-multiplier → cents, half up beyond the cent. Exact decimal arithmetic on strings. */
function decimalToCents(num: string, yuanMultiplier: bigint): number | null {
  const clean = num.replace(/,/g, '');
  const m = /^(\d+)(?:\.(\d+))?$/.exec(clean);
  if (!m) return null;
  const frac = m[2] ?? '';
  const scale = 10n ** BigInt(frac.length);
  const units = BigInt(m[1] + frac); // the number × scale
  const centsTimesScale = units * yuanMultiplier * 100n;
  const cents = (centsTimesScale * 2n + scale) / (2n * scale); // half up
  const n = Number(cents);
  return Number.isSafeInteger(n) ? n : null;
}

const UNIT_YUAN: Record<string, bigint> = {
  亿: 100_000_000n, 万: 10_000n, w: 10_000n, W: 10_000n, 千: 1000n, k: 1000n, K: 1000n, m: 1_000_000n, M: 1_000_000n,
  mn: 1_000_000n, million: 1_000_000n, 百万: 1_000_000n, 千万: 10_000_000n, 元: 1n, 块: 1n, 块钱: 1n, rmb: 1n, RMB: 1n, cny: 1n, CNY: 1n, yuan: 1n,
};

export interface AmountMatch {
  cents: number;
  start: number;
  end: number;
}

const AMOUNT_WORD = /(?:预算|金额|报价|预计|预期|大概|大约|约|合同额|合同金额|总价|总额|价格|标的|规模|budget|worth|value|amount|valued\s+at|around|about|~)\s*[:：是为有在]?\s*$/i;

// Arabic: optional currency, digits (with thousands separators), optional decimals, optional unit (also 1万2 colloquial).
const ARABIC = /([¥￥$]|USD\s*|RMB\s*|CNY\s*)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(千万|百万|亿|万|million|mn|块钱|块|元|rmb|cny|yuan|[wWkKmM](?![a-zA-Z]))?(\d)?(?![\d.%月日号点时:年期套个件份台人天周小次])/gi;
// Chinese numerals: 五十万, 一千二百万, 两百万, 1.2亿 is handled above; 三十万左右; 八万五.
const CHINESE = new RegExp(`([${CN_NUM_CHARS}]+)(亿|万|千万|百万)([${CN_NUM_CHARS}])?(?![${CN_NUM_CHARS}])`, 'g');

/** The first amount in `text` (see the module comment), or null. */
export function findAmount(text: string): AmountMatch | null {
  const found: AmountMatch[] = [];
  for (const m of text.matchAll(ARABIC)) {
    const [all, currency, int, frac, unitRaw, tail] = m;
    const before = text.slice(0, m.index);
    // Part of a date, a phone, a version or a model number: 2026-12-31, 12/31, v2.0, P50.
    if (/[-/\w.]$/.test(before) && !currency) continue;
    const unit = unitRaw ? unitRaw.toLowerCase() === 'million' ? 'million' : unitRaw : undefined;
    if (!currency && !unit && !AMOUNT_WORD.test(before)) continue;
    if (!unit && int.length <= 2 && !currency && !frac) continue; // 预计 12 → probably not money
    const mult = unit ? UNIT_YUAN[unit] ?? UNIT_YUAN[unit.toLowerCase()] ?? 1n : 1n;
    let cents = decimalToCents(int + (frac ?? ''), mult);
    if (cents === null) continue;
    // 1万2 / 8万5: the digit after 万 is the next place down (thousands).
    if (tail && unit && /^(万|w|W)$/.test(unit) && !frac) cents += Number(tail) * 1000 * 100;
    else if (tail) continue;
    if (cents <= 0) continue;
    found.push({ cents, start: m.index!, end: m.index! + all.length });
  }
  for (const m of text.matchAll(CHINESE)) {
    const [all, num, unit, tail] = m;
    const n = cnInt(num);
    if (n === null || n === 0) continue;
    let yuan = BigInt(n) * UNIT_YUAN[unit];
    if (tail && unit === '万' && CN_DIGIT[tail] !== undefined) yuan += BigInt(CN_DIGIT[tail]) * 1000n;
    found.push({ cents: Number(yuan * 100n), start: m.index!, end: m.index! + all.length });
  }
  if (!found.length) return null;
  return found.sort((a, b) => a.start - b.start)[0];
}
