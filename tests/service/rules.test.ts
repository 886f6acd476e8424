import { DateTime } from 'luxon';
import {
  addBusinessMs,
  businessMsBetween,
  canReopen,
  canTransition,
  chooseAgent,
  clockAction,
  DEFAULT_CALENDAR,
  hasSkill,
  planClock,
  resumeClock,
  slaNextAt,
  slaTargets,
  DEFAULT_SLA_POLICIES,
  warnLeadMs,
  type BusinessCalendar,
} from '../../core/tickets/rules';
import { pauseClocks, resumeClocks, startClocks, firstResponseMet, resolutionMet } from '../../core/tickets/clock';
import type { ServiceConfig } from '../../core/tickets/config';

const Z = 'Asia/Shanghai';
/** Local Shanghai time → Date. */
const sh = (s: string) => DateTime.fromISO(s, { zone: Z }).toJSDate();
const iso = (d: Date) => DateTime.fromJSDate(d, { zone: Z }).toFormat("yyyy-MM-dd'T'HH:mm");
const MIN = 60_000;
const H = 60 * MIN;

// 2026-11-23 is a Monday.
describe('business calendar', () => {
  it('adds time inside one working day', () => {
    expect(iso(addBusinessMs(sh('2026-11-23T10:00'), 30 * MIN))).toBe('2026-11-23T10:30');
  });

  it('carries over the night: 17:30 + 1 h = next morning 09:30', () => {
    expect(iso(addBusinessMs(sh('2026-11-23T17:30'), H))).toBe('2026-11-24T09:30');
  });

  it('a ticket filed at night starts counting at 09:00', () => {
    expect(iso(addBusinessMs(sh('2026-11-23T22:00'), 30 * MIN))).toBe('2026-11-24T09:30');
    expect(iso(addBusinessMs(sh('2026-11-24T03:00'), 4 * H))).toBe('2026-11-24T13:00');
  });

  it('skips the weekend: Friday 17:00 + 2 h = Monday 10:00', () => {
    expect(iso(addBusinessMs(sh('2026-11-27T17:00'), 2 * H))).toBe('2026-11-30T10:00');
    expect(iso(addBusinessMs(sh('2026-11-28T12:00'), 30 * MIN))).toBe('2026-11-30T09:30');
  });

  it('skips holidays and works on make-up days', () => {
    const cal: BusinessCalendar = { ...DEFAULT_CALENDAR, holidays: ['2026-11-30', '2026-12-01'], extraWorkdays: ['2026-11-29'] };
    // Friday 17:00 + 2h: Sunday 29th is a make-up working day.
    expect(iso(addBusinessMs(sh('2026-11-27T17:00'), 2 * H, cal))).toBe('2026-11-29T10:00');
    // Sunday 17:00 + 2h: Mon/Tue are holidays → Wednesday 10:00.
    expect(iso(addBusinessMs(sh('2026-11-29T17:00'), 2 * H, cal))).toBe('2026-12-02T10:00');
  });

  it('24 business hours of a normal ticket span about three working days', () => {
    expect(iso(addBusinessMs(sh('2026-11-23T09:00'), 24 * H))).toBe('2026-11-25T15:00');
  });

  it('ends exactly at closing time rather than next morning', () => {
    expect(iso(addBusinessMs(sh('2026-11-23T17:00'), H))).toBe('2026-11-23T18:00');
  });

  it('measures business time between two moments, and is the inverse of add', () => {
    expect(businessMsBetween(sh('2026-11-23T17:00'), sh('2026-11-24T10:00'))).toBe(2 * H);
    expect(businessMsBetween(sh('2026-11-27T12:00'), sh('2026-11-30T12:00'))).toBe(9 * H);
    expect(businessMsBetween(sh('2026-11-24T10:00'), sh('2026-11-23T10:00'))).toBe(0);
    for (const [from, ms] of [['2026-11-23T08:12', 7 * H], ['2026-11-27T16:59', 31 * H], ['2026-11-29T23:00', 5 * MIN]] as const) {
      const end = addBusinessMs(sh(from), ms);
      expect(businessMsBetween(sh(from), end)).toBe(ms);
    }
  });

  it('follows the configured zone and hours', () => {
    const cal: BusinessCalendar = { ...DEFAULT_CALENDAR, zone: 'Europe/Berlin', start: '08:00', end: '12:00' };
    const from = DateTime.fromISO('2026-11-23T11:00', { zone: 'Europe/Berlin' }).toJSDate();
    const due = addBusinessMs(from, 2 * H, cal);
    expect(DateTime.fromJSDate(due, { zone: 'Europe/Berlin' }).toFormat('yyyy-MM-dd HH:mm')).toBe('2026-11-24 09:00');
  });
});

describe('SLA policies and clocks', () => {
  it('defaults by priority, halved for tier A; configured rows win', () => {
    expect(slaTargets(DEFAULT_SLA_POLICIES, null, 'urgent')).toEqual({ firstResponseMs: 30 * MIN, resolutionMs: 4 * H });
    expect(slaTargets(DEFAULT_SLA_POLICIES, 'B', 'high')).toEqual({ firstResponseMs: H, resolutionMs: 8 * H });
    expect(slaTargets(DEFAULT_SLA_POLICIES, null, 'normal')).toEqual({ firstResponseMs: 4 * H, resolutionMs: 24 * H });
    expect(slaTargets(DEFAULT_SLA_POLICIES, null, 'low')).toEqual({ firstResponseMs: 8 * H, resolutionMs: 72 * H });
    expect(slaTargets(DEFAULT_SLA_POLICIES, 'A', 'urgent')).toEqual({ firstResponseMs: 15 * MIN, resolutionMs: 2 * H });
    const custom = [{ tier: '*', priority: 'urgent' as const, firstResponseMin: 5, resolutionMin: 60 }, ...DEFAULT_SLA_POLICIES];
    expect(slaTargets(custom, 'C', 'urgent')).toEqual({ firstResponseMs: 5 * MIN, resolutionMs: H });
  });

  it('warns a fifth of the target ahead, at least 10 minutes', () => {
    expect(warnLeadMs(30 * MIN)).toBe(10 * MIN);
    expect(warnLeadMs(4 * H)).toBe(48 * MIN);
    expect(warnLeadMs(5 * MIN)).toBe(5 * MIN);
  });

  it('plans warn and due in business time', () => {
    const p = planClock(sh('2026-11-23T17:50'), 30 * MIN, 30 * MIN);
    expect(iso(p.warnAt)).toBe('2026-11-24T09:10');
    expect(iso(p.dueAt)).toBe('2026-11-24T09:20');
  });

  it('a pause keeps the business time left: paused Friday 17:00 with 2 h left, resumed Monday 11:00 → due 13:00', () => {
    const plan = { dueAt: sh('2026-11-30T10:00'), warnAt: sh('2026-11-27T17:30') };
    const r = resumeClock(sh('2026-11-27T17:00'), sh('2026-11-30T11:00'), plan);
    expect(iso(r.dueAt)).toBe('2026-11-30T13:00');
    expect(iso(r.warnAt)).toBe('2026-11-30T11:30');
  });

  it('sweep actions: nothing early, warn once, breach once, a late sweep goes straight to breach', () => {
    const c = { stage: 'ok' as const, warnAt: sh('2026-11-23T10:00'), dueAt: sh('2026-11-23T10:30') };
    expect(clockAction(c, sh('2026-11-23T09:59'))).toBeNull();
    expect(clockAction(c, sh('2026-11-23T10:00'))).toBe('warn');
    expect(clockAction({ ...c, stage: 'warned' }, sh('2026-11-23T10:10'))).toBeNull();
    expect(clockAction({ ...c, stage: 'warned' }, sh('2026-11-23T10:30'))).toBe('breach');
    expect(clockAction({ ...c, stage: 'breached' }, sh('2026-11-24T10:30'))).toBeNull();
    expect(clockAction(c, sh('2026-11-25T10:30'))).toBe('breach');
    expect(clockAction({ ...c, stage: 'met' }, sh('2026-11-25T10:30'))).toBeNull();
  });

  it('next check: earliest pending event; none while paused', () => {
    const frt = { stage: 'ok' as const, warnAt: sh('2026-11-23T10:00'), dueAt: sh('2026-11-23T10:30') };
    const res = { stage: 'ok' as const, warnAt: sh('2026-11-23T09:00'), dueAt: sh('2026-11-23T12:00') };
    expect(iso(slaNextAt(frt, res, false)!)).toBe('2026-11-23T09:00');
    expect(iso(slaNextAt(frt, { ...res, stage: 'warned' }, false)!)).toBe('2026-11-23T10:00');
    expect(slaNextAt(frt, res, true)).toBeNull();
    expect(slaNextAt({ ...frt, stage: 'met' }, { ...res, stage: 'breached' }, false)).toBeNull();
  });

  it('ticket clock columns: start, pause, resume, first response, resolution', () => {
    const cfg: ServiceConfig = { assignment: 'least_busy', calendar: DEFAULT_CALENDAR, policies: DEFAULT_SLA_POLICIES, surveyDays: 14 };
    const c0 = startClocks(sh('2026-11-23T17:00'), null, 'urgent', cfg);
    expect(iso(c0.frt_due_at!)).toBe('2026-11-23T17:30');
    expect(iso(c0.res_due_at!)).toBe('2026-11-24T12:00');
    expect(iso(c0.sla_next_at!)).toBe('2026-11-23T17:20');
    const c1 = firstResponseMet(c0);
    expect(c1.frt_stage).toBe('met');
    expect(iso(c1.sla_next_at!)).toBe(iso(c1.res_warn_at!));
    const paused = pauseClocks(c1, sh('2026-11-23T17:40'));
    expect(paused.sla_next_at).toBeNull();
    // Paused 17:40 Mon with 3h20m business left; resumed Wed 09:00 → due Wed 12:20.
    const resumed = resumeClocks(paused, sh('2026-11-25T09:00'), cfg);
    expect(resumed.sla_paused_at).toBeNull();
    expect(iso(resumed.res_due_at!)).toBe('2026-11-25T12:20');
    const done = resolutionMet(resumed);
    expect(done.res_stage).toBe('met');
    expect(done.sla_next_at).toBeNull();
  });
});

describe('status machine and reopen window', () => {
  it('allows the lifecycle and refuses shortcuts', () => {
    expect(canTransition('new', 'assigned')).toBe(true);
    expect(canTransition('assigned', 'in_progress')).toBe(true);
    expect(canTransition('in_progress', 'waiting_customer')).toBe(true);
    expect(canTransition('waiting_customer', 'in_progress')).toBe(true);
    expect(canTransition('in_progress', 'resolved')).toBe(true);
    expect(canTransition('resolved', 'closed')).toBe(true);
    expect(canTransition('closed', 'in_progress')).toBe(false);
    expect(canTransition('resolved', 'in_progress')).toBe(false);
    expect(canTransition('new', 'closed')).toBe(false);
  });

  it('reopens within 7 days of resolution only', () => {
    const resolved = sh('2026-11-23T10:00');
    expect(canReopen('resolved', resolved, sh('2026-11-30T09:59'))).toBe('ok');
    expect(canReopen('closed', resolved, sh('2026-11-30T10:00'))).toBe('ok');
    expect(canReopen('closed', resolved, sh('2026-11-30T10:01'))).toBe('expired');
    expect(canReopen('in_progress', null, sh('2026-11-30T10:01'))).toBe('state');
  });
});

describe('agent choice', () => {
  const agents = [
    { id: 3, skills: ['技术支持'], openCount: 2 },
    { id: 5, skills: ['repair'], openCount: 0 },
    { id: 7, skills: ['技术支持', '咨询'], openCount: 1 },
    { id: 9, skills: [], openCount: 0 },
  ];

  it('matches skills by code or label', () => {
    expect(hasSkill(['技术支持'], 'tech_support')).toBe(true);
    expect(hasSkill(['Technical support'], 'tech_support')).toBe(true);
    expect(hasSkill(['repair'], 'tech_support')).toBe(false);
  });

  it('round-robin rotates over skilled agents', () => {
    expect(chooseAgent('round_robin', agents, 'tech_support', null)!.id).toBe(3);
    expect(chooseAgent('round_robin', agents, 'tech_support', 3)!.id).toBe(7);
    expect(chooseAgent('round_robin', agents, 'tech_support', 7)!.id).toBe(3);
  });

  it('least-busy takes the fewest open tickets among the skilled', () => {
    expect(chooseAgent('least_busy', agents, 'tech_support', null)!.id).toBe(7);
    expect(chooseAgent('least_busy', agents, 'repair', null)!.id).toBe(5);
  });

  it('falls back to everyone when nobody has the skill; ties rotate', () => {
    expect(chooseAgent('least_busy', agents, 'complaint', null)!.id).toBe(5);
    expect(chooseAgent('least_busy', agents, 'complaint', 5)!.id).toBe(9);
    expect(chooseAgent('round_robin', [], 'complaint', null)).toBeNull();
  });
});
