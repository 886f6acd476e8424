/**
 * The bench data set: users and teams, customers with one contact and five follow-ups each (core), plus the
 * SeedTables scenarios declare for their own tables. Built from core/factories.ts with multi-row INSERTs of
 * 5,000 rows; reused when the fingerprint stored in `settings` (scale + migrations + factory version + tables)
 * matches, rebuilt otherwise.
 */
import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Db } from '../../core/db/connection';
import { migrator } from '../../core/db/migrator';
import { recountHeld } from '../../core/customers/held';
import { FACTORY_VERSION, activityAttrs, contactAttrs, customerAttrs, personName, rng, type Rng } from '../../core/factories';
import type { Scale, SeedContext, SeedInfo, SeedTable, SeededUsers } from '../types';

export type SeedScale = Scale | 'smoke';

/** Bump when this file's seeding logic changes. */
const BENCH_SEED_VERSION = 1;
export const SEED_SETTING_KEY = 'bench.seed';
export const CHUNK_ROWS = 5_000;
export const ACTIVITIES_PER_CUSTOMER = 5;

export const CORE_COUNTS: Record<SeedScale, { customers: number; teams: number; repsPerTeam: number; service: number }> = {
  smoke: { customers: 200, teams: 2, repsPerTeam: 3, service: 2 },
  small: { customers: 20_000, teams: 4, repsPerTeam: 5, service: 5 },
  full: { customers: 1_000_000, teams: 20, repsPerTeam: 10, service: 20 },
};

/** Sizes the issues name for the full run; tables owned by later issues are seeded by their scenarios' SeedTables. */
export const FULL_SIZES = { customers: 1_000_000, activities: 5_000_000, leads: 200_000, tickets: 100_000 };

export interface SeedReport {
  info: SeedInfo;
  reused: boolean;
  /** Core rows kept, only scenario tables (re)seeded. */
  topUp: boolean;
  fingerprint: string;
  /** Seconds and rows per table when (re)built. */
  timings: { table: string; rows: number; seconds: number }[];
  totalSeconds: number;
}

export function fingerprint(input: { scale: SeedScale; migrations: string[]; factoryVersion: number; tables: { table: string; version: number; rows: number }[] }): string {
  const canonical = JSON.stringify({
    v: BENCH_SEED_VERSION,
    scale: input.scale,
    migrations: [...input.migrations].sort(),
    factoryVersion: input.factoryVersion,
    core: CORE_COUNTS[input.scale],
    tables: [...input.tables].sort((a, b) => a.table.localeCompare(b.table)),
  });
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Deduplicates scenario SeedTables by table name (first wins) and keeps those whose table exists. */
export function plannedTables(tables: SeedTable[], existing: Set<string>): SeedTable[] {
  const seen = new Set<string>();
  return tables.filter((t) => {
    if (seen.has(t.table) || !existing.has(t.table) || CORE_TABLES.includes(t.table)) return false;
    seen.add(t.table);
    return true;
  });
}

export const CORE_TABLES = ['teams', 'users', 'customers', 'contacts', 'activities'];

export async function listTables(db: Db): Promise<Set<string>> {
  const names = await db.sequelize.getQueryInterface().showAllTables();
  return new Set(names.map((n) => (typeof n === 'string' ? n : (n as { tableName: string }).tableName)));
}

function hashSeed(s: string): number {
  return crypto.createHash('sha256').update(s).digest().readUInt32LE(0);
}

// ---------------------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

interface Inserter {
  insert(table: string, rows: Row[]): Promise<void>;
  close(): Promise<void>;
}

const toSqlValue = (v: unknown): unknown => {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
};

async function inserter(db: Db, url: string): Promise<Inserter> {
  if (db.dialect === 'mysql') {
    const conn = await mysql.createConnection({ uri: url.replace(/^mariadb:/, 'mysql:'), timezone: 'Z', supportBigNumbers: true });
    await conn.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
    return {
      async insert(table, rows) {
        if (!rows.length) return;
        const cols = Object.keys(rows[0]);
        await conn.query('INSERT INTO ?? (??) VALUES ?', [table, cols, rows.map((r) => cols.map((c) => toSqlValue(r[c])))]);
      },
      close: () => conn.end(),
    };
  }
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return {
    async insert(table, rows) {
      if (!rows.length) return;
      const cols = Object.keys(rows[0]);
      const values = rows.map((r) => '(' + cols.map((c) => db.sequelize.escape(toSqlValue(r[c]) as string)).join(',') + ')').join(',');
      await db.sequelize.query(`INSERT INTO ${q(table)} (${cols.map(q).join(',')}) VALUES ${values}`);
    },
    close: async () => undefined,
  };
}

interface StoredSeed {
  fingerprint: string;
  /** Fingerprint of the core data set alone (scale, factories, this file): when it matches, a migration-only change tops up. */
  core?: string;
  scale?: SeedScale;
  /** table → its SeedTable key (version and rows) when seeded. */
  tables?: Record<string, string>;
  info: SeedInfo;
}

export function coreFingerprint(scale: SeedScale, factoryVersion: number): string {
  return crypto.createHash('sha256').update(JSON.stringify({ v: BENCH_SEED_VERSION, scale, factoryVersion, core: CORE_COUNTS[scale] })).digest('hex').slice(0, 16);
}

const tableKey = (t: SeedTable, scale: SeedScale) => `${t.version}:${t.rows[scale]}`;

async function readSetting(db: Db): Promise<StoredSeed | null> {
  const key = db.dialect === 'mysql' ? '`key`' : '"key"';
  const rows = await db.select<{ value: string }>(`SELECT value FROM settings WHERE ${key} = :k`, { k: SEED_SETTING_KEY });
  if (!rows.length) return null;
  const v = JSON.parse(rows[0].value) as StoredSeed & { info: { now: string } };
  return { ...v, info: { ...v.info, now: new Date(v.info.now) } };
}

async function writeSetting(db: Db, stored: StoredSeed): Promise<void> {
  const key = db.dialect === 'mysql' ? '`key`' : '"key"';
  await db.sequelize.query(`DELETE FROM settings WHERE ${key} = :k`, { replacements: { k: SEED_SETTING_KEY } });
  await db.sequelize.query(`INSERT INTO settings (${key}, value, updated_at) VALUES (:k, :v, :now)`, {
    replacements: { k: SEED_SETTING_KEY, v: JSON.stringify(stored), now: new Date() },
  });
}

async function countRows(db: Db, table: string): Promise<number> {
  const r = await db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(r[0]?.n ?? 0);
}

/**
 * Tables whose rows a migration writes (reference data the product needs, not bench rows): a wipe keeps them, since
 * migrations that already ran never write them again. `pipelines`: the default and renewal pipelines (issue 15).
 */
export const MIGRATION_DATA_TABLES = ['pipelines'];

/** Empties every table but the migration log and the migrations' reference data (the bench database is the bench's own). */
async function wipe(db: Db, tables: Set<string>): Promise<void> {
  for (const t of tables) {
    if (t === 'schema_migrations' || t === 'SequelizeMeta' || MIGRATION_DATA_TABLES.includes(t)) continue;
    if (db.dialect === 'mysql') await db.sequelize.query(`TRUNCATE TABLE \`${t}\``);
    else await db.sequelize.query(`DELETE FROM "${t}"`);
  }
  if (db.dialect === 'sqlite') {
    if (tables.has('sqlite_sequence')) await db.sequelize.query('DELETE FROM sqlite_sequence').catch(() => undefined);
  }
}

/**
 * Ensures the database holds the bench data set for `scale`. Same fingerprint: reused. Same core data set but
 * other migrations or scenario tables (a capability landed): migrations are already applied, so the core rows are
 * kept and only new or changed scenario tables are (re)seeded. Otherwise: wiped and rebuilt. Refuses to wipe a
 * database holding data the bench did not seed, or a data set of another scale without `reseed`.
 */
export async function ensureSeed(db: Db, url: string, scale: SeedScale, scenarioTables: SeedTable[], log: (m: string) => void, opts: { reseed?: boolean } = {}): Promise<SeedReport> {
  const started = Date.now();
  const existing = await listTables(db);
  const tables = plannedTables(scenarioTables, existing);
  const migrations = (await migrator(db).executed()).map((m) => m.name);
  const fp = fingerprint({ scale, migrations, factoryVersion: FACTORY_VERSION, tables: tables.map((t) => ({ table: t.table, version: t.version, rows: t.rows[scale] })) });
  const core = coreFingerprint(scale, FACTORY_VERSION);
  const current = await readSetting(db);
  if (current?.fingerprint === fp) {
    log(`seed: reusing the ${scale} data set (fingerprint ${fp})`);
    return { info: current.info, reused: true, topUp: false, fingerprint: fp, timings: [], totalSeconds: (Date.now() - started) / 1000 };
  }
  if (current?.scale && current.scale !== scale && !opts.reseed) {
    throw new Error(`this database holds the ${current.scale} data set; use another BENCH_DATABASE_URL for --scale ${scale}, or pass --reseed to replace it`);
  }
  if (!current && ((await countRows(db, 'users')) > 0 || (await countRows(db, 'customers')) > 0)) {
    throw new Error('refusing to seed: this database holds data the bench did not create. Point BENCH_DATABASE_URL at an empty database of its own.');
  }
  const topUp = !!current && current.core === core && current.scale === scale && !opts.reseed;
  const ins = await inserter(db, url);
  const timings: SeedReport['timings'] = [];
  try {
    let info: SeedInfo;
    const seeded: Record<string, string> = {};
    if (topUp) {
      log(`seed: migrations or scenario tables changed (${current.fingerprint} → ${fp}); keeping the core ${scale} data set, topping up`);
      info = { ...current.info, counts: { ...current.info.counts } };
      Object.assign(seeded, current.tables ?? {});
    } else {
      log(current ? `seed: data set changed (${current.fingerprint} → ${fp}), rebuilding the ${scale} data set` : `seed: building the ${scale} data set (fingerprint ${fp})`);
      await wipe(db, existing);
      const now = new Date();
      const users = await seedUsers(ins, scale, now, timings);
      const counts: Record<string, number> = { teams: CORE_COUNTS[scale].teams, users: 1 + CORE_COUNTS[scale].teams * (1 + CORE_COUNTS[scale].repsPerTeam) + CORE_COUNTS[scale].service };
      await seedCustomers(ins, scale, now, users, counts, timings, log);
      // The rows went in as plain INSERTs: the reps' held-customer counters (users.held_count) in one statement.
      const t1 = Date.now();
      await recountHeld({ db });
      log(`seed: held-customer counters in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
      info = { counts, users, now };
    }
    for (const t of tables) {
      if (topUp && seeded[t.table] === tableKey(t, scale)) continue;
      if (topUp) await wipe(db, new Set([t.table]));
      const t0 = Date.now();
      const n = t.rows[scale];
      const r = rng(hashSeed(t.table));
      const ctx: SeedContext = { scale, now: info.now, users: info.users, counts: { ...info.counts } };
      let pending: Promise<void> = Promise.resolve();
      for (let start = 0; start < n; start += CHUNK_ROWS) {
        const rows: Row[] = [];
        for (let i = start; i < Math.min(n, start + CHUNK_ROWS); i++) rows.push({ id: i + 1, ...t.row(i, r, ctx) });
        await pending;
        pending = ins.insert(t.table, rows);
      }
      await pending;
      info.counts[t.table] = n;
      seeded[t.table] = tableKey(t, scale);
      timings.push({ table: t.table, rows: n, seconds: (Date.now() - t0) / 1000 });
      log(`seed: ${t.table} ${n.toLocaleString('en-US')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    await writeSetting(db, { fingerprint: fp, core, scale, tables: seeded, info });
    return { info, reused: false, topUp, fingerprint: fp, timings, totalSeconds: (Date.now() - started) / 1000 };
  } finally {
    await ins.close();
  }
}

async function seedUsers(ins: Inserter, scale: SeedScale, now: Date, timings: SeedReport['timings']): Promise<SeededUsers> {
  const t0 = Date.now();
  const c = CORE_COUNTS[scale];
  const r = rng(7001);
  const stamps = { created_at: now, updated_at: now };
  const teams: Row[] = [];
  const users: Row[] = [];
  const out: SeededUsers = { admin: 1, managers: [], reps: [], service: [], repTeams: [] };
  const user = (role: string, tag: string, teamId: number | null, managerId: number | null, skills: string[] | null = null) => {
    const id = users.length + 1;
    users.push({ id, name: personName(r), email: `${tag}@bench.crm`, phone: null, role, team_id: teamId, manager_id: managerId, lark_open_id: `ou_bench_${tag}`, status: 'active', skills, locale: null, ...stamps });
    return id;
  };
  user('admin', 'admin', null, null);
  for (let k = 1; k <= c.teams; k++) {
    const m = user('manager', `manager${k}`, k, null);
    out.managers.push(m);
    teams.push({ id: k, name: `销售${k}组`, manager_id: m, ...stamps });
    for (let j = 0; j < c.repsPerTeam; j++) {
      out.reps.push(user('rep', `rep${out.reps.length + 1}`, k, m));
      out.repTeams.push(k);
    }
  }
  for (let s = 1; s <= c.service; s++) out.service.push(user('service', `service${s}`, 1, out.managers[0], ['技术支持', '咨询']));
  await ins.insert('teams', teams);
  await ins.insert('users', users);
  timings.push({ table: 'users', rows: users.length, seconds: (Date.now() - t0) / 1000 });
  return out;
}

/** Customers (70% owned by a rep, 30% in the pool), one primary contact each, five follow-ups each. */
async function seedCustomers(ins: Inserter, scale: SeedScale, now: Date, users: SeededUsers, counts: Record<string, number>, timings: SeedReport['timings'], log: (m: string) => void): Promise<void> {
  const n = CORE_COUNTS[scale].customers;
  const per = CHUNK_ROWS; // customers a chunk; their activities go in INSERTs of 5,000 rows too
  const r: Rng = rng(20261122);
  const t0 = Date.now();
  const spent = { customers: 0, contacts: 0, activities: 0 };
  const timed = async (table: keyof typeof spent, rows: Row[]) => {
    const s = Date.now();
    await ins.insert(table, rows);
    spent[table] += Date.now() - s;
  };
  let pending: Promise<void> = Promise.resolve();
  let activityId = 0;
  let lastLog = Date.now();
  for (let start = 0; start < n; start += per) {
    const customers: Row[] = [];
    const contacts: Row[] = [];
    const activities: Row[] = [];
    for (let i = start; i < Math.min(n, start + per); i++) {
      const id = i + 1;
      const owned = i % 10 < 7;
      const k = i % users.reps.length;
      const ownerId = owned ? users.reps[k] : null;
      const c = customerAttrs(i, r, { ownerId, teamId: owned ? users.repTeams[k] : null, now, maxAgeDays: 45 });
      customers.push({ id, ...c });
      contacts.push({ id, ...contactAttrs(id, i, r), created_at: now, updated_at: now });
      const last = c.last_followup_at ?? now;
      for (let a = 0; a < ACTIVITIES_PER_CUSTOMER; a++) {
        activities.push({ id: ++activityId, ...activityAttrs(id, ownerId ?? users.reps[k], new Date(last.getTime() - a * 3 * 86_400_000), r) });
      }
    }
    await pending;
    pending = (async () => {
      await timed('customers', customers);
      await timed('contacts', contacts);
      for (let a = 0; a < activities.length; a += CHUNK_ROWS) await timed('activities', activities.slice(a, a + CHUNK_ROWS));
    })();
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`seed: ${start.toLocaleString('en-US')}/${n.toLocaleString('en-US')} customers (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  await pending;
  counts.customers = n;
  counts.contacts = n;
  counts.activities = activityId;
  const total = (Date.now() - t0) / 1000;
  for (const [table, ms] of Object.entries(spent)) timings.push({ table, rows: counts[table], seconds: ms / 1000 });
  log(`seed: ${n.toLocaleString('en-US')} customers, ${n.toLocaleString('en-US')} contacts, ${activityId.toLocaleString('en-US')} activities in ${total.toFixed(1)} s (INSERT time: customers ${(spent.customers / 1000).toFixed(1)} s, contacts ${(spent.contacts / 1000).toFixed(1)} s, activities ${(spent.activities / 1000).toFixed(1)} s)`);
}
