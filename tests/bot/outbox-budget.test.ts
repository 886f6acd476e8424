import { Redis } from 'ioredis';
import { createContext } from '../../core/compose';
import { createDb, type Db } from '../../core/db/connection';
import { migrate } from '../../core/db/migrator';
import { enqueueMessages } from '../../core/notifications/outbox';
import { OutboxWorker } from '../../bot/outbox/worker';
import { MemoryBudgetStore, SendLimits, type BudgetStore } from '../../bot/outbox/limits';
import { DbBudgetStore } from '../../bot/outbox/budget-db';
import { RedisBudgetStore } from '../../bot/outbox/budget-redis';
import { sendLimitsFor } from '../../bot/outbox/budget';
import { freshDatabase, MYSQL_URL, SETUP_TIMEOUT_MS, type TestDatabase } from '../helpers/db';
import { memoryLogger } from '../helpers/app';
import { FakeLark } from '../helpers/fake-lark';
import { peakRates } from '../helpers/lark-rates';
import { startRedis, type TestRedis } from '../helpers/redis';

jest.setTimeout(90_000);

const logger = memoryLogger('error').logger;
const limits = { app: 50, receiver: 5 };

/**
 * One store kind: `make()` gives a store as a separate process would have it (its own connection pool / client),
 * so concurrency between two of them is concurrency between processes.
 */
interface Kind {
  name: string;
  skip: string | null;
  setup(): Promise<void>;
  make(): BudgetStore;
  teardown(): Promise<void>;
}

function memoryKind(): Kind {
  const store = new MemoryBudgetStore();
  return { name: 'memory', skip: null, setup: async () => undefined, make: () => store, teardown: async () => undefined };
}

function dbKind(): Kind {
  let tdb: TestDatabase;
  const dbs: Db[] = [];
  return {
    name: 'mysql',
    skip: MYSQL_URL ? null : 'TEST_MYSQL_URL is not set',
    async setup() {
      if (!MYSQL_URL) return;
      tdb = await freshDatabase('mysql');
      const db = createDb(tdb.url);
      await migrate(db);
      dbs.push(db);
    },
    make() {
      const db = createDb(tdb.url);
      dbs.push(db);
      return new DbBudgetStore(db);
    },
    async teardown() {
      await Promise.all(dbs.map((d) => d.close()));
      await tdb?.drop();
    },
  };
}

function redisKind(): Kind {
  let server: TestRedis | null = null;
  const clients: Redis[] = [];
  const kind: Kind = {
    name: 'redis',
    skip: null,
    async setup() {
      server = await startRedis();
      if (!server) kind.skip = 'redis-server is not installed';
    },
    make() {
      const c = new Redis(server!.url, { maxRetriesPerRequest: 2 });
      clients.push(c);
      return new RedisBudgetStore(c, `t${process.pid}`);
    },
    async teardown() {
      await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
      await server?.stop();
    },
  };
  return kind;
}

for (const kind of [memoryKind(), dbKind(), redisKind()]) {
  describe(`Lark send budget [${kind.name}]`, () => {
    beforeAll(() => kind.setup(), SETUP_TIMEOUT_MS);
    afterAll(() => kind.teardown(), SETUP_TIMEOUT_MS);
    // Known before the run (no TEST_MYSQL_URL): skipped; found at setup (no redis-server): passes with a warning.
    const run = (name: string, fn: () => Promise<void>) =>
      (kind.skip ? it.skip : it)(name, async () => {
        if (kind.skip) {
          console.warn(`skipped (${kind.skip}): ${name}`);
          return;
        }
        await fn();
      });

    run('grants what fits in the second (partially), refuses beyond both limits, starts over the next second and takes back what was returned', async () => {
      const s = kind.make();
      const sec = 1_000_000 + Math.floor(Math.random() * 1_000_000);
      const small = { app: 10, receiver: 5 };
      expect(await s.take('c1', sec, 3, true, small)).toEqual({ n: 3, appFull: false });
      expect(await s.take('c1', sec, 3, true, small)).toEqual({ n: 2, appFull: false }); // receiver: 5 a second
      expect((await s.take('c1', sec, 1, true, small)).n).toBe(0);
      expect(await s.take('c2', sec, 5, true, small)).toEqual({ n: 5, appFull: false }); // app now at 10
      expect(await s.take('c3', sec, 2, true, small)).toEqual({ n: 0, appFull: true });
      expect((await s.take('m1', sec, 2, false, small)).n).toBe(2); // not counted against the app (a patch)
      await s.giveBack('c2', sec, 2, true);
      expect(await s.take('c3', sec, 5, true, small)).toEqual({ n: 2, appFull: false });
      expect(await s.take('c1', sec + 1, 5, true, small)).toEqual({ n: 5, appFull: false });
    });

    run('two processes taking concurrently never grant more than the limits in one second (and grant all of it)', async () => {
      const a = kind.make();
      const b = kind.make();
      const sec = 3_000_000 + Math.floor(Math.random() * 1_000_000);
      const takes = Array.from({ length: 80 }, (_, i) => ({ store: i % 2 ? a : b, receiver: `chat${i % 20}`, want: 1 + (i % 5) }));
      const got = await Promise.all(takes.map((t) => t.store.take(t.receiver, sec, t.want, true, limits).then((r) => ({ ...t, n: r.n }))));
      const perReceiver = new Map<string, number>();
      for (const g of got) perReceiver.set(g.receiver, (perReceiver.get(g.receiver) ?? 0) + g.n);
      expect(Math.max(...perReceiver.values())).toBeLessThanOrEqual(5);
      expect(got.reduce((s, g) => s + g.n, 0)).toBe(50);
    });

    run('two outbox workers of two "processes" share the budget: 300 messages to 10 chats, each once, no 429, ≤ 50/s and ≤ 5/s per chat', async () => {
      const fake = await FakeLark.start();
      // A database for the outbox rows (SQLite file here: the budget under test is the store's).
      const tdb = await freshDatabase('sqlite');
      const db = createDb(tdb.url);
      try {
        await migrate(db);
        const core = createContext(db);
        await core.db.tx((t) => enqueueMessages(core, t, Array.from({ length: 300 }, (_, i) => ({ to: { chatId: `oc_budget_${i % 10}` }, kind: 'text', payload: { text: `m${i}` } }))));
        const workers = [kind.make(), kind.make()].map(
          (store, i) => new OutboxWorker({ core, logger, client: fake.client(), owner: `w${i}`, batchSize: 40, limits: new SendLimits(store) }),
        );
        const t0 = Date.now();
        await Promise.all(workers.map((w) => w.drain(60_000)));
        const seconds = (Date.now() - t0) / 1000;
        expect(fake.messages).toHaveLength(300);
        expect(new Set(fake.messages.map((m) => m.uuid)).size).toBe(300);
        expect(fake.stats.duplicateUuids).toBe(0);
        expect(fake.stats.rateLimited).toBe(0);
        const peak = peakRates(fake.messages);
        expect(peak.app).toBeLessThanOrEqual(50);
        expect(peak.receiver).toBeLessThanOrEqual(5);
        // Store calls per message depend on timing (lanes racing for a chat's tokens on a loaded machine: 210–343 seen
        // for 300 messages), so they are reported, not asserted; that one take grants several tokens is asserted above.
        const calls = workers.reduce((s, w) => s + w.limits.storeCalls, 0);
        console.log(`[${kind.name}] 300 messages in ${seconds.toFixed(1)} s (${(300 / seconds).toFixed(1)}/s), peak ${peak.app}/s app, ${peak.receiver}/s chat, ${calls} store calls`);
      } finally {
        await db.close();
        await tdb.drop();
        await fake.close();
      }
    });
  });
}

describe('sendLimitsFor', () => {
  it('chooses memory on SQLite, the database on MySQL, Redis when a client is given (one per process and store)', async () => {
    const sqlite = createDb('sqlite::memory:');
    expect(sendLimitsFor(sqlite).store.kind).toBe('memory');
    const mysqlish = createDb('mysql://u:p@127.0.0.1:1/x');
    expect(sendLimitsFor(mysqlish).store.kind).toBe('db');
    expect(sendLimitsFor(mysqlish)).toBe(sendLimitsFor(mysqlish));
    const redis = new Redis({ lazyConnect: true });
    expect(sendLimitsFor(mysqlish, redis).store.kind).toBe('redis');
    redis.disconnect();
    await sqlite.close();
    await mysqlish.close();
  });
});
