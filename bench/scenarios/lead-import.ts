import type { Harness, Scenario, SeedTable } from '../types';
import { roundsFigure } from '../lib/harness';
import { stat, warmedUp } from '../lib/stats';
import { companyName, INDUSTRIES, pick, REGIONS, rng } from '../../core/factories';
import { importLeads, type Table } from '../../core/leads/import';
import { QueryTypes } from 'sequelize';

/**
 * Lead import with de-dup (core/leads/import.ts, the code path of `npm run crm -- import leads`) against a raw multi-row
 * INSERT of the same rows into the same table, in the same run. The file has 90% new leads, 5% repeats inside the file
 * and 5% leads already in the database (seeded leads and their de-dup keys). Both sides use 2,000-row statements
 * (the import's default batch).
 * Everything written is removed afterwards so the seed stays as it was.
 */
const leadPhone = (i: number) => `177${String(i).padStart(8, '0')}`;
const importPhone = (i: number) => `166${String(i).padStart(8, '0')}`;
const SOURCE = 'bench-import';
const BATCH = 2000;

const seedLeads: SeedTable = {
  table: 'leads',
  rows: { smoke: 200, small: 20_000, full: 200_000 },
  version: 1,
  row(i, r, s) {
    return {
      company: `线索${companyName(i + 5_000_000)}`, name_norm: null, contact_name: null, title: null,
      phone: leadPhone(i), phone_norm: leadPhone(i), email: null, email_norm: null,
      region: pick(r, REGIONS), industry: pick(r, INDUSTRIES), skill: null, company_size: null,
      source: 'web', campaign: null, message: null, status: 'new', score: 30, score_reasons: null, interactions: 1,
      last_interaction_at: s.now, owner_id: null, assigned_at: null, assign_reason: null, escalated_at: null,
      customer_id: null, contact_id: null, converted_at: null, import_id: null, created_by: null, created_at: s.now, updated_at: s.now,
    };
  },
};
const seedLeadKeys: SeedTable = {
  table: 'lead_dedup_keys',
  rows: seedLeads.rows,
  version: 1,
  row(i, _r, s) {
    return { kind: 'phone', value: leadPhone(i), lead_id: i + 1, created_at: s.now };
  },
};

function makeTable(n: number, seededLeads: number): Table {
  const r = rng(42);
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 20;
    let phone: string;
    if (k === 7) phone = importPhone(i - 1); // a repeat inside the file (line i-1 is new)
    else if (k === 13 && seededLeads > 0) phone = leadPhone(i % seededLeads); // already a lead
    else phone = importPhone(i);
    rows.push([`导入${companyName(i + 7_000_000)}${i}`, `联系人${i % 997}`, phone, pick(r, INDUSTRIES), pick(r, REGIONS), String(10 + (i % 2000))]);
  }
  return { headers: ['公司名称', '联系人', '手机号', '行业', '地区', '员工人数'], rows };
}

async function cleanup(h: Harness, since: Date): Promise<void> {
  await h.db.tx(async (t) => {
    const q = (sql: string) => h.db.sequelize.query(sql, { replacements: { s: since, src: SOURCE }, transaction: t, type: QueryTypes.DELETE });
    await q('DELETE FROM lead_dedup_keys WHERE lead_id IN (SELECT id FROM leads WHERE source = :src)');
    await q('DELETE FROM leads WHERE source = :src');
    await q('DELETE FROM lead_touches WHERE source = :src');
    await q('DELETE FROM lead_imports WHERE created_at >= :s');
    await q("DELETE FROM audit_log WHERE action = 'lead.import' AND created_at >= :s");
  });
}

/** The baseline: the same rows (all of them, no checks) in BATCH-row multi-row INSERTs. */
async function rawInsert(h: Harness, table: Table): Promise<void> {
  const now = new Date();
  const esc = (v: unknown) => h.db.sequelize.escape(v as string);
  for (let b = 0; b < table.rows.length; b += BATCH) {
    const values = table.rows.slice(b, b + BATCH).map((c) =>
      `(${[c[0], c[1], c[2], c[2], c[3], c[4], Number(c[5]), SOURCE, 'new', 0, 1, now, now].map(esc).join(', ')})`);
    await h.db.sequelize.query(
      `INSERT INTO leads (company, contact_name, phone, phone_norm, industry, region, company_size, source, status, score, interactions, created_at, updated_at) VALUES ${values.join(', ')}`,
      { type: QueryTypes.INSERT },
    );
  }
}

const scenario: Scenario = {
  name: 'lead-import',
  issue: 6,
  description: 'import leads with de-dup (CSV/XLSX code path, 2,000-row batches) vs a raw multi-row INSERT of the same rows',
  database: 'mysql',
  targets: ['lead-import.ratio'],
  seed: [seedLeads, seedLeadKeys],
  async run(h) {
    const n = h.smoke ? 200 : h.scale === 'full' ? 100_000 : 20_000;
    const table = makeTable(n, h.seed.counts.leads ?? 0);
    const since = new Date(Date.now() - 1000);
    await cleanup(h, since);
    const rounds = 3;
    const product: number[] = [];
    const baseline: number[] = [];
    const warm: number[] = [];
    let last = null as Awaited<ReturnType<typeof importLeads>> | null;
    try {
      // Baseline then product in each round, so machine noise hits both alike; warm-up rounds (not measured) until
      // two consecutive ones agree within 10% on the ratio (at most 3; none under smoke).
      const round = async () => {
        let t0 = performance.now();
        await rawInsert(h, table);
        const b = performance.now() - t0;
        await cleanup(h, since);
        t0 = performance.now();
        last = await importLeads(h.ctx, { kind: 'system' }, table, { fileName: 'bench.csv', dryRun: false, source: SOURCE, batchSize: BATCH });
        const p = performance.now() - t0;
        await cleanup(h, since);
        return { b, p };
      };
      while (!h.smoke && warm.length < 3 && !warmedUp(warm)) {
        const r = await round();
        warm.push(r.b / r.p);
      }
      for (let i = 0; i < rounds; i++) {
        const r = await round();
        baseline.push(r.b);
        product.push(r.p);
      }
    } finally {
      await cleanup(h, since);
    }
    const ratios = product.map((p, i) => baseline[i] / p);
    const ratio = stat(ratios);
    return {
      figures: [
        roundsFigure(`import ${n} leads with de-dup`, stat(product.map((ms) => n / (ms / 1000))), 'rows/s'),
        roundsFigure('raw multi-row INSERT', stat(baseline.map((ms) => n / (ms / 1000))), 'rows/s'),
        roundsFigure('ratio to raw INSERT', ratio, 'ratio', 'lead-import.ratio'),
        { name: 'duplicates found', value: last?.duplicate ?? 0, unit: 'count' },
      ],
      notes: [`${rounds} rounds (baseline then product); warm-up ratios ${warm.map((x) => x.toFixed(2)).join(', ') || 'none (smoke)'}`, 'product: dry-run-free commit (validation, in-file and database de-dup, scoring, de-dup keys, touches for duplicates) per 2,000-row transaction; the next batch\'s de-dup reads overlap the current batch\'s writes'],
      details: { productMs: product, baselineMs: baseline, committed: last?.committed, duplicate: last?.duplicate, invalid: last?.invalid },
    };
  },
};
export default scenario;
