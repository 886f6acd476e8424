import type { Actor } from '../context';
import { AppError } from '../errors';

/**
 * Who may see and change which customer. Enforced here, in the core; transports only pass the actor.
 *
 * - rep: their own customers and the public pool (owner_id IS NULL).
 * - manager: their team's customers (team_id) — with the org tree, also those of the teams below theirs (teamIds) —,
 *   their own, and the pool.
 * - admin, system (jobs, CLI) and an API key not bound to a user: everything.
 * - service: reads every customer (service work needs the account), but changes none of the ownership.
 * - customer (mini-program): only their own company.
 * Merged/deleted rows stay readable by id to whoever could see them; lists exclude them.
 */
export interface VisibilityRow {
  id: number;
  owner_id: number | null;
  team_id: number | null;
}

/** A manager's teams: their own and, with the org tree (core/org), every team below it. */
export function managedTeams(actor: Extract<Actor, { kind: 'user' }>): readonly number[] {
  if (actor.teamIds?.length) return actor.teamIds;
  return actor.teamId === null ? [] : [actor.teamId];
}
export const manages = (actor: Extract<Actor, { kind: 'user' }>, teamId: number | null) => teamId !== null && managedTeams(actor).includes(Number(teamId));

export function canSeeCustomer(actor: Actor, row: VisibilityRow): boolean {
  switch (actor.kind) {
    case 'system':
    case 'api':
      return true;
    case 'customer':
      return actor.customerId === row.id;
    case 'user':
      switch (actor.role) {
        case 'admin':
        case 'service':
          return true;
        case 'manager':
          return row.owner_id === null || row.owner_id === actor.userId || manages(actor, row.team_id);
        case 'rep':
          return row.owner_id === null || row.owner_id === actor.userId;
      }
  }
  return false;
}

/** NOT_FOUND rather than FORBIDDEN, so ids of other reps' customers cannot be probed. */
export function assertCanSeeCustomer(_ctx: unknown, actor: Actor, row: VisibilityRow | null | undefined): asserts row is VisibilityRow {
  if (!row || !canSeeCustomer(actor, row)) throw new AppError('NOT_FOUND', { field: 'customerId' });
}

/**
 * May the actor change the customer's record (profile, contacts, follow-ups)? Pool customers must be
 * claimed first by reps; managers edit their team's; admin/system/api everything; service may log
 * follow-ups (service visits) but not edit the profile.
 */
export function canEditCustomer(actor: Actor, row: VisibilityRow, what: 'profile' | 'activity' = 'profile'): boolean {
  switch (actor.kind) {
    case 'system':
    case 'api':
      return true;
    case 'customer':
      return false;
    case 'user':
      if (actor.role === 'admin') return true;
      if (actor.role === 'service') return what === 'activity';
      if (row.owner_id === actor.userId) return true;
      if (actor.role === 'manager') return row.owner_id === null || manages(actor, row.team_id);
      return false;
  }
  return false;
}

export function assertCanEditCustomer(ctx: unknown, actor: Actor, row: VisibilityRow | null | undefined, what: 'profile' | 'activity' = 'profile'): asserts row is VisibilityRow {
  assertCanSeeCustomer(ctx, actor, row);
  if (!canEditCustomer(actor, row, what)) {
    throw new AppError('FORBIDDEN', {
      field: 'customerId',
      detail: row.owner_id === null
        ? { 'zh-CN': '该客户在公海中，请先领取', en: 'This customer is in the public pool; claim it first' }
        : { 'zh-CN': '只有负责人或其主管可以修改该客户', en: 'Only the owner or their manager may change this customer' },
    });
  }
}

/** True for roles that see every customer, so list queries need no scope. */
export function seesAll(actor: Actor): boolean {
  return actor.kind === 'system' || actor.kind === 'api' || (actor.kind === 'user' && (actor.role === 'admin' || actor.role === 'service'));
}

export interface SqlScope {
  /** A boolean SQL expression to AND into a WHERE clause, e.g. `(c.owner_id = :vs_user OR c.owner_id IS NULL)`. */
  sql: string;
  replacements: Record<string, unknown>;
}

/** The same rule as canSeeCustomer, as SQL over the customers table aliased `alias`. */
export function visibleScope(actor: Actor, alias = 'c'): SqlScope {
  const a = alias ? `${alias}.` : '';
  if (seesAll(actor)) return { sql: '1=1', replacements: {} };
  if (actor.kind === 'customer') return { sql: `${a}id = :vs_customer`, replacements: { vs_customer: actor.customerId } };
  if (actor.kind !== 'user') return { sql: '1=0', replacements: {} };
  if (actor.role === 'manager' && actor.teamIds && actor.teamIds.length > 1) {
    return {
      sql: `(${a}owner_id IS NULL OR ${a}owner_id = :vs_user OR ${a}team_id IN (:vs_teams))`,
      replacements: { vs_user: actor.userId, vs_teams: [...actor.teamIds] },
    };
  }
  if (actor.role === 'manager' && actor.teamId !== null) {
    return {
      sql: `(${a}owner_id IS NULL OR ${a}owner_id = :vs_user OR ${a}team_id = :vs_team)`,
      replacements: { vs_user: actor.userId, vs_team: actor.teamId },
    };
  }
  return { sql: `(${a}owner_id IS NULL OR ${a}owner_id = :vs_user)`, replacements: { vs_user: actor.userId } };
}

/**
 * Personal fields: the values that identify or reach a person. Every class here is masked in DTOs for whoever
 * `canSeePersonalFields` refuses, and may be matched by a search or a lookup only through `personalFieldMatch`
 * (so a search is never an oracle for a masked value). A new personal field (an ID number, a second mobile…)
 * is added here, with its columns; tests/unit/personal-field-search.test.ts fails when a query in core/ matches
 * one of these columns elsewhere.
 */
export const PERSONAL_FIELDS = {
  phone: { customers: ['phone', 'phone_norm'], contacts: ['phone', 'phone_norm'], leads: ['phone', 'phone_norm'] },
  email: { customers: ['email', 'email_norm'], contacts: ['email', 'email_norm'], leads: ['email', 'email_norm'] },
  wechat: { contacts: ['wechat'] },
  idNumber: {},
} as const;
export type PersonalFieldClass = keyof typeof PERSONAL_FIELDS;

/**
 * May the actor see the customer's personal fields unmasked? The one rule (masking and search both use it):
 * a rep only on their own customers (pool customers are masked until claimed); managers on what they may see
 * (their team's, their own, the pool); admin, service, system, an integration key everything; a mini-program
 * customer only their own company.
 */
export function canSeePersonalFields(actor: Actor, row: VisibilityRow): boolean {
  if (!canSeeCustomer(actor, row)) return false;
  if (actor.kind !== 'user') return true;
  if (actor.role === 'rep') return row.owner_id === actor.userId;
  return true;
}

/** canSeePersonalFields as SQL over the customers table aliased `alias` (an index-friendly conjunct). */
export function personalFieldScope(actor: Actor, alias = 'c'): SqlScope {
  const a = alias ? `${alias}.` : '';
  if (actor.kind === 'user' && actor.role === 'rep') return { sql: `${a}owner_id = :pf_user`, replacements: { pf_user: actor.userId } };
  return visibleScope(actor, alias);
}

/**
 * A predicate that matches a personal field, restricted to the customers whose unmasked field the actor may see:
 * `(match AND scope)`. `match` is SQL over the customer aliased `alias` (e.g. `c.phone_norm = :p` or
 * `c.id IN (SELECT customer_id FROM contacts WHERE phone_norm = :p)`). Searches OR this with their name match.
 */
export function personalFieldMatch(actor: Actor, field: PersonalFieldClass, match: string, alias = 'c'): SqlScope {
  void field; // every class follows the same rule today; the parameter names what is matched at each call site
  const scope = personalFieldScope(actor, alias);
  return { sql: `(${match} AND ${scope.sql})`, replacements: scope.replacements };
}

export function maskPhone(raw: string | null): string | null {
  if (!raw) return raw;
  const p = raw.replace(/[^\d]/g, '').replace(/^(0086|86)(?=1\d{10}$)/, '');
  return p.length >= 7 ? `${p.slice(0, 3)}****${p.slice(-4)}` : '****';
}

export function maskEmail(e: string | null): string | null {
  if (!e) return e;
  const [local, domain] = e.split('@');
  return `${local.slice(0, 1)}***@${domain ?? ''}`;
}
