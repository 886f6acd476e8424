import { parseArgs } from 'node:util';
import { createLarkClient } from '../../bot/client';
import { LarkOrgDirectory } from '../../bot/org-directory';
import { formatCheck, larkCheck } from '../../bot/lark-check';
import { syncOrg } from '../../core/org/sync';
import { isEmptyDiff } from '../../core/org/reconcile';
import { getOrgSettings, setOrgSettings } from '../../core/org/settings';
import type { OrgDiff } from '../../core/org/schemas';
import type { CliCommand } from './types';

const SHOWN = 30;

/** The diff as the CLI prints it: counts first, then the people (at most SHOWN of each kind). */
export function formatDiff(d: OrgDiff, dryRun: boolean): string[] {
  const out: string[] = [];
  out.push(`${dryRun ? 'would change' : 'changed'}: teams +${d.teamsAdded.length} added, ${d.teamsRenamed.length} renamed, ${d.teamsMoved.length} moved, ${d.teamLeaders.length} new leaders; ` +
    `people +${d.added.length} added, ${d.moved.length} moved, ${d.promoted.length} role changes, ${d.renamed.length} renamed, ${d.managerChanged.length} new managers, ` +
    `${d.deactivated.length} deactivated, ${d.reactivated.length} reactivated`);
  const list = <T>(items: T[], line: (x: T) => string) => {
    for (const x of items.slice(0, SHOWN)) out.push(line(x));
    if (items.length > SHOWN) out.push(`  … and ${items.length - SHOWN} more`);
  };
  list(d.teamsAdded, (x) => `  + team ${x.name} (${x.departmentId})`);
  list(d.teamsRenamed, (x) => `  ~ team ${x.from} → ${x.to}`);
  list(d.teamsMoved, (x) => `  ~ team ${x.name}: under ${x.from ?? '(top)'} → under ${x.to ?? '(top)'}`);
  list(d.teamLeaders, (x) => `  ~ team ${x.name}: leader ${x.from ?? '(none)'} → ${x.to ?? '(none)'}`);
  list(d.added, (x) => `  + ${x.name} (${x.openId}) → ${x.to ?? '(no team)'}`);
  list(d.moved, (x) => `  ~ ${x.name}: ${x.from ?? '(no team)'} → ${x.to ?? '(no team)'}`);
  list(d.promoted, (x) => `  ↕ ${x.name}: ${x.from} → ${x.to}`);
  list(d.renamed, (x) => `  ~ ${x.from} → ${x.to}`);
  list(d.deactivated, (x) => `  - ${x.name} (${x.openId}) deactivated`);
  list(d.reactivated, (x) => `  + ${x.name} (${x.openId}) reactivated`);
  const h = d.handedOver;
  if (d.deactivated.length) out.push(`leavers' work ${dryRun ? 'to hand over' : 'handed over'}: customers → manager ${h.customersToManager}, → pool ${h.customersToPool}; open tasks ${h.tasks}; approval steps ${h.approvalSteps}`);
  if (d.pending.length) out.push(`waiting for their department (left alone): ${d.pending.length}`);
  for (const w of d.warnings) out.push(`warning: ${w}`);
  return out;
}

export const usersSync: CliCommand = {
  name: 'users sync',
  usage: 'users sync [--dry-run] [--json]   (the Lark org chart → teams, managers, reps; prints the diff)',
  needsDb: true,
  async run(args, { core, config, io }) {
    const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } } });
    const client = createLarkClient(config.lark);
    if (!client) {
      io.err('users sync: no Lark app configured — set LARK_APP_ID and LARK_APP_SECRET (README, "Connect your company")');
      return 2;
    }
    const dir = new LarkOrgDirectory(client);
    const dryRun = Boolean(values['dry-run']);
    const diff = await syncOrg(core!, dir, { dryRun, channel: 'cli' });
    if (values.json) io.out(JSON.stringify({ dryRun, requests: dir.requests, ...diff }));
    else {
      for (const l of formatDiff(diff, dryRun)) io.out(l);
      io.out(isEmptyDiff(diff) ? 'nothing to change: the CRM matches the org chart' : dryRun ? 'dry run: nothing written (run without --dry-run to apply)' : 'applied');
      io.out(`Lark requests: ${dir.requests}`);
    }
    return 0;
  },
};

export const orgSettings: CliCommand = {
  name: 'org settings',
  usage: "org settings [--set '<json>']   (role mapping and included departments: includeDepartments, serviceDepartments, serviceGroups, serviceUsers, adminUsers, leaverCustomers manager|pool, fields {email, mobile})",
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { set: { type: 'string' } } });
    if (values.set !== undefined) {
      let raw: unknown;
      try {
        raw = JSON.parse(values.set);
      } catch {
        io.err('org settings: --set takes a JSON object');
        return 2;
      }
      io.out(JSON.stringify(await setOrgSettings(core!, { kind: 'system' }, 'cli', raw), null, 2));
      return 0;
    }
    io.out(JSON.stringify(await getOrgSettings(core!), null, 2));
    return 0;
  },
};

export const larkCheckCommand: CliCommand = {
  name: 'lark check',
  usage: 'lark check [--url http://host:port]   (credentials, scopes, events, and a signed self-test against the running server)',
  needsDb: false,
  async run(args, { config, io }) {
    const { values } = parseArgs({ args, options: { url: { type: 'string' } } });
    const serverUrl = values.url ?? `http://127.0.0.1:${config.port}`;
    const lines = await larkCheck(config.lark, { serverUrl });
    for (const l of formatCheck(lines)) io.out(l);
    const errors = lines.filter((l) => l.level === 'error').length;
    const warnings = lines.filter((l) => l.level === 'warn').length;
    io.out(errors ? `${errors} problem(s) to fix, ${warnings} warning(s)` : warnings ? `ready, with ${warnings} warning(s)` : 'ready: the Lark app has everything the CRM needs');
    return errors ? 1 : 0;
  },
};
