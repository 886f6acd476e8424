import type { Db } from './db/connection';
import type { Locale } from './errors';
import { systemClock, type Clock } from './ports';
import { defineModels, type Models } from './models';
import { composeCore } from './compose';
import type { CoreRegistry } from './registry';

/** Everything an operation needs, passed explicitly as its first argument. */
export interface CoreContext {
  db: Db;
  models: Models;
  clock: Clock;
  /** IANA zone for business dates (default Asia/Shanghai). */
  timezone: string;
  locale: Locale;
  /** What the core contains (360° sections, approval subjects, recycle exclusions, jobs): see core/compose.ts. */
  registry: CoreRegistry;
}

export function createContext(db: Db, opts: Partial<Omit<CoreContext, 'db' | 'models'>> = {}): CoreContext {
  return {
    db,
    models: defineModels(db.sequelize),
    clock: opts.clock ?? systemClock,
    timezone: opts.timezone ?? 'Asia/Shanghai',
    locale: opts.locale ?? 'zh-CN',
    registry: opts.registry ?? composeCore(),
  };
}

/** Who is acting: a CRM user, the system (jobs), an API key or a mini-program customer. */
export type Actor =
  | { kind: 'user'; userId: number; role: Role; teamId: number | null }
  | { kind: 'system' }
  | { kind: 'api'; keyId: number }
  | { kind: 'customer'; contactId: number; customerId: number };

export type Role = 'rep' | 'manager' | 'service' | 'admin';
export type Channel = 'chat' | 'card' | 'api' | 'mp' | 'cli' | 'job';
