/**
 * The benchmark contract. A scenario is one file `bench/scenarios/<name>.ts` whose default export is a
 * `Scenario`; `npm run bench` discovers it (no registry to edit). Scenarios measure through the `Harness`
 * and return `Figure`s; targets live in bench/targets.ts (one place, each with the issue it comes from).
 * Keep this file stable: every capability's scenarios depend on it.
 */
import type { CoreContext } from '../core/context';
import type { Db, Dialect } from '../core/db/connection';
import type { Rng } from '../core/factories';
import type { TargetId } from './targets';

export type Scale = 'small' | 'full';

/**
 * Which database the scenario's figures mean something on:
 * - 'any': SQLite or MySQL;
 * - 'mysql': figures only on MySQL (skipped with a note on SQLite, except under --smoke, which runs it on SQLite to prove it works);
 * - 'none': no database (e.g. bundle sizes).
 */
export type DatabaseNeed = 'any' | 'mysql' | 'none';

export type Unit = 'req/s' | 'ms' | 's' | 'ratio' | 'rows/s' | 'msg/s' | 'MB' | 'KB' | 'count' | '%';

export interface Scenario {
  /** Unique, kebab-case, equal to the file name: `--scenario <name>`. */
  name: string;
  /** The issue whose capability (and targets) this scenario measures. */
  issue: number;
  /** One line: what is measured and against which baseline. */
  description: string;
  database: DatabaseNeed;
  /** Targets (ids in bench/targets.ts) this scenario's figures are held against. */
  targets: TargetId[];
  /**
   * Bulk rows this scenario needs in its own tables, seeded by the harness before any scenario runs
   * (only when the table exists). Rows come from the shared factories in core/factories.ts.
   */
  seed?: SeedTable[];
  /** Runs the product's real code path and its baseline; must clean up what it starts (servers are stopped by the harness anyway). */
  run(h: Harness): Promise<ScenarioResult>;
}

/**
 * One measured number. Give `rounds` (each measured round's figure: the report prints them all) and, for latency
 * percentiles, `pooled` (the percentile over every sample of every round). A target is judged on the median of the
 * rounds (ratios, throughput) or on `pooled`, else the worst round (latency, durations, counts): see judgedValue in
 * bench/lib/stats.ts. `value` is the headline shown; `noise` (half the range of the rounds) is shown, never judged.
 */
export interface Figure {
  /** Short label, e.g. "GET /healthz req/s", "p99", "ratio to raw mysql2". */
  name: string;
  value: number;
  unit: Unit;
  noise?: number;
  /** The figure of each measured round, in order. */
  rounds?: number[];
  /** The figure over all samples of all rounds pooled (e.g. p99 of every answer). */
  pooled?: number;
  target?: TargetId;
}

export interface ScenarioResult {
  figures: Figure[];
  /** Free-text remarks shown under the table and stored in the JSON (e.g. why a figure is not comparable). */
  notes?: string[];
  /** Anything else worth keeping in bench/results/<name>.json (raw rounds, counts). */
  details?: Record<string, unknown>;
}

/** Median and spread over rounds. `noise` = half the range (max − min) / 2, in the same unit. */
export interface Stat {
  median: number;
  min: number;
  max: number;
  noise: number;
  samples: number[];
}

export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with query string, e.g. `/api/v1/customers/42/view`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** Base URL of the target, e.g. `server.url`. */
  url: string;
  /** Requests in order, one stream shared by every connection, cycled (vary ids here: zipfIds); default `[{ path: "/" }]`. */
  requests?: LoadRequest[];
  /** Concurrent connections; default 50 (smoke: 2). */
  connections?: number;
  /** Seconds per measured round; default 5 (small), 10 (full), 0.5 (smoke). */
  durationSec?: number;
  /** Seconds of one warm-up round (not measured; repeated until two consecutive rounds agree within 10%, bounded); default 2 (full), 1 (small), none under smoke. */
  warmupSec?: number;
  /** Measured rounds; default 3 (small, smoke), 5 (full); never fewer than 3. */
  rounds?: number;
  /**
   * Open loop at this overall rate in requests/s (e.g. 200 events/s), latency from each request's scheduled send time,
   * over at most `connections` connections at once; default: closed loop, as fast as possible.
   */
  rate?: number;
}

export interface LoadResult {
  /** Requests per second (2xx only). */
  rps: Stat;
  p50: Stat;
  p99: Stat;
  /** Summed over the measured rounds. */
  requests: number;
  errors: number;
  non2xx: number;
  /** 5xx answers among non2xx (the product failing, not refusing). */
  status5xx: number;
  /** Percentiles over every answer of every measured round pooled (what latency targets are judged on). */
  pooledP50: number;
  pooledP99: number;
  /** Throughput of each warm-up round (warm-up ends when two consecutive rounds agree within 10%). */
  warmupRps: number[];
}

/** Product and baseline measured in alternating rounds (so machine noise hits both alike). */
export interface Comparison {
  product: LoadResult;
  baseline: LoadResult;
  /** product rps / baseline rps, per round pair. */
  ratio: Stat;
}

/** A process started by the harness (the real server, or a baseline). */
export interface ServerHandle {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Peak resident set size of that process so far, in MB. */
  peakRssMb(): Promise<number>;
  stop(): Promise<void>;
}

/** One SQL statement of a raw-driver baseline route; `?` placeholders filled from the query string `params` in order. */
export interface BaselineQuery {
  sql: string;
  params?: string[];
}

export interface BaselineOptions {
  /**
   * Raw-driver routes: `GET /sql/<name>?<param>=…` runs the statements in order through mysql2 (MySQL) or sqlite3
   * (SQLite) and answers their rows as JSON. `GET /bare` always answers a constant JSON (bare koa overhead).
   */
  sql?: Record<string, BaselineQuery[]>;
  /**
   * Routes (names in `sql`) whose statements go to MySQL in ONE multi-statement packet, as the product sends a
   * batched view (core/db/fast-read.ts withBatchedReads); on SQLite they still run in order.
   */
  batched?: string[];
  /**
   * Routes (names in `sql`) whose statements run at once on the pool, each on its own connection, as a product
   * operation that awaits several reads with Promise.all (e.g. the pipeline funnel); otherwise they run in order.
   */
  parallel?: string[];
}

export interface SeededUsers {
  admin: number;
  managers: number[];
  reps: number[];
  service: number[];
  /** team id of each rep, same order as `reps`. */
  repTeams: number[];
}

export interface SeedInfo {
  /** Rows seeded per table; seeded ids are 1..count. */
  counts: Record<string, number>;
  users: SeededUsers;
  /** The clock time the data set was built around (factories' `now`). */
  now: Date;
}

/** Handed to SeedTable.row: what has been seeded so far. */
export interface SeedContext {
  scale: Scale | 'smoke';
  now: Date;
  users: SeededUsers;
  counts: Record<string, number>;
}

export interface SeedTable {
  table: string;
  /** Rows per scale (full: see bench/README.md for the sizes the issues name). */
  rows: { smoke: number; small: number; full: number };
  /** Bump when `row` changes so existing seeds are rebuilt (part of the fingerprint). */
  version: number;
  /** Row number i (0-based; it gets id i + 1). Build it with core/factories.ts. Columns must match your migration. */
  row(i: number, r: Rng, s: SeedContext): Record<string, unknown>;
}

export interface Harness {
  scale: Scale;
  /** True under --smoke: minimal load, SQLite, figures not checked. Keep work tiny when set. */
  smoke: boolean;
  dialect: Dialect;
  databaseUrl: string;
  /** The bench's own connection and core context on the seeded database (for setup and in-process measurements). */
  db: Db;
  ctx: CoreContext;
  seed: SeedInfo;
  hasTable(name: string): boolean;
  log(msg: string): void;
  /** The real server (server/process.ts startServer, jobs and demo seed off) in a child process. */
  startServer(opts?: { env?: Record<string, string> }): Promise<ServerHandle>;
  /** A bare koa app in a child process: `/bare` plus raw-driver routes running the same SQL as the product. */
  startBaseline(opts?: BaselineOptions): Promise<ServerHandle>;
  /** autocannon from a separate process: warm-up, then `rounds` rounds. */
  load(opts: LoadOptions): Promise<LoadResult>;
  /** Warm-up both, then alternate product/baseline rounds; ratio per round pair. */
  compare(product: LoadOptions, baseline: LoadOptions): Promise<Comparison>;
  /** Warm-up notes of this scenario so far (a warm-up that did not settle within its bound). */
  warmupNotes(): string[];
  /** Times `fn` (ms) over rounds (at least 3) after warm-up runs (at least `warmup`, then until two agree within 10%, bounded; smoke: none). */
  time(fn: (round: number) => Promise<unknown>, opts?: { rounds?: number; warmup?: number }): Promise<Stat>;
  /**
   * MySQL: waits (at most 20 s) until InnoDB has purged and flushed what earlier writes left (history list < 100,
   * dirty pages < 2,000), so a measurement does not compete with the clean-up of a previous round's restore.
   */
  settle(): Promise<void>;
  /** Standard figures for a comparison or load result: req/s, p50, p99, ratio (with their noise) and targets. */
  figures(label: string, m: Comparison | LoadResult, targets?: { rps?: TargetId; p50?: TargetId; p99?: TargetId; ratio?: TargetId }): Figure[];
}
