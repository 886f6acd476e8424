import { parseArgs } from 'node:util';
import { createApiKey } from '../../core/apikeys/operations';
import type { CliCommand } from './types';

/** `apikey create --name N [--user-id ID]`: prints the key once; only its hash is stored. */
export const apikeyCreate: CliCommand = {
  name: 'apikey create',
  usage: 'apikey create --name NAME [--user-id ID]',
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { name: { type: 'string' }, 'user-id': { type: 'string' } } });
    const userId = values['user-id'] !== undefined ? Number(values['user-id']) : undefined;
    if (userId !== undefined && (!Number.isInteger(userId) || userId <= 0)) {
      io.err('apikey create: --user-id must be a positive integer');
      return 2;
    }
    const k = await createApiKey(core!, { kind: 'system' }, 'cli', { name: values.name ?? '', userId });
    io.out(`API key "${k.name}" (id ${k.id}${k.userId ? `, acts as user ${k.userId}` : ', integration: full access'}):`);
    io.out(k.key);
    io.out('Store it now: it is not shown again. Use it as "Authorization: Bearer <key>".');
    return 0;
  },
};
