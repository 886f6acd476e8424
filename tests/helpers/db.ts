import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { createDb, type Db, type Dialect } from '../../core/db/connection';
import { migrate } from '../../core/db/migrator';
import { createContext } from '../../core/compose';
import type { CoreContext } from '../../core/context';
import { ManualClock } from '../../core/ports';

export const MYSQL_URL = process.env.TEST_MYSQL_URL;
/** Creating and migrating a fresh MySQL schema takes seconds on a loaded 2-core machine. */
export const SETUP_TIMEOUT_MS = 60_000;

export const DIALECTS: Dialect[] = MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];

export interface TestDatabase {
  dialect: Dialect;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: a temp SQLite file, or a new MySQL schema on the TEST_MYSQL_URL server. */
export async function freshDatabase(dialect: Dialect): Promise<TestDatabase> {
  const tag = `${process.pid}_${randomBytes(4).toString('hex')}`;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-test-'));
    return { dialect, url: `sqlite:${path.join(dir, 'crm.sqlite')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  if (!MYSQL_URL) throw new Error('TEST_MYSQL_URL is not set');
  const name = `crm_t_${tag}`;
  const admin = await mysql.createConnection(MYSQL_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const u = new URL(MYSQL_URL);
  u.pathname = `/${name}`;
  return {
    dialect,
    url: u.toString(),
    drop: async () => {
      const c = await mysql.createConnection(MYSQL_URL);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export interface DbHandle {
  readonly dialect: Dialect;
  readonly url: string;
  readonly db: Db;
  readonly ctx: CoreContext;
  readonly clock: ManualClock;
}

/**
 * Declares a describe block per available database (SQLite always, MySQL with TEST_MYSQL_URL),
 * each with its own fresh, migrated database for the whole block.
 */
export function describeEachDb(title: string, body: (h: DbHandle) => void, opts: { clock?: Date } = {}): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect}]`, () => {
      let tdb: TestDatabase;
      let db: Db;
      let ctx: CoreContext;
      const clock = new ManualClock(opts.clock ?? new Date('2026-11-23T02:00:00Z'));
      beforeAll(async () => {
        tdb = await freshDatabase(dialect);
        db = createDb(tdb.url);
        await migrate(db);
        ctx = createContext(db, { clock });
      }, SETUP_TIMEOUT_MS);
      afterAll(async () => {
        await db?.close();
        await tdb?.drop();
      }, SETUP_TIMEOUT_MS);
      body({
        dialect,
        get url() {
          return tdb.url;
        },
        get db() {
          return db;
        },
        get ctx() {
          return ctx;
        },
        clock,
      });
    });
  }
}
