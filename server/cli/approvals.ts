import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { getApprovalPolicy, setApprovalPolicy } from '../../core/approvals/chain';
import { isAppError } from '../../core/errors';
import type { CliCommand } from './types';

/** `approvals policy [--set FILE.json]`: prints the approval rules in force, or replaces them from a JSON file (validated). */
export const approvalsPolicy: CliCommand = {
  name: 'approvals policy',
  usage: 'approvals policy [--set FILE.json]',
  needsDb: true,
  async run(args, { core, io }) {
    const { values } = parseArgs({ args, options: { set: { type: 'string' } } });
    if (values.set) {
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(values.set, 'utf8'));
      } catch (e) {
        io.err(`approvals policy: cannot read ${values.set}: ${(e as Error).message}`);
        return 2;
      }
      try {
        await setApprovalPolicy(core!, { kind: 'system' }, raw);
      } catch (e) {
        if (isAppError(e)) {
          io.err(`approvals policy: ${e.localized('en')}`);
          return 2;
        }
        throw e;
      }
      io.out('approval policy replaced');
    }
    io.out(JSON.stringify(await getApprovalPolicy(core!), null, 2));
    return 0;
  },
};
