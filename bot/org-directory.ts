import type * as lark from '@larksuiteoapi/node-sdk';
import { AppError } from '../core/errors';
import type { OrgDepartment, OrgDirectory, OrgFetchOptions, OrgPerson, OrgSnapshot } from '../core/org/port';

/**
 * The org sync's port over the Lark Contact API (contact/v3), as the app sees it with its tenant token:
 * - GET /contact/v3/scopes: the app's availability (departments and individually added users), paged;
 * - GET /contact/v3/departments/:id/children?fetch_child=true (and GET /departments/:id for a scoped department):
 *   the department tree, 50 a page;
 * - GET /contact/v3/users/find_by_department: each department's direct members, 50 a page;
 * - GET /contact/v3/users/batch: individually scoped users, 50 a call;
 * - GET /contact/v3/group/:id/member/simplelist: members of the user groups mapped to service agents, 100 a page.
 * Every list follows page_token until has_more is false. Calls stay under the contact API's limits (by default
 * 50 requests/s and 1000/min per app, CONTACT_LIMITS) and a 429 (99991400) waits for `x-ogw-ratelimit-reset`.
 * A missing base scope or a department the app may not read stops the sync with a clear message (a partial
 * picture would deactivate people who did not leave); a missing field scope (e-mail, mobile, user_id) only warns.
 */

export const CONTACT_LIMITS = { perSecond: 50, perMinute: 1000 };
const PAGE = 50;

interface LarkDept {
  name: string;
  parent_department_id?: string;
  open_department_id?: string;
  department_id?: string;
  leader_user_id?: string;
  status?: { is_deleted?: boolean };
}
interface LarkUser {
  open_id?: string;
  union_id?: string;
  user_id?: string;
  name?: string;
  email?: string;
  enterprise_email?: string;
  mobile?: string;
  department_ids?: string[];
  status?: { is_resigned?: boolean; is_exited?: boolean; is_frozen?: boolean };
}

/**
 * Sliding windows of one second and one minute: `take()` waits until a call fits in both. The windows are a little
 * longer than the platform's (`marginMs`): a request counted here arrives there a few milliseconds later.
 */
export class RateWindow {
  private readonly stamps: number[] = [];
  private pausedUntil = 0;
  constructor(private readonly limits: { perSecond: number; perMinute: number }, private readonly now: () => number = Date.now, private readonly marginMs = 250) {}
  pause(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }
  async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      const second = 1000 + this.marginMs;
      const minute = 60_000 + this.marginMs;
      while (this.stamps.length && this.stamps[0] <= now - minute) this.stamps.shift();
      let wait = Math.max(0, this.pausedUntil - now);
      const inSecond = this.stamps.filter((s) => s > now - second);
      if (inSecond.length >= this.limits.perSecond) wait = Math.max(wait, inSecond[0] + second - now);
      if (this.stamps.length >= this.limits.perMinute) wait = Math.max(wait, this.stamps[0] + minute - now);
      if (wait <= 0) {
        this.stamps.push(now);
        return;
      }
      await new Promise((r) => setTimeout(r, wait + 1));
    }
  }
}

type Err = { response?: { status?: number; headers?: Record<string, unknown>; data?: { code?: number; msg?: string } }; message?: string };

/** What a Lark error means for the person running the sync, in the developer console's words. */
export function contactErrorText(code: number | undefined, msg: string): string {
  if (code === 99991672 || code === 99991679) return `the app lacks a Contact permission (${msg}). Developer console → Permissions & Scopes: add "contact:contact.base:readonly", "contact:department.base:readonly", "contact:user.base:readonly" and "contact:user.department:readonly", then publish a new version`;
  if (code === 40004 || code === 41050) return `a department or user is outside the app's contact range (${code} ${msg}). Developer console → Permissions & Scopes → "Contacts range" (通讯录权限范围): include the departments the CRM needs, then publish a new version`;
  if (code === 10014 || code === 10003) return `the app credentials were refused (${code} ${msg}): check LARK_APP_ID and LARK_APP_SECRET (Developer console → Credentials & Basic Info)`;
  return `${code ?? ''} ${msg}`.trim();
}

/** The limits are per app: every directory of one app in this process shares one window (a CLI run right after another, the daily job). */
const windows = new Map<string, RateWindow>();
function windowFor(appId: string, limits: { perSecond: number; perMinute: number }): RateWindow {
  const key = `${appId}:${limits.perSecond}:${limits.perMinute}`;
  let w = windows.get(key);
  if (!w) windows.set(key, (w = new RateWindow(limits)));
  return w;
}

export class LarkOrgDirectory implements OrgDirectory {
  requests = 0;
  private readonly window: RateWindow;
  constructor(private readonly client: lark.Client, opts: { limits?: { perSecond: number; perMinute: number } } = {}) {
    this.window = windowFor(String((client as unknown as { appId?: string }).appId ?? ''), opts.limits ?? CONTACT_LIMITS);
  }

  private async get<T>(url: string, params: Record<string, unknown>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.window.take();
      this.requests++;
      try {
        const res = (await this.client.request({ method: 'GET', url, params })) as { code?: number; msg?: string; data?: T };
        if (res?.code === 0) return res.data as T;
        throw new AppError('UNAVAILABLE', { detail: { 'zh-CN': `飞书通讯录读取失败：${contactErrorText(res?.code, String(res?.msg ?? ''))}`, en: `Reading the Lark directory failed: ${contactErrorText(res?.code, String(res?.msg ?? ''))}` } });
      } catch (e) {
        if (e instanceof AppError) throw e;
        const err = e as Err;
        const status = err.response?.status;
        const code = err.response?.data?.code;
        if ((status === 429 || code === 99991400) && attempt < 8) {
          const reset = Number(err.response?.headers?.['x-ogw-ratelimit-reset']);
          this.window.pause(Date.now() + (Number.isFinite(reset) && reset > 0 ? reset * 1000 : 1000));
          continue;
        }
        if ((!status || status >= 500) && attempt < 3) {
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          continue;
        }
        const text = contactErrorText(code, String(err.response?.data?.msg ?? err.message ?? e));
        throw new AppError('UNAVAILABLE', { detail: { 'zh-CN': `飞书通讯录读取失败：${text}`, en: `Reading the Lark directory failed: ${text}` } });
      }
    }
  }

  private async pages<T>(url: string, params: Record<string, unknown>, key: 'items' | null, each: (data: Record<string, unknown>) => void): Promise<void> {
    let token: string | undefined;
    do {
      const data = await this.get<Record<string, unknown> & { has_more?: boolean; page_token?: string }>(url, { ...params, ...(token ? { page_token: token } : {}) });
      each(data);
      token = data.has_more ? data.page_token : undefined;
    } while (token);
    void key;
  }

  async snapshot(opts: OrgFetchOptions): Promise<OrgSnapshot> {
    const ids = { department_id_type: 'open_department_id', user_id_type: 'open_id' };
    const scopeDepts: string[] = [];
    const scopeUsers: string[] = [];
    await this.pages('/open-apis/contact/v3/scopes', { ...ids, page_size: 100 }, null, (d) => {
      scopeDepts.push(...((d.department_ids as string[]) ?? []));
      scopeUsers.push(...((d.user_ids as string[]) ?? []));
    });
    const depts = new Map<string, OrgDepartment>();
    const addDept = (d: LarkDept) => {
      const id = d.open_department_id ?? d.department_id;
      if (!id || d.status?.is_deleted) return;
      depts.set(id, { id, parentId: d.parent_department_id || '0', name: d.name, leaderOpenId: d.leader_user_id || null });
    };
    for (const root of scopeDepts) {
      if (root !== '0') {
        const one = await this.get<{ department: LarkDept }>(`/open-apis/contact/v3/departments/${encodeURIComponent(root)}`, ids);
        addDept(one.department);
      }
      await this.pages(`/open-apis/contact/v3/departments/${encodeURIComponent(root)}/children`, { ...ids, fetch_child: true, page_size: PAGE }, 'items', (d) => {
        for (const item of (d.items as LarkDept[]) ?? []) addDept(item);
      });
    }
    const people = new Map<string, OrgPerson>();
    const seen = { email: false, mobile: false, userId: false, departments: false };
    const addUser = (u: LarkUser, foundIn: string | null) => {
      if (!u.open_id || u.status?.is_resigned || u.status?.is_exited) return;
      if (u.email || u.enterprise_email) seen.email = true;
      if (u.mobile) seen.mobile = true;
      if (u.user_id) seen.userId = true;
      if (u.department_ids) seen.departments = true;
      const prev = people.get(u.open_id);
      const departmentIds = u.department_ids?.length ? u.department_ids : [...(prev?.departmentIds ?? []), ...(foundIn ? [foundIn] : [])];
      people.set(u.open_id, {
        openId: u.open_id,
        unionId: u.union_id ?? null,
        userId: u.user_id ?? null,
        name: u.name ?? u.open_id,
        departmentIds: [...new Set(departmentIds)],
        ...(opts.email ? { email: u.enterprise_email || u.email || null } : {}),
        ...(opts.mobile ? { mobile: u.mobile || null } : {}),
      });
    };
    const memberDepts = [...new Set([...(scopeDepts.includes('0') ? ['0'] : []), ...depts.keys()])];
    for (const dept of memberDepts) {
      await this.pages('/open-apis/contact/v3/users/find_by_department', { ...ids, department_id: dept, page_size: PAGE }, 'items', (d) => {
        for (const u of (d.items as LarkUser[]) ?? []) addUser(u, dept);
      });
    }
    const loose = scopeUsers.filter((id) => !people.has(id));
    for (let i = 0; i < loose.length; i += PAGE) {
      // user_ids repeats (user_ids=a&user_ids=b): written into the URL, the generic request would send user_ids[]=.
      const q = loose.slice(i, i + PAGE).map((id) => `user_ids=${encodeURIComponent(id)}`).join('&');
      const d = await this.get<{ items?: LarkUser[] }>(`/open-apis/contact/v3/users/batch?${q}`, { user_id_type: 'open_id', department_id_type: 'open_department_id' });
      for (const u of d.items ?? []) addUser(u, null);
    }
    const groups: Record<string, string[]> = {};
    for (const g of opts.groups ?? []) {
      groups[g] = [];
      await this.pages(`/open-apis/contact/v3/group/${encodeURIComponent(g)}/member/simplelist`, { member_id_type: 'open_id', member_type: 'user', page_size: 100 }, null, (d) => {
        for (const m of (d.memberlist as { member_id?: string }[]) ?? []) if (m.member_id) groups[g].push(m.member_id);
      });
    }
    const warnings: string[] = [];
    if (people.size && !seen.departments) warnings.push('departments of users not returned: grant "contact:user.department:readonly" (users are placed in the department they were listed in)');
    if (people.size && !seen.userId) warnings.push('user_id not returned: grant "contact:user.employee_id:readonly" to keep employee ids (optional)');
    if (opts.email && people.size && !seen.email) warnings.push('e-mail asked for but not returned: grant "contact:user.email:readonly"');
    if (opts.mobile && people.size && !seen.mobile) warnings.push('mobile asked for but not returned: grant "contact:user.phone:readonly"');
    return { departments: [...depts.values()], users: [...people.values()], groups, warnings };
  }
}
