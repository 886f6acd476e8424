import type { Db } from '../db/connection';
import { CustomerDictionary, type EntryKind, type Viewer } from './dictionary';

/**
 * Fills a CustomerDictionary from the database and keeps it current: one keyset scan per table ordered by
 * (updated_at, id), resumed from the dictionary's watermark, so the first call loads everything and each later call
 * reads only what changed since (indexes customers_updated_idx / leads_updated_idx, migration 2026.12.08T00.00.00).
 * Active customers and open leads (new, assigned) are matched; a merged/deleted customer or a converted/lost lead
 * leaves the dictionary. Per process: each process keeps its own copy (see DictionaryCache).
 */
interface Row {
  id: number | string;
  name: string | null;
  owner_id: number | string | null;
  team_id: number | string | null;
  alive: number | string;
  updated_at: string | Date;
}

const SQL: Record<EntryKind, string> = {
  customer: `SELECT c.id, c.name, c.owner_id, c.team_id, CASE WHEN c.status = 'active' THEN 1 ELSE 0 END AS alive, c.updated_at
    FROM customers c WHERE (c.updated_at > :at OR (c.updated_at = :at AND c.id > :id)) ORDER BY c.updated_at, c.id LIMIT :lim`,
  lead: `SELECT l.id, l.company AS name, l.owner_id, u.team_id, CASE WHEN l.status IN ('new', 'assigned') THEN 1 ELSE 0 END AS alive, l.updated_at
    FROM leads l LEFT JOIN users u ON u.id = l.owner_id WHERE (l.updated_at > :at OR (l.updated_at = :at AND l.id > :id)) ORDER BY l.updated_at, l.id LIMIT :lim`,
};

const OVERLAP_MS = 2000;
const toMs = (v: string | Date) => (v instanceof Date ? v.getTime() : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`).getTime());
const num = (v: number | string | null) => (v === null || v === undefined ? null : Number(v));

/** Reads every change since the watermark into `dict`; returns how many rows were read. */
export async function refreshDictionary(db: Db, dict: CustomerDictionary, batch = 5000): Promise<number> {
  let read = 0;
  for (const kind of ['customer', 'lead'] as const) {
    const base = dict.watermark[kind];
    // Re-read a short window before the watermark: a transaction that committed late with an earlier updated_at is
    // not missed (re-reading an unchanged row is a no-op).
    let cursor = base.at > 0 ? { at: base.at - OVERLAP_MS, id: 0 } : base;
    let high = base;
    for (;;) {
      const rows = await db.select<Row>(SQL[kind], { at: new Date(cursor.at), id: cursor.id, lim: batch });
      for (const r of rows) {
        dict.upsert({ id: Number(r.id), kind, name: r.name ?? '', ownerId: num(r.owner_id), teamId: num(r.team_id) }, Number(r.alive) === 1);
      }
      read += rows.length;
      if (rows.length) {
        const last = rows[rows.length - 1];
        cursor = { at: toMs(last.updated_at), id: Number(last.id) };
        if (cursor.at > high.at || (cursor.at === high.at && cursor.id > high.id)) high = cursor;
      }
      if (rows.length < batch) break;
    }
    dict.watermark[kind] = high;
  }
  dict.compact();
  return read;
}

/**
 * One dictionary per process, refreshed when asked for and older than `maxAgeMs` (the bot asks on each message; a
 * refresh reads only the changes). A caller waits at most `waitMs` for a refresh: the first, full load of a large
 * company (1M customers take ~20 s) goes on in the background while messages are read with what is loaded so far.
 * A failed refresh keeps the last good copy (and is retried on the next call).
 */
export class DictionaryCache {
  readonly dictionary = new CustomerDictionary();
  private refreshedAt = -Infinity;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly maxAgeMs = 5000,
    private readonly now: () => number = Date.now,
    private readonly waitMs = 1000,
  ) {}

  async current(): Promise<CustomerDictionary> {
    if (this.now() - this.refreshedAt >= this.maxAgeMs) {
      this.running ??= refreshDictionary(this.db, this.dictionary)
        .then(() => { this.refreshedAt = this.now(); })
        .finally(() => { this.running = null; });
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.waitMs); timer.unref?.(); });
      const run = this.running;
      try {
        await Promise.race([run, budget]);
      } finally {
        clearTimeout(timer);
      }
      // A failed refresh rejects here (callers log it and read without a dictionary), but only when it finished in time.
      run.catch(() => undefined);
    }
    return this.dictionary;
  }
}
/**
 * The viewer a message is read as: a user by id or Lark open_id, with a manager's teams (their team and the teams
 * below it). null when no such active user exists.
 */
export async function viewerOf(db: Db, ref: string): Promise<Viewer | null> {
  const byId = /^\d+$/.test(ref);
  const rows = await db.select<{ id: number | string; role: string; team_id: number | string | null }>(
    `SELECT id, role, team_id FROM users WHERE ${byId ? 'id = :ref' : 'lark_open_id = :ref'} LIMIT 1`,
    { ref: byId ? Number(ref) : ref },
  );
  const u = rows[0];
  if (!u) return null;
  let teamIds: number[] = [];
  if (u.team_id !== null && u.team_id !== undefined) {
    const teams = await db.select<{ id: number | string }>(
      'WITH RECURSIVE sub(id) AS (SELECT id FROM teams WHERE id = :t UNION SELECT t.id FROM teams t JOIN sub ON t.parent_id = sub.id) SELECT id FROM sub LIMIT 5000',
      { t: Number(u.team_id) },
    );
    teamIds = teams.map((t) => Number(t.id));
  }
  return { userId: Number(u.id), role: u.role, teamIds };
}
