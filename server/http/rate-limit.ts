import { RateLimiterMemory, RateLimiterMySQL, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../../core/errors';
import type { AppDeps } from '../app';

/**
 * The per-IP and per-session limits of /mp/v1 and the public lead form, shared by every process that serves them
 * (rate-limiter-flexible's stores):
 * - Redis when REDIS_URL is set (RateLimiterRedis);
 * - else the database on MySQL/MariaDB (RateLimiterMySQL on Sequelize's pool, table `rate_limits` from the
 *   migrations: the library never runs DDL);
 * - else (SQLite: one process) in memory.
 * A store that fails (database or Redis down) falls back to an in-memory limiter for that request (the
 * library's insurance limiter), so an outage of the store never turns into refused sign-ins.
 */
export function sharedRateLimiter(deps: Pick<AppDeps, 'core' | 'redis'>, o: { keyPrefix: string; points: number; duration: number }): RateLimiterAbstract {
  const insuranceLimiter = new RateLimiterMemory({ keyPrefix: o.keyPrefix, points: o.points, duration: o.duration });
  if (deps.redis) return new RateLimiterRedis({ storeClient: deps.redis, keyPrefix: `crm:rl:${o.keyPrefix}`, points: o.points, duration: o.duration, insuranceLimiter });
  const db = deps.core.db;
  if (db.dialect === 'mysql') {
    return new RateLimiterMySQL({
      storeClient: db.sequelize,
      storeType: 'sequelize',
      dbName: db.sequelize.getDatabaseName(),
      tableName: 'rate_limits',
      tableCreated: true,
      keyPrefix: o.keyPrefix,
      points: o.points,
      duration: o.duration,
      insuranceLimiter,
    });
  }
  return insuranceLimiter;
}

/** Consumes `points` for `key`; over the limit → RATE_LIMITED with the seconds to wait. */
export async function consumeOrRefuse(limiter: RateLimiterAbstract, key: string, points = 1): Promise<void> {
  try {
    await limiter.consume(key, points);
  } catch (r) {
    if (r instanceof RateLimiterRes) throw new AppError('RATE_LIMITED', { data: { retryAfterSeconds: Math.max(1, Math.ceil(r.msBeforeNext / 1000)) } });
    throw r;
  }
}
