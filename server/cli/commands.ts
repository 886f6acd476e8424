import { parseArgs } from 'node:util';
import { migrator } from '../../core/db/migrator';
import { createUser } from '../../core/users/operations';
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
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { demo: { type: 'boolean' }, force: { type: 'boolean' } } });
    if (!values.demo) {
      io.err('seed: only --demo is supported');
      return 2;
    }
    const r = await seedDemo(core!, { force: values.force });
    io.out(r.seeded ? `seeded ${r.users} users, ${r.customers} customers, ${r.activities} follow-ups` : 'users exist already: nothing seeded (use --force to add the demo set anyway)');
    if (r.service?.inviteCode) io.out(`mini-program demo invite for ${r.service.inviteFor}: ${r.service.inviteCode}`);
    return 0;
  },
};

const usersAdd: CliCommand = {
  name: 'users add',
  usage: `users add --name NAME --role ${ROLES.join('|')} [--team NAME] [--open-id OPEN_ID] [--email E] [--phone P] [--skills a,b]`,
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
      },
    });
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
