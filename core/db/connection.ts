import path from 'node:path';
import fs from 'node:fs';
import { Sequelize, Transaction, QueryTypes, type Options } from 'sequelize';
import { AppError } from '../errors';
import { withRetries } from './retry';
import type { Dialect } from './types';

export type { Dialect } from './types';

export interface Db {
  readonly sequelize: Sequelize;
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a write transaction. Joins `parent` when given, so operations compose.
   * On SQLite writers are serialised in-process and begin IMMEDIATE (a deferred read that
   * upgrades to write fails with SQLITE_BUSY at once); on MySQL deadlocks are retried.
   */
  tx<T>(fn: (t: Transaction) => Promise<T>, parent?: Transaction | null): Promise<T>;
  /** Raw SELECT returning plain rows; `replacements` are named (:name) parameters. */
  select<R extends object>(sql: string, replacements?: Record<string, unknown>, t?: Transaction | null): Promise<R[]>;
  /**
   * MySQL only: several SELECTs (positional `?` parameters) in ONE round trip, on a small pool of its own whose
   * connections accept multi-statement packets (no other statement ever runs on them). Answers each statement's rows,
   * typed exactly as `select` types them. Rejects when any statement fails (the server stops at that statement).
   */
  selectBatch?(queries: { sql: string; values: unknown[] }[]): Promise<unknown[][]>;
  /** `SELECT 1` with a timeout; throws when the database cannot be reached. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  logging?: false | ((sql: string) => void);
  /** Maximum pool size for MySQL. */
  poolMax?: number;
}

const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** Parses `sqlite:path`, `sqlite://path`, `sqlite::memory:` into a storage path. */
export function sqliteStorage(url: string): string {
  const rest = url.replace(/^sqlite:(\/\/)?/, '');
  if (rest === ':memory:' || rest === '') return ':memory:';
  return path.resolve(rest);
}

export function dialectOf(url: string): Dialect {
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) return 'mysql';
  if (url.startsWith('sqlite:')) return 'sqlite';
  throw new Error(`Unsupported database URL scheme: ${url.split(':')[0]}`);
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const dialect = dialectOf(url);
  const common: Options = {
    logging: options.logging ?? false,
    define: { underscored: true, timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' },
  };
  let sequelize: Sequelize;
  let batch: BatchPool | undefined;
  if (dialect === 'mysql') {
    const mysqlOptions = (pool: Options['pool'], extra: Record<string, unknown> = {}): Options => ({
      ...common,
      dialect: 'mysql',
      timezone: '+00:00',
      pool,
      dialectOptions: { connectTimeout: 5_000, dateStrings: false, supportBigNumbers: true, ...extra },
      retry: { max: 0 },
      // READ COMMITTED once per connection, not per transaction: Sequelize would otherwise send
      // SET SESSION TRANSACTION ISOLATION LEVEL before every START TRANSACTION (one more round trip each).
      hooks: {
        afterConnect: (connection: unknown) =>
          new Promise<void>((resolve, reject) =>
            (connection as { query(sql: string, cb: (e: Error | null) => void): void }).query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (e) => (e ? reject(e) : resolve())),
          ),
      },
    });
    const mysqlUrl = url.replace(/^mariadb:/, 'mysql:');
    sequelize = new Sequelize(mysqlUrl, mysqlOptions({ max: options.poolMax ?? 20, min: 0, idle: 10_000, acquire: 10_000 }));
    rawTransactionControl(sequelize);
    // The batch pool: same connection settings (type casting, time zone, isolation), multi-statement packets on,
    // opened on first use. Kept apart so that nowhere else could a stray `;` in a statement run a second one.
    let opened: Sequelize | undefined;
    batch = {
      get: () => (opened ??= new Sequelize(mysqlUrl, mysqlOptions({ max: 10, min: 0, idle: 10_000, acquire: 10_000 }, { multipleStatements: true }))),
      close: async () => opened?.close(),
    };
  } else {
    const storage = sqliteStorage(url);
    if (storage !== ':memory:') fs.mkdirSync(path.dirname(storage), { recursive: true });
    sequelize = new Sequelize({ ...common, dialect: 'sqlite', storage, retry: { max: 0 } });
    configureSqliteConnections(sequelize);
  }
  return makeDb(sequelize, dialect, batch);
}

/** MySQL: the multi-statement read pool behind `Db.selectBatch`, opened on first use. */
interface BatchPool {
  get(): Sequelize;
  close(): Promise<void>;
}

/** A mysql2 connection as Sequelize's MySQL pool hands it out (also a transaction's `connection`). */
export type RawConnection = {
  query(opts: { sql: string; values: unknown[]; typeCast?: TypeCast }, cb: (err: Error | null, result: unknown) => void): void;
  config?: { typeCast?: unknown };
};
type TypeCast = (field: { type: string }, next: () => unknown) => unknown;
type ConnectionManager = { getConnection(opts: { type: 'read' | 'write' }): Promise<RawConnection>; releaseConnection(c: RawConnection): Promise<void> | void };

/** One packet (`?` placeholders) on a connection of `sequelize`'s MySQL pool, outside any transaction: the driver's raw result. */
export async function pooledQuery(sequelize: Sequelize, q: { sql: string; values: unknown[] }): Promise<unknown> {
  const cm = (sequelize as unknown as { connectionManager: ConnectionManager }).connectionManager;
  const conn = await cm.getConnection({ type: 'read' });
  try {
    return await sendOn(conn, q);
  } finally {
    await cm.releaseConnection(conn);
  }
}

/**
 * One statement on a raw mysql2 connection of Sequelize's (pooled, or a transaction's): the driver's raw result,
 * rows cast exactly as Sequelize casts them, but cheaper. Sequelize's cast parses every DATETIME through a
 * moment-timezone zone lookup and the Date string constructor; mysql2's own parse reads the digits straight off
 * the packet in the connection's time zone (+00:00, set by Sequelize): the same Date for a fraction of the CPU (a
 * 360 view carries ~30 of them, the recycle job's scans ~190,000). Every other type keeps Sequelize's cast.
 */
export function sendOn(conn: RawConnection, q: { sql: string; values: unknown[] }): Promise<unknown> {
  const typeCast = castFor(conn);
  return new Promise<unknown>((resolve, reject) => conn.query(typeCast ? { ...q, typeCast } : q, (err, result) => (err ? reject(err) : resolve(result))));
}

const casts = new WeakMap<TypeCast, TypeCast>();
function castFor(conn: RawConnection): TypeCast | undefined {
  const sequelizeCast = conn.config?.typeCast;
  if (typeof sequelizeCast !== 'function') return undefined;
  let cast = casts.get(sequelizeCast as TypeCast);
  if (!cast) {
    const base = sequelizeCast as TypeCast;
    cast = (field, next) => (field.type === 'DATETIME' ? next() : base(field, next));
    casts.set(base, cast);
  }
  return cast;
}

/** One packet holding every statement, on a connection of the batch pool; one result set per statement. */
async function sendBatch(pool: BatchPool, queries: { sql: string; values: unknown[] }[]): Promise<unknown[][]> {
  if (!queries.length) return [];
  const result = await pooledQuery(pool.get(), { sql: queries.map((q) => q.sql).join(';\n'), values: queries.flatMap((q) => q.values) });
  // mysql2 answers one statement with its rows, several with an array of result sets: one per statement, or the
  // packet did not split as intended (a statement with its own `;`), which must never hand rows to the wrong caller.
  const sets = (queries.length === 1 ? [result] : result) as unknown[][];
  if (!Array.isArray(sets) || sets.length !== queries.length || !sets.every(Array.isArray)) throw new Error(`selectBatch: ${queries.length} statements answered ${Array.isArray(sets) ? sets.length : 0} result sets`);
  return sets;
}

/**
 * START TRANSACTION / COMMIT / ROLLBACK straight on the transaction's own mysql2 connection: the same statements
 * Sequelize sends, without its per-query work (two of the eight round trips of a pool claim). Savepoints (nested
 * Sequelize transactions, which db.tx never opens) and CRM_FAST_READS=off keep Sequelize's own path.
 */
function rawTransactionControl(sequelize: Sequelize): void {
  type Tx = { parent?: unknown; connection?: { query(sql: string, cb: (e: Error | null) => void): void }; finished?: string };
  type Control = (t: Tx, options?: unknown) => Promise<unknown>;
  const qi = sequelize.getQueryInterface() as unknown as Record<'startTransaction' | 'commitTransaction' | 'rollbackTransaction', Control>;
  const send = (t: Tx, sql: string) => new Promise<void>((resolve, reject) => t.connection!.query(sql, (e) => (e ? reject(e) : resolve())));
  const direct = (t: Tx) => !t.parent && !!t.connection && process.env.CRM_FAST_READS !== 'off';
  const wrap = (name: 'startTransaction' | 'commitTransaction' | 'rollbackTransaction', sql: string, finished?: string): void => {
    const original = qi[name].bind(qi);
    qi[name] = async (t, options) => {
      if (!direct(t)) return original(t, options);
      const sent = send(t, sql);
      if (finished) t.finished = finished; // as Sequelize does, before the answer arrives
      return sent;
    };
  };
  wrap('startTransaction', 'START TRANSACTION');
  wrap('commitTransaction', 'COMMIT', 'commit');
  wrap('rollbackTransaction', 'ROLLBACK', 'rollback');
}

/**
 * Sequelize opens a new sqlite3 handle per transaction and never sets a busy timeout.
 * Wrap its connection manager so every handle gets one, and the file runs in WAL mode
 * (readers never block the single writer).
 */
function configureSqliteConnections(sequelize: Sequelize): void {
  type SqliteHandle = { configure(opt: 'busyTimeout', ms: number): void; exec(sql: string, cb: (e: Error | null) => void): void };
  const manager = (sequelize as unknown as { connectionManager: { getConnection(o: unknown): Promise<SqliteHandle> } }).connectionManager;
  const original = manager.getConnection.bind(manager);
  const configured = new WeakSet<object>();
  manager.getConnection = async (opts: unknown) => {
    const conn = await original(opts);
    if (!configured.has(conn)) {
      configured.add(conn);
      conn.configure('busyTimeout', SQLITE_BUSY_TIMEOUT_MS);
      await new Promise<void>((resolve, reject) =>
        conn.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;', (e) => (e ? reject(e) : resolve())),
      );
    }
    return conn;
  };
}

function makeDb(sequelize: Sequelize, dialect: Dialect, batch?: BatchPool): Db {
  // SQLite has one writer; queueing writers here avoids BUSY storms and keeps ordering fair.
  let writeQueue: Promise<unknown> = Promise.resolve();
  const serialise = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = writeQueue.then(fn, fn);
    writeQueue = run.catch(() => undefined);
    return run;
  };

  const begin = <T>(fn: (t: Transaction) => Promise<T>): Promise<T> =>
    dialect === 'sqlite'
      ? sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, fn)
      : sequelize.transaction(fn); // READ COMMITTED: set on every connection when it opens (createDb)

  const db: Db = {
    sequelize,
    dialect,
    async tx(fn, parent) {
      if (parent) return fn(parent);
      return withRetries(dialect, () => (dialect === 'sqlite' ? serialise(() => begin(fn)) : begin(fn)));
    },
    async select<R extends object>(sql: string, replacements?: Record<string, unknown>, t?: Transaction | null) {
      return sequelize.query<R>(sql, { type: QueryTypes.SELECT, replacements, transaction: t ?? undefined });
    },
    ...(batch ? { selectBatch: (queries: { sql: string; values: unknown[] }[]) => sendBatch(batch, queries) } : {}),
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AppError('UNAVAILABLE')), timeoutMs);
      });
      try {
        await Promise.race([sequelize.query('SELECT 1', { type: QueryTypes.SELECT }), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.all([sequelize.close(), batch?.close()]);
    },
  };
  return db;
}

/** Dates come back as Date (mysql2) or as strings (sqlite); normalise for DTOs. */
export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  const d = new Date(String(v).replace(' +00:00', 'Z').replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** JSON columns come back parsed (mysql2) or as text (sqlite, raw queries); normalise, with a fallback for bad text. */
export function parseJson<T>(v: unknown, fallback: T): T {
  if (v === null || v === undefined || v === '') return fallback;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as T;
    } catch {
      return fallback;
    }
  }
  return v as T;
}

/** A JSON column holding a list of strings (skills, tags); anything else is an empty list. */
export function jsonStrings(v: unknown): string[] {
  const p = parseJson<unknown>(v, []);
  return Array.isArray(p) ? p.map(String) : [];
}

/** True when a Sequelize error is a unique-constraint violation. */
export function isUniqueViolation(e: unknown): boolean {
  return (e as { name?: string })?.name === 'SequelizeUniqueConstraintError';
}
