import { DateTime } from 'luxon';
import { extractWhen } from './dates';
import { NUM, cnNumber } from './numbers';

/**
 * The expected close date of a deal, as reps give it. A close date is a deadline, so a date named only by its
 * month or quarter is that period's LAST day: 12月底 / 12月 / 十二月份 → 31 Dec; 下个月 → the last day of next
 * month; 本季度 / Q1 / 一季度 → the quarter's last day; 年底 / 今年 → 31 Dec. Within a month: 上旬/初 → the 10th,
 * 中旬/中 → the 20th, 下旬/底/末 → the last day. N天内 / 三个月内 → today + N. A month or quarter already over
 * means next year's. Anything else (月底, 下周五, 12月20日, "Dec 18", 两周后) goes to the chat date rules
 * (dates.ts); only a future day counts.
 */
export interface CloseDate {
  day: string;
  spans: Array<[number, number]>;
}

const EN_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const EN_MONTH_RE = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const enMonth = (s: string) => EN_MONTHS.findIndex((m) => m.startsWith(s.toLowerCase().slice(0, 3))) + 1;
const CN_Q: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, '1': 1, '2': 2, '3': 3, '4': 4 };

type Rule = { re: RegExp; day(m: RegExpExecArray, today: DateTime): DateTime | null };

/** Month m (1–12) of `year`, or of the next year when its last day is already past. */
function monthOf(today: DateTime, m: number, year: number | null): DateTime | null {
  if (!(m >= 1 && m <= 12)) return null;
  let d = DateTime.fromObject({ year: year ?? today.year, month: m, day: 1 }, { zone: today.zone });
  if (year === null && d.endOf('month') < today) d = d.plus({ years: 1 });
  return d;
}
function within(month: DateTime, part: string | undefined): DateTime {
  if (part && /上旬|初|early/i.test(part)) return month.set({ day: 10 });
  if (part && /中旬|中|mid/i.test(part)) return month.set({ day: 20 });
  return month.endOf('month').startOf('day');
}
function quarterEnd(today: DateTime, q: number, year: number | null): DateTime {
  let d = DateTime.fromObject({ year: year ?? today.year, month: q * 3, day: 1 }, { zone: today.zone }).endOf('month').startOf('day');
  if (year === null && d < today) d = d.plus({ years: 1 }).endOf('month').startOf('day');
  return d;
}
const yearOf = (s: string | undefined, today: DateTime): number | null => {
  if (!s) return null;
  if (/明年|next\s+year/i.test(s)) return today.year + 1;
  if (/今年|this\s+year/i.test(s)) return today.year;
  const y = /(\d{4})/.exec(s);
  return y ? +y[1] : null;
};

const RULES: Rule[] = [
  // 2027年3月 / 明年3月底 / 12月底 / 十二月份 / 12月中旬 (not 12月5日: that is a day, read by dates.ts)
  {
    re: new RegExp(`(明年|今年|\\d{4}\\s*年)?\\s*(${NUM})\\s*月\\s*(份)?\\s*(上旬|中旬|下旬|初|中|底|末)?(?![\\d零〇一二两三四五六七八九十]|\\s*[日号])`, 'g'),
    day: (m, today) => {
      const month = monthOf(today, cnNumber(m[2]) ?? 0, yearOf(m[1], today));
      return month ? within(month, m[4]) : null;
    },
  },
  // 本季度 / 这个季度(末) / 季度末 / 下季度 / 下个季度
  { re: /(?:(本|这个?|当前|下个?)\s*)?(?:季度|季)(?:末|底)|(本|这个?|当前|下个?)\s*季度/g, day: (m, today) => {
    const rel = m[1] ?? m[2] ?? '';
    const q = Math.ceil(today.month / 3) + (rel.startsWith('下') ? 1 : 0);
    return today.set({ month: 1, day: 1 }).plus({ months: q * 3 - 1 }).endOf('month').startOf('day');
  } },
  // Q1 / 2027Q1 / 第一季度 / 一季度 / 明年一季度
  { re: /(明年|今年|\d{4}\s*年?)?\s*(?:[Qq]([1-4])|第?([一二三四1-4])\s*季度)(?:末|底)?/g, day: (m, today) => quarterEnd(today, CN_Q[m[2] ?? m[3]], yearOf(m[1], today)) },
  // 下个月 (not 下个月底/初/5号: dates.ts), 本月 / 这个月 / 当月
  { re: /(下|本|这个?|当)\s*个?\s*月(?!\s*(?:底|末|初|中|\d|[零〇一二两三四五六七八九十]+\s*[号日]))/g, day: (m, today) => (m[1] === '下' ? today.plus({ months: 1 }) : today).endOf('month').startOf('day') },
  // 年底 / 年末 / 年前 / 今年内 / 明年
  { re: /(今|明)?年(?:底|末|前|内)|今年/g, day: (m, today) => today.plus({ years: m[1] === '明' ? 1 : 0 }).endOf('year').startOf('day') },
  // 30天内 / 两周内 / 三个月内
  {
    re: new RegExp(`(${NUM}|半)\\s*个?\\s*(天|日|周|星期|月)\\s*(?:内|以内|之内)`, 'g'),
    day: (m, today) => {
      const n = m[1] === '半' ? 0.5 : cnNumber(m[1]) ?? 0;
      return /天|日/.test(m[2]) ? today.plus({ days: n }) : /月/.test(m[2]) ? today.plus({ days: Math.round(n * 30) }) : today.plus({ weeks: n });
    },
  },
  // English: this/next quarter, end of quarter, EOQ, Q3 handled above; this/next month; end of year, EOY
  { re: /\b(?:(?:by|at|before)\s+)?(?:the\s+)?(?:end\s+of\s+(?:the\s+)?)?(this|next)\s+quarter\b|\b(?:end\s+of\s+(?:the\s+)?quarter|eoq)\b/gi, day: (m, today) => {
    const q = Math.ceil(today.month / 3) + (m[1]?.toLowerCase() === 'next' ? 1 : 0);
    return today.set({ month: 1, day: 1 }).plus({ months: q * 3 - 1 }).endOf('month').startOf('day');
  } },
  { re: /\b(?:(?:by|before|in|at)\s+)?(?:(?:the\s+)?end\s+of\s+(?:the\s+)?)?(this|next)\s+month\b(?!\s*\d)/gi, day: (m, today) => (m[1].toLowerCase() === 'next' ? today.plus({ months: 1 }) : today).endOf('month').startOf('day') },
  { re: /\b(?:(?:by|before|at)\s+)?(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:this\s+)?year|eoy|this\s+year)\b/gi, day: (_m, today) => today.endOf('year').startOf('day') },
  // in / by / end of / early / mid March (not "March 18": dates.ts)
  {
    re: new RegExp(`\\b(in|by|before|end\\s+of|early|mid|late)\\s+${EN_MONTH_RE}\\b\\.?(?!\\s*\\d)`, 'gi'),
    day: (m, today) => {
      const month = monthOf(today, enMonth(m[2]), null);
      return month ? within(month, /early/i.test(m[1]) ? 'early' : /mid/i.test(m[1]) ? 'mid' : undefined) : null;
    },
  },
];

/** The close date a text names (see the module comment), with the spans it was read from; null when none. */
export function findCloseDate(text: string, now: DateTime): CloseDate | null {
  const today = now.startOf('day');
  const taken = new Array<boolean>(text.length).fill(false);
  const hits: { day: DateTime; start: number; end: number }[] = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m; m = rule.re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (!m[0].trim() || taken.slice(start, end).some(Boolean)) continue;
      const day = rule.day(m, today);
      if (!day || !day.isValid) continue;
      for (let i = start; i < end; i++) taken[i] = true;
      hits.push({ day, start, end });
    }
  }
  const masked = text.split('').map((c, i) => (taken[i] ? ' ' : c)).join('');
  const when = extractWhen(masked, now);
  const spans: Array<[number, number]> = [...hits.map((h) => [h.start, h.end] as [number, number]), ...when.spans];
  const days = hits.map((h) => h.day).filter((d) => d >= today);
  if (when.at) days.push(when.at.startOf('day'));
  if (!days.length) return null;
  // Several dates: the latest is the close date ("下周五给报价，月底签" → 月底).
  const day = days.reduce((a, b) => (b > a ? b : a));
  return { day: day.toISODate()!, spans };
}
