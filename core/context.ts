import type { Db } from './db/connection';
import type { Locale } from './errors';
import type { Clock } from './ports';
import type { Models } from './models';
import type { CoreRegistry } from './registry';

/**
 * Everything an operation needs, passed explicitly as its first argument. Built by createContext (core/compose.ts),
 * the core's composition root; this file only declares the shapes every context shares.
 */
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

/** Who is acting: a CRM user, the system (jobs), an API key or a mini-program customer. */
export type Actor =
  | { kind: 'user'; userId: number; role: Role; teamId: number | null; /** A manager's team and every team below it (the org tree); absent: teamId alone. */ teamIds?: readonly number[] }
  | { kind: 'system' }
  | { kind: 'api'; keyId: number }
  | { kind: 'customer'; contactId: number; customerId: number };

export type Role = 'rep' | 'manager' | 'service' | 'admin';
export type Channel = 'chat' | 'card' | 'api' | 'mp' | 'cli' | 'job';
