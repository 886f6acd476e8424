import { createContext } from '../../core/compose';
import { createDb, type Db } from '../../core/db/connection';
import type { CoreContext } from '../../core/context';
import { bumpCacheVersion, CACHE_CHECK_MS, versionedCache } from '../../core/db/cache-versions';
import { DEFAULT_POLICY } from '../../core/approvals/rules';
import { getApprovalPolicy, setApprovalPolicy } from '../../core/approvals/chain';
import { listPipelines, updatePipeline } from '../../core/opportunities/pipelines';
import { describeEachDb } from '../helpers/db';

const system = { kind: 'system' } as const;

/** Polls `read` until `done` holds; answers the milliseconds it took. */
async function until<T>(read: () => Promise<T>, done: (x: T) => boolean, timeoutMs = 5_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (done(await read())) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error('not seen in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeEachDb('cache versions: per-process caches invalidated across processes', (h) => {
  // A second database handle (its own pool and its own caches) stands for a second process.
  let other: Db;
  let b: CoreContext;
  beforeAll(async () => {
    other = createDb(h.url);
    b = createContext(other);
  });
  afterAll(async () => other.close());

  it('an approval policy set through one process is used by another within a second (the writer at once)', async () => {
    const a = createContext(h.db);
    expect((await getApprovalPolicy(b)).discountLimitBp).toBe(DEFAULT_POLICY.discountLimitBp); // cached in b
    await getApprovalPolicy(a);
    await setApprovalPolicy(a, system, { ...DEFAULT_POLICY, discountLimitBp: 1234 });
    expect((await getApprovalPolicy(a)).discountLimitBp).toBe(1234);
    const ms = await until(() => getApprovalPolicy(b), (p) => p.discountLimitBp === 1234);
    expect(ms).toBeLessThan(1_000);
    console.log(`approval policy seen by the other process after ${ms} ms`);
  });

  it('a pipeline renamed through one process is seen by another within a second', async () => {
    const a = createContext(h.db);
    const before = await listPipelines(b);
    const p = before.find((x) => x.isDefault)!;
    await updatePipeline(a, system, 'api', { pipelineId: p.id, name: '新流程名' });
    expect((await listPipelines(a)).find((x) => x.id === p.id)!.name).toBe('新流程名');
    const ms = await until(() => listPipelines(b), (ps) => ps.find((x) => x.id === p.id)!.name === '新流程名');
    expect(ms).toBeLessThan(1_000);
  });

  it('readers ask the database for versions at most once per check interval, and a bump commits with its transaction', async () => {
    const cache = versionedCache<number>('test.value');
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get(other, 'k', load)).toBe(1);
    for (let i = 0; i < 20; i++) expect(await cache.get(other, 'k', load)).toBe(1); // no reload without a bump
    // A bump rolled back changes nothing.
    await expect(h.db.tx(async (t) => {
      await bumpCacheVersion(h.db, t, 'test.value');
      throw new Error('rollback');
    })).rejects.toThrow('rollback');
    await new Promise((r) => setTimeout(r, CACHE_CHECK_MS + 50));
    expect(await cache.get(other, 'k', load)).toBe(1);
    await h.db.tx((t) => bumpCacheVersion(h.db, t, 'test.value'));
    await new Promise((r) => setTimeout(r, CACHE_CHECK_MS + 50));
    expect(await cache.get(other, 'k', load)).toBe(2);
  });
});
