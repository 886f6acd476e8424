/**
 * The bench's own MariaDB server for full-scale runs. A shared server's global settings belong to everyone on it,
 * so the bench never changes them (no SET GLOBAL anywhere): `--scale full` starts a server of its own instead, with
 * the configuration below written to <dir>/my.cnf, its datadir under the git-ignored data/ folder (reused across
 * runs, so the 1M-customer seed survives), its own port and socket; it stops it when the run ends.
 * `BENCH_DATABASE_URL` given explicitly measures that server as it is.
 *
 * The settings are the ones a server for this data set would have (bench/README.md, "The settings the figures
 * assume"): a buffer pool that holds customers, contacts and activities with their indexes (~1.3 GB of data, of
 * which customers + indexes 0.55 GB), the redo log sized for bulk loads; everything else MariaDB's default.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const BENCH_MARIADB = {
  port: 3407,
  /** Buffer pool of the bench's server: holds the customer tables and their indexes (1.3 GB) with room for the rest. */
  bufferPool: '2G',
  logFileSize: '512M',
  maxConnections: 500,
};

export const MARIADBD_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/bin/mariadbd'];
export const INSTALL_DB_CANDIDATES = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db', '/usr/scripts/mariadb-install-db'];

/** The my.cnf the bench writes (pure: unit-tested). Only [mariadbd] options; nothing is read from /etc. */
export function myCnf(dir: string, o = BENCH_MARIADB): string {
  return [
    '# Written by bench/lib/mariadb-instance.ts for `npm run bench -- --scale full`. Do not edit: it is rewritten every run.',
    '# The settings the full-scale figures assume (bench/README.md, "The settings the figures assume").',
    '[mariadbd]',
    `datadir = ${path.join(dir, 'datadir')}`,
    `socket = ${path.join(dir, 'mariadb.sock')}`,
    `pid-file = ${path.join(dir, 'mariadb.pid')}`,
    `log-error = ${path.join(dir, 'error.log')}`,
    'bind-address = 127.0.0.1',
    `port = ${o.port}`,
    'user = root',
    'skip-name-resolve',
    'character-set-server = utf8mb4',
    'collation-server = utf8mb4_unicode_ci',
    `max_connections = ${o.maxConnections}`,
    '# InnoDB: a pool that holds customers, contacts and activities with their indexes; redo log for bulk loads.',
    `innodb_buffer_pool_size = ${o.bufferPool}`,
    `innodb_log_file_size = ${o.logFileSize}`,
    '# Durability as in production (the MariaDB default, stated): every commit is flushed.',
    'innodb_flush_log_at_trx_commit = 1',
    '# Start cold, as a restarted server does: the scenarios warm their own working set (no dump/load of the pool).',
    'innodb_buffer_pool_load_at_startup = OFF',
    'innodb_buffer_pool_dump_at_shutdown = OFF',
    '',
  ].join('\n');
}

export interface BenchMariadb {
  /** mysql://root@127.0.0.1:<port>/crm_bench */
  url: string;
  port: number;
  dir: string;
  /** Started by this run (stop() shuts it down) or found already running on the port (left as it is). */
  startedHere: boolean;
  stop(): Promise<void>;
}

const find = (candidates: string[]) => candidates.find((p) => fs.existsSync(p)) ?? null;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts (initialising the datadir the first time) the bench's MariaDB in `dir`, or finds it already running on its
 * port (a server the bench started earlier and left: e.g. a run killed mid-way). Throws a plain message when this
 * machine has no mariadbd.
 */
export async function startBenchMariadb(dir: string, log: (m: string) => void, o = BENCH_MARIADB): Promise<BenchMariadb> {
  const url = `mysql://root@127.0.0.1:${o.port}/crm_bench`;
  const cnf = path.join(dir, 'my.cnf');
  if (await portOpen(o.port)) {
    log(`mariadb: port ${o.port} already answers; using the server there as the bench's own (it is not stopped afterwards)`);
    return { url, port: o.port, dir, startedHere: false, stop: async () => undefined };
  }
  const mariadbd = process.env.BENCH_MARIADBD ?? find(MARIADBD_CANDIDATES);
  if (!mariadbd || !fs.existsSync(mariadbd)) {
    throw new Error(
      `--scale full starts a MariaDB server of its own, but this machine has no mariadbd (looked for ${MARIADBD_CANDIDATES.join(', ')}; set BENCH_MARIADBD). ` +
        'Install one (Debian: apt-get install mariadb-server), or measure a server as it is with BENCH_DATABASE_URL=mysql://… (an empty database of its own).',
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(cnf, myCnf(dir, o));
  const datadir = path.join(dir, 'datadir');
  if (!fs.existsSync(path.join(datadir, 'mysql'))) {
    const install = find(INSTALL_DB_CANDIDATES);
    if (!install) throw new Error(`no mariadb-install-db next to ${mariadbd} (looked for ${INSTALL_DB_CANDIDATES.join(', ')}): cannot initialise ${datadir}`);
    log(`mariadb: initialising ${datadir}`);
    const r = spawnSync(install, [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb-install-db failed (${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
  }
  log(`mariadb: starting ${mariadbd} on 127.0.0.1:${o.port} (datadir ${datadir}, buffer pool ${o.bufferPool})`);
  const child: ChildProcess = spawn(mariadbd, [`--defaults-file=${cnf}`], { stdio: 'ignore', detached: false });
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (let waited = 0; ; waited += 200) {
    if (exited !== null) throw new Error(`mariadbd exited (${exited}) while starting; see ${path.join(dir, 'error.log')}`);
    if (await portOpen(o.port)) break;
    if (waited > 120_000) {
      child.kill('SIGTERM');
      throw new Error(`mariadbd did not open port ${o.port} within 120 s; see ${path.join(dir, 'error.log')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port: o.port,
    dir,
    startedHere: true,
    async stop() {
      if (exited !== null) return;
      log('mariadb: stopping the bench server');
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM'); // mariadbd shuts down cleanly on SIGTERM
      const t = setTimeout(() => child.kill('SIGKILL'), 120_000);
      await done;
      clearTimeout(t);
    },
  };
}
