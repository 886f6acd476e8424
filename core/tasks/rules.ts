import { DateTime } from 'luxon';

/** Pure task policy: snooze targets, agenda day window, and the iCalendar (RFC 5545) text of a feed. */

export type SnoozeKind = '1h' | 'tomorrow9';

/** Snooze 1 h = now + 1 hour (to the minute); "tomorrow 9:00" = 09:00 of the next day in the CRM zone. */
export function snoozeTarget(kind: SnoozeKind, now: Date, zone: string): Date {
  const local = DateTime.fromJSDate(now, { zone });
  if (kind === '1h') return local.plus({ hours: 1 }).startOf('minute').toJSDate();
  return local.plus({ days: 1 }).startOf('day').set({ hour: 9 }).toJSDate();
}

/** [start, end) of the local day containing `now`. */
export function dayWindow(now: Date, zone: string): { start: Date; end: Date; ymd: string } {
  const d = DateTime.fromJSDate(now, { zone }).startOf('day');
  return { start: d.toJSDate(), end: d.plus({ days: 1 }).toJSDate(), ymd: d.toISODate()! };
}

export interface IcsEvent {
  uid: string;
  start: Date;
  minutes: number;
  summary: string;
  description?: string | null;
  status: 'CONFIRMED' | 'CANCELLED' | 'TENTATIVE';
  updated: Date;
  url?: string | null;
}

/** TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, newline. */
export function icsEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Content lines are folded at 75 octets (§3.1), never inside a UTF-8 sequence; continuation lines start with a space. */
export function icsFold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    const limit = out.length === 0 ? 75 : 74; // continuation lines carry the leading space
    if (bytes + n > limit) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export function buildIcs(calName: string, events: IcsEvent[], now: Date): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//lark-crm//tasks//ZH', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH', `X-WR-CALNAME:${icsEscape(calName)}`];
  for (const e of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTAMP:${stamp(now)}`,
      `LAST-MODIFIED:${stamp(e.updated)}`,
      `DTSTART:${stamp(e.start)}`,
      `DURATION:PT${e.minutes}M`,
      `SUMMARY:${icsEscape(e.summary)}`,
      ...(e.description ? [`DESCRIPTION:${icsEscape(e.description)}`] : []),
      ...(e.url ? [`URL:${e.url}`] : []),
      `STATUS:${e.status}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(icsFold).join('\r\n') + '\r\n';
}
