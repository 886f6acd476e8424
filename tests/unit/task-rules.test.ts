import { buildIcs, icsEscape, icsFold, snoozeTarget } from '../../core/tasks/rules';

describe('task rules', () => {
  it('escapes TEXT values and folds at 75 octets without splitting a UTF-8 character', () => {
    expect(icsEscape('a,b;c\\d\ne')).toBe('a\\,b\\;c\\\\d\\ne');
    const folded = icsFold('SUMMARY:' + '拜访'.repeat(40));
    const lines = folded.split('\r\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(lines.slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(folded.replace(/\r\n /g, '')).toBe('SUMMARY:' + '拜访'.repeat(40));
  });
  it('builds a calendar with CRLF line ends', () => {
    const ics = buildIcs('CRM', [{ uid: 'task-1@x', start: new Date('2026-12-02T02:00:00Z'), minutes: 30, summary: 'Call', status: 'CONFIRMED', updated: new Date('2026-11-23T00:00:00Z') }], new Date('2026-11-23T00:00:00Z'));
    expect(ics).toContain('\r\nDTSTART:20261202T020000Z\r\n');
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
  });
  it('snoozes to +1 h or tomorrow 09:00 in the zone, across a month end', () => {
    expect(snoozeTarget('1h', new Date('2026-11-30T15:30:20Z'), 'Asia/Shanghai').toISOString()).toBe('2026-11-30T16:30:00.000Z');
    expect(snoozeTarget('tomorrow9', new Date('2026-11-30T15:30:00Z'), 'Asia/Shanghai').toISOString()).toBe('2026-12-01T01:00:00.000Z'); // 23:30 local → Dec 1 09:00
  });
});
