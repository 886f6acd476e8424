import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createContext } from '../../core/compose';
import { createDb } from '../../core/db/connection';
import { composeProcess } from '../../server/compose';
import { ConfigError } from '../../server/config';
import { startServer } from '../../server/process';
import { lockSqliteFile, SqliteInUseError } from '../../server/sqlite-lock';
import { freshDatabase } from '../helpers/db';
import { memoryLogger, testConfig } from '../helpers/app';

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

describe('CRM_ROLE: what a process runs', () => {
  const db = createDb('sqlite::memory:');
  const core = createContext(db);
  afterAll(() => db.close());
  const compose = (role?: string) => composeProcess({ core, logger: memoryLogger().logger, config: testConfig(role ? { CRM_ROLE: role } : {}) });

  it('all (the default) has the routers, the jobs and the workers; web only the routers; worker only the jobs and workers', () => {
    const all = compose();
    expect(testConfig().role).toBe('all');
    expect(all.routers.length).toBeGreaterThan(5);
    expect(all.jobs.map((j) => j.name)).toContain('pool.recycle');
    expect(all.workers.map((w) => w.name)).toEqual(['lark-outbox', 'lark-inbox', 'lark-ws']);
    const web = compose('web');
    expect(web.routers).toHaveLength(all.routers.length);
    expect(web.jobs).toEqual([]);
    expect(web.workers).toEqual([]);
    const worker = compose('worker');
    expect(worker.routers).toEqual([]);
    expect(worker.jobs.map((j) => j.name)).toEqual(all.jobs.map((j) => j.name));
    expect(worker.workers.map((w) => w.name)).toEqual(all.workers.map((w) => w.name));
  });

  it('refuses an unknown role, a malformed REDIS_URL or CRM_JOBS_CRON with one line naming the variable', () => {
    expect(() => testConfig({ CRM_ROLE: 'both' })).toThrow(ConfigError);
    expect(() => testConfig({ CRM_ROLE: 'both' })).toThrow(/CRM_ROLE/);
    expect(() => testConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
    expect(() => testConfig({ REDIS_URL: 'redis://u:hunter2@host:6379 x' })).toThrow(/redis:\/\/u:\*\*\*@host/); // never the password
    expect(() => testConfig({ CRM_JOBS_CRON: 'every minute' })).toThrow(/CRM_JOBS_CRON/);
    expect(testConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2', CRM_JOBS_CRON: '*/10 * * * * *' })).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379/2', jobsCron: '*/10 * * * * *' });
  });
});

describe('SQLite stays single-process', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a lock held by a live process refuses (zh-CN and English, naming the pid); one left by a dead pid is taken over; the holder may re-take it', () => {
    const file = path.join(dir, 'crm.sqlite');
    const sleeper = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(`${file}.lock`, `${sleeper.pid}\n${os.hostname()}\n`);
      let err: unknown;
      try {
        lockSqliteFile(file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SqliteInUseError);
      expect((err as Error).message).toContain(`pid ${sleeper.pid}`);
      expect((err as Error).message).toMatch(/只能由一个进程使用/);
      expect((err as Error).message).toMatch(/SQLite runs one process only/);
    } finally {
      sleeper.kill('SIGKILL');
    }
    const dead = spawnSync('true').pid!;
    fs.writeFileSync(`${file}.lock`, `${dead}\n${os.hostname()}\n`);
    const lock = lockSqliteFile(file);
    expect(fs.readFileSync(lock.path, 'utf8')).toBe(`${process.pid}\n${os.hostname()}\n`);
    expect(lockSqliteFile(file).path).toBe(lock.path); // the same process
    lock.release();
    expect(fs.existsSync(lock.path)).toBe(false);
  });

  it('a second server process on the same SQLite file exits with the message; after the first stops, one starts', async () => {
    const tdb = await freshDatabase('sqlite');
    const { logger } = memoryLogger();
    const first = await startServer(testConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1' }), logger);
    try {
      const second = spawnSync(TSX, ['server/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', CRM_DEMO_SEED: 'off', CRM_JOBS: 'off', LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`pid ${process.pid}`);
      expect(second.stderr).toMatch(/SQLite 只能由一个进程使用/);
      expect(second.stderr).toMatch(/in use by another CRM process/);
    } finally {
      await first.close();
    }
    const again = await startServer(testConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1' }), logger);
    await again.close();
    await tdb.drop();
  });
});
