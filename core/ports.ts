/**
 * What the core calls out through. Implementations live in server/ (real clock) and tests (fixed clock).
 * Messages to people are not a port: they are outbox rows written in the business transaction
 * (core/notifications), delivered later by the bot.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move. */
export class ManualClock implements Clock {
  constructor(private current: Date = new Date()) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(d: Date | string): void {
    this.current = new Date(d);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
