/**
 * The Contact API (contact/v3) and the app-info API (application/v6) of the built-in Lark-compatible Open API (./open-api.ts),
 * strict like the platform: a company directory the test shapes and changes, read through the documented endpoints.
 *
 *   const lark = await FakeLark.start();
 *   const dir = lark.contact;                       // a FakeDirectory, empty
 *   dir.addDepartment({ id: 'od-sales', parentId: '0', name: 'Sales', leader: 'ou_boss' });
 *   dir.addUser({ openId: 'ou_boss', name: 'Boss', departments: ['od-sales'] });
 *   dir.moveUser('ou_x', ['od-2']); dir.resign('ou_x'); dir.renameDepartment(...); dir.setScope({ departments, users })
 *   dir.events                                       // the contact events each change emits, as schema 2.0 envelopes
 *   dir.grant('contact:user.email:readonly') / dir.revoke(scope)   // the app's granted scopes
 *   dir.stats                                        // {contactRequests, rateLimited}
 *
 * Endpoints (GET, tenant token): /open-apis/contact/v3/scopes, /departments/:id, /departments/:id/children,
 * /users/find_by_department, /users/batch, /group/:id/member/simplelist; /open-apis/application/v6/scopes, /applications/:app_id,
 * /applications/:app_id/app_versions/:version_id.
 * Rules enforced: page_size ≤ 50 (100 for /scopes) else 40011; a page_token not issued by the fake → 40012;
 * has_more/page_token pagination; a department outside the app's contact range → HTTP 403 code 40004, a user → 400
 * 41050; a missing scope → HTTP 400 code 99991672 "Access denied. One of the following scopes is required: [...]";
 * fields only with their scope (department_ids, user_id, email, mobile); resigned users are listed with
 * status.is_resigned; 50 requests/s and 1000/min per app over the contact endpoints → HTTP 429 code 99991400
 * with `x-ogw-ratelimit-reset` (limits are options).
 */
import { randomBytes } from 'node:crypto';
import { REQUIRED_EVENTS } from '../../../bot/lark-check';

export interface FakeDept {
  id: string;
  parentId: string;
  name: string;
  leader: string | null;
}
export interface FakeUser {
  openId: string;
  unionId: string;
  userId: string;
  name: string;
  departments: string[];
  email: string | null;
  mobile: string | null;
  resigned: boolean;
}

export const BASE_SCOPES = ['contact:contact.base:readonly', 'contact:department.base:readonly', 'contact:user.base:readonly', 'contact:user.department:readonly'];
export const CRM_SCOPES = [...BASE_SCOPES, 'contact:user.employee_id:readonly', 'im:message', 'im:message:send_as_bot', 'im:chat:readonly', 'application:application:self_manage'];
/** A well-configured app subscribes to what `lark check` asks for (bot/lark-check.ts). */
export const CRM_EVENTS = REQUIRED_EVENTS.map((e) => e.event);

type Answer = { status: number; body: unknown; headers?: Record<string, string> };
const ok = (data: unknown): Answer => ({ status: 200, body: { code: 0, msg: 'success', data } });
const fail = (status: number, code: number, msg: string): Answer => ({ status, body: { code, msg } });

export class FakeDirectory {
  readonly depts = new Map<string, FakeDept>();
  readonly users = new Map<string, FakeUser>();
  readonly events: Record<string, unknown>[] = [];
  /** User groups: group id → member open_ids. */
  readonly groups = new Map<string, string[]>();
  scopes = new Set<string>(CRM_SCOPES);
  subscribedEvents = new Set<string>(CRM_EVENTS);
  /** The app's contact range: '0' = everyone. */
  scope: { departments: string[]; users: string[] } = { departments: ['0'], users: [] };
  stats = { contactRequests: 0, rateLimited: 0 };
  limits = { perSecond: 50, perMinute: 1000 };
  private readonly issued = new Map<string, number>();
  private readonly stamps: number[] = [];
  private seq = 0;

  constructor(private readonly appId: string) {}

  // ---- shaping the company (each change emits the event Lark would send) ----
  addDepartment(d: { id: string; parentId?: string; name: string; leader?: string | null }, emit = true): void {
    const dept = { id: d.id, parentId: d.parentId ?? '0', name: d.name, leader: d.leader ?? null };
    this.depts.set(d.id, dept);
    if (emit) this.emit('contact.department.created_v3', { object: this.deptJson(dept, true) });
  }
  renameDepartment(id: string, name: string): void {
    const d = this.depts.get(id)!;
    const old = this.deptJson(d, true);
    const was = this.deptInRange(id);
    d.name = name;
    this.emit('contact.department.updated_v3', { object: this.deptJson(d, true), old_object: old }, was);
  }
  setLeader(id: string, leader: string | null): void {
    const d = this.depts.get(id)!;
    const old = this.deptJson(d, true);
    const was = this.deptInRange(id);
    d.leader = leader;
    this.emit('contact.department.updated_v3', { object: this.deptJson(d, true), old_object: old }, was);
  }
  moveDepartment(id: string, parentId: string): void {
    const d = this.depts.get(id)!;
    const old = this.deptJson(d, true);
    const was = this.deptInRange(id);
    d.parentId = parentId;
    this.emit('contact.department.updated_v3', { object: this.deptJson(d, true), old_object: old }, was);
  }
  deleteDepartment(id: string): void {
    const d = this.depts.get(id)!;
    const was = this.deptInRange(id);
    this.depts.delete(id);
    this.emit('contact.department.deleted_v3', { object: { ...this.deptJson(d, true), status: { is_deleted: true } }, old_object: { open_department_id: id } }, was);
  }
  addUser(u: { openId: string; name: string; departments: string[]; email?: string | null; mobile?: string | null; unionId?: string; userId?: string }, emit = true): FakeUser {
    const user: FakeUser = {
      openId: u.openId,
      unionId: u.unionId ?? `on_${u.openId.slice(3)}`,
      userId: u.userId ?? `e${u.openId.slice(3)}`,
      name: u.name,
      departments: u.departments,
      email: u.email ?? null,
      mobile: u.mobile ?? null,
      resigned: false,
    };
    this.users.set(u.openId, user);
    if (emit) this.emit('contact.user.created_v3', { object: this.userJson(user, true) });
    return user;
  }
  updateUser(openId: string, change: Partial<Pick<FakeUser, 'name' | 'departments' | 'email' | 'mobile'>>): void {
    const u = this.users.get(openId)!;
    const old = { department_ids: [...u.departments], open_id: u.openId };
    const was = this.userInRange(u);
    Object.assign(u, change);
    this.emit('contact.user.updated_v3', { object: this.userJson(u, true), old_object: old }, was);
  }
  moveUser(openId: string, departments: string[]): void {
    this.updateUser(openId, { departments });
  }
  /** Resigned: stays listed with status.is_resigned, and Lark sends contact.user.deleted_v3. */
  resign(openId: string): void {
    const u = this.users.get(openId)!;
    const was = this.userInRange(u);
    u.resigned = true;
    this.emit('contact.user.deleted_v3', { object: this.userJson(u, true), old_object: { department_ids: u.departments, open_id: u.openId } }, was);
  }
  /** Changes the app's contact range; emits contact.scope.updated_v3 with what was added and removed. */
  setScope(next: { departments: string[]; users?: string[] }): void {
    // What the app could see before and after: the event lists the departments and users that came into or went
    // out of its range (a department brings its whole subtree, a user their membership).
    const visible = () => ({
      depts: new Set([...this.depts.keys()].filter((d) => this.deptInRange(d))),
      users: new Set([...this.users.values()].filter((u) => !u.resigned && this.userInRange(u)).map((u) => u.openId)),
    });
    const before = visible();
    this.scope = { departments: next.departments, users: next.users ?? [] };
    const after = visible();
    const dj = (ids: Iterable<string>) => [...ids].map((id) => this.deptJson(this.depts.get(id)!, true));
    const uj = (ids: Iterable<string>) => [...ids].map((id) => this.userJson(this.users.get(id)!, true));
    const minus = <T>(a: Set<T>, b: Set<T>) => [...a].filter((x) => !b.has(x));
    this.emit('contact.scope.updated_v3', {
      added: { departments: dj(minus(after.depts, before.depts)), users: uj(minus(after.users, before.users)), user_groups: [] },
      removed: { departments: dj(minus(before.depts, after.depts)), users: uj(minus(before.users, after.users)), user_groups: [] },
    });
  }
  grant(...s: string[]): void {
    for (const x of s) this.scopes.add(x);
  }
  revoke(...s: string[]): void {
    for (const x of s) this.scopes.delete(x);
  }

  private lastMs = 0;
  /** The platform tells the app only about what is in its contact range (before or after the change). */
  private inRangeEvent(type: string, event: Record<string, unknown>, before?: boolean): boolean {
    if (type === 'contact.scope.updated_v3') return true;
    const o = (event.object ?? {}) as { open_id?: string; open_department_id?: string };
    if (type.startsWith('contact.department.')) return Boolean(before) || (o.open_department_id ? this.deptInRange(o.open_department_id) : false);
    const u = o.open_id ? this.users.get(o.open_id) : undefined;
    return Boolean(before) || (u ? this.userInRange(u) : false);
  }
  private emit(type: string, event: Record<string, unknown>, wasInRange?: boolean): void {
    if (!this.inRangeEvent(type, event, wasInRange)) return;
    // create_time in ms, strictly increasing: it orders the changes like the platform's clock does.
    this.lastMs = Math.max(Date.now(), this.lastMs + 1);
    this.events.push({
      schema: '2.0',
      header: { event_id: `ev_${++this.seq}_${randomBytes(4).toString('hex')}`, event_type: type, create_time: String(this.lastMs), token: '', app_id: this.appId, tenant_key: 'tenant_fake' },
      event,
    });
  }

  descendants(id: string): string[] {
    const out: string[] = [];
    for (const d of this.depts.values()) if (d.parentId === id) out.push(d.id, ...this.descendants(d.id));
    return out;
  }

  // ---- the shapes ----
  private deptJson(d: FakeDept, all = this.has('contact:department.base:readonly')): Record<string, unknown> {
    return {
      name: d.name,
      i18n_name: { zh_cn: d.name, en_us: d.name, ja_jp: '' },
      parent_department_id: d.parentId,
      department_id: d.id.replace(/^od-/, 'D'),
      open_department_id: d.id,
      ...(all && d.leader ? { leader_user_id: d.leader, leaders: [{ leaderType: 1, leaderID: d.leader }] } : {}),
      chat_id: '',
      order: '0',
      unit_ids: [],
      member_count: [...this.users.values()].filter((u) => u.departments.includes(d.id)).length,
      status: { is_deleted: false },
    };
  }
  private userJson(u: FakeUser, all = false): Record<string, unknown> {
    const can = (s: string) => all || this.has(s);
    return {
      open_id: u.openId,
      union_id: u.unionId,
      ...(can('contact:user.employee_id:readonly') ? { user_id: u.userId } : {}),
      name: u.name,
      en_name: '',
      ...(can('contact:user.email:readonly') && u.email ? { email: u.email } : {}),
      ...(can('contact:user.phone:readonly') && u.mobile ? { mobile: u.mobile } : {}),
      ...(can('contact:user.department:readonly') ? { department_ids: [...u.departments] } : {}),
      status: { is_frozen: false, is_resigned: u.resigned, is_activated: !u.resigned, is_exited: false, is_unjoin: false },
      leader_user_id: '',
      is_tenant_manager: false,
    };
  }
  private has(s: string): boolean {
    return this.scopes.has(s) || this.scopes.has('contact:contact:readonly_as_app') || this.scopes.has('contact:contact:readonly');
  }
  private needs(...any: string[]): Answer | null {
    if (any.some((s) => this.scopes.has(s)) || this.scopes.has('contact:contact:readonly_as_app') || this.scopes.has('contact:contact:readonly')) return null;
    return fail(400, 99991672, `Access denied. One of the following scopes is required: [${any.join(', ')}]. 应用尚未开通所需的应用身份权限：[${any.join(', ')}]`);
  }
  /** In the contact range: the whole company, a scoped department or one below it. */
  private deptInRange(id: string): boolean {
    if (this.scope.departments.includes('0')) return true;
    let cur: string | undefined = id;
    for (let i = 0; cur && cur !== '0' && i < 64; i++) {
      if (this.scope.departments.includes(cur)) return true;
      cur = this.depts.get(cur)?.parentId;
    }
    return false;
  }
  private userInRange(u: FakeUser): boolean {
    return this.scope.users.includes(u.openId) || u.departments.some((d) => this.deptInRange(d)) || (this.scope.departments.includes('0') && u.departments.includes('0'));
  }

  private page<T>(items: T[], q: URLSearchParams, max: number): Answer | { items: T[]; has_more: boolean; page_token?: string } {
    const size = q.has('page_size') ? Number(q.get('page_size')) : Math.min(max, 20);
    if (!Number.isInteger(size) || size < 1 || size > max) return fail(400, 40011, 'page size is invalid');
    let offset = 0;
    const token = q.get('page_token');
    if (token) {
      if (!this.issued.has(token)) return fail(400, 40012, 'page token is invalid error');
      offset = this.issued.get(token)!;
    }
    const slice = items.slice(offset, offset + size);
    const more = offset + size < items.length;
    if (!more) return { items: slice, has_more: false };
    const next = randomBytes(12).toString('base64url');
    this.issued.set(next, offset + size);
    return { items: slice, has_more: true, page_token: next };
  }

  private limited(): Answer | null {
    const now = Date.now();
    while (this.stamps.length && this.stamps[0] <= now - 60_000) this.stamps.shift();
    const second = this.stamps.filter((s) => s > now - 1000).length;
    if (second >= this.limits.perSecond || this.stamps.length >= this.limits.perMinute) {
      this.stats.rateLimited++;
      const reset = second >= this.limits.perSecond ? 1 : Math.ceil((this.stamps[0] + 60_000 - now) / 1000);
      return { status: 429, body: { code: 99991400, msg: 'request trigger frequency limit' }, headers: { 'x-ogw-ratelimit-reset': String(reset) } };
    }
    this.stamps.push(now);
    return null;
  }

  /** Answers a request to /open-apis/contact/v3/* or /open-apis/application/v6/*; null when the path is not one. */
  handle(method: string, url: URL): Answer | null {
    const p = url.pathname;
    const q = url.searchParams;
    if (p.startsWith('/open-apis/application/v6/')) return this.appInfo(method, p);
    if (!p.startsWith('/open-apis/contact/v3/')) return null;
    if (method !== 'GET') return fail(404, 404, 'not found');
    this.stats.contactRequests++;
    const limited = this.limited();
    if (limited) return limited;
    for (const k of ['user_id_type', 'department_id_type']) {
      const v = q.get(k);
      if (v !== null && !['open_id', 'union_id', 'user_id', 'open_department_id', 'department_id'].includes(v)) return fail(400, 99992402, `field validation failed: ${k}`);
    }
    if (q.get('department_id_type') === 'department_id' || (q.get('user_id_type') && q.get('user_id_type') !== 'open_id')) return fail(400, 99992402, 'this fake speaks open_id / open_department_id only');

    if (p === '/open-apis/contact/v3/scopes') {
      const denied = this.needs(...BASE_SCOPES);
      if (denied) return denied;
      const entries = [...this.scope.departments.map((d) => ({ d })), ...this.scope.users.map((u) => ({ u }))];
      const pg = this.page(entries, q, 100);
      if ('status' in pg) return pg;
      return ok({ department_ids: pg.items.flatMap((e) => ('d' in e ? [e.d] : [])), user_ids: pg.items.flatMap((e) => ('u' in e ? [e.u] : [])), group_ids: [], has_more: pg.has_more, ...(pg.page_token ? { page_token: pg.page_token } : {}) });
    }
    let m = /^\/open-apis\/contact\/v3\/departments\/([^/]+)(\/children)?$/.exec(p);
    if (m) {
      const denied = this.needs('contact:department.base:readonly', 'contact:contact.base:readonly');
      if (denied) return denied;
      const id = decodeURIComponent(m[1]);
      if (id !== '0' && !this.depts.has(id)) return fail(400, 40003, 'internal error / department not found');
      if (!this.deptInRange(id) && !(id === '0' && this.scope.departments.includes('0'))) return fail(403, 40004, 'no dept authority error');
      if (!m[2]) return id === '0' ? fail(400, 40003, 'department not found') : ok({ department: this.deptJson(this.depts.get(id)!) });
      const ids = q.get('fetch_child') === 'true' ? this.descendants(id) : [...this.depts.values()].filter((d) => d.parentId === id).map((d) => d.id);
      const pg = this.page(ids.map((x) => this.deptJson(this.depts.get(x)!)), q, 50);
      if ('status' in pg) return pg;
      return ok(pg);
    }
    if (p === '/open-apis/contact/v3/users/find_by_department') {
      const denied = this.needs('contact:user.base:readonly', 'contact:contact.base:readonly');
      if (denied) return denied;
      const id = q.get('department_id');
      if (!id) return fail(400, 99992402, 'field validation failed: department_id is required');
      if (id !== '0' && !this.depts.has(id)) return fail(400, 40003, 'department not found');
      if (!(id === '0' ? this.scope.departments.includes('0') : this.deptInRange(id))) return fail(403, 40004, 'no dept authority error');
      const members = [...this.users.values()].filter((u) => u.departments.includes(id) && !u.resigned);
      const pg = this.page(members.map((u) => this.userJson(u)), q, 50);
      if ('status' in pg) return pg;
      return ok(pg);
    }
    if (p === '/open-apis/contact/v3/users/batch') {
      const denied = this.needs('contact:user.base:readonly', 'contact:contact.base:readonly');
      if (denied) return denied;
      if (q.getAll('user_ids[]').length) return fail(400, 99992402, 'field validation failed: user_ids (send user_ids=a&user_ids=b)');
      const ids = q.getAll('user_ids');
      if (!ids.length || ids.length > 50) return fail(400, 99992402, 'field validation failed: user_ids (1..50)');
      const items: Record<string, unknown>[] = [];
      for (const id of ids) {
        const u = this.users.get(id);
        if (!u) continue;
        if (!this.userInRange(u)) return fail(400, 41050, 'no user authority error');
        items.push(this.userJson(u));
      }
      return ok({ items });
    }
    m = /^\/open-apis\/contact\/v3\/group\/([^/]+)\/member\/simplelist$/.exec(p);
    if (m) {
      const denied = this.needs('contact:contact.base:readonly', 'contact:user.base:readonly');
      if (denied) return denied;
      const members = this.groups.get(decodeURIComponent(m[1]));
      if (!members) return fail(400, 42001, 'group not found');
      if (q.get('member_type') && q.get('member_type') !== 'user') return fail(400, 99992402, 'this fake lists user members only');
      const pg = this.page(members.map((id) => ({ member_id: id, member_type: 'user', member_id_type: 'open_id' })), q, 100);
      if ('status' in pg) return pg;
      return ok({ memberlist: pg.items, has_more: pg.has_more, page_token: pg.page_token ?? '' });
    }
    m = /^\/open-apis\/contact\/v3\/users\/([^/]+)$/.exec(p);
    if (m) {
      const u = this.users.get(decodeURIComponent(m[1]));
      if (!u) return fail(400, 41012, 'user id invalid');
      if (!this.userInRange(u)) return fail(400, 41050, 'no user authority error');
      return ok({ user: this.userJson(u) });
    }
    return fail(404, 404, 'not found');
  }

  private appInfo(method: string, p: string): Answer {
    if (method !== 'GET') return fail(404, 404, 'not found');
    if (!this.scopes.has('application:application:self_manage') && !this.scopes.has('admin:app.info:readonly')) {
      return fail(400, 99991672, 'Access denied. One of the following scopes is required: [application:application:self_manage, admin:app.info:readonly]');
    }
    if (p === '/open-apis/application/v6/scopes') {
      return ok({ scopes: [...new Set([...CRM_SCOPES, ...this.scopes, 'contact:user.email:readonly', 'contact:user.phone:readonly'])].map((s) => ({ scope_name: s, grant_status: this.scopes.has(s) ? 1 : 0, scope_type: 'tenant' })) });
    }
    let m = /^\/open-apis\/application\/v6\/applications\/([^/]+)$/.exec(p);
    if (m) {
      if (m[1] !== this.appId) return fail(400, 210501, 'app not found');
      return ok({ app: { app_id: this.appId, app_name: 'CRM', online_version_id: 'ver_1', scopes: [...this.scopes].map((s) => ({ scope: s, token_types: ['tenant'] })) } });
    }
    m = /^\/open-apis\/application\/v6\/applications\/([^/]+)\/app_versions\/([^/]+)$/.exec(p);
    if (m) {
      if (m[1] !== this.appId || m[2] !== 'ver_1') return fail(400, 210502, 'version not found');
      return ok({ app_version: { app_id: this.appId, version: '1.0.0', version_id: 'ver_1', events: [...this.subscribedEvents], scopes: [...this.scopes].map((s) => ({ scope: s, token_types: ['tenant'] })) } });
    }
    return fail(404, 404, 'not found');
  }
}
