import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { recordAudit } from '../audit/record';
import { getLeadsConfig } from './config';
import { compactScore, scoreCompact } from './rules';
import { dedupKeysOf, leadNotice } from './capture';
import { duplicateNotice, duplicateText } from '../customers/dedup-notice';
import { assignLead } from './assign';
import { sqlDate } from '../shared/sqldate';
import { checkRow, guessMapping, IMPORT_FIELDS, type CheckedRow, type Mapping } from './import-rules';

/**
 * Lead import from CSV/XLSX: header guessing, a dry-run report (valid / duplicate / invalid with reasons), then a
 * commit in batches (default 2,000 rows). Each batch is one transaction — de-dup lookups, one multi-row INSERT of leads, their de-dup
 * keys and the touches linking duplicates — so a failure leaves earlier batches committed and no half batch.
 */

export interface Table {
  headers: string[];
  rows: string[][];
}

export async function readTable(data: Buffer, fileName: string): Promise<Table> {
  if (/\.xlsx$/i.test(fileName)) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(data as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    if (!ws) throw new AppError('VALIDATION', { field: 'file', detail: { 'zh-CN': '表格中没有工作表', en: 'The workbook has no sheet' } });
    const out: string[][] = [];
    ws.eachRow({ includeEmpty: false }, (row) => {
      const vals = (row.values as unknown[]).slice(1).map(cellText);
      out.push(vals);
    });
    const [headers = [], ...rows] = out;
    return { headers, rows };
  }
  if (/\.(csv|txt)$/i.test(fileName)) {
    const text = data.toString('utf8').replace(/^\uFEFF/, '');
    const records = parseCsv(text, { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
    const [headers = [], ...rows] = records;
    return { headers, rows };
  }
  throw new AppError('UNSUPPORTED_MEDIA', { field: 'file', detail: { 'zh-CN': '只支持 CSV 或 XLSX 文件', en: 'Only CSV or XLSX files' } });
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: Array<{ text: string }>; hyperlink?: string };
    if (o.richText) return o.richText.map((r) => r.text).join('');
    if (o.text !== undefined) return cellText(o.text);
    if (o.result !== undefined) return cellText(o.result);
    return '';
  }
  return String(v);
}

export interface ImportOptions {
  fileName: string;
  dryRun: boolean;
  /** --mapping "phone=手机号,company=单位" */
  mapping?: Record<string, string>;
  source?: string;
  campaign?: string | null;
  batchSize?: number;
  /** Assign each new lead by the configured strategy after its batch commits. */
  assign?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Test hook: runs inside each batch's transaction just before it commits. */
  beforeBatchCommit?: (batchNo: number) => Promise<void> | void;
}

export interface RowReport {
  line: number;
  status: 'valid' | 'duplicate' | 'invalid';
  reason?: { zh: string; en: string };
  duplicateOf?: { kind: 'lead' | 'customer' | 'row'; id: number };
}

export interface ImportReport {
  importId: number | null;
  dryRun: boolean;
  mapping: Record<string, string>;
  unmapped: string[];
  total: number;
  valid: number;
  duplicate: number;
  /** Duplicates of records the importer may not see (said only whose they are): they count against the read budget. */
  undisclosed?: number;
  invalid: number;
  committed: number;
  /** Row-level details for duplicates and invalid rows (first 1,000). */
  rows: RowReport[];
  failed: { batch: number; firstLine: number; message: string } | null;
}

type Target = { kind: 'lead' | 'customer'; id: number };
const keyId = (k: { kind: string; value: string }) => `${k.kind}\u0000${k.value}`;

/** Existing leads/customers holding any of the keys (customers win: a known customer is never a new lead). */
async function lookupKeys(ctx: CoreContext, keys: Array<{ kind: string; value: string }>, t?: Transaction | null): Promise<Map<string, Target>> {
  const found = new Map<string, Target>();
  if (!keys.length) return found;
  const by: Record<string, string[]> = { name: [], phone: [], email: [] };
  for (const k of keys) by[k.kind].push(k.value);
  const clauses: string[] = [];
  const repl: Record<string, unknown> = {};
  for (const kind of ['name', 'phone', 'email']) {
    if (by[kind].length) {
      clauses.push(`(kind = '${kind}' AND value IN (:${kind}))`);
      repl[kind] = by[kind];
    }
  }
  const where = clauses.join(' OR ');
  for (const r of await ctx.db.select<{ kind: string; value: string; lead_id: number }>(`SELECT kind, value, lead_id FROM lead_dedup_keys WHERE ${where}`, repl, t)) {
    found.set(keyId(r), { kind: 'lead', id: Number(r.lead_id) });
  }
  for (const r of await ctx.db.select<{ kind: string; value: string; customer_id: number }>(`SELECT kind, value, customer_id FROM dedup_keys WHERE ${where}`, repl, t)) {
    found.set(keyId(r), { kind: 'customer', id: Number(r.customer_id) });
  }
  // Customers written before de-dup keys existed (seeds, bulk loads): their indexed norm columns.
  const probes: Array<[string, string, string]> = [
    ['phone', 'SELECT id, phone_norm AS v FROM customers WHERE phone_norm IN (:vals) AND status <> \'deleted\'', 'phone'],
    ['email', 'SELECT id, email_norm AS v FROM customers WHERE email_norm IN (:vals) AND status <> \'deleted\'', 'email'],
    ['name', 'SELECT id, name_norm AS v FROM customers WHERE name_norm IN (:vals) AND status <> \'deleted\'', 'name'],
    ['phone', 'SELECT customer_id AS id, phone_norm AS v FROM contacts WHERE phone_norm IN (:vals)', 'phone'],
    ['email', 'SELECT customer_id AS id, email_norm AS v FROM contacts WHERE email_norm IN (:vals)', 'email'],
  ];
  for (const [kind, sql] of probes) {
    if (!by[kind].length) continue;
    for (const r of await ctx.db.select<{ id: number; v: string }>(sql, { vals: by[kind] }, t)) {
      found.set(keyId({ kind, value: r.v }), { kind: 'customer', id: Number(r.id) });
    }
  }
  return found;
}

const DUP_REASON = (d: Target | { kind: 'row'; id: number }) =>
  d.kind === 'row'
    ? { zh: `与第 ${d.id} 行重复`, en: `duplicate of line ${d.id}` }
    : d.kind === 'lead'
      ? { zh: `已存在线索 #${d.id}`, en: `existing lead #${d.id}` }
      : { zh: `已是客户 #${d.id}`, en: `already customer #${d.id}` };

export async function importLeads(ctx: CoreContext, actor: Actor, data: Buffer | Table, opts: ImportOptions): Promise<ImportReport> {
  const table = Buffer.isBuffer(data) ? await readTable(data, opts.fileName) : data;
  let guessed;
  try {
    guessed = guessMapping(table.headers, opts.mapping);
  } catch (e) {
    throw new AppError('VALIDATION', { field: 'mapping', detail: { 'zh-CN': `列映射有误：${(e as Error).message}`, en: `Bad mapping: ${(e as Error).message}` } });
  }
  const { mapping, unmapped } = guessed;
  if (mapping.company === undefined && mapping.contactName === undefined) {
    throw new AppError('VALIDATION', { field: 'mapping', detail: { 'zh-CN': '找不到公司名称或联系人列，请用 --mapping 指定', en: 'No company or contact column found; use --mapping' } });
  }
  const defaults = { source: opts.source ?? 'import', campaign: opts.campaign ?? null };
  const batchSize = opts.batchSize ?? 2000;
  const report: ImportReport = {
    importId: null, dryRun: opts.dryRun, mapping: describeMapping(mapping, table.headers), unmapped,
    total: table.rows.length, valid: 0, duplicate: 0, undisclosed: 0, invalid: 0, committed: 0, rows: [], failed: null,
  };
  const note = (r: RowReport) => {
    if (report.rows.length < 1000) report.rows.push(r);
  };

  // In-file de-dup: the first line with a key wins.
  const seen = new Map<string, number>();
  const checked: KeyedRow[] = [];
  table.rows.forEach((cells, i) => {
    const row = checkRow(cells, i + 2, mapping, defaults);
    if (!row.input) {
      report.invalid++;
      note({ line: row.line, status: 'invalid', reason: { zh: row.errors.map((e) => e.zh).join('；'), en: row.errors.map((e) => e.en).join('; ') } });
      return;
    }
    const keys = dedupKeysOf(row.norms!);
    const first = keys.map((k) => seen.get(keyId(k))).find((x) => x !== undefined);
    if (first !== undefined) {
      report.duplicate++;
      note({ line: row.line, status: 'duplicate', reason: DUP_REASON({ kind: 'row', id: first }), duplicateOf: { kind: 'row', id: first } });
      return;
    }
    for (const k of keys) seen.set(keyId(k), row.line);
    checked.push(Object.assign(row, { keys }));
  });

  const cfg = await getLeadsConfig(ctx);
  if (!opts.dryRun) {
    report.importId = await ctx.db.tx(async (t) => {
      const now = ctx.clock.now();
      const [id] = await ctx.db.sequelize.query(
        "INSERT INTO lead_imports (user_id, file_name, status, total, created_at, updated_at) VALUES (:u, :f, 'running', :total, :now, :now)",
        { replacements: { u: actor.kind === 'user' ? actor.userId : null, f: opts.fileName.slice(0, 200), total: report.total, now }, type: QueryTypes.INSERT, transaction: t },
      );
      return Number(id);
    });
  }

  // 撞单: a row matching a record the importer may not see says only whose it is (or "in the pool"), no id.
  const told = new Map<string, { visible: boolean; reason: { zh: string; en: string } }>();
  const tell = async (target: Target): Promise<{ visible: boolean; reason: { zh: string; en: string } }> => {
    if (actor.kind !== 'user') return { visible: true, reason: DUP_REASON(target) };
    const k = `${target.kind}:${target.id}`;
    let r = told.get(k);
    if (!r) {
      if (target.kind === 'customer') {
        const n = await duplicateNotice(ctx, actor, { id: target.id, kind: null });
        r = n.visible ? { visible: true, reason: DUP_REASON(target) } : { visible: false, reason: { zh: duplicateText(n)['zh-CN'], en: duplicateText(n).en } };
      } else {
        const n = await leadNotice(ctx, actor, target.id);
        r = n.visible ? { visible: true, reason: DUP_REASON(target) } : { visible: false, reason: { zh: n.notice['zh-CN'], en: n.notice.en } };
      }
      told.set(k, r);
    }
    return r;
  };
  let done = report.total - checked.length;
  opts.onProgress?.(done, report.total);
  const newIds: number[] = [];
  const batches: KeyedRow[][] = [];
  for (let i = 0; i < checked.length; i += batchSize) batches.push(checked.slice(i, i + batchSize));
  // The next batch's de-dup lookups (reads of committed rows) run while this batch's transaction writes; rows of
  // different batches never collide (in-file de-dup is done), and a key taken meanwhile is caught by INSERT IGNORE.
  const prefetch = (b: number) => {
    if (b >= batches.length) return null;
    const p = lookupKeys(ctx, batches[b].flatMap((r) => r.keys), null);
    p.catch(() => undefined); // awaited below; never an unhandled rejection if the import stops first
    return p;
  };
  let next = prefetch(0);
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b];
    try {
      const found = await next!;
      next = prefetch(b + 1);
      const r = opts.dryRun ? classifyBatch(batch, found) : await ctx.db.tx(async (t) => {
        const out = await commitBatch(ctx, t, batch, found, report.importId!, cfg.scoring);
        await opts.beforeBatchCommit?.(b + 1);
        await ctx.db.sequelize.query('UPDATE lead_imports SET committed = committed + :n, updated_at = :now WHERE id = :id', {
          replacements: { n: out.created.length, now: ctx.clock.now(), id: report.importId }, type: QueryTypes.UPDATE, transaction: t,
        });
        return out;
      });
      report.valid += r.created.length;
      if (!opts.dryRun) report.committed += r.created.length;
      newIds.push(...r.created.map((c) => c.id));
      for (const d of r.duplicates) {
        report.duplicate++;
        const told = await tell(d.target);
        if (!told.visible) report.undisclosed = (report.undisclosed ?? 0) + 1;
        note({ line: d.line, status: 'duplicate', reason: told.reason, ...(told.visible ? { duplicateOf: d.target } : {}) });
      }
    } catch (e) {
      report.failed = { batch: b + 1, firstLine: batch[0].line, message: e instanceof Error ? e.message : String(e) };
      break;
    }
    done += batch.length;
    opts.onProgress?.(done, report.total);
  }
  report.rows.sort((a, b) => a.line - b.line);

  if (!opts.dryRun) {
    await ctx.db.tx(async (t) => {
      await ctx.db.sequelize.query(
        'UPDATE lead_imports SET status = :s, valid = :v, duplicate = :d, invalid = :i, report = :r, updated_at = :now WHERE id = :id',
        {
          replacements: {
            s: report.failed ? 'failed' : 'done', v: report.valid, d: report.duplicate, i: report.invalid, id: report.importId, now: ctx.clock.now(),
            r: JSON.stringify({ failed: report.failed, rows: report.rows.slice(0, 200) }),
          },
          type: QueryTypes.UPDATE, transaction: t,
        },
      );
      await recordAudit(ctx, t, { actor, action: 'lead.import', entityType: 'lead_import', entityId: report.importId, channel: 'cli', data: { committed: report.committed, duplicate: report.duplicate, invalid: report.invalid, failed: !!report.failed } });
    });
    if (opts.assign) for (const id of newIds) await assignLead(ctx, { kind: 'system' }, id);
  }
  return report;
}

function describeMapping(m: Mapping, headers: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of IMPORT_FIELDS) if (m[f] !== undefined) out[f] = headers[m[f]!];
  return out;
}

/** A valid row with its de-dup keys, computed once. */
type KeyedRow = CheckedRow & { keys: Array<{ kind: string; value: string }> };

interface BatchResult {
  created: Array<{ id: number; line: number }>;
  duplicates: Array<{ line: number; target: Target }>;
}

function classifyBatch(batch: KeyedRow[], found: Map<string, Target>): BatchResult & { fresh: KeyedRow[] } {
  const keysOf = batch.map((r) => r.keys);
  const res: BatchResult & { fresh: KeyedRow[] } = { created: [], duplicates: [], fresh: [] };
  batch.forEach((row, i) => {
    const hits = keysOf[i].map((k) => found.get(keyId(k))).filter((x): x is Target => !!x);
    const target = hits.find((h) => h.kind === 'customer') ?? hits[0];
    if (target) res.duplicates.push({ line: row.line, target });
    else {
      res.fresh.push(row);
      res.created.push({ id: 0, line: row.line });
    }
  });
  return res;
}

const COLS = ['company', 'name_norm', 'contact_name', 'title', 'phone', 'phone_norm', 'email', 'email_norm', 'region', 'industry', 'skill', 'company_size',
  'source', 'campaign', 'message', 'status', 'score', 'score_reasons', 'interactions', 'last_interaction_at', 'import_id', 'created_at', 'updated_at'];

async function commitBatch(ctx: CoreContext, t: Transaction, batch: KeyedRow[], found: Map<string, Target>, importId: number, scoring: Awaited<ReturnType<typeof getLeadsConfig>>['scoring']): Promise<BatchResult> {
  const { duplicates, fresh } = classifyBatch(batch, found);
  const now = ctx.clock.now();
  const q = (v: unknown) => ctx.db.sequelize.escape(v as string);
  const created: BatchResult['created'] = [];
  if (fresh.length) {
    // Dates and the import id are the same on every row: escape them once.
    const nowSql = sqlDate(ctx, now);
    const tail = `${nowSql}, ${q(importId)}, ${nowSql}, ${nowSql}`;
    const values = fresh.map((r) => {
      const i = r.input!;
      const c = scoreCompact({ industry: i.industry, source: i.source, companySize: i.companySize, interactions: 1, lastInteractionAt: now, createdAt: now }, scoring, now);
      return `(${[i.company, r.norms!.name || null, i.contactName, i.title, i.phone, r.norms!.phone, i.email, r.norms!.email, i.region, i.industry, i.skill,
        i.companySize, i.source, i.campaign, i.message, 'new', compactScore(c), JSON.stringify(c), 1].map(q).join(', ')}, ${tail})`;
    });
    await ctx.db.sequelize.query(`INSERT INTO leads (${COLS.join(', ')}) VALUES ${values.join(', ')}`, { type: QueryTypes.INSERT, transaction: t });
    // Ids in insertion order (auto-increment ascends within one statement).
    const ids = (await ctx.db.select<{ id: number }>('SELECT id FROM leads WHERE import_id = :imp ORDER BY id DESC LIMIT :n', { imp: importId, n: fresh.length }, t))
      .map((r) => Number(r.id)).reverse();
    fresh.forEach((r, i) => created.push({ id: ids[i], line: r.line }));
    const keyRows: string[] = [];
    fresh.forEach((r, i) => {
      for (const k of r.keys) keyRows.push(`(${q(k.kind)}, ${q(k.value)}, ${ids[i]}, ${nowSql})`);
    });
    if (keyRows.length) {
      const [, inserted] = await ctx.db.sequelize.query(`${ctx.db.dialect === 'mysql' ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO'} lead_dedup_keys (kind, value, lead_id, created_at) VALUES ${keyRows.join(', ')}`, {
        type: QueryTypes.INSERT, transaction: t,
      });
      // A concurrent capture may have taken a key meanwhile: those rows become duplicates of it.
      const n = typeof inserted === 'number' ? inserted : (await ctx.db.select<{ n: number }>('SELECT COUNT(*) AS n FROM lead_dedup_keys WHERE lead_id IN (:ids)', { ids }, t))[0].n;
      if (Number(n) !== keyRows.length) await resolveLostKeys(ctx, t, fresh, ids, created, duplicates);
    }
  }
  if (duplicates.length) {
    const byLine = new Map(batch.map((r) => [r.line, r]));
    const touchRows = duplicates.map((d) => {
      const row = byLine.get(d.line)!.input!;
      return `(${q(d.target.kind === 'lead' ? d.target.id : null)}, ${q(d.target.kind === 'customer' ? d.target.id : null)}, ${q(row.source)}, ${q(row.campaign)}, ${q(JSON.stringify({ importId, line: d.line }))}, ${q(now)})`;
    });
    await ctx.db.sequelize.query(`INSERT INTO lead_touches (lead_id, customer_id, source, campaign, payload, created_at) VALUES ${touchRows.join(', ')}`, { type: QueryTypes.INSERT, transaction: t });
    const leadIds = duplicates.filter((d) => d.target.kind === 'lead').map((d) => d.target.id);
    if (leadIds.length) {
      await ctx.db.sequelize.query('UPDATE leads SET interactions = interactions + 1, last_interaction_at = :now WHERE id IN (:ids)', {
        replacements: { now, ids: leadIds }, type: QueryTypes.UPDATE, transaction: t,
      });
    }
  }
  return { created, duplicates };
}

async function resolveLostKeys(ctx: CoreContext, t: Transaction, fresh: KeyedRow[], ids: number[], created: BatchResult['created'], duplicates: BatchResult['duplicates']): Promise<void> {
  const mine = new Set((await ctx.db.select<{ kind: string; value: string; lead_id: number }>('SELECT kind, value, lead_id FROM lead_dedup_keys WHERE lead_id IN (:ids)', { ids }, t))
    .map((r) => `${Number(r.lead_id)}\u0000${keyId(r)}`));
  const losers: number[] = [];
  for (let i = fresh.length - 1; i >= 0; i--) {
    const keys = fresh[i].keys;
    const lost = keys.find((k) => !mine.has(`${ids[i]}\u0000${keyId(k)}`));
    if (!lost) continue;
    const owner = (await ctx.db.select<{ lead_id: number }>('SELECT lead_id FROM lead_dedup_keys WHERE kind = :k AND value = :v', { k: lost.kind, v: lost.value }, t))[0];
    losers.push(ids[i]);
    created.splice(created.findIndex((c) => c.id === ids[i]), 1);
    duplicates.push({ line: fresh[i].line, target: { kind: 'lead', id: Number(owner.lead_id) } });
  }
  if (losers.length) {
    await ctx.db.sequelize.query('DELETE FROM lead_dedup_keys WHERE lead_id IN (:ids)', { replacements: { ids: losers }, type: QueryTypes.DELETE, transaction: t });
    await ctx.db.sequelize.query('DELETE FROM leads WHERE id IN (:ids)', { replacements: { ids: losers }, type: QueryTypes.DELETE, transaction: t });
  }
}
