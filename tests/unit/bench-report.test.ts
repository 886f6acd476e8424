import { parseArgs, resolveDatabaseUrl } from '../../bench/lib/args';
import { fingerprint, plannedTables } from '../../bench/lib/seed';
import { checkLoads, seedMarkdown, judgeAll, MARKERS, replaceSection, resultsMarkdown, runRecord, runsMarkdown, terminalTable, valueText, type ScenarioRecord } from '../../bench/lib/report';
import { standardFigures, loadDefaults } from '../../bench/lib/harness';
import { stat } from '../../bench/lib/stats';
import { TARGETS } from '../../bench/targets';
import type { LoadResult, SeedTable } from '../../bench/types';

describe('bench arguments', () => {
  it('defaults to every scenario at small scale', () => {
    expect(parseArgs([])).toEqual({ scenarios: [], scale: 'small', smoke: false, list: false, seedOnly: false, reseed: false, help: false });
  });
  it('reads repeated and comma-separated scenarios, --scale and --smoke in both forms', () => {
    const a = parseArgs(['--scenario', 'health', '--scenario=customer-360,pool-claim', '--scale=full', '--smoke']);
    expect(a.scenarios).toEqual(['health', 'customer-360', 'pool-claim']);
    expect(a.scale).toBe('full');
    expect(a.smoke).toBe(true);
  });
  it('rejects a bad scale, a missing value and unknown flags', () => {
    expect(() => parseArgs(['--scale', 'huge'])).toThrow(/--scale must be small or full/);
    expect(() => parseArgs(['--scenario'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument/);
  });
  it('chooses the database: smoke always a temp SQLite file, full only on MySQL', () => {
    const smoke = parseArgs(['--smoke']);
    expect(resolveDatabaseUrl(smoke, { BENCH_DATABASE_URL: 'mysql://x/y' }, 'sqlite:/tmp/s.sqlite')).toBe('sqlite:/tmp/s.sqlite');
    expect(resolveDatabaseUrl(parseArgs([]), {}, '')).toBe('sqlite:data/bench.sqlite');
    expect(resolveDatabaseUrl(parseArgs([]), { DATABASE_URL: 'mysql://a/b', BENCH_DATABASE_URL: 'mysql://a/bench' }, '')).toBe('mysql://a/bench');
    expect(resolveDatabaseUrl(parseArgs(['--scale', 'full']), { DATABASE_URL: 'sqlite:x' }, '')).toBe('own');
    expect(() => resolveDatabaseUrl(parseArgs(['--scale', 'full']), { BENCH_DATABASE_URL: 'sqlite:x' }, '')).toThrow(/needs MySQL/);
  });
  it('shrinks load under smoke and grows it at full scale', () => {
    expect(loadDefaults('small', true)).toMatchObject({ rounds: 3, warmupSec: 0, connections: 2 });
    for (const [scale, smoke] of [['small', true], ['small', false], ['full', false]] as const) expect(loadDefaults(scale, smoke).rounds).toBeGreaterThanOrEqual(3);
    expect(loadDefaults('full', false).rounds).toBeGreaterThan(loadDefaults('small', false).rounds);
  });
});

describe('bench seed fingerprint', () => {
  const base = { scale: 'small' as const, migrations: ['a', 'b'], factoryVersion: 1, tables: [{ table: 'leads', version: 1, rows: 5000 }] };
  it('is stable for the same inputs in any order', () => {
    expect(fingerprint(base)).toBe(fingerprint({ ...base, migrations: ['b', 'a'] }));
  });
  it('changes with the scale, a migration, the factory version or a seed table', () => {
    const fp = fingerprint(base);
    expect(fingerprint({ ...base, scale: 'full' })).not.toBe(fp);
    expect(fingerprint({ ...base, migrations: ['a', 'b', 'c'] })).not.toBe(fp);
    expect(fingerprint({ ...base, factoryVersion: 2 })).not.toBe(fp);
    expect(fingerprint({ ...base, tables: [{ table: 'leads', version: 2, rows: 5000 }] })).not.toBe(fp);
  });
  it('seeds a scenario table once, only when it exists, never a core table', () => {
    const t = (table: string): SeedTable => ({ table, version: 1, rows: { smoke: 1, small: 1, full: 1 }, row: () => ({}) });
    const planned = plannedTables([t('leads'), t('leads'), t('tickets'), t('customers')], new Set(['leads', 'customers']));
    expect(planned.map((p) => p.table)).toEqual(['leads']);
  });
});

const load = (rps: number[], p99: number[], pooledP99 = Math.max(...p99)): LoadResult => ({
  rps: stat(rps),
  p50: stat(p99.map((x) => x / 4)),
  p99: stat(p99),
  requests: 1000,
  errors: 0,
  non2xx: 0,
  status5xx: 0,
  pooledP50: pooledP99 / 4,
  pooledP99,
  warmupRps: [],
});

describe('bench report', () => {
  it('standard figures carry every round, the pooled latency and the targets asked for', () => {
    const product = load([900, 1000, 1100], [40, 45, 60], 58);
    const baseline = load([1800, 2000, 2200], [20, 20, 20]);
    const figs = standardFigures('GET /x', { product, baseline, ratio: stat([0.5, 0.5, 0.5]) }, { ratio: 'customer-360.ratio', p99: 'customer-360.p99' });
    expect(figs.map((f) => f.name)).toEqual(['GET /x req/s', 'GET /x p50', 'GET /x p99', 'baseline req/s', 'baseline p99', 'ratio to baseline']);
    expect(figs[0]).toMatchObject({ value: 1000, rounds: [900, 1000, 1100], unit: 'req/s' });
    // the latency headline is the pooled figure, not the median of the rounds' p99s (45)
    expect(figs[2]).toMatchObject({ value: 58, pooled: 58, rounds: [40, 45, 60], target: 'customer-360.p99' });
    expect(figs[5]).toMatchObject({ value: 0.5, rounds: [0.5, 0.5, 0.5], target: 'customer-360.ratio' });
  });

  const record = (over: Partial<ScenarioRecord> = {}): ScenarioRecord => ({
    scenario: 'health',
    issue: 3,
    description: 'GET /healthz | bare',
    status: 'ok',
    date: '2026-11-22T16:00:00.000Z',
    machine: '2 × cpu',
    scale: 'small',
    smoke: false,
    dialect: 'mysql',
    seed: { counts: {}, fingerprint: 'f' },
    seconds: 1,
    peakRssMb: { server: 120, baseline: 60 },
    figures: judgeAll(
      [
        { name: 'p99', value: 70, rounds: [65, 70, 75], pooled: 70, unit: 'ms', target: 'health.p99' },
        { name: 'req/s', value: 5000, unit: 'req/s' },
      ],
      { scale: 'small', smoke: false },
    ),
    notes: ['a note'],
    ...over,
  });

  it('judges figures and shows the gap on the terminal', () => {
    const r = record();
    expect(r.figures[0]).toMatchObject({ verdict: 'missed', fails: true, targetText: '≤ 50 ms' });
    const table = terminalTable(r);
    expect(table).toContain('MISSED by 40% (pooled over 3 rounds: 70.0)');
    expect(table).toContain('65.0 / 70.0 / 75.0 (3)');
    expect(table).toContain('server peak RSS');
    expect(valueText(r.figures[0])).toBe('70.0 ms');
  });

  it('renders every target, measured or not, and escapes table pipes', () => {
    const md = resultsMarkdown([record()]);
    expect(md.targets.split('\n')).toHaveLength(2 + Object.keys(TARGETS).length);
    expect(md.targets).toMatch(/`health.p99` \| #3 \| ≤ 50 ms \| .*\| 70.0 ms \| 65.0 \/ 70.0 \/ 75.0 \(3\) \| small \/ mysql \| MISSED by 40%/);
    expect(md.latest).toContain('| 65.0, 70.0, 75.0 | 70.0 |');
    expect(md.targets).toMatch(/`approval.p99` \| #8 .*not measured yet/);
    expect(md.latest).toContain('GET /healthz \\| bare');
    expect(md.latest).toContain('2026-11-22 16:00 UTC');
  });

  it('holds targets against the latest full-scale figure when there is one', () => {
    const fullRec = record({ scale: 'full', figures: judgeAll([{ name: 'p99', value: 30, rounds: [20, 30, 40], pooled: 30, unit: 'ms', target: 'health.p99' }], { scale: 'full', smoke: false }) });
    const md = resultsMarkdown([record()], [fullRec]);
    expect(md.targets).toMatch(/`health.p99` .*\| 30.0 ms \| 20.0 \/ 30.0 \/ 40.0 \(3\) \| full \/ mysql \| met/);
    expect(md.full).toContain('`--scale full`');
    expect(resultsMarkdown([record()]).full).toContain('No full-scale run recorded yet');
  });

  it('the targets table shows the number the verdict was taken on, not the median of the rounds', () => {
    const rec = record({ scale: 'full', figures: judgeAll([{ name: 'recycle', value: 1.18, rounds: [1.04, 1.18, 2.4], unit: 's', target: 'recycle.duration' }], { scale: 'full', smoke: false }) });
    const md = resultsMarkdown([rec], [rec]);
    expect(md.targets).toMatch(/`recycle.duration` .*\| 2.40 s \| 1.04 \/ 1.18 \/ 2.40 \(3\) \| full \/ mysql \| MISSED by 20% \(worst of 3 rounds: 2.40\)/);
  });

  it('replaces a marked section in place, or appends it with a heading', () => {
    const doc = `# B\n\nintro\n\n${MARKERS.latest[0]}\nold\n${MARKERS.latest[1]}\n\nafter\n`;
    const out = replaceSection(doc, MARKERS.latest, 'new', '## Latest');
    expect(out).toBe(`# B\n\nintro\n\n${MARKERS.latest[0]}\nnew\n${MARKERS.latest[1]}\n\nafter\n`);
    const appended = replaceSection('# B\n', MARKERS.targets, 'x', '## Targets');
    expect(appended).toBe(`# B\n\n## Targets\n\n${MARKERS.targets[0]}\nx\n${MARKERS.targets[1]}\n`);
  });
});

describe('bench run records', () => {
  it('one table per run: machine, load average during the run, every round of every targeted figure', () => {
    const rec: ScenarioRecord = {
      scenario: 'claim-storm',
      issue: 5,
      description: 'd',
      status: 'failed',
      date: '2026-12-07T19:00:00.000Z',
      machine: '2 × EPYC',
      scale: 'full',
      smoke: false,
      dialect: 'mysql',
      load: { min: 1.5, mean: 2, max: 3.25, samples: 4 },
      seed: { counts: {}, fingerprint: 'f' },
      seconds: 60,
      peakRssMb: { server: null, baseline: null },
      figures: judgeAll([{ name: 'storm p99', value: 120, rounds: [128, 88, 133], pooled: 120, unit: 'ms', target: 'pool-claim.p99' }], { scale: 'full', smoke: false }),
      notes: [],
    };
    const run = runRecord([rec], 75);
    expect(run.load).toEqual({ min: 1.5, mean: 2, max: 3.25 });
    const md = runsMarkdown([run]);
    expect(md).toContain('2 × EPYC');
    expect(md).toContain('load average (1 min) during the run 1.50–3.25');
    expect(md).toContain('| claim-storm | storm p99 | 128, 88.0, 133 | 120 | pooled over 3 rounds: 120 | MISSED by 20% |');
  });
});

describe('bench load checks', () => {
  const r = (over: Partial<LoadResult>): LoadResult => ({ ...load([100], [10]), ...over });
  it('accepts a working product and notes refusals (4xx) without failing', () => {
    expect(checkLoads([{ target: 'product', result: r({}) }])).toEqual({ notes: [] });
    const refused = checkLoads([{ target: 'product', result: r({ non2xx: 900, status5xx: 0 }) }]);
    expect(refused.error).toBeUndefined();
    expect(refused.notes[0]).toMatch(/900 non-2xx \(0 5xx\) of 1000/);
  });
  it('fails on no answers, more than 1% 5xx, or dropped connections', () => {
    expect(checkLoads([{ target: 'product', result: r({ rps: stat([0]), requests: 0 }) }]).error).toMatch(/no request/);
    expect(checkLoads([{ target: 'product', result: r({ non2xx: 20, status5xx: 20 }) }]).error).toMatch(/20 of 1000 requests with 5xx/);
    expect(checkLoads([{ target: 'product', result: r({ errors: 11 }) }]).error).toMatch(/11 connection errors/);
    expect(checkLoads([{ target: 'product', result: r({ errors: 10 }) }]).error).toBeUndefined();
  });
  it('never fails on the baseline', () => {
    expect(checkLoads([{ target: 'baseline', result: r({ status5xx: 1000, non2xx: 1000 }) }]).error).toBeUndefined();
  });
});

describe('bench seed timings', () => {
  it('renders one table per recorded seed with rows/s', () => {
    const md = seedMarkdown([
      { scale: 'full', dialect: 'mysql', date: '2026-11-22T16:02:20.000Z', machine: 'm', fingerprint: 'f', topUp: false, totalSeconds: 100, counts: {}, timings: [{ table: 'customers', rows: 1_000_000, seconds: 50 }] },
    ]);
    expect(md).toContain('**full** on mysql, 100 s in all');
    expect(md).toContain('| customers | 1,000,000 | 50.0 s | 20,000 |');
    expect(seedMarkdown([])).toMatch(/No seed/);
  });
});
