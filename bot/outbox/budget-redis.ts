import type { Redis } from 'ioredis';
import type { BudgetStore } from './limits';

/**
 * Lark's send budget in Redis (REDIS_URL): one key per bucket and aligned second, expiring after 3 s. A take is
 * ONE Lua script (atomic on the server) over the receiver's and the app's keys: it grants min(want, what both have
 * left) and counts it in both. The keys share a hash tag so a Redis Cluster keeps them in one slot.
 */
const TAKE = `
local want = tonumber(ARGV[1])
local rleft = tonumber(ARGV[2]) - tonumber(redis.call('GET', KEYS[1]) or '0')
local g = math.min(want, rleft)
local appFull = 0
if ARGV[4] == '1' then
  local aleft = tonumber(ARGV[3]) - tonumber(redis.call('GET', KEYS[2]) or '0')
  if aleft <= 0 then appFull = 1 end
  g = math.min(g, aleft)
end
if g <= 0 then return {0, appFull} end
redis.call('INCRBY', KEYS[1], g)
redis.call('PEXPIRE', KEYS[1], 3000)
if ARGV[4] == '1' then
  redis.call('INCRBY', KEYS[2], g)
  redis.call('PEXPIRE', KEYS[2], 3000)
end
return {g, 0}
`;

const GIVE_BACK = `
for i, k in ipairs(KEYS) do
  local v = tonumber(redis.call('GET', k) or '0')
  if v > 0 then redis.call('SET', k, math.max(0, v - tonumber(ARGV[1])), 'KEEPTTL') end
end
return 1
`;

type BudgetRedis = Redis & {
  crmBudgetTake(r: string, a: string, want: number, rLimit: number, aLimit: number, countApp: string): Promise<[number, number]>;
  crmBudgetGiveBack(...args: (string | number)[]): Promise<number>;
};

export class RedisBudgetStore implements BudgetStore {
  readonly kind = 'redis' as const;
  private readonly redis: BudgetRedis;

  constructor(redis: Redis, private readonly prefix = 'crm:lark') {
    if (!('crmBudgetTake' in redis)) {
      redis.defineCommand('crmBudgetTake', { numberOfKeys: 2, lua: TAKE });
      redis.defineCommand('crmBudgetGiveBack', { lua: GIVE_BACK });
    }
    this.redis = redis as BudgetRedis;
  }

  private key(bucket: string, sec: number): string {
    return `${this.prefix}:{budget}:${bucket}@${sec}`;
  }

  async take(receiverKey: string, sec: number, want: number, countApp: boolean, limits: { app: number; receiver: number }): Promise<{ n: number; appFull: boolean }> {
    const [n, appFull] = await this.redis.crmBudgetTake(this.key(`r:${receiverKey}`, sec), this.key('app', sec), want, limits.receiver, limits.app, countApp ? '1' : '0');
    return { n: Number(n), appFull: Number(appFull) === 1 };
  }

  async giveBack(receiverKey: string, sec: number, n: number, countApp: boolean): Promise<void> {
    const keys = countApp ? [this.key(`r:${receiverKey}`, sec), this.key('app', sec)] : [this.key(`r:${receiverKey}`, sec)];
    await this.redis.crmBudgetGiveBack(keys.length, ...keys, n);
  }
}
