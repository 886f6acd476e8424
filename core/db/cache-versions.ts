import { QueryTypes, type Transaction } from 'sequelize';
import type { Db } from './connection';
import { isUniqueViolation } from './connection';

/**
 * Per-process caches of rarely changed data (approval policy, pool rules, pipelines), invalidated across processes
 * through `cache_versions` (name, version):
 * - a writer calls `bumpCacheVersion(db, t, name)` in the transaction that changes the data, so the new version
 *   and the new data commit together (a reader never sees the new version with the old data);
 * - a reader keeps the value with the version it was loaded under, and re-reads the versions table (ONE query for
 *   every cache of the process) at most every CHECK_MS; a changed version reloads the value.
 * So another process sees a change within CHECK_MS plus one load (< 1 s); the writing process at once.
 */
export const CACHE_CHECK_MS = 300;

interface Versions {
  at: number;
  map: Map<string, number>;
  pending: Promise<Map<string, number>> | null;
}

const versionsByDb = new WeakMap<object, Versions>();

/**
 * Every cache's version, read at most once per CACHE_CHECK_MS per database handle (concurrent callers share the
 * read). Inside a transaction the read runs on the transaction's connection: a caller holding one must never wait
 * for a second one from the pool (50 concurrent claims would exhaust it).
 */
async function currentVersions(db: Db, t?: Transaction | null): Promise<Map<string, number>> {
  let v = versionsByDb.get(db.sequelize);
  if (!v) versionsByDb.set(db.sequelize, (v = { at: 0, map: new Map(), pending: null }));
  const state = v;
  if (Date.now() - state.at < CACHE_CHECK_MS) return state.map;
  if (t) {
    const rows = await db.select<{ name: string; version: number | string }>('SELECT name, version FROM cache_versions', {}, t);
    return new Map(rows.map((r) => [r.name, Number(r.version)]));
  }
  state.pending ??= db
    .select<{ name: string; version: number | string }>('SELECT name, version FROM cache_versions')
    .then((rows) => {
      state.map = new Map(rows.map((r) => [r.name, Number(r.version)]));
      state.at = Date.now();
      return state.map;
    })
    .finally(() => {
      state.pending = null;
    });
  return state.pending;
}

/** `name`'s current version as this process last read it (re-read at most every CACHE_CHECK_MS). */
export async function cacheVersion(db: Db, name: string): Promise<number> {
  return (await currentVersions(db)).get(name) ?? 0;
}

/** Bumps `name`'s version inside the writer's transaction (creates the row on first use). */
export async function bumpCacheVersion(db: Db, t: Transaction, name: string): Promise<void> {
  const [, changed] = await db.sequelize.query('UPDATE cache_versions SET version = version + 1 WHERE name = :name', { replacements: { name }, transaction: t, type: QueryTypes.UPDATE });
  if (Number(changed) > 0) return;
  try {
    await db.sequelize.query('INSERT INTO cache_versions (name, version) VALUES (:name, 1)', { replacements: { name }, transaction: t, type: QueryTypes.INSERT });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    await db.sequelize.query('UPDATE cache_versions SET version = version + 1 WHERE name = :name', { replacements: { name }, transaction: t, type: QueryTypes.UPDATE });
  }
}

/**
 * A cache of one value per key (per database handle), valid while `name`'s version is unchanged.
 * `get(db, key, load)` answers the cached value, or loads it; `forget(db)` drops this process's copy at once (the
 * writer's process, after its commit).
 */
export interface VersionedCache<T> {
  /** `t`: the caller's transaction, if any (the version check then runs on it; `load` should use it too). */
  get(db: Db, key: string, load: () => Promise<T>, t?: Transaction | null): Promise<T>;
  forget(db: Db): void;
}

export function versionedCache<T>(name: string): VersionedCache<T> {
  const entries = new WeakMap<object, Map<string, { version: number; value: T }>>();
  return {
    async get(db, key, load, t) {
      const versions = await currentVersions(db, t);
      const version = versions.get(name) ?? 0;
      let m = entries.get(db.sequelize);
      if (!m) entries.set(db.sequelize, (m = new Map()));
      const hit = m.get(key);
      if (hit && hit.version === version) return hit.value;
      const value = await load();
      // Loaded after reading `version`: at worst newer than it, and the next version check reloads it again.
      m.set(key, { version, value });
      return value;
    },
    forget(db) {
      entries.delete(db.sequelize);
      // The writer's own next read must see its change: make the next get re-read the versions.
      const v = versionsByDb.get(db.sequelize);
      if (v) v.at = 0;
    },
  };
}
