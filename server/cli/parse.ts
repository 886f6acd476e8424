import { parseArgs } from 'node:util';
import { parseMessage } from '../../core/intent/parse';
import type { CliCommand } from './types';

/** `parse [--now ISO8601] "<text>"`: prints the intent JSON a chat message would become (no database). */
export const parseCommand: CliCommand = {
  name: 'parse',
  usage: 'parse [--now ISO8601] [--tz IANA_ZONE] "<text>"',
  needsDb: false,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { now: { type: 'string' }, tz: { type: 'string' } } });
    const text = positionals.join(' ').trim();
    if (!text) {
      io.err('usage: npm run crm -- parse [--now ISO8601] "<text>"');
      return 2;
    }
    const now = values.now ? new Date(values.now) : new Date();
    if (Number.isNaN(now.getTime())) {
      io.err(`parse: --now is not an ISO 8601 time: ${values.now}`);
      return 2;
    }
    io.out(JSON.stringify(parseMessage(text, { now, timezone: values.tz ?? config.timezone })));
    return 0;
  },
};
