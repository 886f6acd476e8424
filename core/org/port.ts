/**
 * What the org sync is fed with: the company's directory as the CRM needs it, and nothing more. The Lark
 * implementation (bot/org-directory.ts) reads the Contact API; tests, the sandbox and the bench feed it directly.
 * Only the fields the CRM uses cross this port: names, ids, departments, leaders; e-mail and mobile only when asked
 * for (the setting) and granted (the scopes).
 */

/** The company root: its direct members have no team. */
export const ROOT_DEPARTMENT = '0';

export interface OrgDepartment {
  /** open_department_id */
  id: string;
  /** The parent's open_department_id; ROOT_DEPARTMENT for a top-level department. */
  parentId: string;
  name: string;
  /** The department's main leader (leader_user_id), as an open_id. */
  leaderOpenId: string | null;
}

export interface OrgPerson {
  openId: string;
  unionId: string | null;
  /** The tenant's user_id (needs contact:user.employee_id:readonly; null without it). */
  userId: string | null;
  name: string;
  /** open_department_ids, the primary department first (ROOT_DEPARTMENT for the company root). */
  departmentIds: string[];
  email?: string | null;
  mobile?: string | null;
}

export interface OrgSnapshot {
  departments: OrgDepartment[];
  /** Everyone in the app's availability who works there (resigned users are left out by the port). */
  users: OrgPerson[];
  /** Members (open_ids) of the user groups asked for (OrgFetchOptions.groups). */
  groups?: Record<string, string[]>;
  /** Degradations the port met (a scope missing, a department it may not read): shown, never fatal. */
  warnings: string[];
}

export interface OrgFetchOptions {
  email: boolean;
  mobile: boolean;
  /** User groups whose members the mapping needs (serviceGroups). */
  groups?: string[];
}

export interface OrgDirectory {
  snapshot(opts: OrgFetchOptions): Promise<OrgSnapshot>;
  /** Requests made so far (the bench reports it). */
  readonly requests?: number;
}
