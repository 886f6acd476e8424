import { describeTarget, fmt, judge, judgeFigure, median, percentile, ratioStat, stat } from '../../bench/lib/stats';
import type { Target } from '../../bench/targets';

const maxT: Target = { issue: 4, description: 'p99 < 50 ms', kind: 'max', value: 50, unit: 'ms' };
const minT: Target = { issue: 5, description: 'ratio ≥ 0.6', kind: 'min', value: 0.6, unit: 'ratio' };
const fullOnly: Target = { ...minT, scale: 'full' };
const small = { scale: 'small' as const, smoke: false };
const full = { scale: 'full' as const, smoke: false };

describe('bench statistics', () => {
  it('median of odd and even samples, ignoring order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('stat gives median, range and half-range noise', () => {
    expect(stat([100, 120, 90])).toEqual({ median: 100, min: 90, max: 120, noise: 15, samples: [100, 120, 90] });
    expect(stat([7]).noise).toBe(0);
    expect(stat([5, NaN, 7]).median).toBe(6);
    expect(stat([]).median).toBeNaN();
  });

  it('ratio of paired rounds', () => {
    const r = ratioStat([50, 60, 40], [100, 100, 100]);
    expect(r.median).toBeCloseTo(0.5);
    expect(r.noise).toBeCloseTo(0.1);
    expect(ratioStat([1, 2], [0, 2]).median).toBe(1); // a zero baseline round is dropped, not infinite
  });

  it('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('bench target verdicts', () => {
  it('a max target: met, within noise, missed', () => {
    expect(judge(40, 5, maxT, small)).toMatchObject({ kind: 'met', fails: false, gap: 0 });
    expect(judge(50, 0, maxT, small).kind).toBe('met'); // the boundary meets
    expect(judge(54, 5, maxT, small)).toMatchObject({ kind: 'within-noise', fails: false });
    expect(judge(54, 5, maxT, small).gap).toBeCloseTo(0.08);
    expect(judge(56, 5, maxT, small)).toMatchObject({ kind: 'missed', fails: true });
  });

  it('a min target: met, within noise, missed', () => {
    expect(judge(0.7, 0.01, minT, small).kind).toBe('met');
    expect(judge(0.55, 0.06, minT, small)).toMatchObject({ kind: 'within-noise', fails: false });
    expect(judge(0.5, 0.05, minT, small)).toMatchObject({ kind: 'missed', fails: true });
  });

  it('missing noise counts as zero; NaN values miss', () => {
    expect(judge(51, undefined, maxT, small)).toMatchObject({ kind: 'missed', fails: true });
    expect(judge(NaN, 1, maxT, small)).toMatchObject({ kind: 'missed', fails: true });
  });

  it('never fails a smoke run, nor a target defined at another scale', () => {
    expect(judge(500, 0, maxT, { scale: 'small', smoke: true })).toMatchObject({ kind: 'missed', fails: false });
    expect(judge(0.1, 0, fullOnly, small)).toMatchObject({ kind: 'missed', fails: false, reason: 'target defined at --scale full' });
    expect(judge(0.1, 0, fullOnly, full)).toMatchObject({ kind: 'missed', fails: true });
  });

  it('never fails a SQLite run on a target defined on MySQL', () => {
    const mysqlOnly: Target = { ...minT, dialect: 'mysql' };
    expect(judge(0.1, 0, mysqlOnly, { ...small, dialect: 'sqlite' })).toMatchObject({ kind: 'missed', fails: false, reason: 'target defined on mysql' });
    expect(judge(0.1, 0, mysqlOnly, { ...small, dialect: 'mysql' })).toMatchObject({ kind: 'missed', fails: true });
  });

  it('a zero target (no 429s): any excess misses with an infinite gap', () => {
    const zero: Target = { issue: 4, description: 'no 429', kind: 'max', value: 0, unit: 'count' };
    expect(judge(0, 0, zero, small).kind).toBe('met');
    expect(judge(1, 0, zero, small)).toMatchObject({ kind: 'missed', fails: true, gap: Infinity });
  });

  it('figures without a target are reported, never judged', () => {
    expect(judgeFigure({ name: 'rps', value: 1, unit: 'req/s' }, small)).toMatchObject({ kind: 'no-target', fails: false });
    expect(judgeFigure({ name: 'p99', value: 999, unit: 'ms', noise: 1, target: 'health.p99' }, small).fails).toBe(true);
  });

  it('formats targets and numbers for the table', () => {
    expect(describeTarget('health.p99')).toBe('≤ 50 ms');
    expect(describeTarget('customer-360.ratio')).toBe('≥ 0.6');
    expect(fmt(12345.6)).toBe('12,346');
    expect(fmt(0.61234)).toBe('0.612');
    expect(fmt(42.42)).toBe('42.4');
  });
});

describe('the bench-owned MariaDB server', () => {
  it('writes a my.cnf with its own datadir, port and socket under its folder, and the buffer pool it documents', async () => {
    const { myCnf, BENCH_MARIADB } = await import('../../bench/lib/mariadb-instance');
    const cnf = myCnf('/x/bench-mariadb');
    expect(cnf).toContain('datadir = /x/bench-mariadb/datadir');
    expect(cnf).toContain('socket = /x/bench-mariadb/mariadb.sock');
    expect(cnf).toContain(`port = ${BENCH_MARIADB.port}`);
    expect(BENCH_MARIADB.port).not.toBe(3306);
    expect(cnf).toContain(`innodb_buffer_pool_size = ${BENCH_MARIADB.bufferPool}`);
    expect(cnf).toContain('bind-address = 127.0.0.1');
  });
  it('--scale full uses its own server unless BENCH_DATABASE_URL names one; DATABASE_URL never picks a full-scale server', async () => {
    const { parseArgs, resolveDatabaseUrl } = await import('../../bench/lib/args');
    const full = parseArgs(['--scale', 'full']);
    expect(resolveDatabaseUrl(full, {}, 'sqlite:x')).toBe('own');
    expect(resolveDatabaseUrl(full, { DATABASE_URL: 'mysql://root@127.0.0.1:3306/crm' }, 'sqlite:x')).toBe('own');
    expect(resolveDatabaseUrl(full, { BENCH_DATABASE_URL: 'mysql://root@h:3306/b' }, 'sqlite:x')).toBe('mysql://root@h:3306/b');
    expect(() => resolveDatabaseUrl(full, { BENCH_DATABASE_URL: 'sqlite:x.db' }, 'sqlite:x')).toThrow(/needs MySQL/);
    expect(resolveDatabaseUrl(parseArgs(['--smoke', '--scale', 'full']), {}, 'sqlite:tmp')).toBe('sqlite:tmp');
    expect(resolveDatabaseUrl(parseArgs([]), {}, 'sqlite:tmp')).toBe('sqlite:data/bench.sqlite');
  });
});
