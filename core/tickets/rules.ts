/**
 * Pure service policy: the ticket status machine, agent choice, and SLA clocks in business hours.
 * No database, no clock: everything takes `now` and plain data, so it is unit-tested exhaustively.
 */
import { DateTime } from 'luxon';

export const TICKET_TYPES = ['consult', 'tech_support', 'complaint', 'return', 'repair', 'other'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];
export const TICKET_TYPE_LABELS: Record<TicketType, { 'zh-CN': string; en: string }> = {
  consult: { 'zh-CN': '咨询', en: 'Enquiry' },
  tech_support: { 'zh-CN': '技术支持', en: 'Technical support' },
  complaint: { 'zh-CN': '投诉', en: 'Complaint' },
  return: { 'zh-CN': '退换货', en: 'Return / exchange' },
  repair: { 'zh-CN': '维修', en: 'Repair' },
  other: { 'zh-CN': '其他', en: 'Other' },
};

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRIORITY_LABELS: Record<Priority, { 'zh-CN': string; en: string }> = {
  urgent: { 'zh-CN': '特急', en: 'Urgent' },
  high: { 'zh-CN': '紧急', en: 'High' },
  normal: { 'zh-CN': '普通', en: 'Normal' },
  low: { 'zh-CN': '低', en: 'Low' },
};

export const TICKET_STATUSES = ['new', 'assigned', 'in_progress', 'waiting_customer', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const STATUS_LABELS: Record<TicketStatus, { 'zh-CN': string; en: string }> = {
  new: { 'zh-CN': '新建', en: 'New' },
  assigned: { 'zh-CN': '已分配', en: 'Assigned' },
  in_progress: { 'zh-CN': '处理中', en: 'In progress' },
  waiting_customer: { 'zh-CN': '待客户回复', en: 'Waiting on you' },
  resolved: { 'zh-CN': '已解决', en: 'Resolved' },
  closed: { 'zh-CN': '已关闭', en: 'Closed' },
};
export const OPEN_STATUSES: TicketStatus[] = ['new', 'assigned', 'in_progress', 'waiting_customer'];
export const isOpen = (s: TicketStatus) => OPEN_STATUSES.includes(s);

/** Allowed moves. Reopen (resolved|closed → assigned|new) is separate: it has a time window. */
const TRANSITIONS: Record<TicketStatus, TicketStatus[]> = {
  new: ['assigned', 'in_progress', 'resolved'],
  assigned: ['assigned', 'in_progress', 'waiting_customer', 'resolved'],
  in_progress: ['waiting_customer', 'resolved', 'assigned'],
  waiting_customer: ['in_progress', 'resolved', 'assigned'],
  resolved: ['closed'],
  closed: [],
};
export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export const REOPEN_WINDOW_DAYS = 7;
/** Reopen is possible from resolved or closed, up to 7 days after resolution. */
export function reopenDeadline(resolvedAt: Date | null): Date | null {
  return resolvedAt ? new Date(resolvedAt.getTime() + REOPEN_WINDOW_DAYS * 86_400_000) : null;
}
export function canReopen(status: TicketStatus, resolvedAt: Date | null, now: Date): 'ok' | 'state' | 'expired' {
  if (status !== 'resolved' && status !== 'closed') return 'state';
  const until = reopenDeadline(resolvedAt);
  if (!until || now.getTime() > until.getTime()) return 'expired';
  return 'ok';
}

// ---------------------------------------------------------------- assignment

export type AssignmentStrategy = 'round_robin' | 'least_busy';
export interface AgentCandidate {
  id: number;
  skills: string[];
  openCount: number;
}

/** An agent is skilled for a type when their skills name the type's code or its label in any locale. */
export function hasSkill(skills: string[], type: TicketType): boolean {
  const names = [type, TICKET_TYPE_LABELS[type]['zh-CN'], TICKET_TYPE_LABELS[type].en].map((s) => s.toLowerCase());
  return skills.some((s) => names.includes(s.trim().toLowerCase()));
}

/**
 * Chooses an agent: skilled agents first (everyone when nobody has the skill); round-robin takes the next id
 * after the last one assigned; least-busy takes the fewest open tickets, ties broken round-robin so equal
 * agents still take turns. Returns null when there is no candidate.
 */
export function chooseAgent(strategy: AssignmentStrategy, candidates: AgentCandidate[], type: TicketType, lastUserId: number | null): AgentCandidate | null {
  if (!candidates.length) return null;
  const skilled = candidates.filter((c) => hasSkill(c.skills, type));
  let pool = (skilled.length ? skilled : candidates).slice().sort((a, b) => a.id - b.id);
  if (strategy === 'least_busy') {
    const min = Math.min(...pool.map((c) => c.openCount));
    pool = pool.filter((c) => c.openCount === min);
  }
  const last = lastUserId ?? 0;
  return pool.find((c) => c.id > last) ?? pool[0];
}

// ---------------------------------------------------------------- business calendar

export interface BusinessCalendar {
  /** IANA zone the hours are in. */
  zone: string;
  /** ISO weekdays that are working days (1 = Monday … 7 = Sunday). */
  workdays: number[];
  /** Working hours, local 'HH:mm'; end > start. */
  start: string;
  end: string;
  /** Local dates 'yyyy-MM-dd' that are not worked (public holidays). */
  holidays: string[];
  /** Local dates worked although they fall on a weekend (China's make-up working days, 调休). */
  extraWorkdays: string[];
}

export const DEFAULT_CALENDAR: BusinessCalendar = {
  zone: 'Asia/Shanghai',
  workdays: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '18:00',
  holidays: [],
  extraWorkdays: [],
};

const MAX_DAYS = 3660;

function isWorkingDay(day: DateTime, cal: BusinessCalendar): boolean {
  const iso = day.toISODate()!;
  if (cal.holidays.includes(iso)) return false;
  if (cal.extraWorkdays.includes(iso)) return true;
  return cal.workdays.includes(day.weekday);
}

function windowOf(day: DateTime, cal: BusinessCalendar): [number, number] | null {
  if (!isWorkingDay(day, cal)) return null;
  const [sh, sm] = cal.start.split(':').map(Number);
  const [eh, em] = cal.end.split(':').map(Number);
  const s = day.set({ hour: sh, minute: sm, second: 0, millisecond: 0 }).toMillis();
  const e = day.set({ hour: eh, minute: em, second: 0, millisecond: 0 }).toMillis();
  return e > s ? [s, e] : null;
}

/** Business milliseconds in [a, b). */
export function businessMsBetween(a: Date, b: Date, cal: BusinessCalendar = DEFAULT_CALENDAR): number {
  const from = a.getTime();
  const to = b.getTime();
  if (to <= from) return 0;
  let day = DateTime.fromMillis(from, { zone: cal.zone }).startOf('day');
  let total = 0;
  for (let i = 0; i < MAX_DAYS && day.toMillis() < to; i++, day = day.plus({ days: 1 })) {
    const w = windowOf(day, cal);
    if (!w) continue;
    const s = Math.max(w[0], from);
    const e = Math.min(w[1], to);
    if (e > s) total += e - s;
  }
  return total;
}

/** The moment `ms` business milliseconds after `from` (from itself when ms ≤ 0). */
export function addBusinessMs(from: Date, ms: number, cal: BusinessCalendar = DEFAULT_CALENDAR): Date {
  if (ms <= 0) return new Date(from.getTime());
  let remaining = ms;
  const start = from.getTime();
  let day = DateTime.fromMillis(start, { zone: cal.zone }).startOf('day');
  for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 })) {
    const w = windowOf(day, cal);
    if (!w) continue;
    const s = Math.max(w[0], start);
    if (s >= w[1]) continue;
    const avail = w[1] - s;
    if (remaining <= avail) return new Date(s + remaining);
    remaining -= avail;
  }
  throw new Error('business calendar has no working time in ten years');
}

// ---------------------------------------------------------------- SLA policies and clocks

export interface SlaPolicy {
  /** Customer tier this row applies to; '*' for any. */
  tier: string;
  priority: Priority;
  firstResponseMin: number;
  resolutionMin: number;
}

const base: [Priority, number, number][] = [
  ['urgent', 30, 4 * 60],
  ['high', 60, 8 * 60],
  ['normal', 4 * 60, 24 * 60],
  ['low', 8 * 60, 72 * 60],
];
/** Defaults for everyone; key accounts (tier A) get half the time. */
export const DEFAULT_SLA_POLICIES: SlaPolicy[] = [
  ...base.map(([priority, f, r]) => ({ tier: 'A', priority, firstResponseMin: f / 2, resolutionMin: r / 2 })),
  ...base.map(([priority, f, r]) => ({ tier: '*', priority, firstResponseMin: f, resolutionMin: r })),
];

export function slaTargets(policies: SlaPolicy[], tier: string | null, priority: Priority): { firstResponseMs: number; resolutionMs: number } {
  const p =
    policies.find((x) => x.priority === priority && tier !== null && x.tier === tier) ??
    policies.find((x) => x.priority === priority && x.tier === '*') ??
    DEFAULT_SLA_POLICIES.find((x) => x.priority === priority && x.tier === '*')!;
  return { firstResponseMs: p.firstResponseMin * 60_000, resolutionMs: p.resolutionMin * 60_000 };
}

/** Warn this long (business time) before a breach: a fifth of the target, at least 10 minutes, at most the target. */
export function warnLeadMs(targetMs: number): number {
  return Math.min(targetMs, Math.max(10 * 60_000, Math.round(targetMs * 0.2)));
}

export interface ClockPlan {
  dueAt: Date;
  warnAt: Date;
}
/** A clock started (or resumed) at `from` with `remainingMs` of business time left out of `targetMs`. */
export function planClock(from: Date, remainingMs: number, targetMs: number, cal: BusinessCalendar = DEFAULT_CALENDAR): ClockPlan {
  return {
    dueAt: addBusinessMs(from, remainingMs, cal),
    warnAt: addBusinessMs(from, Math.max(0, remainingMs - warnLeadMs(targetMs)), cal),
  };
}

/** Resuming after a pause: whatever business time was left at the pause is left now. */
export function resumeClock(pausedAt: Date, now: Date, plan: ClockPlan, cal: BusinessCalendar = DEFAULT_CALENDAR): ClockPlan {
  const leftDue = businessMsBetween(pausedAt, plan.dueAt, cal);
  const leftWarn = businessMsBetween(pausedAt, plan.warnAt, cal);
  return { dueAt: addBusinessMs(now, leftDue, cal), warnAt: addBusinessMs(now, leftWarn, cal) };
}

export const SLA_STAGES = ['ok', 'warned', 'breached', 'met'] as const;
export type SlaStage = (typeof SLA_STAGES)[number];
export interface SlaClockState {
  stage: SlaStage;
  dueAt: Date | null;
  warnAt: Date | null;
}
export type SlaClock = 'frt' | 'res';
export interface SlaAction {
  clock: SlaClock;
  action: 'warn' | 'breach';
}

/** What the sweep must do now for one clock (at most one action; a late sweep goes straight to breach). */
export function clockAction(c: SlaClockState, now: Date): 'warn' | 'breach' | null {
  if (!c.dueAt || c.stage === 'breached' || c.stage === 'met') return null;
  if (now.getTime() >= c.dueAt.getTime()) return 'breach';
  if (c.stage === 'ok' && c.warnAt && now.getTime() >= c.warnAt.getTime()) return 'warn';
  return null;
}

/** The next moment a clock needs attention, or null. */
export function clockNextAt(c: SlaClockState): Date | null {
  if (!c.dueAt || c.stage === 'breached' || c.stage === 'met') return null;
  if (c.stage === 'ok' && c.warnAt) return c.warnAt;
  return c.dueAt;
}

/** When the sweep must next look at the ticket: the earliest clock event; null when paused or nothing is pending. */
export function slaNextAt(frt: SlaClockState, res: SlaClockState, paused: boolean): Date | null {
  if (paused) return null;
  const xs = [clockNextAt(frt), clockNextAt(res)].filter((d): d is Date => d !== null);
  if (!xs.length) return null;
  return new Date(Math.min(...xs.map((d) => d.getTime())));
}
