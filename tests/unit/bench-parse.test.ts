import scenario from '../../bench/scenarios/parse';
import { companyNames } from '../../bench/lib/company-names';
import { TARGETS } from '../../bench/targets';
import type { Harness } from '../../bench/types';

describe('bench scenario parse', () => {
  it('generates realistic, deterministic company names', () => {
    const a = companyNames(2000, 3);
    expect(companyNames(2000, 3)).toEqual(a);
    expect(a.filter((n) => /有限公司|集团$/.test(n)).length).toBeGreaterThan(1000);
    expect(a.some((n) => /^[A-Z][a-z]+ [A-Z]/.test(n))).toBe(true);
  });

  it('reports dictionary load time and memory and parse p50/p99 (smoke: a small dictionary)', async () => {
    expect(scenario).toMatchObject({ name: 'parse', issue: 16, database: 'none' });
    for (const t of scenario.targets) expect(TARGETS[t]).toBeDefined();
    const logs: string[] = [];
    const h = { smoke: true, scale: 'small', log: (m: string) => logs.push(m) } as unknown as Harness;
    const r = await scenario.run(h);
    const byName = Object.fromEntries(r.figures.map((f) => [f.name.replace(/\s*\(.*\)$/, ''), f]));
    expect(Object.keys(byName)).toEqual(['dictionary load', 'dictionary memory', 'parse p50', 'parse p99', 'parse p50 CPU time', 'parse p99 CPU time']);
    expect(byName['dictionary memory']).toMatchObject({ unit: 'MB', target: 'parse.dictionary-memory' });
    expect(byName['parse p99']).toMatchObject({ unit: 'ms', target: 'parse.p99' });
    expect(byName['parse p99'].rounds).toHaveLength(3);
    for (const f of r.figures) expect(f.value).toBeGreaterThan(0);
    expect(byName['parse p50'].value).toBeLessThanOrEqual(byName['parse p99'].value);
    expect(r.details).toMatchObject({ customers: 20_000, messages: 300 });
    expect((r.details as { matched: number }).matched).toBeGreaterThan(50);
  }, 60_000);
});
