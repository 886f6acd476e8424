import { runCli } from '../../server/cli/run';
import type { CliIo } from '../../server/cli/types';
import { bufferPoolCheck, checkBufferPool, readBufferPoolFigures } from '../../server/cli/doctor';
import { describeEachDb } from '../helpers/db';

const MB = 2 ** 20;

function io(): CliIo & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (l) => out_.push(l), err: (l) => err_.push(l) };
}

describe('doctor: buffer pool against the customer tables (pure)', () => {
  const tables = [
    { name: 'activities', bytes: 750 * MB },
    { name: 'contacts', bytes: 100 * MB },
    { name: 'customers', bytes: 550 * MB },
  ];
  it('warns in zh-CN with the figures when the pool is smaller than the tables and their indexes', () => {
    const c = bufferPoolCheck({ poolBytes: 128 * MB, tables });
    expect(c.ok).toBe(false);
    expect(c.tableBytes).toBe(1400 * MB);
    expect(c.suggestedBytes).toBe(1792 * MB); // 1.25 × 1,400 MB rounded up to 128 MB
    expect(c.message).toContain('innodb_buffer_pool_size）为 128 MB');
    expect(c.message).toContain('1.37 GB');
    expect(c.message).toContain('customers 550 MB');
    expect(c.message).toContain('至少 1.75 GB');
  });
  it('in English under CRM_LOCALE=en; no warning when the pool holds them', () => {
    expect(bufferPoolCheck({ poolBytes: 128 * MB, tables }, 'en').message).toMatch(/^InnoDB buffer pool \(innodb_buffer_pool_size\) is 128 MB, smaller than the customer tables/);
    const ok = bufferPoolCheck({ poolBytes: 2048 * MB, tables }, 'en');
    expect(ok.ok).toBe(true);
    expect(ok.message).toMatch(/holds the customer tables/);
    expect(bufferPoolCheck({ poolBytes: 1400 * MB, tables }).ok).toBe(true); // equal holds
  });
});

describeEachDb('crm doctor', (h) => {
  it('SQLite: nothing to check; MySQL: reads the pool and the three customer tables, read-only', async () => {
    const f = await readBufferPoolFigures(h.ctx.db);
    if (h.ctx.db.dialect === 'sqlite') {
      expect(f).toBeNull();
      expect(await checkBufferPool(h.ctx.db)).toBeNull();
    } else {
      expect(f!.poolBytes).toBeGreaterThan(0);
      expect(f!.tables.map((t) => t.name)).toEqual(['activities', 'contacts', 'customers']);
      for (const t of f!.tables) expect(t.bytes).toBeGreaterThan(0);
    }
    const o = io();
    expect(await runCli(['doctor'], { DATABASE_URL: h.url }, o)).toBe(0);
    const text = [...o.out_, ...o.err_].join('\n');
    if (h.ctx.db.dialect === 'sqlite') expect(text).toMatch(/没有需要检查/);
    else expect(text).toMatch(/InnoDB 缓冲池/); // fresh test tables are tiny: the pool holds them
    const en = io();
    expect(await runCli(['doctor'], { DATABASE_URL: h.url, CRM_LOCALE: 'en' }, en)).toBe(0);
    expect([...en.out_, ...en.err_].join('\n')).toMatch(h.ctx.db.dialect === 'sqlite' ? /no server settings to check/ : /InnoDB buffer pool/);
  });
});
