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
