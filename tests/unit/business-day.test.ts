import { businessDay } from '../../core/pool/operations';
import { ManualClock } from '../../core/ports';
import { businessDay as zoneDay } from '../../core/shared/dates';
import type { CoreContext } from '../../core/context';

// businessDay is asked on every claim and caches the current day's bounds per time zone: the day must still turn
// exactly at local midnight, forwards and backwards, and each zone keeps its own day.
describe('businessDay (the day the daily claim limit counts)', () => {
  const at = (iso: string, timezone = 'Asia/Shanghai') => ({ clock: new ManualClock(new Date(iso)), timezone }) as unknown as CoreContext;

  it('turns at local midnight, not UTC midnight', () => {
    const ctx = at('2026-11-22T15:59:59.999Z'); // 23:59:59.999 in Shanghai
    expect(businessDay(ctx)).toBe('2026-11-22');
    (ctx.clock as ManualClock).advance(1);
    expect(businessDay(ctx)).toBe('2026-11-23');
    (ctx.clock as ManualClock).advance(8 * 3_600_000); // 08:00 UTC the same day: still the 23rd locally
    expect(businessDay(ctx)).toBe('2026-11-23');
  });

  it('goes back when the clock does, and keeps zones apart', () => {
    expect(businessDay(at('2026-11-23T00:30:00Z'))).toBe('2026-11-23');
    expect(businessDay(at('2026-11-22T12:00:00Z'))).toBe('2026-11-22');
    expect(businessDay(at('2026-11-23T00:30:00Z', 'America/New_York'))).toBe('2026-11-22');
    expect(businessDay(at('2026-11-23T00:30:00Z'))).toBe('2026-11-23');
  });

  it('is one cache for both entry points, right across a 25-hour day (DST ends in New York on 2026-11-01)', () => {
    const ny = 'America/New_York';
    expect(zoneDay(new Date('2026-11-01T04:30:00Z'), ny)).toBe('2026-11-01'); // 00:30 EDT
    expect(zoneDay(new Date('2026-11-02T04:30:00Z'), ny)).toBe('2026-11-01'); // 23:30 EST, 25 h after midnight
    expect(zoneDay(new Date('2026-11-02T05:00:00Z'), ny)).toBe('2026-11-02'); // 00:00 EST
    expect(businessDay(at('2026-11-02T04:59:59Z', ny))).toBe('2026-11-01');
  });
});
