/**
 * `npm run bench [-- --scenario NAME] [--scale small|full] [--smoke]`: seeds (or reuses) the bench data set,
 * runs each scenario through the harness, prints a table, writes bench/results/<scenario>.json, regenerates
 * the figures in bench/README.md, and exits non-zero when a figure misses its target by more than its noise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { createDb, type Db } from '../core/db/connection';
import { migrate } from '../core/db/migrator';
import { createContext } from '../core/compose';
import type { Scenario } from './types';
import { parseArgs, resolveDatabaseUrl, USAGE } from './lib/args';
import { forkChild, type Child } from './lib/child';
import { createHarness, type RunContext } from './lib/harness';
import { ensureSeed, listTables } from './lib/seed';
import { processRoundTripMicros } from './lib/round-trip';
import { startBenchMariadb, type BenchMariadb } from './lib/mariadb-instance';
import { checkLoads, judgeAll, machineDescription, readResults, readRunRecords, readSeedRecords, runRecord, writeRunRecord, writeSeedRecord, regenerateReadme, terminalTable, writeResult, type ScenarioRecord } from './lib/report';

const BENCH_DIR = __dirname;
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
/** A scenario that hangs fails instead of hanging the run (CI must finish). */
/** The bench's own MariaDB server (git-ignored: data/ is). */
const BENCH_MARIADB_DIR = process.env.BENCH_MARIADB_DIR ?? path.join(BENCH_DIR, '..', 'data', 'bench-mariadb');
const SCENARIO_TIMEOUT_SEC = { smoke: 180, small: 300, full: 1800 };
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

export function loadScenarios(dir = path.join(BENCH_DIR, 'scenarios')): Scenario[] {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort() : [];
  return files.map((f) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, f)) as { default?: Scenario };
    const s = mod.default;
    if (!s || typeof s.run !== 'function') throw new Error(`bench/scenarios/${f} must default-export a Scenario`);
    if (s.name !== f.replace(/\.ts$/, '')) throw new Error(`bench/scenarios/${f}: scenario name "${s.name}" must equal the file name`);
    return s;
  });
}

async function ensureMysqlDatabase(url: string): Promise<void> {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/';
  const c = await mysql.createConnection(u.toString());
  await c.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await c.end();
}

async function dbVersion(db: Db): Promise<string> {
  if (db.dialect === 'mysql') return `MySQL ${(await db.select<{ v: string }>('SELECT VERSION() AS v'))[0].v}`;
  return `SQLite ${(await db.select<{ v: string }>('SELECT sqlite_version() AS v'))[0].v}`;
}

/** Samples the 1-minute load average every 5 s (and at start and end) while a scenario runs. */
function loadSampler(): { stop(): NonNullable<ScenarioRecord['load']> } {
  const xs = [os.loadavg()[0]];
  const t = setInterval(() => xs.push(os.loadavg()[0]), 5_000);
  t.unref();
  return {
    stop() {
      clearInterval(t);
      xs.push(os.loadavg()[0]);
      return { min: Math.min(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs), samples: xs.length };
    },
  };
}

const readme = () =>
  regenerateReadme(path.join(BENCH_DIR, 'README.md'), readResults(RESULTS_DIR), readResults(path.join(RESULTS_DIR, 'full')), readSeedRecords(path.join(RESULTS_DIR, 'seed')), readRunRecords(path.join(RESULTS_DIR, 'runs')));

async function bufferPoolMb(db: Db): Promise<number> {
  return Math.round(Number((await db.select<{ v: string }>('SELECT @@innodb_buffer_pool_size AS v'))[0].v) / 2 ** 20);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const all = loadScenarios();
  if (args.list) {
    for (const s of all) console.log(`${s.name.padEnd(22)} issue ${s.issue}  ${s.database.padEnd(5)} ${s.description}`);
    return 0;
  }
  const unknown = args.scenarios.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  const selected = args.scenarios.length ? all.filter((s) => args.scenarios.includes(s.name)) : all;

  const smokeDir = args.smoke ? fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-smoke-')) : null;
  const resolved = resolveDatabaseUrl(args, process.env, `sqlite:${path.join(smokeDir ?? os.tmpdir(), 'bench.sqlite')}`);
  const own: BenchMariadb | null = resolved === 'own' ? await startBenchMariadb(BENCH_MARIADB_DIR, log) : null;
  const url = own ? own.url : (resolved as string);
  let db: Db | null = null;
  let loadChild: Child | null = null;
  const started = Date.now();
  try {
    if (/^(mysql|mariadb):/.test(url)) await ensureMysqlDatabase(url);
    db = createDb(url, { poolMax: 10 });
    await migrate(db);
    const seedScale = args.smoke ? 'smoke' : args.scale;
    // Every scenario's seed tables count, not only the selected ones, so the fingerprint is the same for any selection.
    const seed = await ensureSeed(db, url, seedScale, all.flatMap((s) => s.seed ?? []), log, { reseed: args.reseed });
    // The server is measured as it is (never SET GLOBAL): its buffer pool is read for the machine line.
    const poolNote = db.dialect === 'mysql' ? `, InnoDB buffer pool ${await bufferPoolMb(db)} MB (${own ? 'bench-owned server' : 'server as configured'})` : '';
    const machine = `${machineDescription(await dbVersion(db) + poolNote)}, process round trip ${(await processRoundTripMicros(args.smoke ? 100 : 2000)).toFixed(0)} µs`;
    if (!seed.reused) {
      log(`seed: done in ${seed.totalSeconds.toFixed(1)} s`);
      if (args.seedOnly) for (const t of seed.timings) log(`seed: ${t.table.padEnd(12)} ${t.rows.toLocaleString('en-US').padStart(10)} rows, ${t.seconds.toFixed(1)} s of INSERT`);
      if (!args.smoke && seed.timings.length) {
        writeSeedRecord(path.join(RESULTS_DIR, 'seed'), { scale: args.scale, dialect: db.dialect, date: new Date().toISOString(), machine, fingerprint: seed.fingerprint, topUp: seed.topUp, totalSeconds: seed.totalSeconds, counts: seed.info.counts, timings: seed.timings });
      }
    }
    if (args.seedOnly) {
      if (!args.smoke) readme();
      return 0;
    }
    const rc: RunContext = {
      scale: args.scale,
      smoke: args.smoke,
      dialect: db.dialect,
      databaseUrl: url,
      db,
      ctx: createContext(db),
      seed: seed.info,
      tables: await listTables(db),
      log,
      async loadChild() {
        if (!loadChild) {
          loadChild = forkChild(path.join(BENCH_DIR, 'lib', 'load-child.ts'), {}, 'load');
          await loadChild.waitFor('ready', 60_000);
        }
        return loadChild;
      },
    };

    let failed = 0;
    const records: ScenarioRecord[] = [];
    for (const s of selected) {
      const t0 = Date.now();
      const rec: ScenarioRecord = {
        scenario: s.name,
        issue: s.issue,
        description: s.description,
        status: 'ok',
        date: new Date().toISOString(),
        machine,
        scale: args.scale,
        smoke: args.smoke,
        dialect: db.dialect,
        seed: { counts: seed.info.counts, fingerprint: seed.fingerprint },
        seconds: 0,
        peakRssMb: { server: null, baseline: null },
        figures: [],
        notes: [],
      };
      if (s.database === 'mysql' && db.dialect !== 'mysql' && !args.smoke) {
        rec.status = 'skipped';
        rec.notes.push('needs MySQL for meaningful figures: set BENCH_DATABASE_URL=mysql://…');
        console.log(terminalTable(rec));
        continue;
      }
      log(`running ${s.name}…`);
      const h = createHarness(rc);
      const sampler = loadSampler();
      try {
        const limitSec = SCENARIO_TIMEOUT_SEC[args.smoke ? 'smoke' : args.scale];
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([
          s.run(h.harness),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${limitSec} s`)), limitSec * 1000);
          }),
        ]).finally(() => clearTimeout(timer));
        rec.figures = judgeAll(result.figures, { scale: args.scale, smoke: args.smoke, dialect: db.dialect });
        rec.notes.push(...(result.notes ?? []), ...h.harness.warmupNotes());
        if (result.details) rec.details = result.details;
        const check = checkLoads(h.record.loads);
        rec.notes.push(...check.notes);
        if (check.error) throw new Error(check.error);
        if (rec.figures.some((f) => f.fails)) rec.status = 'failed';
      } catch (e) {
        rec.status = 'failed';
        rec.error = e instanceof Error ? e.message : String(e);
      } finally {
        rec.load = sampler.stop();
        await h.close();
        rec.peakRssMb = { server: h.record.serverPeakRssMb, baseline: h.record.baselinePeakRssMb };
        rec.seconds = (Date.now() - t0) / 1000;
      }
      if (rec.status === 'failed') failed++;
      records.push(rec);
      console.log(terminalTable(rec));
      log(`${s.name}: ${rec.seconds.toFixed(1)} s`);
      if (!args.smoke) {
        writeResult(RESULTS_DIR, rec);
        if (args.scale === 'full' && rec.status !== 'skipped') writeResult(path.join(RESULTS_DIR, 'full'), rec);
      }
    }
    if (!args.smoke && records.length) {
      writeRunRecord(path.join(RESULTS_DIR, 'runs'), runRecord(records, (Date.now() - started) / 1000));
      readme();
      log('bench/README.md figures regenerated');
    }
    log(`${records.length} scenario(s) in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failed} failed`);
    return failed ? 1 : 0;
  } finally {
    await (loadChild as Child | null)?.kill();
    await (db as Db | null)?.close();
    await own?.stop();
    if (smokeDir) fs.rmSync(smokeDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}
