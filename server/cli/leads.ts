import { parseArgs } from 'node:util';
import { createLeadForm } from '../../core/leads/forms';
import type { CliCommand } from './types';

/** `leads form create`: a public web form token (printed once; only its hash is stored). */
export const leadFormCreate: CliCommand = {
  name: 'leads form create',
  usage: 'leads form create --name NAME [--source web_form] [--campaign C]',
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { name: { type: 'string' }, source: { type: 'string' }, campaign: { type: 'string' } } });
    const r = await createLeadForm(core!, { kind: 'system' }, { name: values.name ?? '', source: values.source, campaign: values.campaign });
    io.out(JSON.stringify({ id: r.id, token: r.token, post: 'POST /api/v1/public/leads {token, company, name, phone, email, message, website: "" (honeypot)}' }));
    return 0;
  },
};

/** `import leads <file.csv|xlsx> [--dry-run] [--mapping field=header,…]`: with a progress bar on stderr. */
export const importLeadsCommand: CliCommand = {
  name: 'import leads',
  usage: 'import leads <file.csv|file.xlsx> [--dry-run] [--mapping phone=手机号,company=单位] [--source S] [--campaign C] [--assign] [--batch 1000] [--json]',
  needsDb: true,
  async run(args, { core, io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean' }, mapping: { type: 'string' }, source: { type: 'string' }, campaign: { type: 'string' },
        assign: { type: 'boolean' }, batch: { type: 'string' }, json: { type: 'boolean' },
      },
    });
    const file = positionals[0];
    if (!file) {
      io.err(`usage: npm run crm -- ${importLeadsCommand.usage}`);
      return 2;
    }
    const fs = await import('node:fs');
    if (!fs.existsSync(file)) {
      io.err(`import: no such file: ${file}`);
      return 2;
    }
    const mapping: Record<string, string> = {};
    for (const pair of (values.mapping ?? '').split(',').filter(Boolean)) {
      const [k, ...v] = pair.split('=');
      mapping[k.trim()] = v.join('=').trim();
    }
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} rows', stream: process.stderr, hideCursor: true, noTTYOutput: false }, Presets.shades_classic);
    let started = false;
    const { importLeads } = await import('../../core/leads/import');
    const report = await importLeads(core!, { kind: 'system' }, fs.readFileSync(file), {
      fileName: file,
      dryRun: !!values['dry-run'],
      mapping,
      source: values.source,
      campaign: values.campaign,
      assign: !!values.assign,
      batchSize: values.batch ? Math.max(1, parseInt(values.batch, 10)) : undefined,
      onProgress(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else bar.update(done);
      },
    });
    if (started) bar.stop();
    if (values.json) {
      io.out(JSON.stringify(report));
    } else {
      const zh = core!.locale === 'zh-CN';
      io.out(`${report.dryRun ? (zh ? '预检（未写入）' : 'dry run (nothing written)') : (zh ? '导入完成' : 'import finished')}: ${file}`);
      io.out(`${zh ? '列映射' : 'mapping'}: ${Object.entries(report.mapping).map(([f, h]) => `${f}←${h}`).join(', ')}${report.unmapped.length ? `  (${zh ? '未用' : 'unused'}: ${report.unmapped.join(', ')})` : ''}`);
      io.out(`${zh ? '共' : 'total'} ${report.total}  ${zh ? '有效' : 'valid'} ${report.valid}  ${zh ? '重复' : 'duplicate'} ${report.duplicate}  ${zh ? '无效' : 'invalid'} ${report.invalid}${report.dryRun ? '' : `  ${zh ? '已写入' : 'committed'} ${report.committed}`}`);
      for (const r of report.rows.slice(0, 50)) io.out(`  ${zh ? '第' : 'line'} ${r.line}${zh ? ' 行' : ''}: ${r.status} — ${zh ? r.reason?.zh : r.reason?.en}`);
      if (report.rows.length > 50) io.out(`  … ${report.rows.length - 50} more`);
      if (report.failed) io.err(`${zh ? '批次失败' : 'batch failed'} #${report.failed.batch} (${zh ? '起始行' : 'from line'} ${report.failed.firstLine}): ${report.failed.message}; ${zh ? '该批次未写入任何行' : 'nothing of that batch was written'}`);
    }
    return report.failed ? 1 : 0;
  },
};

/** `leads config [--set file.json]`: prints the lead policy (scoring weights, assignment strategy, SLA) or replaces its overrides. */
export const leadsConfigCommand: CliCommand = {
  name: 'leads config',
  usage: 'leads config [--set overrides.json]   (keys: scoring, assign {strategy: round_robin|least_loaded|match, fallback}, sla {hotUnassignedMinutes})',
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { set: { type: 'string' } } });
    const { getLeadsConfig, setLeadsConfig } = await import('../../core/leads/config');
    if (values.set) {
      const fs = await import('node:fs');
      let patch: Record<string, unknown>;
      try {
        patch = JSON.parse(fs.readFileSync(values.set, 'utf8'));
      } catch (e) {
        io.err(`leads config: cannot read ${values.set}: ${(e as Error).message}`);
        return 2;
      }
      const strategy = (patch.assign as { strategy?: string } | undefined)?.strategy;
      if (strategy && !['round_robin', 'least_loaded', 'match'].includes(strategy)) {
        io.err(`leads config: assign.strategy must be round_robin, least_loaded or match (got ${strategy})`);
        return 2;
      }
      await setLeadsConfig(core!, patch as never);
    }
    io.out(JSON.stringify(await getLeadsConfig(core!), null, 2));
    return 0;
  },
};
