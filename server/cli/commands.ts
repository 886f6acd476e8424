import { parseArgs } from 'node:util';
import { migrator } from '../../core/db/migrator';
import { createUser, listTeams, usersNamed } from '../../core/users/operations';
import { inviteCommand } from '../startup-banner';
import { ROLES } from '../../core/users/schemas';
import { seedDemo } from '../seed';
import type { CliCommand } from './types';
import { parseCommand } from './parse';
import { parseEvalCommand } from './parse-eval';
import { leadFormCreate, importLeadsCommand, leadsConfigCommand } from './leads';
import { apikeyCreate } from './apikey';
import { kbAdd, mpInvite, mpRevoke, slaSweep } from './service';
import { approvalsPolicy } from './approvals';
import { doctor } from './doctor';
import { larkCheckCommand, orgSettings, usersSync } from './org';

const migrate: CliCommand = {
  name: 'migrate',
  usage: 'migrate [--down [--to NAME|0]] [--status]',
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { down: { type: 'boolean' }, to: { type: 'string' }, status: { type: 'boolean' } } });
    const m = migrator(core!.db);
    if (values.status) {
      for (const x of await m.executed()) io.out(`up      ${x.name}`);
      for (const x of await m.pending()) io.out(`pending ${x.name}`);
      return 0;
    }
    if (values.down) {
      const done = await m.down(values.to !== undefined ? { to: values.to === '0' ? 0 : values.to } : undefined);
      io.out(done.length ? `reverted: ${done.map((d) => d.name).join(', ')}` : 'nothing to revert');
      return 0;
    }
    const done = await m.up();
    io.out(done.length ? `applied: ${done.map((d) => d.name).join(', ')}` : 'database is up to date');
    return 0;
  },
};

const seed: CliCommand = {
  name: 'seed',
  usage: 'seed --demo [--force]',
  needsDb: true,
  async run(args, { core, config, io }) {
    const { values } = parseArgs({ args, options: { demo: { type: 'boolean' }, force: { type: 'boolean' } } });
    if (!values.demo) {
      io.err('seed: only --demo is supported');
      return 2;
    }
    const r = await seedDemo(core!, { force: values.force });
    io.out(r.seeded ? `seeded ${r.users} users, ${r.customers} customers, ${r.activities} follow-ups` : 'users exist already: nothing seeded (use --force to add the demo set anyway)');
    const s = r.service;
    if (s?.inviteCode) {
      io.out(`mini-program demo invite for ${s.inviteFor}: ${config.publicUrl}/?invite=${s.inviteCode} (code ${s.inviteCode}; single use, valid 7 days, shown only now)`);
      if (s.inviteCustomerId && s.inviteContact) io.out(`another one: ${inviteCommand(s.inviteCustomerId, s.inviteContact)}`);
    }
    return 0;
  },
};

const usersAdd: CliCommand = {
  name: 'users add',
  usage: `users add --name NAME --role ${ROLES.join('|')} [--team NAME [--new-team]] [--open-id OPEN_ID] [--email E] [--phone P] [--skills a,b] [--same-name]`,
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        role: { type: 'string' },
        team: { type: 'string' },
        'open-id': { type: 'string' },
        email: { type: 'string' },
        phone: { type: 'string' },
        skills: { type: 'string' },
        'new-team': { type: 'boolean' },
        'same-name': { type: 'boolean' },
      },
    });
    // A second person with a name already taken is told apart by nobody in chat: only on purpose (--same-name).
    const name = values.name?.trim() ?? '';
    const taken = name && !values['same-name'] ? await usersNamed(core!, name) : [];
    if (taken.length) {
      const who = taken.map((u) => `id ${u.id}, ${u.role}${u.status === 'active' ? '' : `, ${u.status}`}${u.larkOpenId ? `, ${u.larkOpenId}` : ''}${u.email ? `, ${u.email}` : ''}`).join('; ');
      io.err(`users add: a user named ${name} exists already (${who}). Nothing added. To add a second ${name} anyway: --same-name`);
      return 1;
    }
    // A misspelt team would silently become a new team: a new one only with --new-team.
    if (values.team && !values['new-team']) {
      const teams = await listTeams(core!);
      if (!teams.some((t) => t.name === values.team!.trim())) {
        const list = teams.length ? teams.map((t) => t.name).join(', ') : '(none yet)';
        io.err(`users add: there is no team named ${values.team.trim()}. Teams: ${list}. Nothing added. To create the team: --new-team`);
        return 1;
      }
    }
    const user = await createUser(core!, { kind: 'system' }, 'cli', {
      name: values.name ?? '',
      role: values.role as (typeof ROLES)[number],
      team: values.team,
      larkOpenId: values['open-id'],
      email: values.email,
      phone: values.phone,
      skills: values.skills?.split(',').map((s) => s.trim()).filter(Boolean),
    });
    io.out(JSON.stringify(user));
    return 0;
  },
};

/** Every CLI command; capabilities add theirs here. */
export const COMMANDS: CliCommand[] = [migrate, seed, usersAdd, parseCommand, parseEvalCommand, leadFormCreate, importLeadsCommand, leadsConfigCommand, apikeyCreate, mpInvite, mpRevoke, kbAdd, slaSweep, approvalsPolicy, doctor, usersSync, orgSettings, larkCheckCommand];
