import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describeEachDb } from '../helpers/db';
import { createUser, actorOf } from '../../core/users/operations';
import { createCustomer } from '../../core/customers/operations';
import { captureLead } from '../../core/leads/operations';
import { importLeads } from '../../core/leads/import';
import { runCli } from '../../server/cli/run';
import type { Actor } from '../../core/context';

jest.setTimeout(30_000); // MySQL migrations on a shared, busy server can exceed the default 5 s

const system: Actor = { kind: 'system' };

const CSV = [
  '公司名称,联系人,手机号,邮箱,所属行业,员工人数,备注',
  '远航科技有限公司,王伟,138 0000 0001,wang@yuanhang.cn,制造业,500人,要报价', // line 2 valid
  '星海集团,李娜,abc,,零售,,', // 3 invalid phone
  ',,13800000003,,,,', // 4 no company/contact
  '蓝海物流,赵敏,+86 139-0000-0004,,物流,50,', // 5 valid
  '远航科技,王工,13800000099,,,,', // 6 duplicate of line 2 (company name)
  '宏达机械,陈,13700000000,,,,', // 7 duplicate of an existing lead (phone)
  '云帆网络,周,,boss@yunfan.cn,,,', // 8 duplicate of an existing customer (e-mail)
  '天成电子,吴,13600000008,,电子,abc,', // 9 invalid size
  '华夏贸易,郑,13600000009,,,,', // 10 valid
].join('\n');

describeEachDb('lead import', (h) => {
  let dir: string;
  const count = async (sql: string, r: Record<string, unknown> = {}) => Number((await h.db.select<{ n: number }>(sql, r))[0].n);
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-import-'));
    const rep = await createUser(h.ctx, system, 'cli', { name: 'R', role: 'rep' });
    await captureLead(h.ctx, system, 'api', { company: '宏达', phone: '137-0000-0000', source: 'web' });
    await createCustomer(h.ctx, actorOf(rep), 'api', { name: '云帆', email: 'Boss@YunFan.cn' });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('dry run: guesses Chinese headers and reports valid / duplicate / invalid rows with reasons, writing nothing', async () => {
    const before = await count('SELECT COUNT(*) AS n FROM leads');
    const r = await importLeads(h.ctx, system, Buffer.from(CSV), { fileName: 'leads.csv', dryRun: true, campaign: 'expo' });
    expect(r.mapping).toEqual({ company: '公司名称', contactName: '联系人', phone: '手机号', email: '邮箱', industry: '所属行业', companySize: '员工人数', message: '备注' });
    expect({ total: r.total, valid: r.valid, duplicate: r.duplicate, invalid: r.invalid, committed: r.committed }).toEqual({ total: 9, valid: 3, duplicate: 3, invalid: 3, committed: 0 });
    const byLine = Object.fromEntries(r.rows.map((x) => [x.line, x]));
    expect(byLine[3].reason!.zh).toContain('手机号');
    expect(byLine[4].reason!.en).toContain('company or contact name');
    expect(byLine[6]).toMatchObject({ status: 'duplicate', duplicateOf: { kind: 'row', id: 2 } });
    expect(byLine[7]).toMatchObject({ status: 'duplicate', duplicateOf: { kind: 'lead' } });
    expect(byLine[8]).toMatchObject({ status: 'duplicate', duplicateOf: { kind: 'customer' } });
    expect(byLine[9].reason!.en).toContain('size');
    expect(await count('SELECT COUNT(*) AS n FROM leads')).toBe(before);
    expect(await count('SELECT COUNT(*) AS n FROM lead_imports')).toBe(0);
  });

  it('commit: writes the valid rows with source and campaign, links duplicates, and a second run finds them all duplicate', async () => {
    const progress: number[] = [];
    const r = await importLeads(h.ctx, system, Buffer.from(CSV), { fileName: 'leads.csv', dryRun: false, campaign: 'expo', batchSize: 2, onProgress: (d) => progress.push(d) });
    expect({ valid: r.valid, duplicate: r.duplicate, invalid: r.invalid, committed: r.committed, failed: r.failed }).toEqual({ valid: 3, duplicate: 3, invalid: 3, committed: 3, failed: null });
    expect(progress.at(-1)).toBe(9);
    const rows = await h.db.select<{ company: string; source: string; campaign: string; phone_norm: string; score: number }>(
      'SELECT company, source, campaign, phone_norm, score FROM leads WHERE import_id = :id ORDER BY id', { id: r.importId });
    expect(rows.map((x) => [x.company, x.source, x.campaign, x.phone_norm])).toEqual([
      ['远航科技有限公司', 'import', 'expo', '13800000001'], ['蓝海物流', 'import', 'expo', '13900000004'], ['华夏贸易', 'import', 'expo', '13600000009'],
    ]);
    expect(Number(rows[0].score)).toBeGreaterThan(Number(rows[2].score)); // manufacturing, 500 staff
    expect(await count("SELECT COUNT(*) AS n FROM lead_touches WHERE source = 'import' AND customer_id IS NOT NULL")).toBe(1);
    const again = await importLeads(h.ctx, system, Buffer.from(CSV), { fileName: 'leads.csv', dryRun: false });
    expect({ valid: again.valid, duplicate: again.duplicate, committed: again.committed }).toEqual({ valid: 0, duplicate: 6, committed: 0 });
  });

  it('a failure in the middle leaves earlier batches committed and nothing of the failed batch', async () => {
    const csv = ['company,phone', ...Array.from({ length: 6 }, (_, i) => `Batch Co ${i},1590000000${i}`)].join('\n');
    const r = await importLeads(h.ctx, system, Buffer.from(csv), {
      fileName: 'b.csv', dryRun: false, batchSize: 2,
      beforeBatchCommit: (n) => {
        if (n === 2) throw new Error('disk full');
      },
    });
    expect(r.failed).toEqual({ batch: 2, firstLine: 4, message: 'disk full' });
    expect(r.committed).toBe(2);
    const names = (await h.db.select<{ company: string }>("SELECT company FROM leads WHERE company LIKE 'Batch Co%' ORDER BY id")).map((x) => x.company);
    expect(names).toEqual(['Batch Co 0', 'Batch Co 1']);
    expect(await count("SELECT COUNT(*) AS n FROM lead_dedup_keys WHERE value LIKE '15900000%'")).toBe(2);
    const imp = (await h.db.select<{ status: string; committed: number }>('SELECT status, committed FROM lead_imports WHERE id = :id', { id: r.importId }))[0];
    expect(imp.status).toBe('failed');
    expect(Number(imp.committed)).toBe(2);
    // Re-running completes the rest; the first two are duplicates now.
    const rerun = await importLeads(h.ctx, system, Buffer.from(csv), { fileName: 'b.csv', dryRun: false, batchSize: 2 });
    expect({ committed: rerun.committed, duplicate: rerun.duplicate }).toEqual({ committed: 4, duplicate: 2 });
  });

  it('reads XLSX with English headers; --mapping overrides a guess', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Leads');
    ws.addRow(['Company Name', 'Contact', 'Mobile', 'E-mail', 'Lead Source', 'Campaign', 'Cell (alt)']);
    ws.addRow(['Acme Corp', 'John', '+1 415 555 0100', 'john@acme.com', 'referral', 'spring', '13512345678']);
    ws.addRow(['Globex', { richText: [{ text: 'Hank' }] }, '', 'hank@globex.com', '', '', '']);
    const file = path.join(dir, 'leads.xlsx');
    await wb.xlsx.writeFile(file);
    const dry = await importLeads(h.ctx, system, fs.readFileSync(file), { fileName: 'leads.xlsx', dryRun: true, mapping: { phone: 'Cell (alt)' } });
    expect(dry.mapping).toMatchObject({ company: 'Company Name', contactName: 'Contact', phone: 'Cell (alt)', email: 'E-mail', source: 'Lead Source', campaign: 'Campaign' });
    expect(dry.valid).toBe(2);
    const r = await importLeads(h.ctx, system, fs.readFileSync(file), { fileName: 'leads.xlsx', dryRun: false });
    expect(r.committed).toBe(2);
    const acme = (await h.db.select<{ source: string; campaign: string; phone_norm: string }>("SELECT source, campaign, phone_norm FROM leads WHERE company = 'Acme Corp'"))[0];
    expect(acme).toEqual({ source: 'referral', campaign: 'spring', phone_norm: '+14155550100' });
  });

  it('the CLI prints the dry-run report and exits 0; a bad mapping names the field', async () => {
    const file = path.join(dir, 'cli.csv');
    fs.writeFileSync(file, '\uFEFF' + ['客户名称,电话', '新锐科技,13311112222', '坏数据,12'].join('\n'));
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    const env = { DATABASE_URL: h.url, CRM_LOCALE: 'en' };
    expect(await runCli(['import', 'leads', file, '--dry-run'], env, io)).toBe(0);
    expect(out.join('\n')).toContain('total 2  valid 1  duplicate 0  invalid 1');
    expect(out.join('\n')).toContain('line 3: invalid');
    expect(await runCli(['import', 'leads', file, '--mapping', 'phone=Nope'], env, io)).toBe(1);
    expect(err.join('\n')).toContain('mapping');
    // lead policy is configurable from the CLI
    const cfg = path.join(dir, 'cfg.json');
    fs.writeFileSync(cfg, JSON.stringify({ assign: { strategy: 'least_loaded' }, sla: { hotUnassignedMinutes: 15 } }));
    out.length = 0;
    expect(await runCli(['leads', 'config', '--set', cfg], env, io)).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ assign: { strategy: 'least_loaded' }, sla: { hotUnassignedMinutes: 15 }, scoring: { hotThreshold: 70 } });
    fs.writeFileSync(cfg, JSON.stringify({ assign: { strategy: 'random' } }));
    expect(await runCli(['leads', 'config', '--set', cfg], env, io)).toBe(2);
  });
});
