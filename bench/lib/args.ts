import type { Scale } from '../types';

export interface BenchArgs {
  scenarios: string[];
  scale: Scale;
  smoke: boolean;
  list: boolean;
  seedOnly: boolean;
  reseed: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--scenario NAME]... [--scale small|full] [--smoke] [--list]
  --scenario NAME   run only this scenario (repeatable; default: all)
  --scale S         small (default; quick, < 2 min) or full (MySQL: 1M customers, 5M activities, 200k leads, 100k tickets, 500k opportunities)
  --smoke           every scenario, minimal load, on a fresh temp SQLite database; checks they work, not the figures
  --list            list scenarios and exit
  --seed-only       build (or check) the data set for --scale and exit
  --reseed          replace a data set of another scale in this database
Database: --scale full starts the bench's own MariaDB (data/bench-mariadb, port 3407) unless BENCH_DATABASE_URL is set
(then that server is measured as it is); other scales BENCH_DATABASE_URL, else DATABASE_URL, else sqlite:data/bench.sqlite
(it must be the bench's own database).`;

export function parseArgs(argv: string[]): BenchArgs {
  const out: BenchArgs = { scenarios: [], scale: 'small', smoke: false, list: false, seedOnly: false, reseed: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--scenario') out.scenarios.push(...value().split(',').filter(Boolean));
    else if (flag === '--scale') {
      const v = value();
      if (v !== 'small' && v !== 'full') throw new Error(`--scale must be small or full (got "${v}")\n${USAGE}`);
      out.scale = v;
    } else if (flag === '--smoke') out.smoke = true;
    else if (flag === '--list') out.list = true;
    else if (flag === '--seed-only') out.seedOnly = true;
    else if (flag === '--reseed') out.reseed = true;
    else if (flag === '--help' || flag === '-h') out.help = true;
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  return out;
}

/**
 * Which database the run uses: smoke always gets a fresh temp SQLite file (passed in); `--scale full` the bench's
 * own MariaDB server ('own': started by the bench, bench/lib/mariadb-instance.ts) unless BENCH_DATABASE_URL names a
 * server to measure as it is; other scales BENCH_DATABASE_URL, else DATABASE_URL, else data/bench.sqlite.
 */
export function resolveDatabaseUrl(args: BenchArgs, env: NodeJS.ProcessEnv, smokeUrl: string): string | 'own' {
  if (args.smoke) return smokeUrl;
  if (args.scale === 'full') {
    const url = env.BENCH_DATABASE_URL;
    if (!url) return 'own';
    if (!/^(mysql|mariadb):/.test(url)) throw new Error('--scale full needs MySQL: unset BENCH_DATABASE_URL (the bench starts a MariaDB server of its own) or point it at mysql://… (an empty database of its own)');
    return url;
  }
  return env.BENCH_DATABASE_URL || env.DATABASE_URL || 'sqlite:data/bench.sqlite';
}
