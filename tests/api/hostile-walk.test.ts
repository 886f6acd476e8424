jest.setTimeout(180_000);
import request from 'supertest';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { testApp } from '../helpers/app';
import { makeOrg } from '../integration/contracts/fixtures';
import { makeWorld, staff } from '../service/fixtures';
import { createApiKey } from '../../core/apikeys/operations';
import { createInvite } from '../../core/mp/operations';
import { createArticle } from '../../core/knowledge/operations';
import { memoryStorage } from '../../core/tickets/storage';
import { createLeadForm } from '../../core/leads/forms';
import { decideStep } from '../../core/approvals/operations';
import { resolveTicket } from '../../core/tickets/operations';
import { openApiRouter } from '../../server/api/openapi';
import { API_OPERATIONS } from '../../server/api';
import { customersApiRouter } from '../../server/api/customers';
import { contractsApiRouter } from '../../server/api/contracts';
import { opportunitiesApiRouter } from '../../server/api/opportunities';
import { publicLeadsRouter } from '../../server/api/public-leads';
import { mpRouter } from '../../server/mp/routes';

/**
 * The hostile-input walk (issue #24). It reads the OpenAPI documents of /api/v1 and /mp/v1 at run time, so every
 * route — including one added tomorrow — is covered by construction. For each operation it sends an otherwise-valid
 * request (built from the operation's own schemas, as a caller allowed to call it) with one field at a time replaced
 * by a hostile value of that field's kind: text with NUL, a lone surrogate, a bidi override, a C0 control, 1 MB (once
 * per route) and long legal text (never a 500); numbers out of range, negative, fractional, "NaN"; impossible or implausible dates; ids 0, -1, past the
 * INT column and past BIGINT; and the same for query and path parameters. It fails on any 5xx, on any 2xx that
 * accepted a hostile id or date, and — scanning every text column of every table at the end — on any hostile text that
 * was stored (each hostile string carries a marker naming the request that sent it).
 */
type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  default?: unknown;
};
type Operation = { parameters?: { name: string; in: string; schema: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> }; security?: unknown[] };
type Kind = 'text' | 'id' | 'number' | 'date' | 'datetime' | 'other';

const MARK = 'ZQXH';
const INT_PAST = 2147483648;
const HOSTILE: Record<Exclude<Kind, 'other'>, ((m: string) => unknown)[]> = {
  text: [(m) => `${m}a\u0000b`, (m) => `${m}a\ud800b`, (m) => `${m}a\u202eb`, (m) => `${m}a\u0007b`, (m) => `${m}a\rb`],
  id: [() => 0, () => -1, () => INT_PAST, () => 9223372036854775808, () => 1.5, () => '1'],
  number: [() => INT_PAST * 4096, () => -1, () => 1.5, () => 9007199254740993, () => 1e308, () => 'NaN'],
  date: [() => '2026-02-30', () => '0000-01-01', () => '9999-12-31', () => '2026-13-01', () => '26-1-1'],
  datetime: [() => '2026-02-30T10:00:00Z', () => '0000-01-01T00:00:00Z', () => '9999-12-31T00:00:00Z', () => '2026-01-01T25:00:00Z'],
};
const QUERY_HOSTILE: Record<Exclude<Kind, 'other'>, string[]> = {
  text: ['a\u0000b', 'a\ud800b', 'a\u202eb', 'a\u0007b'],
  id: ['0', '-1', String(INT_PAST), '9223372036854775808', '1.5', 'abc'],
  number: ['-1', String(INT_PAST), '1e308', 'NaN', '1.5'],
  date: ['2026-02-30', '0000-01-01', '9999-12-31'],
  datetime: ['2026-02-30T10:00:00Z', '9999-12-31T00:00:00Z'],
};
const PATH_HOSTILE = ['0', '-1', String(INT_PAST), '9223372036854775808', 'abc', '%00', '1e3'];

function pickSchema(s: Schema): Schema {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return pickSchema(alts.find((a) => a.type !== undefined && a.type !== 'null') ?? alts.find((a) => a.anyOf ?? a.oneOf) ?? alts[0]);
  if (s.allOf?.length) return pickSchema(s.allOf[0]);
  return s;
}

function kindOf(name: string, raw: Schema): Kind {
  const s = pickSchema(raw);
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (t === 'integer' || t === 'number') return /(^id|Id)$/.test(name) ? 'id' : 'number';
  if (t === 'string') {
    if (s.format === 'date-time' || /(At|until)$/.test(name)) return 'datetime';
    if (s.format === 'date' || /YYYY-MM-DD$/.test(String((s as { description?: string }).description)) || /(Date|On|^date)$/.test(name)) return 'date';
    return 'text';
  }
  return 'other';
}

/** A plausible valid value for a field of this schema (named `name`), using the world's real ids. */
function sample(name: string, raw: Schema, ids: Record<string, number | string>, depth = 0): unknown {
  const s = pickSchema(raw);
  if (s.const !== undefined) return s.const;
  if (name === 'priority') return 'normal'; // what a customer may choose (staff choose any)
  if (s.enum) return s.enum[0];
  if (s.default !== undefined && depth > 0) return s.default;
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  switch (kindOf(name, s)) {
    case 'id':
      return ids[name] ?? ids.id;
    case 'date':
      return '2026-12-01';
    case 'datetime':
      return '2026-12-01T10:00:00+08:00';
    case 'number': {
      if (/Cents$/.test(name)) return 10_000;
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
      return Math.min(Math.max(1, min), s.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    case 'text': {
      if (typeof ids[name] === 'string') return ids[name];
      if (name === 'website') return null; // the public form's honeypot: a filled one stores nothing
      if (/email/i.test(name)) return 'walk@example.com';
      if (/phone/i.test(name)) return '13800138000';
      if (name === 'currency') return 'CNY';
      if (s.pattern && /\\d/.test(s.pattern) && !/[a-z]/i.test(s.pattern.replace(/\\d/g, ''))) return '1';
      return 'walk'.padEnd(Math.max(4, s.minLength ?? 0), 'k');
    }
  }
  if (t === 'boolean') return true;
  if (t === 'array') return depth > 3 ? [] : Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sample(name, s.items ?? {}, ids, depth + 1));
  if (t === 'object' || s.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      if ((s.required ?? []).includes(k) || depth === 0) out[k] = sample(k, v, ids, depth + 1);
    }
    return out;
  }
  return 'walk';
}

/** The leaf fields of a body schema, as paths, with their kind (top level and one level into objects/arrays). */
function fields(s0: Schema, prefix: (string | number)[] = [], depth = 0): { path: (string | number)[]; name: string; kind: Kind }[] {
  const s = pickSchema(s0);
  const out: { path: (string | number)[]; name: string; kind: Kind }[] = [];
  for (const [k, v0] of Object.entries(s.properties ?? {})) {
    const v = pickSchema(v0);
    const kind = kindOf(k, v);
    if (kind !== 'other') out.push({ path: [...prefix, k], name: k, kind });
    else if (depth < 2 && (v.properties || (v.type === 'array' && v.items))) {
      if (v.type === 'array') {
        const item = pickSchema(v.items!);
        if (item.properties) out.push(...fields(item, [...prefix, k, 0], depth + 1));
        else if (kindOf(k, item) !== 'other') out.push({ path: [...prefix, k, 0], name: k, kind: kindOf(k, item) });
      } else out.push(...fields(v, [...prefix, k], depth + 1));
    }
  }
  return out;
}

function setPath(body: unknown, path: (string | number)[], value: unknown): unknown {
  const root = structuredClone(body) as Record<string | number, unknown>;
  let cur = root;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    if (cur[k] === undefined || cur[k] === null || typeof cur[k] !== 'object') cur[k] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[k] as Record<string | number, unknown>;
  }
  cur[path[path.length - 1]] = value;
  return root;
}

/** Which world id a path `{id}` stands for, by the segment before it. */
function pathIdFor(path: string, ids: Record<string, number | string>): number {
  const seg = path.split('/').filter(Boolean);
  const i = seg.indexOf('{id}');
  const before = seg.slice(0, i).join('/');
  const table: [RegExp, string][] = [
    [/customers$/, 'customerId'],
    [/contracts$/, 'contractId'],
    [/approvals\/steps$/, 'stepId'],
    [/approvals$/, 'requestId'],
    [/pools$/, 'poolId'],
    [/tickets$/, 'ticketId'],
    [/surveys$/, 'surveyId'],
    [/articles$/, 'articleId'],
    [/attachments$/, 'attachmentId'],
    [/opportunities$/, 'opportunityId'],
    [/quotes$/, 'quoteId'],
    [/pipelines$/, 'pipelineId'],
  ];
  if (/\/contracts\/\{id\}\/(payments|renewal-opportunity)$/.test(path)) return Number(ids.approvedContractId);
  for (const [re, key] of table) if (re.test(before)) return Number(ids[key] ?? 1);
  return Number(ids.id);
}

async function scanForMarkers(h: DbHandle): Promise<{ table: string; column: string; value: string }[]> {
  const cols: { t: string; c: string }[] = [];
  if (h.dialect === 'sqlite') {
    const tables = await h.db.select<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    for (const { name } of tables) {
      const info = await h.db.select<{ name: string; type: string }>(`PRAGMA table_info("${name}")`);
      for (const c of info) if (/CHAR|TEXT|CLOB|JSON|^$/i.test(c.type)) cols.push({ t: name, c: c.name });
    }
  } else {
    const rows = await h.db.select<{ t: string; c: string }>(
      "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND data_type IN ('char','varchar','text','tinytext','mediumtext','longtext','json','enum','set')",
    );
    cols.push(...rows);
  }
  const q = (x: string) => (h.dialect === 'sqlite' ? `"${x}"` : `\`${x}\``);
  const found: { table: string; column: string; value: string }[] = [];
  for (const { t, c } of cols) {
    const rows = await h.db.select<{ v: string }>(`SELECT ${q(c)} AS v FROM ${q(t)} WHERE ${q(c)} LIKE :m LIMIT 3`, { m: `%${MARK}%` });
    for (const r of rows) found.push({ table: t, column: c, value: String(r.v).slice(0, 200) });
  }
  return found;
}

describeEachDb('hostile-input walk over every /api/v1 and /mp/v1 route', (h) => {
  it('no 5xx, no hostile id or date accepted, no hostile text stored', async () => {
    const started = Date.now();
    // ---- the world: an admin key (allowed everywhere), a customer session, records of every kind the paths name
    const o = await makeOrg(h.ctx);
    const key = (await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: 'walk', userId: o.admin.id })).key;
    const w = await makeWorld(h.ctx);
    const storage = memoryStorage();
    const limits = { signInPerMinute: 1_000_000, sessionPerMinute: 1_000_000 };
    // Budgets raised through configuration, as the other API tests do: the walk sends ~1,300 requests with one key.
    const budgets = { CRM_READ_SEARCH_PER_WINDOW: '1000000', CRM_READ_LIST_PER_WINDOW: '1000000', CRM_READ_LOOKUP_PER_WINDOW: '1000000', CRM_READ_EMPTY_BURST: '1000000' };
    const { app } = await testApp(
      h.ctx,
      [openApiRouter(API_OPERATIONS), customersApiRouter, publicLeadsRouter({ perIpPerMinute: 1_000_000, perFormPerMinute: 1_000_000 }), mpRouter({ storage, limits }), contractsApiRouter, opportunitiesApiRouter],
      budgets,
    );
    const server = app.callback();
    const api = { Authorization: `Bearer ${key}` };
    const customerId = await o.customer({ owner: o.admin });
    const sourceId = await o.customer({ owner: o.admin });
    const contract = await request(server).post('/api/v1/contracts').set(api).send({ customerId, startDate: '2026-12-01', endDate: '2027-11-30', lines: [{ name: '授权', quantity: 1, unitPriceCents: 100_000 }] });
    expect(contract.status).toBe(201);
    const contractId = contract.body.id as number;
    const contract2 = await request(server).post('/api/v1/contracts').set(api).send({ customerId, startDate: '2026-12-01', endDate: '2027-11-30', lines: [{ name: '授权', quantity: 1, unitPriceCents: 100_000 }] });
    const submitted = await request(server).post(`/api/v1/contracts/${contract2.body.id}/submit`).set(api).send({});
    expect(submitted.status).toBe(201);
    const pools = await request(server).get('/api/v1/pools').set(api);
    const code = (await createInvite(h.ctx, staff(w.rep), { customerId: w.customerA.id, contactId: w.customerA.contactId })).code;
    const session = await request(server).post('/mp/v1/auth/invite').send({ code, client: 'h5' });
    expect(session.status).toBe(200);
    const mp = { Authorization: `Bearer ${session.body.token}` };
    // The step's approver answers the step routes (anyone else is refused before the body matters).
    const approverKey = (await createApiKey(h.ctx, { kind: 'system' }, 'cli', { name: 'walk-approver', userId: submitted.body.currentStep.approverId })).key;
    const approver = { Authorization: `Bearer ${approverKey}` };
    const ticket = await request(server).post('/mp/v1/tickets').set(mp).send({ type: TICKET_TYPE, description: '打印机坏了' });
    expect(ticket.status).toBe(201);
    // An approved contract, so the payment route reaches allocation (a draft refuses payments before the body matters).
    const contract3 = await request(server).post('/api/v1/contracts').set(api).send({ customerId, startDate: '2026-12-01', endDate: '2027-11-30', lines: [{ name: '授权', quantity: 1, unitPriceCents: 100_000 }] });
    let step = (await request(server).post(`/api/v1/contracts/${contract3.body.id}/submit`).set(api).send({})).body.currentStep as { id: number; approverId: number } | null;
    for (let guard = 0; step && guard < 10; guard++) {
      const r = await decideStep(h.ctx, o.as([o.admin, o.manager, o.finance, o.director, o.deputy].find((u) => u.id === step!.approverId)!), 'api', { stepId: step.id, decision: 'approve' });
      step = r.finished ? null : (r.view.currentStep as { id: number; approverId: number } | null);
    }
    const approved = await request(server).get(`/api/v1/contracts/${contract3.body.id}`).set(api);
    expect(['approved', 'active']).toContain(approved.body.status);
    // A real survey for the customer's session: a second ticket, resolved, sends its CSAT survey.
    const surveyed = await request(server).post('/mp/v1/tickets').set(mp).send({ type: TICKET_TYPE, description: '发票抬头错了' });
    await resolveTicket(h.ctx, staff(w.agents[0]), { ticketId: surveyed.body.id });
    const survey = ((await request(server).get('/mp/v1/surveys').set(mp)).body.items as { id: number; ticket: { id: number } | null }[]).find((s) => s.ticket?.id === surveyed.body.id);
    expect(survey).toBeDefined();
    const article = await createArticle(h.ctx, staff(w.manager), { title: '如何重置密码', body: '步骤如下', status: 'published' });
    const form = await createLeadForm(h.ctx, { kind: 'system' }, { name: '官网表单' });
    // The pipeline: an opportunity with a line and a quote of it, so its routes reach the core past the path id.
    const opportunity = await request(server).post('/api/v1/opportunities').set(api).send({ customerId, name: '走查商机', lines: [{ name: '授权', quantity: 1, unitPriceCents: 100_000 }] });
    expect(opportunity.status).toBe(201);
    const quote = await request(server).post(`/api/v1/opportunities/${opportunity.body.id}/quotes`).set(api).send({});
    expect(quote.status).toBe(201);
    const pipelines = await request(server).get('/api/v1/pipelines').set(api);
    expect(pipelines.status).toBe(200);
    const ids: Record<string, number | string> = {
      token: form.token,
      id: customerId,
      customerId,
      sourceId,
      contractId,
      userId: o.rep.id,
      ownerId: o.admin.id,
      toUserId: o.manager.id,
      delegateId: o.manager.id,
      contactId: w.customerA.contactId,
      poolId: pools.body.items[0]?.id ?? 1,
      stepId: submitted.body.currentStep.id,
      requestId: submitted.body.requestId,
      instalmentId: approved.body.instalments[0].id,
      approvedContractId: contract3.body.id,
      ticketId: ticket.body.id,
      articleId: article.id,
      surveyId: survey!.id,
      attachmentId: 1,
      opportunityId: opportunity.body.id,
      quoteId: quote.body.id,
      pipelineId: pipelines.body.items[0].id,
      stage: 'qualified', // a stage that exists (a body's `stage` is text the pipeline must know)
    };

    // ---- the walk
    const docs = [
      (await request(server).get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, Operation>> },
      (await request(server).get('/mp/v1/openapi.json')).body as { paths: Record<string, Record<string, Operation>> },
    ];
    const failures: string[] = [];
    const markers = new Map<string, string>();
    let n = 0;
    let requests = 0;
    const covered = new Set<string>();
    const baselines: string[] = [];
    const send = async (method: string, path: string, what: string, opts: { query?: Record<string, string>; body?: unknown; strict: boolean }) => {
      const auth = path.startsWith('/mp/') ? mp : api;
      let r = request(server)[method as 'get'](path).set(path.includes('/approvals/steps/') ? approver : auth);
      if (opts.query) r = r.query(opts.query);
      if (opts.body !== undefined) r = r.send(opts.body as object);
      const res = await r;
      requests++;
      if (res.status >= 500) failures.push(`${res.status} ${method.toUpperCase()} ${path} ${what}: ${JSON.stringify(res.body).slice(0, 200)}`);
      else if (opts.strict && res.status < 300) failures.push(`accepted ${res.status} ${method.toUpperCase()} ${path} ${what}`);
    };

    for (const doc of docs) {
      for (const [tmpl, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          if (tmpl.endsWith('/openapi.json') || tmpl === '/mp/v1/auth/logout') continue;
          covered.add(`${method} ${tmpl}`);
          const route = `${method.toUpperCase()} ${tmpl}`;
          const validPath = tmpl.replace('{id}', String(pathIdFor(tmpl, ids)));
          const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
          const validQuery: Record<string, string> = {};
          for (const p of queryParams) if (p.name === 'q') validQuery.q = '密码';
          const bodySchema = op.requestBody?.content['application/json']?.schema;
          const body = bodySchema ? sample('', bodySchema, ids) : undefined;

          if (process.env.WALK_REPORT && !['delete'].includes(method) && !/withdraw|terminate|merge|claim|release/.test(tmpl)) {
            let r = request(server)[method as 'get'](validPath).set(tmpl.startsWith('/mp/') ? mp : tmpl.includes('/approvals/steps/') ? approver : api);
            if (body !== undefined) r = r.send(body as object);
            r = r.query(validQuery);
            const res = await r;
            baselines.push(`${res.status} ${route} ${res.status >= 300 ? JSON.stringify(res.body).slice(0, 160) : ''}`);
          }
          // path ids (DELETE and other destructive routes only ever see hostile ids)
          if (tmpl.includes('{id}')) {
            for (const bad of PATH_HOSTILE) await send(method, tmpl.replace('{id}', bad), `path id ${JSON.stringify(bad)}`, { body, strict: false });
          }
          if (method === 'delete') continue;
          // query parameters
          for (const p of queryParams) {
            const kind = kindOf(p.name, p.schema);
            if (kind === 'other') continue;
            for (const bad of QUERY_HOSTILE[kind]) {
              const marked = kind === 'text' ? `${MARK}${++n}${bad}` : bad;
              if (kind === 'text') markers.set(`${MARK}${n}`, `${route} ?${p.name}`);
              await send(method, validPath, `?${p.name}=${JSON.stringify(marked)}`, { query: { ...validQuery, [p.name]: marked }, body, strict: kind !== 'text' && kind !== 'number' });
            }
          }
          // body fields
          if (!bodySchema) continue;
          let bigSent = false;
          for (const f of fields(bodySchema)) {
            if (f.kind === 'other') continue;
            for (const make of HOSTILE[f.kind]) {
              const m = `${MARK}${++n}`;
              markers.set(m, `${route} ${f.path.join('.')}`);
              const v = make(m);
              await send(method, validPath, `${f.path.join('.')}=${JSON.stringify(v).slice(0, 60)}`, { body: setPath(body, f.path, v), strict: f.kind === 'id' || f.kind === 'date' || f.kind === 'datetime' });
            }
            if (f.kind === 'text') {
              // Long but legal text (3,000 non-ASCII characters, 6 KB): refused or stored, never a 500 (a column
              // narrower than the schema's max fails on MariaDB only). Not marked: storing it is fine.
              await send(method, validPath, `${f.path.join('.')}=<3000 × é>`, { body: setPath(body, f.path, 'é'.repeat(3000)), strict: false });
            }
            if (f.kind === 'text' && !bigSent) {
              bigSent = true;
              const m = `${MARK}${++n}`;
              markers.set(m, `${route} ${f.path.join('.')} (1 MB)`);
              await send(method, validPath, `${f.path.join('.')}=<1 MB>`, { body: setPath(body, f.path, m + 'x'.repeat(1 << 20)), strict: true });
            }
          }
          // a multipart upload with a hostile file name
          if (op.requestBody?.content['multipart/form-data']) {
            // (A lone surrogate cannot cross multipart: the client encodes it as U+FFFD, which is text.)
            for (const make of HOSTILE.text.filter((_, i) => i !== 1)) {
              const m = `${MARK}${++n}`;
              markers.set(m, `${route} photos[0].name`);
              const res = await request(server)
                [method as 'post'](validPath)
                .set(mp)
                .field('type', TICKET_TYPE)
                .field('description', '有图')
                .attach('photos', PNG, { filename: String(make(m)) + '.png', contentType: 'image/png' });
              requests++;
              if (res.status >= 500) failures.push(`${res.status} ${route} photo name: ${JSON.stringify(res.body).slice(0, 200)}`);
            }
            // and hostile text in each multipart text field (the same fields, from the document)
            const mpFields = fields(op.requestBody.content['multipart/form-data'].schema).filter((f) => f.kind === 'text' && f.path.length === 1);
            const valid = (body ?? {}) as Record<string, unknown>;
            for (const f of mpFields) {
              for (const make of HOSTILE.text.filter((_, i) => i !== 1)) {
                const m = `${MARK}${++n}`;
                markers.set(m, `${route} multipart ${f.name}`);
                let r = request(server)[method as 'post'](validPath).set(mp);
                for (const [k, v] of Object.entries(valid)) if (typeof v === 'string' && k !== f.name) r = r.field(k, v);
                const res = await r.field(f.name, String(make(m))).attach('photos', PNG, { filename: 'p.png', contentType: 'image/png' });
                requests++;
                if (res.status >= 500) failures.push(`${res.status} ${route} multipart ${f.name}: ${JSON.stringify(res.body).slice(0, 200)}`);
                else if (res.status < 300) failures.push(`accepted ${res.status} ${route} multipart ${f.name}`);
              }
            }
          }
        }
      }
    }

    const stored = await scanForMarkers(h);
    for (const s of stored) {
      const m = /ZQXH\d+/.exec(s.value)?.[0] ?? '';
      failures.push(`stored ${s.table}.${s.column} = ${JSON.stringify(s.value.slice(0, 80))} (sent by ${markers.get(m) ?? 'unknown'})`);
    }
    // Every documented operation was walked (logout and the documents themselves aside).
    const documented = docs.flatMap((d) => Object.entries(d.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    expect(covered.size).toBe(documented.filter((k) => !k.endsWith('/openapi.json') && k !== 'post /mp/v1/auth/logout').length);
    expect(covered.size).toBeGreaterThanOrEqual(40);
    // eslint-disable-next-line no-console
    if (process.env.WALK_REPORT) console.log(baselines.join('\n'), `\n[${h.dialect}] ${covered.size} operations, ${requests} requests, ${Date.now() - started} ms`);
    expect(failures).toEqual([]);
  });
});

const TICKET_TYPE = 'consult';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
