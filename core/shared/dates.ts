import { DateTime } from 'luxon';

/**
 * Business dates are calendar days ('YYYY-MM-DD') in the CRM time zone (default Asia/Shanghai). Hot paths ask on
 * every request (a claim, a 360 view's receivables); time-zone maths costs ~35-75 µs, so each zone's current day
 * is kept with its bounds and recomputed only when `now` leaves them.
 */
export function businessDay(now: Date, zone: string): string {
  const ms = now.getTime();
  const hit = dayCache.get(zone);
  if (hit && ms >= hit.from && ms < hit.to) return hit.day;
  const start = DateTime.fromMillis(ms).setZone(zone).startOf('day');
  const day = { day: start.toISODate()!, from: start.toMillis(), to: start.plus({ days: 1 }).toMillis() };
  dayCache.set(zone, day);
  return day.day;
}
const dayCache = new Map<string, { day: string; from: number; to: number }>();

export function addDays(day: string, n: number): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ days: n }).toISODate()!;
}

export function addMonths(day: string, n: number): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ months: n }).toISODate()!;
}

export function daysBetween(from: string, to: string): number {
  return Math.round(DateTime.fromISO(to, { zone: 'UTC' }).diff(DateTime.fromISO(from, { zone: 'UTC' }), 'days').days);
}

export function isDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && DateTime.fromISO(s, { zone: 'UTC' }).isValid;
}

/** DATEONLY values come back as 'YYYY-MM-DD' strings (SQLite, Sequelize) or UTC-midnight Dates (mysql2 raw). */
export function toDay(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v).slice(0, 10);
}
