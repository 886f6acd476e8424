import { DateTime } from 'luxon';
import { NUM, EN_NUM, cnNumber, enNumber } from './numbers';

/**
 * Dates and times in chat text (zh-CN and English), resolved against the message time in the CRM zone.
 *
 * Rules (decided here, tested in tests/unit/intent-*.test.ts):
 * - Weeks start on Monday. 下周三 / "next Wednesday" = the Wednesday of next week (at Mon 11-23 → 12-02).
 *   本周三 / 这周三 / "this Wednesday" = the Wednesday of the current week, even if it has passed.
 *   A bare weekday (周五 / 星期五 / "Friday" / "on Friday") = its next occurrence after today; said on a
 *   Friday, 周五 means a week later (say 今天 for today).
 * - A date without a time means 09:00; if that is today and 09:00 has passed, the next full hour.
 *   A period word alone sets the hour: 早上/morning 9, 上午 10, 中午/noon 12, 下午/afternoon 14, 傍晚 17, 晚上/今晚/evening 19.
 * - A time without a date means today, or tomorrow when it has already passed.
 * - An hour without 上午/下午/am/pm: 1–7 are afternoon (business hours), 8–12 as said; 0 and 13–23 as said.
 * - 月底 / "end of month" = the last day of the current month (today on the last day); 下月底 next month's.
 *   月初 / "beginning of next month" = the 1st of next month. 下周 / "next week" = next Monday; 下个月 / "next month" = the 1st.
 *   周末 / weekend = Saturday of this week (next week's when said on the weekend). 年底 = 31 December.
 * - Month/day without a year (11月30日, 12/1 — month first, Dec 1 in English too) = this year, next year when already past;
 *   a day alone (30号) = this month, next month when past.
 * - N天后 / "in N days" = date N days ahead (09:00 unless a time is given); N小时后 / "in N hours" = exactly now + N hours.
 * - Several dates in one message: the latest wins (messages say what happened, then when to continue).
 *   Past moments (昨天, 上周三, yesterday) describe what happened and never become next_at / due_at.
 */

export type Period = 'early' | 'morning' | 'forenoon' | 'noon' | 'afternoon' | 'dusk' | 'evening' | 'am' | 'pm';

interface DatePart {
  start: number;
  end: number;
  day?: DateTime;
  exact?: DateTime;
  period?: Period;
  /** A time said without a precise date (过两天, 回头, "soon"): masked, never a date. */
  vague?: boolean;
}

interface TimePart {
  start: number;
  end: number;
  hour: number | null;
  minute: number;
  period: Period | null;
  /** 'en' hours with am/pm or a 24h clock are unambiguous. */
  explicit: boolean;
}

export interface WhenResult {
  at: DateTime | null;
  /** A past moment was named (昨天, 上周三, yesterday): what happened, not what comes next. */
  past: boolean;
  /** Character ranges that were read as dates/times (masked before customer/contact extraction). */
  spans: Array<[number, number]>;
}

type Resolved = Omit<DatePart, 'start' | 'end'> | null;
interface DateRule {
  re: RegExp;
  resolve(m: RegExpExecArray, now: DateTime): Resolved;
}

const PERIOD_HOUR: Record<Period, number> = {
  early: 6, morning: 9, forenoon: 10, noon: 12, afternoon: 14, dusk: 17, evening: 19, am: 9, pm: 14,
};

const CN_PERIOD: Record<string, Period> = {
  凌晨: 'early', 清晨: 'morning', 早上: 'morning', 早晨: 'morning', 上午: 'forenoon', 中午: 'noon',
  下午: 'afternoon', 午后: 'afternoon', 傍晚: 'dusk', 晚上: 'evening', 夜里: 'evening', 晚: 'evening',
};
const CN_PERIOD_RE = '(凌晨|清晨|早上|早晨|上午|中午|下午|午后|傍晚|晚上|夜里)';

const CN_WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, 七: 7, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7 };
const EN_WEEKDAY: Record<string, number> = {
  monday: 1, mon: 1, tuesday: 2, tue: 2, tues: 2, wednesday: 3, wed: 3, thursday: 4, thu: 4, thur: 4, thurs: 4,
  friday: 5, fri: 5, saturday: 6, sunday: 7,
};
const EN_MONTH: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6, jul: 7, july: 7,
  aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};
const EN_MONTH_RE = `(${Object.keys(EN_MONTH).sort((a, b) => b.length - a.length).join('|')})\\.?`;
const EN_WEEKDAY_RE = `(${Object.keys(EN_WEEKDAY).sort((a, b) => b.length - a.length).join('|')})`;

const today = (now: DateTime) => now.startOf('day');
const weekdayThisWeek = (now: DateTime, wd: number) => today(now).plus({ days: wd - now.weekday });
function weekdayBare(now: DateTime, wd: number): DateTime {
  const d = weekdayThisWeek(now, wd);
  return d <= today(now) ? d.plus({ weeks: 1 }) : d;
}
function weekdayRel(now: DateTime, wd: number, rel: string | undefined): DateTime {
  switch (rel) {
    case '下下': return weekdayThisWeek(now, wd).plus({ weeks: 2 });
    case '下': case 'next': return weekdayThisWeek(now, wd).plus({ weeks: 1 });
    case '上': case 'last': return weekdayThisWeek(now, wd).minus({ weeks: 1 });
    case '这': case '本': case 'this': return weekdayThisWeek(now, wd);
    default: return weekdayBare(now, wd);
  }
}
function weekend(now: DateTime, rel: string | undefined): DateTime {
  if (rel === '下' || rel === 'next') return weekdayThisWeek(now, 6).plus({ weeks: 1 });
  const sat = weekdayThisWeek(now, 6);
  return now.weekday >= 6 && !rel ? sat.plus({ weeks: 1 }) : sat;
}
/** Month/day without a year: this year unless already past. */
function monthDay(now: DateTime, month: number, day: number, year?: number): DateTime | undefined {
  let d = DateTime.fromObject({ year: year ?? now.year, month, day }, { zone: now.zone });
  if (!d.isValid) return undefined;
  if (year === undefined && d < today(now)) d = d.plus({ years: 1 });
  return d.isValid ? d : undefined;
}
function dayOfMonth(now: DateTime, day: number, monthOffset = 0): DateTime | undefined {
  const base = today(now).startOf('month').plus({ months: monthOffset });
  let d = DateTime.fromObject({ year: base.year, month: base.month, day }, { zone: now.zone });
  if (monthOffset === 0 && (!d.isValid || d < today(now))) {
    const next = base.plus({ months: 1 });
    d = DateTime.fromObject({ year: next.year, month: next.month, day }, { zone: now.zone });
  }
  return d.isValid ? d : undefined;
}
function relative(now: DateTime, n: number, unit: string): Resolved {
  switch (unit) {
    case 'minute': return { exact: now.plus({ minutes: n }).startOf('minute') };
    case 'hour': return { exact: now.plus({ minutes: Math.round(n * 60) }).startOf('minute') };
    case 'day': return { day: today(now).plus({ days: n }) };
    case 'week': return { day: today(now).plus({ weeks: n }) };
    case 'month': return n === 0.5 ? { day: today(now).plus({ days: 15 }) } : { day: today(now).plus({ months: n }) };
    default: return null;
  }
}
const CN_UNIT: Record<string, string> = { 分钟: 'minute', 分: 'minute', 小时: 'hour', 钟头: 'hour', 天: 'day', 日: 'day', 周: 'week', 星期: 'week', 礼拜: 'week', 月: 'month' };
const EN_UNIT = (u: string) => u.toLowerCase().replace(/s$/, '').replace(/^min(ute)?$/, 'minute').replace(/^hr$/, 'hour');

const cnRelOffset = (rel: string | undefined) => (rel === '下下' ? 2 : rel === '下' || rel === 'next' ? 1 : 0);

const DATE_RULES: DateRule[] = [
  // No precise date (see tests/phrases/CONVENTIONS.md §7): masked so nothing else reads it, but never a date.
  {
    re: /过\s*(?:两|几|一|2|3|三)\s*(?:天|日|周)|过一阵子?|过段时间|回头|改天|有空(?:的时候|时)?|晚点|晚一点|晚些|稍后|找时间|找个时间|近期|近日|尽快|这两天|这几天|年前|下半月|\b(?:later(?:\s+(?:this|next)\s+week)?|soon|sometime|some\s+time|in\s+a\s+few\s+days|in\s+a\s+couple\s+(?:of\s+)?days|shortly|asap|when\s+(?:i|we)\s+can)\b/gi,
    resolve: () => ({ vague: true }),
  },
  // Wednesday next week, Friday of next week, next week Wednesday, Wednesday the week after next
  {
    re: new RegExp(`\\b${EN_WEEKDAY_RE}\\s+(?:of\\s+)?(next|this|the)\\s+(week(?:\\s+after\\s+next)?)\\b`, 'gi'),
    resolve: (m, now) => ({ day: weekdayRel(now, EN_WEEKDAY[m[1].toLowerCase()], /after/i.test(m[3]) ? '下下' : m[2].toLowerCase() === 'this' ? 'this' : 'next') }),
  },
  {
    re: new RegExp(`\\bnext\\s+week(?:'s)?\\s*,?\\s*(?:on\\s+)?${EN_WEEKDAY_RE}\\b`, 'gi'),
    resolve: (m, now) => ({ day: weekdayRel(now, EN_WEEKDAY[m[1].toLowerCase()], 'next') }),
  },
  // the 28th, on the 3rd (of next month)
  {
    re: /\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b(\s+(?:of\s+)?next\s+month)?/gi,
    resolve: (m, now) => {
      const d = +m[1];
      return d >= 1 && d <= 31 ? { day: dayOfMonth(now, d, m[2] ? 1 : 0) } : null;
    },
  },
  // in March, by early April (a month without a day) → its 1st (mid → the 15th); next year when already past
  {
    re: /\b(?:in|by|until|till|around|early|mid|late|end\s+of)\s+(?:(early|mid|late)\s+)?(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b(?!\s*\d)/gi,
    resolve: (m, now) => {
      const month = EN_MONTH[m[2].toLowerCase()];
      const mid = /mid/i.test(m[0]) ? 15 : /late|end/i.test(m[0]) ? 25 : 1;
      const d = monthDay(now, month, mid);
      return d && month !== now.month ? { day: d } : null;
    },
  },
  // 月中, 下个月中 → the 15th
  {
    re: /(下)?个?月中(?:旬)?/g,
    resolve: (m, now) => ({ day: dayOfMonth(now, 15, m[1] ? 1 : 0) }),
  },
  // 2026-12-01, 2026/12/1, 2026.12.01, 2026年12月1日
  {
    re: /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?/g,
    resolve: (m, now) => ({ day: monthDay(now, +m[2], +m[3], +m[1]) }),
  },
  // 下个月5号, 本月20日
  {
    re: new RegExp(`(下下|下|本|这)个?月(${NUM})\\s*[号日]`, 'g'),
    resolve: (m, now) => ({ day: dayOfMonth(now, cnNumber(m[2]) ?? 0, cnRelOffset(m[1])) }),
  },
  // 11月30日, 十一月三十号, 12月1
  {
    re: new RegExp(`(${NUM})\\s*月\\s*(${NUM})\\s*[日号]?`, 'g'),
    resolve: (m, now) => ({ day: monthDay(now, cnNumber(m[1]) ?? 0, cnNumber(m[2]) ?? 0) }),
  },
  // 12/1, 12/1/2026 (month first)
  {
    re: /(?<![\d/])(\d{1,2})\/(\d{1,2})(?:\/(\d{4}|\d{2}))?(?![\d/])/g,
    resolve: (m, now) => ({ day: monthDay(now, +m[1], +m[2], m[3] ? (m[3].length === 2 ? 2000 + +m[3] : +m[3]) : undefined) }),
  },
  // Dec 1, December 1st, 2026
  {
    re: new RegExp(`\\b${EN_MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s*(\\d{4}))?`, 'gi'),
    resolve: (m, now) => ({ day: monthDay(now, EN_MONTH[m[1].toLowerCase()], +m[2], m[3] ? +m[3] : undefined) }),
  },
  // 1 Dec, 1st of December 2026
  {
    re: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${EN_MONTH_RE}\\b(?:,?\\s*(\\d{4}))?`, 'gi'),
    resolve: (m, now) => ({ day: monthDay(now, EN_MONTH[m[2].toLowerCase()], +m[1], m[3] ? +m[3] : undefined) }),
  },
  // 下周三, 周五, 星期天, 本周一, 下下周二, 礼拜三
  {
    re: /(下下|下|这|本|上)?个?(?:周|星期|礼拜)([一二三四五六日天1-7])/g,
    resolve: (m, now) => ({ day: weekdayRel(now, CN_WEEKDAY[m[2]], m[1]) }),
  },
  // next Wednesday, this Friday, on Monday
  {
    re: new RegExp(`\\b(?:(next|this|coming|last)\\s+)?${EN_WEEKDAY_RE}\\b`, 'gi'),
    resolve: (m, now) => ({ day: weekdayRel(now, EN_WEEKDAY[m[2].toLowerCase()], m[1]?.toLowerCase() === 'coming' ? undefined : m[1]?.toLowerCase()) }),
  },
  // 周末, 下周末, this weekend
  { re: /(下|这|本)?个?(?:周末)/g, resolve: (m, now) => ({ day: weekend(now, m[1]) }) },
  { re: /\b(?:(next|this)\s+)?weekend\b/gi, resolve: (m, now) => ({ day: weekend(now, m[1]?.toLowerCase()) }) },
  // 月底, 下个月底, 月末, end of (next) month
  {
    re: /(下下|下|本|这)?个?月(?:底|末)/g,
    resolve: (m, now) => ({ day: today(now).plus({ months: cnRelOffset(m[1]) }).endOf('month').startOf('day') }),
  },
  {
    re: /\b(?:(?:by|at)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?(this|next)?\s*month\b|\beom\b/gi,
    resolve: (m, now) => ({ day: today(now).plus({ months: m[1]?.toLowerCase() === 'next' ? 1 : 0 }).endOf('month').startOf('day') }),
  },
  // end of (this) week = Friday; end of year
  {
    re: /\b(?:(?:by|at)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?(this|next)?\s*week\b|\beow\b/gi,
    resolve: (m, now) => ({ day: weekdayThisWeek(now, 5).plus({ weeks: m[1]?.toLowerCase() === 'next' ? 1 : 0 }) }),
  },
  { re: /年底|年末|\b(?:the\s+)?end\s+of\s+(?:the\s+)?(?:this\s+)?year\b/gi, resolve: (_m, now) => ({ day: today(now).endOf('year').startOf('day') }) },
  // 月初, 下月初, beginning of next month
  { re: /(下)?个?月初/g, resolve: (_m, now) => ({ day: today(now).plus({ months: 1 }).startOf('month') }) },
  {
    re: /\b(?:(?:the\s+)?(?:beginning|start)\s+of|early)\s+next\s+month\b/gi,
    resolve: (_m, now) => ({ day: today(now).plus({ months: 1 }).startOf('month') }),
  },
  // N天后, 两周后, 3个月以后, 2小时后, 半小时后, 30分钟后, 过两天
  {
    re: new RegExp(`(${NUM}|半)\\s*个?\\s*(分钟|小时|钟头|天|日|周|星期|礼拜|月)\\s*(?:后|以后|之后)`, 'g'),
    resolve: (m, now) => relative(now, m[1] === '半' ? 0.5 : cnNumber(m[1]) ?? 0, CN_UNIT[m[2]]),
  },
  // in 3 days, in two weeks, in half an hour, 3 days later, 2 hours from now, after 3 days
  {
    re: new RegExp(`\\b(?:in|after|within)\\s+(${EN_NUM}|half\\s+an?)\\s+(minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\\b`, 'gi'),
    resolve: (m, now) => relative(now, /^half/i.test(m[1]) ? 0.5 : enNumber(m[1]) ?? 0, EN_UNIT(m[2])),
  },
  {
    re: new RegExp(`\\b(${EN_NUM})\\s+(minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\\s+(?:later|from\\s+now)\\b`, 'gi'),
    resolve: (m, now) => relative(now, enNumber(m[1]) ?? 0, EN_UNIT(m[2])),
  },
  // 下周, 下个星期, next week, 下个月, next month (no day given)
  { re: /(下下|下)个?(?:周|星期|礼拜)/g, resolve: (m, now) => ({ day: weekdayThisWeek(now, 1).plus({ weeks: cnRelOffset(m[1]) }) }) },
  { re: /\b(?:early\s+)?next\s+week\b/gi, resolve: (_m, now) => ({ day: weekdayThisWeek(now, 1).plus({ weeks: 1 }) }) },
  { re: /(下下|下)个?月/g, resolve: (m, now) => ({ day: today(now).plus({ months: cnRelOffset(m[1]) }).startOf('month') }) },
  { re: /\bnext\s+month\b/gi, resolve: (_m, now) => ({ day: today(now).plus({ months: 1 }).startOf('month') }) },
  // relative day words
  {
    re: /(大后天|后天|明天|明日|明儿|今天|今日|今晚|今早|明早|明晚|昨天|前天)/g,
    resolve: (m, now) => {
      const table: Record<string, [number, Period?]> = {
        大后天: [3], 后天: [2], 明天: [1], 明日: [1], 明儿: [1], 今天: [0], 今日: [0], 今晚: [0, 'evening'],
        今早: [0, 'morning'], 明早: [1, 'morning'], 明晚: [1, 'evening'], 昨天: [-1], 前天: [-2],
      };
      const [days, period] = table[m[1]];
      return { day: today(now).plus({ days }), period };
    },
  },
  {
    re: /\b(the\s+day\s+after\s+tomorrow|tomorrow|tmrw|tmr|today|tonight|yesterday)\b/gi,
    resolve: (m, now) => {
      const w = m[1].toLowerCase().replace(/\s+/g, ' ');
      if (w.startsWith('the day after')) return { day: today(now).plus({ days: 2 }) };
      if (w === 'tonight') return { day: today(now), period: 'evening' };
      return { day: today(now).plus({ days: w === 'yesterday' ? -1 : w === 'today' ? 0 : 1 }) };
    },
  },
  { re: /\bthis\s+(morning|afternoon|evening)\b/gi, resolve: (m, now) => ({ day: today(now), period: m[1].toLowerCase() as Period }) },
  // 30号 (a day of this month)
  {
    re: new RegExp(`(?<![\\d月])(${NUM})\\s*号(?![楼线院室])`, 'g'),
    resolve: (m, now) => {
      const d = cnNumber(m[1]);
      return d && d >= 1 && d <= 31 ? { day: dayOfMonth(now, d) } : null;
    },
  },
];

interface TimeRule {
  re: RegExp;
  resolve(m: RegExpExecArray): Omit<TimePart, 'start' | 'end'> | null;
}

const cnMinute = (s: string | undefined): number => {
  if (!s) return 0;
  if (s === '半') return 30;
  if (s === '一刻') return 15;
  if (s === '三刻') return 45;
  return cnNumber(s.replace(/分$/, '')) ?? 0;
};

const TIME_RULES: TimeRule[] = [
  // 下午3:30, 15:00, 15：00
  {
    re: new RegExp(`${CN_PERIOD_RE}?\\s*(?<![\\d:])(\\d{1,2})[:：](\\d{2})(?![\\d:])\\s*(a\\.?m\\.?|p\\.?m\\.?)?`, 'gi'),
    resolve: (m) => ({ hour: +m[2], minute: +m[3], period: m[4] ? enPeriod(m[4]) : m[1] ? CN_PERIOD[m[1]] : null, explicit: !!m[4] || +m[2] >= 13 || +m[2] === 0 || /^0\d/.test(m[2]) }),
  },
  // 下午3点, 三点半, 10点15分, 9点一刻, 15时
  {
    re: new RegExp(`${CN_PERIOD_RE}?\\s*(\\d{1,2}|(?<![快慢多少好宜贵高低早晚大小重有差])一|[零〇二两三四五六七八九十][零〇一二两三四五六七八九十]{0,2}|一[零〇一二两三四五六七八九十]{1,2})\\s*(?:点|點|(?<=\\d)时)(?:\\s*(半|一刻|三刻|${NUM}\\s*分?))?`, 'g'),
    resolve: (m) => {
      const h = cnNumber(m[2]);
      return h === null || h > 24 ? null : { hour: h, minute: cnMinute(m[3]), period: m[1] ? CN_PERIOD[m[1]] : null, explicit: false };
    },
  },
  // 3pm, 3:30 pm, at 10am
  {
    re: /\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])/gi,
    resolve: (m) => ({ hour: +m[1], minute: m[2] ? +m[2] : 0, period: enPeriod(m[3]), explicit: true }),
  },
  { re: /\b(?:at\s+)?(\d{1,2})\s*o'?clock\b/gi, resolve: (m) => ({ hour: +m[1], minute: 0, period: null, explicit: false }) },
  { re: /\bat\s+(\d{1,2})\b(?!\s*(?:%|days?|weeks?|hours?|mins?|minutes?|months?|[./:]\d))/gi, resolve: (m) => ({ hour: +m[1], minute: 0, period: null, explicit: false }) },
  { re: /\b(?:at\s+)?(noon|midday)\b/gi, resolve: () => ({ hour: 12, minute: 0, period: 'noon', explicit: true }) },
  // period words alone: 下午, in the morning
  { re: new RegExp(CN_PERIOD_RE, 'g'), resolve: (m) => ({ hour: null, minute: 0, period: CN_PERIOD[m[1]], explicit: false }) },
  {
    re: /\b(?:in\s+the\s+)?(morning|afternoon|evening)\b/gi,
    resolve: (m) => ({ hour: null, minute: 0, period: m[1].toLowerCase() as Period, explicit: false }),
  },
];

function enPeriod(s: string): Period {
  return s.toLowerCase().startsWith('a') ? 'am' : 'pm';
}

/** Hour of day from an hour as said plus its period word (see the rules at the top). */
function toHour(hour: number, period: Period | null, explicit: boolean): number {
  if (hour >= 13) return hour;
  switch (period) {
    case 'am':
      return hour === 12 ? 0 : hour;
    case 'early': case 'morning': case 'forenoon':
      return hour;
    case 'noon':
      return hour <= 2 ? hour + 12 : hour;
    case 'afternoon': case 'dusk': case 'evening': case 'pm':
      return hour < 12 ? hour + 12 : hour;
    default:
      return !explicit && hour >= 1 && hour <= 7 ? hour + 12 : hour;
  }
}

function scan<R>(text: string, taken: boolean[], rules: Array<{ re: RegExp; resolve(m: RegExpExecArray): R | null }>): Array<R & { start: number; end: number }> {
  const out: Array<R & { start: number; end: number }> = [];
  for (const rule of rules) {
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m; m = rule.re.exec(text)) {
      if (m[0].length === 0) {
        rule.re.lastIndex++;
        continue;
      }
      // Trim leading whitespace a rule may have matched before its optional prefix.
      const lead = m[0].length - m[0].trimStart().length;
      const start = m.index + lead;
      const end = m.index + m[0].trimEnd().length;
      if (taken.slice(start, end).some(Boolean)) continue;
      const r = rule.resolve(m);
      if (!r) continue;
      for (let i = start; i < end; i++) taken[i] = true;
      out.push({ ...r, start, end });
    }
  }
  return out;
}

const GAP_AFTER_DATE = /^[\s,，、的]*(?:at|on|@)?\s*$/i;
const GAP_BEFORE_DATE = /^[\s,，]*(?:on)?\s*$/i;

const REP_STEP_BEFORE = /(?:\b(?:follow\s+up|check\s+in|call\s+(?:them|him|her)(?:\s+back)?|call\s+back|circle\s+back|i'?ll\s+\w+(?:\s+\w+)?|i\s+will\s+\w+(?:\s+\w+)?|we'?ll\s+\w+(?:\s+\w+)?|next\s+(?:step|visit|call|meeting)s?:?)|(?:我|我们)[^，,。]{0,2}|再)\s*(?:on|by|at|in)?\s*(?:the\s+)?$/i;
const PAST_CLAUSE = /了|过(?!去)|回复|答复|回话|反馈|打来|打过来|来电|来访|到访|\b(?:called|met|visited|spoke|talked|emailed|had|went|sent|saw)\b/i;
/** The rep's own next step right after a time (…再打 / 回访 / 过去 / "follow up"): that time is next_at. */
const REP_STEP_AFTER = /^[\s,，、的]{0,2}(?:我|我们|再|又|去|过去|回访|跟进|联系|打(?!来|过来)|拜访|上门|约|带|送|寄|发|催|\s*(?:to\s+)?(?:follow|call|check|circle|ping|visit|send|email|chase|touch))/i;
/** The customer's own deadline (…前签约 / 对方说月底定 / "they decide by"): only when no rep step is dated. */
const DEADLINE_AFTER = /^[\s,，]{0,2}(?:前|之前|以前)?[\s,，]{0,2}(?:签约|签合同|签单|定|决定|答复|回复|给答复|给结果|付款|回款|打款|交付|上线|到货|出结果|拍板|下单)/;
const DEADLINE_BEFORE = /(?:对方|客户|他们|她们|他|她|老板|they|customer|client)[^，,。.]{0,6}(?:说|要求|希望|表示|打算|计划|准备|want|said|expect|plan|decide|need)[^，,。.]{0,8}$/i;

/** Finds the date/time the text talks about; `now` is the message time already in the CRM zone. */
export function extractWhen(text: string, now: DateTime): WhenResult {
  const taken = new Array<boolean>(text.length).fill(false);
  const all = scan(text, taken, DATE_RULES.map((r) => ({ re: r.re, resolve: (m: RegExpExecArray) => r.resolve(m, now) })));
  const times = scan(text, taken, TIME_RULES);
  const spans: Array<[number, number]> = [...all, ...times].map((p) => [p.start, p.end]);
  const dates = all.filter((d) => d.day || d.exact);

  const used = new Set<TimePart>();
  const candidates: Array<{ at: DateTime; start: number; end: number }> = [];
  for (const d of dates.sort((a, b) => a.start - b.start)) {
    if (d.exact) {
      candidates.push({ at: d.exact, start: d.start, end: d.end });
      continue;
    }
    const time = times.find((t) => !used.has(t) && (
      (t.start >= d.end && GAP_AFTER_DATE.test(text.slice(d.end, t.start))) ||
      (t.end <= d.start && GAP_BEFORE_DATE.test(text.slice(t.end, d.start)))));
    const day = d.day!;
    const start = Math.min(d.start, time?.start ?? d.start);
    const end = Math.max(d.end, time?.end ?? d.end);
    if (time) {
      used.add(time);
      candidates.push({ at: atTime(day, time, d.period ?? null), start, end });
    } else if (d.period) {
      candidates.push({ at: day.set({ hour: PERIOD_HOUR[d.period] }), start, end });
    } else {
      let at = day.set({ hour: 9 });
      if (day.hasSame(now, 'day') && at <= now) at = now.plus({ hours: 1 }).startOf('hour');
      candidates.push({ at, start, end });
    }
  }
  for (const t of times) {
    if (used.has(t)) continue;
    let at = atTime(today(now), t, null);
    if (at <= now) at = at.plus({ days: 1 });
    candidates.push({ at, start: t.start, end: t.end });
  }
  // Today's moment in a clause told in the past (上午跟…碰了一下, 下午去了趟…, "this afternoon I called") is what
  // happened, not a next step.
  for (const c of candidates) {
    // A bare weekday / 周末 opening the message (周末和X打了场球, 周五晚上还在加班…刚给X发了邮件) dates the report too.
    const opening = /^\s*$/.test(text.slice(0, c.start)) && /^(?:周末|(?:周|星期|礼拜)[一二三四五六日天])/.test(text.slice(c.start, c.end)) && c.at.diff(now, 'days').days < 8;
    if (!opening && !c.at.hasSame(now, 'day') && !(c.at.diff(now, 'hours').hours <= 24 && /^(?:上午|中午|下午|早上|今早|今天|刚才)/.test(text.slice(c.start, c.end)))) continue;
    const clause = /^[^，,。.;；!！?？\n]*/.exec(text.slice(c.end))![0];
    if (PAST_CLAUSE.test(clause) && !/我再|再(?:约|打|去|跟|联系|过去|拜访|上门|发|催|问|见|谈|聊|沟通)|回访|\b(?:again|follow\s+up|call\s+back)\b/i.test(clause)) c.at = now.minus({ minutes: 1 });
  }
  const past = candidates.some((c) => c.at <= now);
  // Past dates describe what happened; only a future moment becomes next_at / due_at.
  const future = candidates.filter((c) => c.at > now);
  if (!future.length) return { at: null, past, spans };
  // The rep's own next step wins over the customer's deadline; otherwise the latest moment (messages say what
  // happened, then when to continue).
  const step = future.filter((c) => REP_STEP_AFTER.test(text.slice(c.end, c.end + 12)) || REP_STEP_BEFORE.test(text.slice(Math.max(0, c.start - 30), c.start)));
  const deadline = (c: { start: number; end: number }) => DEADLINE_AFTER.test(text.slice(c.end, c.end + 10)) || DEADLINE_BEFORE.test(text.slice(Math.max(0, c.start - 20), c.start));
  const pool = step.length ? step : future.filter((c) => !deadline(c)).length ? future.filter((c) => !deadline(c)) : future;
  const at = pool.reduce((a, b) => (b.at > a.at ? b : a)).at;
  return { at, past, spans };
}

function atTime(day: DateTime, t: TimePart, datePeriod: Period | null): DateTime {
  const period = t.period ?? datePeriod;
  const hour = t.hour === null ? PERIOD_HOUR[period ?? 'morning'] : toHour(t.hour, period, t.explicit);
  return day.set({ hour: hour % 24, minute: t.minute, second: 0, millisecond: 0 }).plus({ days: hour >= 24 ? 1 : 0 });
}

/** ISO 8601 with offset, no milliseconds, e.g. 2026-12-02T09:00:00+08:00. */
export function formatWhen(d: DateTime | null): string | null {
  return d ? d.toISO({ suppressMilliseconds: true }) : null;
}
