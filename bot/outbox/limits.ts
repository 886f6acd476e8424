/**
 * Lark's sending limits: 50/s per app, 5/s per user or chat, 5/s per patched message, counted per aligned
 * wall-clock second (how the platform counts its per-second QPS, and how the test fake enforces it).
 *
 * The counts live in a `BudgetStore`: in memory (one process: SQLite), in the database (several processes on one
 * MySQL: bot/outbox/budget-db.ts) or in Redis (REDIS_URL: bot/outbox/budget-redis.ts). A take asks for SEVERAL
 * tokens at once (the rows queued for that receiver, at most its per-second limit) and gets what fits, so the
 * store is hit about once per receiver per second, not once per message.
 *
 * A request may reach Lark later than it was counted (a slow event loop or network): so a grant taken in the last
 * `guardMs` of second x is counted in BOTH x and x+1 (a "straddling" grant, usable until x+1's own last `guardMs`),
 * and whichever second Lark counts it in, that second stays within the limit. A reply therefore never waits for the
 * next second when the budget has room (the sandbox's and the chat's latency), while a saturated second still sends at
 * most the limit. A 429's `x-ogw-ratelimit-reset` pauses this process's sending (`pause`).
 */
export interface SendLimitsOptions {
  appPerSecond?: number;
  receiverPerSecond?: number;
  guardMs?: number;
}

/** Where the per-second counts are kept. Each call is atomic across every process sharing the store. */
export interface BudgetStore {
  readonly kind: 'memory' | 'db' | 'redis';
  /**
   * Takes up to `want` tokens for `receiverKey` (and as many from the app bucket when `countApp`) in aligned
   * second `sec`: answers how many were granted (0 when full) and whether the app bucket was the one full.
   */
  take(receiverKey: string, sec: number, want: number, countApp: boolean, limits: { app: number; receiver: number }): Promise<{ n: number; appFull: boolean }>;
  /** Returns unused tokens of second `sec` (best effort: a lost give-back only wastes budget). */
  giveBack(receiverKey: string, sec: number, n: number, countApp: boolean): Promise<void>;
}

/** One process: counts in a Map (rows of past seconds are overwritten; bounded by the receivers of one second). */
export class MemoryBudgetStore implements BudgetStore {
  readonly kind = 'memory' as const;
  private readonly buckets = new Map<string, { sec: number; used: number }>();

  /** Used in `sec`; a bucket already moved on to a later second is full for `sec` (as the database store's row is). */
  private used(key: string, sec: number): number {
    const b = this.buckets.get(key);
    if (!b || b.sec < sec) return 0;
    return b.sec === sec ? b.used : Infinity;
  }

  async take(receiverKey: string, sec: number, want: number, countApp: boolean, limits: { app: number; receiver: number }): Promise<{ n: number; appFull: boolean }> {
    if (this.buckets.size > 10_000) for (const [k, b] of this.buckets) if (b.sec < sec) this.buckets.delete(k);
    const appLeft = countApp ? limits.app - this.used('app', sec) : Infinity;
    const n = Math.max(0, Math.min(want, limits.receiver - this.used(receiverKey, sec), appLeft));
    if (n > 0) {
      this.buckets.set(receiverKey, { sec, used: this.used(receiverKey, sec) + n });
      if (countApp) this.buckets.set('app', { sec, used: this.used('app', sec) + n });
    }
    return { n, appFull: appLeft <= 0 };
  }

  async giveBack(receiverKey: string, sec: number, n: number, countApp: boolean): Promise<void> {
    for (const key of countApp ? [receiverKey, 'app'] : [receiverKey]) {
      const b = this.buckets.get(key);
      if (b && b.sec === sec) b.used = Math.max(0, b.used - n);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The last 400 ms of a second are its guard: a request sent then may reach Lark in the next second (100 ms was not
 * enough on a loaded 2-core CI machine: 429s; 300 ms let a few through with three processes sharing the budget on a
 * 2-core machine at load 13), so what is granted then is counted in both seconds (a straddling grant).
 */
const GUARD_MS = 400;

/** Tokens granted for one receiver in one aligned second. */
export interface Grant {
  receiverKey: string;
  sec: number;
  left: number;
  countApp: boolean;
  /** Taken in the guard of `sec`: counted in `sec` and `sec + 1`, usable until the guard of `sec + 1`. */
  straddles?: boolean;
}

const shared = new Map<string, SendLimits>();

/**
 * The process-wide limiter over the in-memory store for these options: every worker of a process shares one
 * budget (one process per SQLite file, so that is everything).
 */
export function sharedSendLimits(o: SendLimitsOptions = {}): SendLimits {
  const key = `${o.appPerSecond ?? 50}/${o.receiverPerSecond ?? 5}/${o.guardMs ?? GUARD_MS}`;
  let l = shared.get(key);
  if (!l) {
    l = new SendLimits(new MemoryBudgetStore(), o);
    shared.set(key, l);
  }
  return l;
}

export class SendLimits {
  readonly app: number;
  readonly receiver: number;
  private readonly guardMs: number;
  private pausedUntil = 0;
  /** The app bucket was found full for this second: the process's other takers wait without asking the store. */
  private appFullSec = -1;
  /** Store round trips (takes and give-backs), for the bench. */
  storeCalls = 0;

  constructor(readonly store: BudgetStore, o: SendLimitsOptions = {}) {
    this.app = o.appPerSecond ?? 50;
    this.receiver = o.receiverPerSecond ?? 5;
    this.guardMs = o.guardMs ?? GUARD_MS;
  }

  pause(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  /** Whether a token of `g` may still be used now: not paused; its second (a straddling grant: or the next one) before the guard. */
  usable(g: Grant, now = Date.now()): boolean {
    if (g.left <= 0 || this.pausedUntil > now) return false;
    const sec = Math.floor(now / 1000);
    const beforeGuard = now % 1000 < 1000 - this.guardMs;
    return g.straddles ? sec === g.sec || (sec === g.sec + 1 && beforeGuard) : sec === g.sec && beforeGuard;
  }

  /**
   * Waits until at least one request to `receiverKey` fits both limits; grants up to `want` (at most the
   * receiver's per-second limit) in the current second. Null when `signal` stops the wait.
   */
  async take(receiverKey: string, want: number, opts: { countApp?: boolean; signal?: { stopped: boolean } } = {}): Promise<Grant | null> {
    const countApp = opts.countApp !== false;
    const n = Math.max(1, Math.min(want, this.receiver));
    for (;;) {
      if (opts.signal?.stopped) return null;
      let now = Date.now();
      if (this.pausedUntil > now) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      now = Date.now();
      const intoSecond = now % 1000;
      const sec = Math.floor(now / 1000);
      if (countApp && this.appFullSec === sec) {
        // Spread the next second's first takes over a few ms, so processes do not all hit the store at x.000.
        await sleep(1000 - intoSecond + Math.floor(Math.random() * 15));
        continue;
      }
      const limits = { app: this.app, receiver: this.receiver };
      this.storeCalls++;
      const r = await this.store.take(receiverKey, sec, n, countApp, limits);
      if (r.n > 0) {
        let left = r.n;
        const straddles = intoSecond >= 1000 - this.guardMs || Date.now() % 1000 >= 1000 - this.guardMs || Math.floor(Date.now() / 1000) !== sec;
        if (straddles) {
          // In the guard: the same tokens of the next second too (it may be the second Lark counts them in).
          this.storeCalls++;
          const next = await this.store.take(receiverKey, sec + 1, left, countApp, limits);
          if (next.n < left) {
            this.storeCalls++;
            await this.store.giveBack(receiverKey, sec, left - next.n, countApp);
          }
          left = next.n;
          if (next.appFull) this.appFullSec = Math.max(this.appFullSec, sec + 1);
        }
        const g: Grant = { receiverKey, sec, left, countApp, straddles };
        if (this.usable(g)) return g;
        await this.giveBack(g); // the store answered too late (past what the grant covers), or nothing fitted
        if (left === 0) await sleep(1000 - (Date.now() % 1000) + Math.floor(Math.random() * 15));
        continue;
      }
      if (r.appFull) this.appFullSec = Math.max(this.appFullSec, sec);
      await sleep(1000 - (Date.now() % 1000) + Math.floor(Math.random() * 15));
    }
  }

  /** Returns what is left of `g` when its second is not over (others may use it); drops it otherwise. */
  async giveBack(g: Grant): Promise<void> {
    const left = g.left;
    g.left = 0;
    if (left <= 0) return;
    const now = Math.floor(Date.now() / 1000);
    for (const sec of g.straddles ? [g.sec, g.sec + 1] : [g.sec]) {
      if (sec < now) continue; // a second that is over: nothing to give back to
      this.storeCalls++;
      if (g.countApp && this.appFullSec === sec) this.appFullSec = sec - 1;
      await this.store.giveBack(g.receiverKey, sec, left, g.countApp);
    }
  }

  /** One request to `receiverKey` (waits as `take`): true when it may be sent now. */
  async acquire(receiverKey: string, opts: { countApp?: boolean; signal?: { stopped: boolean } } = {}): Promise<boolean> {
    const g = await this.take(receiverKey, 1, opts);
    return g !== null;
  }

  /**
   * A receiver's permits: `next(want)` answers true when one more request may be sent now, taking a grant of up
   * to `want` from the store when the current one is used up or its second has passed; `close()` gives back the rest.
   */
  permits(receiverKey: string, opts: { countApp?: boolean; signal?: { stopped: boolean } } = {}): { next(want: number): Promise<boolean>; close(): Promise<void> } {
    let grant: Grant | null = null;
    return {
      next: async (want: number) => {
        if (grant && this.usable(grant)) {
          grant.left--;
          return true;
        }
        if (grant) await this.giveBack(grant);
        grant = await this.take(receiverKey, want, opts);
        if (!grant) return false;
        grant.left--;
        return true;
      },
      close: async () => {
        if (grant) await this.giveBack(grant).catch(() => undefined);
        grant = null;
      },
    };
  }
}
