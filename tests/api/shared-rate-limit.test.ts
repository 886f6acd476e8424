import { Redis } from 'ioredis';
import { createContext } from '../../core/compose';
import { createDb, type Db } from '../../core/db/connection';
import { migrate } from '../../core/db/migrator';
import type { AppError } from '../../core/errors';
import { consumeOrRefuse, sharedRateLimiter } from '../../server/http/rate-limit';
import { freshDatabase, MYSQL_URL, SETUP_TIMEOUT_MS, type TestDatabase } from '../helpers/db';
import { startRedis, type TestRedis } from '../helpers/redis';

/** Two limiters built as two processes would build them: the third request of a 2-per-minute budget is refused. */
async function outcomes(a: ReturnType<typeof sharedRateLimiter>, b: ReturnType<typeof sharedRateLimiter>, key: string): Promise<string[]> {
  const out: string[] = [];
  for (const l of [a, b, a, b]) out.push(await consumeOrRefuse(l, key).then(() => 'ok', (e: AppError) => e.code));
  return out;
}

describe('rate limits of /mp/v1 and the lead form across processes', () => {
  it('SQLite (one process): in memory, each limiter its own', async () => {
    const db = createDb('sqlite::memory:');
    const core = createContext(db);
    const a = sharedRateLimiter({ core }, { keyPrefix: 't', points: 2, duration: 60 });
    const b = sharedRateLimiter({ core }, { keyPrefix: 't', points: 2, duration: 60 });
    expect(await outcomes(a, b, 'ip1')).toEqual(['ok', 'ok', 'ok', 'ok']);
    await db.close();
  });

  (MYSQL_URL ? describe : describe.skip)('MySQL', () => {
    let tdb: TestDatabase;
    const dbs: Db[] = [];
    beforeAll(async () => {
      tdb = await freshDatabase('mysql');
      const db = createDb(tdb.url);
      dbs.push(db);
      await migrate(db);
    }, SETUP_TIMEOUT_MS);
    afterAll(async () => {
      await Promise.all(dbs.map((d) => d.close()));
      await tdb?.drop();
    }, SETUP_TIMEOUT_MS);

    it('two processes (two pools) share one count in rate_limits: the third request is refused with the wait', async () => {
      const [one, two] = [createDb(tdb.url), createDb(tdb.url)];
      dbs.push(one, two);
      const a = sharedRateLimiter({ core: createContext(one) }, { keyPrefix: 'mp-signin', points: 2, duration: 60 });
      const b = sharedRateLimiter({ core: createContext(two) }, { keyPrefix: 'mp-signin', points: 2, duration: 60 });
      expect(await outcomes(a, b, '10.0.0.1')).toEqual(['ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
      const err = await consumeOrRefuse(a, '10.0.0.1').catch((e: AppError) => e);
      expect((err as AppError).data).toMatchObject({ retryAfterSeconds: expect.any(Number) });
      expect(await outcomes(a, b, '10.0.0.2')).toEqual(['ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']); // per key
    });
  });

  describe('Redis (REDIS_URL)', () => {
    let server: TestRedis | null = null;
    const clients: Redis[] = [];
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
      await server?.stop();
    });

    it('two processes (two clients) share one count', async () => {
      if (!server) return console.warn('skipped: redis-server is not installed');
      const db = createDb('sqlite::memory:');
      const core = createContext(db);
      const [ra, rb] = [new Redis(server.url), new Redis(server.url)];
      clients.push(ra, rb);
      const a = sharedRateLimiter({ core, redis: ra }, { keyPrefix: 'lead-ip', points: 2, duration: 60 });
      const b = sharedRateLimiter({ core, redis: rb }, { keyPrefix: 'lead-ip', points: 2, duration: 60 });
      expect(await outcomes(a, b, '10.0.0.9')).toEqual(['ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
      await db.close();
    });
  });
});
