import type { Redis } from 'ioredis';
import type { Db } from '../../core/db/connection';
import { DbBudgetStore } from './budget-db';
import { RedisBudgetStore } from './budget-redis';
import { SendLimits, sharedSendLimits, type SendLimitsOptions } from './limits';

const byStore = new WeakMap<object, SendLimits>();

/**
 * The send budget a process uses, shared by all its workers:
 * - Redis when the process has one (REDIS_URL): one Lua script per take;
 * - else the database on MySQL/MariaDB (the default for several processes): conditional UPDATEs on lark_send_budget;
 * - else (SQLite: one process by construction) in memory.
 */
export function sendLimitsFor(db: Db, redis?: Redis | null, o: SendLimitsOptions = {}): SendLimits {
  const owner: object | null = redis ?? (db.dialect === 'mysql' ? db.sequelize : null);
  if (!owner) return sharedSendLimits(o);
  let l = byStore.get(owner);
  if (!l) {
    l = new SendLimits(redis ? new RedisBudgetStore(redis) : new DbBudgetStore(db), o);
    byStore.set(owner, l);
  }
  return l;
}
