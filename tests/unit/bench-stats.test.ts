import { describeTarget, fmt, judge, judgeFigure, median, percentile, pooledPercentile, rankToId, ratioStat, schedule, scheduledLatencies, stat, warmedUp, zipfIds } from '../../bench/lib/stats';
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

  it('pooled p99 is the p99 of every sample of every round, not the median of the rounds\' p99s', () => {
    const quiet = Array.from({ length: 100 }, (_, i) => i + 1); // p99 99
    const bad = Array.from({ length: 100 }, (_, i) => (i < 90 ? 10 : 500)); // p99 500
    const rounds = [quiet, quiet, bad];
    expect(median(rounds.map((r) => percentile(r, 99)))).toBe(99);
    expect(pooledPercentile(rounds, 99)).toBe(500);
    expect(pooledPercentile([[1, 2], [3, 4]], 50)).toBe(2);
    expect(pooledPercentile([], 99)).toBeNaN();
  });

  it('open-loop latency runs from the scheduled send time, so a sender that falls behind shows', () => {
    const due = schedule(1000, 4, 200); // every 5 ms from t = 1000
    expect(due).toEqual([1000, 1005, 1010, 1015]);
    // the sender stalled 100 ms before the 3rd request; each answer took 2 ms after it was actually sent
    const sent = [1000, 1005, 1110, 1111];
    const done = sent.map((t) => t + 2);
    expect(scheduledLatencies(due, done)).toEqual([2, 2, 102, 98]);
    expect(scheduledLatencies(due, [1002, null, 1012, 1017])).toEqual([2, 2, 2]); // an unanswered request is not a latency
  });

  it('warm-up ends when two consecutive rounds agree within 10%', () => {
    expect(warmedUp([])).toBe(false);
    expect(warmedUp([1000])).toBe(false);
    expect(warmedUp([1037, 224])).toBe(false); // the first approval round of the re-run
    expect(warmedUp([1037, 224, 240])).toBe(true);
    expect(warmedUp([100, 112])).toBe(false);
    expect(warmedUp([100, 109])).toBe(true);
    expect(warmedUp([NaN, NaN])).toBe(false);
  });

  it('the Zipf sampler is repeatable for a seed, differs across seeds, covers the table and is skewed', () => {
    const a = zipfIds(1_000_000, 5000, 42);
    expect(zipfIds(1_000_000, 5000, 42)).toEqual(a);
    expect(zipfIds(1_000_000, 5000, 43)).not.toEqual(a);
    expect(a.every((id) => Number.isInteger(id) && id >= 1 && id <= 1_000_000)).toBe(true);
    // across the whole table, not the first ids: some draws land in every tenth of it
    const tenths = new Set(a.map((id) => Math.floor((id - 1) / 100_000)));
    expect(tenths.size).toBe(10);
    // skewed: the most drawn id is drawn far more than a uniform draw would (5000 / 1M ≈ 0)
    const counts = new Map<number, number>();
    for (const id of a) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeGreaterThan(100);
    // many distinct ids: not a small hot set cycled
    expect(counts.size).toBeGreaterThan(1500);
  });

  it('ranks map onto ids one to one', () => {
    for (const n of [1, 7, 10, 1000]) {
      const f = rankToId(n, 5);
      const ids = new Set(Array.from({ length: n }, (_, k) => f(k)));
      expect(ids.size).toBe(n);
      expect(Math.min(...ids)).toBe(1);
      expect(Math.max(...ids)).toBe(n);
    }
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
  const r3 = (rounds: number[], pooled?: number) => ({ value: rounds[0], rounds, ...(pooled !== undefined ? { pooled } : {}) });

  it('a latency target is judged on every sample pooled, never on the middle round', () => {
    // The re-run's claim storm: rounds 128 / 88 / 133 ms used to be reported as 88 (median) and passed.
    expect(judge(r3([128, 88, 133], 126), maxT, small)).toMatchObject({ kind: 'missed', fails: true, judged: 126, judgedOn: 'pooled over 3 rounds' });
    expect(judge(r3([40, 45, 48], 47), maxT, small)).toMatchObject({ kind: 'met', fails: false, judged: 47 });
    expect(judge(r3([40, 45, 48], 50), maxT, small).kind).toBe('met'); // the boundary meets
  });

  it('without a pooled figure, a latency target must be met by every round', () => {
    // recycle: rounds 1.4 / 2.4 / 1.6 s against < 2 s: the worst round decides
    const twoSec: Target = { issue: 5, description: 'recycle < 2 s', kind: 'max', value: 2, unit: 's' };
    expect(judge(r3([1.4, 2.4, 1.6]), twoSec, small)).toMatchObject({ kind: 'missed', fails: true, judged: 2.4, judgedOn: 'worst of 3 rounds' });
    expect(judge(r3([1.4, 1.9, 1.6]), twoSec, small)).toMatchObject({ kind: 'met', judged: 1.9 });
  });

  it('"within noise" never turns a miss into a pass: a noisier run is not more likely to pass', () => {
    // 360° p99 rounds 179 / 249 / 109 / 93 / 74 once passed "within noise"
    const v = judge({ value: 109, noise: 87.5, rounds: [179, 249, 109, 93, 74] }, { ...maxT, value: 100 }, small);
    expect(v).toMatchObject({ kind: 'missed', fails: true, judged: 249 });
    const quiet = judge({ value: 54, noise: 0.5, rounds: [54, 54, 54] }, maxT, small);
    const noisy = judge({ value: 54, noise: 40, rounds: [14, 54, 94] }, maxT, small);
    expect([quiet.kind, noisy.kind]).toEqual(['missed', 'missed']);
  });

  it('a ratio target is judged on the median of at least 3 rounds', () => {
    expect(judge(r3([0.55, 0.62, 0.7]), minT, small)).toMatchObject({ kind: 'met', judged: 0.62, judgedOn: 'median of 3 rounds' });
    expect(judge(r3([0.5, 0.58, 0.9]), minT, small)).toMatchObject({ kind: 'missed', fails: true, judged: 0.58 });
    // the headline value a scenario passes does not matter: the rounds do
    expect(judge({ value: 0.9, rounds: [0.5, 0.5, 0.9] }, minT, small)).toMatchObject({ kind: 'missed', judged: 0.5 });
  });

  it('a timed target with fewer than 3 rounds fails outside smoke (the lead import at full scale had one)', () => {
    expect(judge({ value: 0.4, rounds: [0.4] }, minT, small)).toMatchObject({ kind: 'missed', fails: true, reason: '1 round: a target needs at least 3' });
    expect(judge({ value: 0.4 }, minT, small)).toMatchObject({ kind: 'missed', fails: true });
    expect(judge({ value: 0.4, rounds: [0.4] }, minT, { scale: 'small', smoke: true }).fails).toBe(false);
    const size: Target = { issue: 7, description: 'bundle', kind: 'max', value: 1024, unit: 'KB', deterministic: true };
    expect(judge({ value: 500 }, size, small)).toMatchObject({ kind: 'met', judgedOn: 'one value' });
  });

  it('NaN figures miss', () => {
    expect(judge(r3([NaN, NaN, NaN]), maxT, small)).toMatchObject({ kind: 'missed', fails: true });
  });

  it('never fails a smoke run, nor a target defined at another scale', () => {
    expect(judge(r3([500, 500, 500]), maxT, { scale: 'small', smoke: true })).toMatchObject({ kind: 'missed', fails: false });
    expect(judge(r3([0.1, 0.1, 0.1]), fullOnly, small)).toMatchObject({ kind: 'missed', fails: false, reason: 'target defined at --scale full' });
    expect(judge(r3([0.1, 0.1, 0.1]), fullOnly, full)).toMatchObject({ kind: 'missed', fails: true });
  });

  it('never fails a SQLite run on a target defined on MySQL', () => {
    const mysqlOnly: Target = { ...minT, dialect: 'mysql' };
    expect(judge(r3([0.1, 0.1, 0.1]), mysqlOnly, { ...small, dialect: 'sqlite' })).toMatchObject({ kind: 'missed', fails: false, reason: 'target defined on mysql' });
    expect(judge(r3([0.1, 0.1, 0.1]), mysqlOnly, { ...small, dialect: 'mysql' })).toMatchObject({ kind: 'missed', fails: true });
  });

  it('a zero target (no 429s) is judged on the sum over all rounds', () => {
    const zero: Target = { issue: 4, description: 'no 429', kind: 'max', value: 0, unit: 'count' };
    expect(judge(r3([0, 0, 0], 0), zero, small).kind).toBe('met');
    expect(judge(r3([0, 1, 0], 1), zero, small)).toMatchObject({ kind: 'missed', fails: true, gap: Infinity });
  });

  it('figures without a target are reported, never judged', () => {
    expect(judgeFigure({ name: 'rps', value: 1, unit: 'req/s' }, small)).toMatchObject({ kind: 'no-target', fails: false });
    expect(judgeFigure({ name: 'p99', value: 9, rounds: [9, 9, 999], pooled: 999, unit: 'ms', target: 'health.p99' }, small).fails).toBe(true);
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
