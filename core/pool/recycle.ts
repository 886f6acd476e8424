import { QueryTypes, type Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import type { RecycleExclusionKind } from '../registry';
import { toDate } from '../db/connection';
import { acquireLease, releaseLease } from '../db/lease';
import { randomUUID } from 'node:crypto';
import { withFastReads } from '../db/fast-read';
import { txExec, txSelect, txUpdate } from '../shared/txsql';
import type { OutboundMessage } from '../notifications/outbox';
import { businessDay, listPools, type PoolDto } from './operations';
import { recycleDecision, scanBounds, type PoolRules } from './rules';
import { adjustHeld } from '../customers/held';

/**
 * The daily recycle job (公海回收): customers whose owner neglected them go back to the pool; owners of
 * customers about to go are warned first. Set-based: candidates come from index range scans in batches,
 * each batch is decided by the pure rules and recycled in ONE short transaction (a few statements), so no
 * lock is held long. Runs under a lease: started from two processes at once, one does the work.
 */

/*
 * Customers that must not be recycled: contexts register how to tell "this customer is busy" from their own tables
 * on ctx.registry (r.recycleExclusion('contracts.live', 'contract', (ctx, ids) => …one indexed query…)).
 * Opportunity/contract exclusions apply only when the customer's pool rules ask for them (default: yes); open
 * opportunities register theirs in core/opportunities/index.ts, live contracts in core/contracts/index.ts.
 */

async function excludedIds(ctx: CoreContext, ids: number[], t?: Transaction | null): Promise<Map<RecycleExclusionKind, Set<number>>> {
  const out = new Map<RecycleExclusionKind, Set<number>>([['opportunity', new Set()], ['contract', new Set()], ['other', new Set()]]);
  if (!ids.length) return out;
  const exclusions = [...ctx.registry.recycleExclusions.values()];
  const jobs: Promise<void>[] = exclusions.map(async (e) => {
    for (const id of await e.fn(ctx, ids, t)) out.get(e.kind)!.add(Number(id));
  });
  await Promise.all(jobs);
  return out;
}

interface HeldRow {
  id: number;
  name: string;
  owner_id: number;
  pool_id: number | null;
  tier: string | null;
  last_followup_at: unknown;
  claimed_at: unknown;
  last_won_at: unknown;
}
const HELD_COLS = 'id, name, owner_id, pool_id, tier, last_followup_at, claimed_at, last_won_at';
// What the scans read: no name, so pass 1 is an index-only range read of customers_followup_scan_idx
// (last_followup_at, owner_id, id, status, pool_id, tier, claimed_at, last_won_at), no row lookups. Names are
// read afterwards only for the customers a warning lists (≤ 20 per owner); recycled rows are re-read under lock.
const SCAN_COLS = 'id, owner_id, pool_id, tier, last_followup_at, claimed_at, last_won_at';
type ScanRow = Omit<HeldRow, 'name'>;

export interface RecycleResult {
  skipped: boolean;
  scanned: number;
  recycled: number;
  warned: number;
  excluded: number;
  batches: number;
}

const DAY = 86_400_000;
/** Customers per recycle transaction: small enough that many run at once and no lock is held long. */
const CHUNK = 500;

export interface RecycleOptions {
  batchSize?: number;
  /** Recycle transactions in flight at once (default: 8 on MySQL, 1 on SQLite's single writer). */
  concurrency?: number;
  /** Customers per recycle transaction (default 500). */
  chunkSize?: number;
  /** Lease holder name (defaults to pid + random). */
  holder?: string;
}

export async function runRecycle(ctx: CoreContext, opts: RecycleOptions = {}): Promise<RecycleResult> {
  const holder = opts.holder ?? `recycle-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const LEASE = 'pool.recycle';
  const leaseMs = 5 * 60_000;
  const result: RecycleResult = { skipped: false, scanned: 0, recycled: 0, warned: 0, excluded: 0, batches: 0 };
  if (!(await acquireLease(ctx.db, LEASE, holder, leaseMs, new Date()))) return { ...result, skipped: true };
  let drain: () => Promise<unknown> = async () => undefined; // recycle transactions still running
  try {
    const now = ctx.clock.now();
    const pools = await listPools(ctx);
    const byId = new Map<number, PoolDto>(pools.map((p) => [p.id, p]));
    const def = pools.find((p) => p.isDefault) ?? pools[0];
    const rulesOf = (poolId: number | null): PoolRules => (poolId !== null && byId.get(Number(poolId))?.rules) || def.rules;
    const bounds = scanBounds(pools.map((p) => p.rules));
    const size = opts.batchSize ?? 5000;
    const warnings = new Map<number, Map<number, { id: number; name: string; dueMs: number; reason: string }>>();
    const seen = new Set<number>();
    // The scans read tens of thousands of index entries: straight through mysql2 (same SQL), not Sequelize.
    const fast = withFastReads(ctx);
    const due: number[] = []; // decided from the index-only scans, not yet handed to a lane (re-checked under lock)
    const handle = async (rows: ScanRow[]) => {
      result.batches++;
      result.scanned += rows.length;
      await acquireLease(ctx.db, LEASE, holder, leaseMs, new Date()); // renew
      const fresh = rows.filter((r) => !seen.has(Number(r.id)));
      fresh.forEach((r) => seen.add(Number(r.id)));
      const decided = fresh
        .map((r) => ({ r, d: recycleDecision({ tier: r.tier, lastFollowupAt: toDate(r.last_followup_at), claimedAt: toDate(r.claimed_at), lastWonAt: toDate(r.last_won_at) }, rulesOf(r.pool_id), now) }))
        .filter((x) => x.d.action !== 'keep');
      if (!decided.length) return;
      const ex = await excludedIds(ctx, decided.map((x) => Number(x.r.id)));
      const isExcluded = (r: ScanRow) => {
        const rules = rulesOf(r.pool_id);
        const id = Number(r.id);
        return ex.get('other')!.has(id) || (rules.excludeOpenOpportunity && ex.get('opportunity')!.has(id)) || (rules.excludeActiveContract && ex.get('contract')!.has(id));
      };
      const live = decided.filter((x) => {
        if (isExcluded(x.r)) {
          result.excluded++;
          return false;
        }
        return true;
      });
      for (const x of live.filter((y) => y.d.action === 'warn')) {
        const owner = Number(x.r.owner_id);
        if (!warnings.has(owner)) warnings.set(owner, new Map());
        warnings.get(owner)!.set(Number(x.r.id), { id: Number(x.r.id), name: '', dueMs: x.d.dueAt!.getTime(), reason: x.d.reason! });
      }
      for (const x of live) if (x.d.action === 'recycle') due.push(Number(x.r.id));
    };

    // Recycling costs MariaDB CPU and page reads (each recycled row's page, its owner-keyed index entries) while
    // the scans cost this process's CPU: chunks of ≤ chunkSize customers go to `limit` lanes (one short
    // transaction each, on their own connections; SQLite has one writer: one lane) as soon as the scans have
    // decided them, so the two overlap. 8 lanes: where a random page read is slow (0.5 ms on network block
    // storage, seen on these machines) 8 reads in flight beat 4 (3.8 s → 2.9 s over 1M customers); where reads
    // are fast 8 were no slower. 8 of the pool's 20 connections for a few seconds a day.
    const limit = Math.max(1, opts.concurrency ?? (ctx.db.dialect === 'mysql' ? 8 : 1));
    const chunkSize = Math.max(1, opts.chunkSize ?? CHUNK);
    const queue = new ChunkQueue();
    const recycled = new Map<number, { id: number; name: string }[]>(); // former owner → customers (notice at the end)
    let laneError: unknown = null;
    let lastRenew = Date.now();
    const lane = async () => {
      for (let ids = await queue.take(); ids; ids = await queue.take()) {
        if (Date.now() - lastRenew > leaseMs / 5) {
          lastRenew = Date.now();
          await acquireLease(ctx.db, LEASE, holder, leaseMs, new Date());
        }
        let done: Awaited<ReturnType<typeof recycleBatch>>;
        try {
          done = await recycleBatch(ctx, ids.sort((x, y) => x - y), rulesOf, now);
        } catch (e) {
          laneError ??= e;
          queue.close(true); // the other lanes stop after their current chunk, the scans at their next page
          throw e;
        }
        for (const r of done) {
          result.recycled++;
          if (!recycled.has(r.owner)) recycled.set(r.owner, []);
          recycled.get(r.owner)!.push({ id: r.id, name: r.name });
        }
      }
    };
    const lanes = Array.from({ length: limit }, () => lane());
    // A lane can fail while the scans still run, long before anything awaits it: its error is laneError (thrown
    // by the scans' next page and after the lanes), never an unhandled rejection that would end the process.
    for (const l of lanes) l.catch(() => undefined);
    drain = () => Promise.allSettled(lanes);
    const dispatch = (all: boolean) => {
      while (due.length >= chunkSize || (all && due.length)) queue.push(due.splice(0, chunkSize));
    };
    const handleAndDispatch = async (rows: ScanRow[]) => {
      if (laneError) throw laneError;
      await handle(rows);
      dispatch(false);
    };
    /** One pass: `page(last)` is the SELECT (and its parameters) for the page after row `last`. */
    const pass = (page: (last: ScanRow | null) => [string, Record<string, unknown>]) =>
      scanPages<ScanRow>((last) => fast.db.select<ScanRow>(...page(last)), size, handleAndDispatch);

    try {
      // Pass 1: stale follow-ups, by the (last_followup_at, owner_id) index, in keyset order.
      if (bounds.minFollowupDays !== null) {
        const cutoff = new Date(now.getTime() - (bounds.minFollowupDays - bounds.maxWarnDays) * DAY);
        // ORDER BY must be the index order (last_followup_at, owner_id, then the implicit primary key) so each
        // batch is a plain index range read stopping after :lim rows; `ORDER BY last_followup_at, id` skipped
        // owner_id and made MySQL filesort the whole remaining range on every batch (2.3 s per batch at 1M rows).
        await pass((last) => [
          `SELECT ${SCAN_COLS} FROM customers WHERE last_followup_at < :cutoff AND owner_id IS NOT NULL AND status = 'active'
           ${last ? 'AND last_followup_at >= :sat AND (last_followup_at > :sat OR (last_followup_at = :sat AND (owner_id > :sow OR (owner_id = :sow AND id > :sid))))' : ''}
           ORDER BY last_followup_at, owner_id, id LIMIT :lim`,
          { cutoff, lim: size, sat: last && toDate(last.last_followup_at), sow: last && Number(last.owner_id), sid: last && Number(last.id) },
        ]);
        // Pass 2: never followed up — the claim time is the clock ((claimed_at, owner_id) index).
        await pass((last) => [
          `SELECT ${SCAN_COLS} FROM customers WHERE claimed_at < :cutoff AND owner_id IS NOT NULL AND last_followup_at IS NULL AND status = 'active' AND id > :after ORDER BY id LIMIT :lim`,
          { cutoff, after: last ? Number(last.id) : 0, lim: size },
        ]);
      }
      // Pass 3: "no won deal within M days of the claim", only when some pool has such a rule.
      if (bounds.minWonDealDays !== null) {
        const cutoff = new Date(now.getTime() - (bounds.minWonDealDays - bounds.maxWarnDays) * DAY);
        await pass((last) => [
          `SELECT ${SCAN_COLS} FROM customers WHERE claimed_at < :cutoff AND owner_id IS NOT NULL AND status = 'active'
           AND (last_won_at IS NULL OR last_won_at < claimed_at)
           ${last ? 'AND (claimed_at > :sat OR (claimed_at = :sat AND id > :sid))' : ''} ORDER BY claimed_at, id LIMIT :lim`,
          { cutoff, lim: size, sat: last && toDate(last.claimed_at), sid: last && Number(last.id) },
        ]);
      }
      dispatch(true);
    } finally {
      queue.close(); // no more chunks: the lanes finish what is queued (or stop, after a failure)
    }

    const warned = [...warnings.entries()].map(([owner, m]) => ({ owner, list: [...m.values()].sort((x, y) => x.dueMs - y.dueMs || x.id - y.id) }));
    // The warnings' customer names are read while the lanes finish.
    const settled = await Promise.allSettled([fillNames(ctx, warned.flatMap((w) => w.list.slice(0, 20)), limit), ...lanes]);
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (laneError) throw laneError;
    if (failed) throw failed.reason;

    // One notice per former owner per run, listing what went (the run's pool_events are the durable record).
    const notices: OutboundMessage[] = [...recycled.entries()].map(([owner, list]) => ({
      to: { userId: owner },
      kind: 'pool.recycled',
      payload: { count: list.length, customers: list.sort((a, b) => a.id - b.id).slice(0, 20) },
      dedupeKey: `pool.recycled:${owner}:${now.getTime()}`,
    }));
    await enqueueInSlices(ctx, notices);

    // One warning per owner per business day (dedupeKey), listing what is about to go.
    if (warnings.size) {
      const day = businessDay(ctx, now);
      const msgs: OutboundMessage[] = warned.map(({ owner, list }) => ({
        to: { userId: owner },
        kind: 'pool.recycle_warning',
        payload: { count: list.length, customers: list.slice(0, 20).map(({ id, name, dueMs, reason }) => ({ id, name, dueAt: new Date(dueMs).toISOString(), reason })) },
        dedupeKey: `pool.warn:${owner}:${day}`,
      }));
      const added = await enqueueInSlices(ctx, msgs);
      result.warned += msgs.filter((m) => added.has(m.dedupeKey!)).reduce((n, m) => n + Number(m.payload.count), 0);
    }
    return result;
  } finally {
    await drain(); // never release the lease while a transaction of this run is open
    await releaseLease(ctx.db, LEASE, holder);
  }
}

/**
 * Keyset pages of a scan, each handed to `handle`; the next page is already requested while the current one is
 * handled, so the scan's round trips overlap the decisions. `fetch(last)` reads the page after row `last`.
 */
async function scanPages<R>(fetch: (last: R | null) => Promise<R[]>, size: number, handle: (rows: R[]) => Promise<void>): Promise<void> {
  let rows = await fetch(null);
  while (rows.length) {
    const next = rows.length < size ? null : fetch(rows[rows.length - 1]);
    next?.catch(() => undefined); // if `handle` throws, the prefetch's own failure is not the news
    await handle(rows);
    if (!next) return;
    rows = await next;
  }
}

/** Chunks of customer ids waiting for a recycle lane; `take` waits for the next one, or null once closed and empty. */
class ChunkQueue {
  private items: number[][] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  push(chunk: number[]): void {
    if (this.closed) return;
    this.items.push(chunk);
    this.waiters.shift()?.();
  }

  /** No more chunks; after a failure also drops the queued ones, so every lane stops after its current chunk. */
  close(drop = false): void {
    this.closed = true;
    if (drop) this.items = [];
    for (const w of this.waiters.splice(0)) w();
  }

  async take(): Promise<number[] | null> {
    for (;;) {
      const chunk = this.items.shift();
      if (chunk) return chunk;
      if (this.closed) return null;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

/** Names for the customers a warning lists: point reads by primary key, `parallel` chunks at once. */
async function fillNames(ctx: CoreContext, items: { id: number; name: string }[], parallel: number): Promise<void> {
  const chunks: (typeof items)[] = [];
  for (let i = 0; i < items.length; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));
  for (let i = 0; i < chunks.length; i += parallel) {
    await Promise.all(
      chunks.slice(i, i + parallel).map(async (chunk) => {
        const names = new Map((await ctx.db.select<{ id: number; name: string }>('SELECT id, name FROM customers WHERE id IN (:ids)', { ids: chunk.map((c) => c.id) })).map((r) => [Number(r.id), r.name]));
        for (const c of chunk) c.name = names.get(c.id) ?? '';
      }),
    );
  }
}

/**
 * Recycles one chunk in one short transaction; rows are re-checked under lock so a follow-up logged (or an
 * owner change made) meanwhile wins. Returns what was recycled, for the former owners' notice.
 */
async function recycleBatch(ctx: CoreContext, ids: number[], rulesOf: (poolId: number | null) => PoolRules, now: Date): Promise<{ id: number; owner: number; name: string }[]> {
  return ctx.db.tx(async (t) => {
    const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
    const rows = await txSelect<HeldRow>(ctx, `SELECT ${HELD_COLS} FROM customers WHERE id IN (:ids) AND owner_id IS NOT NULL AND status = 'active'${lock}`, { ids }, t);
    const due = rows.filter(
      (r) => recycleDecision({ tier: r.tier, lastFollowupAt: toDate(r.last_followup_at), claimedAt: toDate(r.claimed_at), lastWonAt: toDate(r.last_won_at) }, rulesOf(r.pool_id), now).action === 'recycle',
    );
    if (!due.length) return [];
    const dueIds = due.map((r) => Number(r.id));
    await txUpdate(ctx, 'UPDATE customers SET owner_id = NULL, released_at = :now, updated_at = :now WHERE id IN (:ids) AND owner_id IS NOT NULL', { ids: dueIds, now }, t);
    // Pool events and audit rows, one multi-row INSERT each with positional parameters (thousands of values).
    const events: unknown[] = [];
    const audits: unknown[] = [];
    for (const r of due) {
      events.push(r.pool_id, Number(r.id), Number(r.owner_id), now);
      audits.push(Number(r.id), JSON.stringify({ ownerId: Number(r.owner_id), poolId: r.pool_id }), now);
    }
    await txExec(ctx, `INSERT INTO pool_events (pool_id, customer_id, action, user_id, actor_id, created_at) VALUES ${due.map(() => "(?, ?, 'recycle', ?, NULL, ?)").join(', ')}`, events, t);
    await txExec(
      ctx,
      `INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, channel, data, created_at) VALUES ${due.map(() => "('system', NULL, 'pool.recycle', 'customer', ?, 'job', ?, ?)").join(', ')}`,
      audits,
      t,
    );
    // Last before COMMIT: concurrent lanes touch the same owners' rows, so their locks are held only briefly.
    await adjustHeld(ctx, t, due.map((r) => [Number(r.owner_id), -1]));
    return due.map((r) => ({ id: Number(r.id), owner: Number(r.owner_id), name: r.name }));
  });
}

/** Messages in slices of 500, each slice one transaction; returns the dedupe keys actually added. */
async function enqueueInSlices(ctx: CoreContext, messages: OutboundMessage[]): Promise<Set<string>> {
  const added = new Set<string>();
  for (let i = 0; i < messages.length; i += 500) {
    const slice = messages.slice(i, i + 500);
    for (const key of await ctx.db.tx((t) => enqueueBulk(ctx, t, slice))) added.add(key);
  }
  return added;
}

/**
 * Outbox rows for many recipients in one statement (same rows as core/notifications/outbox.ts enqueueMessages,
 * which writes one message per round trip — too slow for a job notifying hundreds of owners per batch).
 * Messages whose dedupeKey exists already are skipped; the job's lease keeps two runs from racing on a key.
 * Returns the dedupe keys actually added.
 */
async function enqueueBulk(ctx: CoreContext, t: Transaction, messages: OutboundMessage[]): Promise<Set<string>> {
  const added = new Set<string>();
  if (!messages.length) return added;
  const keys = messages.map((m) => m.dedupeKey!).filter(Boolean);
  const existing = new Set(
    keys.length ? (await ctx.db.select<{ dedupe_key: string }>('SELECT dedupe_key FROM outbox WHERE dedupe_key IN (:keys)', { keys }, t)).map((r) => r.dedupe_key) : [],
  );
  const fresh = messages.filter((m) => !m.dedupeKey || !existing.has(m.dedupeKey));
  if (!fresh.length) return added;
  const now = ctx.clock.now();
  const repl: Record<string, unknown> = { now };
  const values = fresh.map((m, i) => {
    const to = m.to as { userId: number };
    Object.assign(repl, { [`u${i}`]: randomUUID(), [`k${i}`]: m.dedupeKey ?? null, [`r${i}`]: String(to.userId), [`kind${i}`]: m.kind, [`p${i}`]: JSON.stringify(m.payload) });
    if (m.dedupeKey) added.add(m.dedupeKey);
    return `(:u${i}, :k${i}, 'send', NULL, 'user', :r${i}, :kind${i}, :p${i}, NULL, 'pending', 0, :now, :now)`;
  });
  await ctx.db.sequelize.query(
    `INSERT INTO outbox (uuid, dedupe_key, op, update_of, recipient_type, recipient, kind, payload, locale, status, attempts, next_attempt_at, created_at) VALUES ${values.join(', ')}`,
    { replacements: repl, transaction: t, type: QueryTypes.INSERT },
  );
  return added;
}
