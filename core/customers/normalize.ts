/**
 * Normalisation used for de-duplication at every entry point (customers, contacts, leads).
 * Pure functions: tested without a database.
 */

/** Mainland mobile numbers to 11 digits (strips +86 / 0086 / 86, spaces, dashes, brackets); others to digits with a leading +. */
export function normalizePhone(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const trimmed = String(raw).trim();
  if (!trimmed) return null;
  let digits = trimmed.replace(/[\s\-().（）．.]/g, '');
  const hadPlus = digits.startsWith('+');
  digits = digits.replace(/^\+/, '');
  if (!/^\d+$/.test(digits)) return null;
  if (digits.startsWith('0086')) digits = digits.slice(4);
  else if (digits.startsWith('86') && digits.length === 13) digits = digits.slice(2);
  else if (hadPlus) return digits.length >= 7 && digits.length <= 15 ? `+${digits}` : null; // another country code
  if (/^1[3-9]\d{9}$/.test(digits)) return digits;
  if (digits.length < 7 || digits.length > 15) return null;
  return hadPlus ? `+${digits}` : digits;
}

export function isCnMobile(normalized: string | null): boolean {
  return !!normalized && /^1[3-9]\d{9}$/.test(normalized);
}

/** Lower-cases, trims, drops plus-addressing tags; validates the shape. */
export function normalizeEmail(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const e = String(raw).trim().toLowerCase().replace(/^mailto:/, '');
  const m = /^([^@\s]+)@([^@\s]+\.[a-z0-9-]{2,})$/.exec(e);
  if (!m) return null;
  const local = m[1].split('+')[0];
  return local ? `${local}@${m[2]}` : null;
}

// Longest first, so 股份有限公司 is removed before 有限公司.
const CN_SUFFIXES = [
  '股份有限公司', '有限责任公司', '集团有限公司', '集团股份有限公司', '有限公司', '股份公司', '集团公司', '集团', '公司',
  '分公司', '工作室', '事务所', '研究院', '合伙企业（有限合伙）', '合伙企业(有限合伙)', '合伙企业', '（有限合伙）', '(有限合伙)',
].sort((a, b) => b.length - a.length);
const EN_SUFFIXES = [
  'co., ltd.', 'co., ltd', 'co.,ltd.', 'co.,ltd', 'co. ltd.', 'co ltd', 'company limited', 'limited', 'ltd.', 'ltd',
  'incorporated', 'inc.', 'inc', 'corporation', 'corp.', 'corp', 'llc', 'l.l.c.', 'gmbh', 'plc', 'pte. ltd.', 'pte ltd', 'co.', 'co', 'company', 'group',
].sort((a, b) => b.length - a.length);

/**
 * Company name → comparison key: full-width to half-width, lower case, legal suffixes and
 * punctuation removed, whitespace dropped. "远航科技有限公司" and "远航科技（有限公司）" agree.
 */
export function normalizeCompanyName(raw: string | null | undefined): string {
  if (!raw) return '';
  let s = toHalfWidth(String(raw)).toLowerCase().trim();
  s = s.replace(/\s+/g, ' ');
  // Remove bracketed suffix variants and bracketed regions like （北京） only at the end.
  let changed = true;
  while (changed) {
    changed = false;
    const before = s;
    s = s.replace(/[\s\p{P}]+$/gu, '').replace(/\s+/g, ' ');
    for (const suf of CN_SUFFIXES) {
      if (s.endsWith(suf) && s.length > suf.length) {
        s = s.slice(0, -suf.length);
        break;
      }
    }
    for (const suf of EN_SUFFIXES) {
      if (s.endsWith(' ' + suf) || s.endsWith(',' + suf) || (s.endsWith(suf) && /[\u4e00-\u9fff]/.test(s.slice(0, -suf.length)))) {
        s = s.slice(0, -suf.length);
        break;
      }
    }
    s = s.replace(/\((?:有限公司|有限责任公司|股份有限公司)\)$/, '');
    if (s !== before) changed = true;
  }
  return s.replace(/[\s\p{P}\p{S}]/gu, '');
}

export function toHalfWidth(s: string): string {
  return s
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ');
}
