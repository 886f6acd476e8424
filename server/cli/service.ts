import { parseArgs } from 'node:util';
import { createInvite } from '../../core/mp/operations';
import { createArticle } from '../../core/knowledge/operations';
import { runSlaSweep } from '../../core/tickets/sla';
import { revokeContactSessions } from '../../core/mp/session';
import type { CliCommand } from './types';

/** `mp invite --customer-id ID (--contact-id ID | --contact NAME)`: a one-time mini-program invite code (7 days). */
export const mpInvite: CliCommand = {
  name: 'mp invite',
  usage: 'mp invite --customer-id ID (--contact-id ID | --contact NAME)',
  needsDb: true,
  async run(args, { core, config, io }) {
    const { values } = parseArgs({ args, options: { 'customer-id': { type: 'string' }, 'contact-id': { type: 'string' }, contact: { type: 'string' } } });
    const customerId = Number(values['customer-id']);
    if (!Number.isInteger(customerId) || customerId <= 0) {
      io.err('mp invite: --customer-id must be a positive integer');
      return 2;
    }
    const contactId = values['contact-id'] !== undefined ? Number(values['contact-id']) : undefined;
    const inv = await createInvite(core!, { kind: 'system' }, { customerId, contactId, contactName: values.contact });
    // The full link (CRM_PUBLIC_URL, default http://localhost:PORT): what the contact opens.
    io.out(`invite for ${inv.contact.name} of ${inv.customer.name}: ${inv.code} (link ${config.publicUrl}/?invite=${inv.code}, valid until ${inv.expiresAt}, single use)`);
    return 0;
  },
};

/** `kb add --title T --body B [--category C] [--tags a,b] [--draft]`: adds a knowledge base article. */
export const kbAdd: CliCommand = {
  name: 'kb add',
  usage: 'kb add --title TITLE --body TEXT [--category C] [--tags a,b] [--draft]',
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { title: { type: 'string' }, body: { type: 'string' }, category: { type: 'string' }, tags: { type: 'string' }, draft: { type: 'boolean' } } });
    const a = await createArticle(core!, { kind: 'system' }, {
      title: values.title ?? '',
      body: values.body ?? '',
      category: values.category,
      tags: values.tags?.split(',').map((s) => s.trim()).filter(Boolean),
      status: values.draft ? 'draft' : 'published',
    });
    io.out(`article ${a.id} "${a.title}" ${a.status}`);
    return 0;
  },
};

/** `tickets sla-sweep`: runs the SLA sweep once now (the job runs it every minute). */
export const slaSweep: CliCommand = {
  name: 'tickets sla-sweep',
  usage: 'tickets sla-sweep',
  needsDb: true,
  async run(_args, { core, io }) {
    const r = await runSlaSweep(core!);
    io.out(r ? `warned ${r.warned}, breached ${r.breached}, closed ${r.closed}` : 'another sweep is running');
    return 0;
  },
};

/** `mp revoke --contact-id ID`: signs a contact out of the mini-program everywhere (lost phone, left the company). */
export const mpRevoke: CliCommand = {
  name: 'mp revoke',
  usage: 'mp revoke --contact-id ID',
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { 'contact-id': { type: 'string' } } });
    const contactId = Number(values['contact-id']);
    if (!Number.isInteger(contactId) || contactId <= 0) {
      io.err('mp revoke: --contact-id must be a positive integer');
      return 2;
    }
    io.out(`revoked ${await revokeContactSessions(core!, contactId)} session(s) of contact ${contactId}`);
    return 0;
  },
};
