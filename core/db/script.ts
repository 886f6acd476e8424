import { createPool, type Pool, type PoolConnection } from 'mysql2';
import type { Sequelize } from 'sequelize';
import { toPositional } from './fast-read';
import { isRetryable, MAX_TX_ATTEMPTS } from './retry';

/**
 * A short write transaction sent to MySQL as ONE multi-statement packet ("START TRANSACTION; …; COMMIT"):
 * one round trip instead of one per statement. For hot paths whose every decision can be made in SQL, a
 * statement's ROW_COUNT() carried to the next in a session variable (the pool claim: core/pool/claim-script.ts).
 *
 * It runs on a pool of its own with mysql2's `multipleStatements` on, so the main pool never accepts stacked
 * statements. Values are always bound (mysql2 escapes them), never concatenated. Its connections are set up like
 * the main pool's: UTC, READ COMMITTED. A deadlock or lock-wait timeout (InnoDB then rolled the transaction back)
 * is retried like db.tx does; any other failure is rolled back on the connection before it goes back to the pool.
 *
 * Returns one result per statement, as mysql2 gives them (rows for a SELECT, an OkPacket otherwise).
 */
export type ScriptStatement = readonly [sql: string, replacements?: Record<string, unknown>];

const pools = new WeakMap<Sequelize, Pool>();

function poolFor(sequelize: Sequelize): Pool {
  let pool = pools.get(sequelize);
  if (pool) return pool;
  const c = sequelize.config as { host?: string; port?: number | string; username?: string; password?: string | null; database?: string; pool?: { max?: number } };
  pool = createPool({
    host: c.host,
    port: c.port ? Number(c.port) : undefined,
    user: c.username,
    password: c.password ?? undefined,
    database: c.database,
    multipleStatements: true,
    timezone: '+00:00',
    supportBigNumbers: true,
    dateStrings: false,
    connectTimeout: 5_000,
    // Idle connections are kept (mysql2's default maxIdle = connectionLimit, and then no idle timer runs): a burst
    // after a quiet spell does not pay for reconnecting. The server's wait_timeout still ends forgotten ones.
    connectionLimit: c.pool?.max ?? 20,
  });
  pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  });
  pools.set(sequelize, pool);
  return pool;
}

const connect = (pool: Pool) => new Promise<PoolConnection>((resolve, reject) => pool.getConnection((e, conn) => (e ? reject(e) : resolve(conn))));
const send = (conn: PoolConnection, sql: string, values: unknown[]) =>
  new Promise<unknown[]>((resolve, reject) => conn.query({ sql, values }, (e, results) => (e ? reject(e) : resolve(results as unknown[]))));

export async function runScript(sequelize: Sequelize, statements: readonly ScriptStatement[]): Promise<unknown[]> {
  const parts: string[] = ['START TRANSACTION'];
  const values: unknown[] = [];
  for (const [sql, replacements] of statements) {
    const q = toPositional(sql, replacements ?? {});
    parts.push(q.sql);
    values.push(...q.values);
  }
  parts.push('COMMIT');
  const sql = parts.join(';\n');
  const pool = poolFor(sequelize);
  for (let attempt = 1; ; attempt++) {
    const conn = await connect(pool);
    try {
      const results = await send(conn, sql, values);
      conn.release();
      return results.slice(1, -1); // without START TRANSACTION's and COMMIT's
    } catch (e) {
      // The batch stopped at the failing statement; its transaction may still be open on this connection.
      await send(conn, 'ROLLBACK', []).then(() => conn.release(), () => conn.destroy());
      if (attempt >= MAX_TX_ATTEMPTS || !isRetryable('mysql', e)) throw e;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
    }
  }
}

/** Closes the script pool of this database, if it was opened. */
export async function closeScriptPool(sequelize: Sequelize): Promise<void> {
  const pool = pools.get(sequelize);
  if (!pool) return;
  pools.delete(sequelize);
  await new Promise<void>((resolve) => pool.end(() => resolve()));
}
