/**
 * SLA clock bookkeeping on a ticket row: pure functions from the row's SLA columns (+ now, config) to the
 * columns to write. Kept apart from rules.ts (which knows nothing of rows) and from the operations (which write).
 */
import type { ServiceConfig } from './config';
import type { TicketAttrs } from './model';
import { planClock, resumeClock, slaNextAt, slaTargets, type Priority, type SlaStage } from './rules';

/** The ticket columns the SLA clock owns. */
export type SlaColumns = Pick<TicketAttrs, 'frt_due_at' | 'frt_warn_at' | 'frt_stage' | 'res_due_at' | 'res_warn_at' | 'res_stage' | 'sla_paused_at' | 'sla_next_at'>;

const withNext = (c: Omit<SlaColumns, 'sla_next_at'>): SlaColumns => ({
  ...c,
  sla_next_at: slaNextAt(
    { stage: c.frt_stage, dueAt: c.frt_due_at, warnAt: c.frt_warn_at },
    { stage: c.res_stage, dueAt: c.res_due_at, warnAt: c.res_warn_at },
    c.sla_paused_at !== null,
  ),
});

/** Both clocks start when the ticket is filed. */
export function startClocks(now: Date, tier: string | null, priority: Priority, cfg: ServiceConfig): SlaColumns {
  const t = slaTargets(cfg.policies, tier, priority);
  const frt = planClock(now, t.firstResponseMs, t.firstResponseMs, cfg.calendar);
  const res = planClock(now, t.resolutionMs, t.resolutionMs, cfg.calendar);
  return withNext({
    frt_due_at: frt.dueAt,
    frt_warn_at: frt.warnAt,
    frt_stage: 'ok',
    res_due_at: res.dueAt,
    res_warn_at: res.warnAt,
    res_stage: 'ok',
    sla_paused_at: null,
  });
}

/** Waiting on the customer: both clocks stop (the sweep ignores the ticket). */
export function pauseClocks(c: SlaColumns, now: Date): SlaColumns {
  if (c.sla_paused_at) return c;
  return withNext({ ...c, sla_paused_at: now });
}

/** The customer answered: the business time left at the pause is left again, counted from now. */
export function resumeClocks(c: SlaColumns, now: Date, cfg: ServiceConfig): SlaColumns {
  if (!c.sla_paused_at) return c;
  const paused = c.sla_paused_at;
  const running = (s: SlaStage) => s === 'ok' || s === 'warned';
  const next = { ...c, sla_paused_at: null };
  if (running(c.frt_stage) && c.frt_due_at && c.frt_warn_at) {
    const p = resumeClock(paused, now, { dueAt: c.frt_due_at, warnAt: c.frt_warn_at }, cfg.calendar);
    next.frt_due_at = p.dueAt;
    next.frt_warn_at = p.warnAt;
  }
  if (running(c.res_stage) && c.res_due_at && c.res_warn_at) {
    const p = resumeClock(paused, now, { dueAt: c.res_due_at, warnAt: c.res_warn_at }, cfg.calendar);
    next.res_due_at = p.dueAt;
    next.res_warn_at = p.warnAt;
  }
  return withNext(next);
}

/** The first agent response stops the first-response clock (a breach stays on record). */
export function firstResponseMet(c: SlaColumns): SlaColumns {
  return withNext({ ...c, frt_stage: c.frt_stage === 'breached' ? 'breached' : 'met' });
}

/** Resolution stops both clocks. */
export function resolutionMet(c: SlaColumns): SlaColumns {
  return withNext({
    ...c,
    frt_stage: c.frt_stage === 'breached' ? 'breached' : 'met',
    res_stage: c.res_stage === 'breached' ? 'breached' : 'met',
    sla_paused_at: null,
  });
}

/** Reopened: a fresh resolution clock with the full target from now. */
export function restartResolution(c: SlaColumns, now: Date, tier: string | null, priority: Priority, cfg: ServiceConfig): SlaColumns {
  const t = slaTargets(cfg.policies, tier, priority);
  const res = planClock(now, t.resolutionMs, t.resolutionMs, cfg.calendar);
  return withNext({ ...c, res_due_at: res.dueAt, res_warn_at: res.warnAt, res_stage: 'ok', sla_paused_at: null });
}

/** After the sweep acted on a clock. */
export function withStages(c: SlaColumns, frt: SlaStage, res: SlaStage): SlaColumns {
  return withNext({ ...c, frt_stage: frt, res_stage: res });
}

export function slaColumnsOf(row: SlaColumns): SlaColumns {
  return {
    frt_due_at: row.frt_due_at,
    frt_warn_at: row.frt_warn_at,
    frt_stage: row.frt_stage,
    res_due_at: row.res_due_at,
    res_warn_at: row.res_warn_at,
    res_stage: row.res_stage,
    sla_paused_at: row.sla_paused_at,
    sla_next_at: row.sla_next_at,
  };
}
