import { parseArgs } from 'node:util';
import { parseMessage } from '../../core/intent/parse';
import { DEFAULT_PIPELINE_STAGES, RENEWAL_PIPELINE_STAGES } from '../../core/factories/opportunities';
import type { CliCommand } from './types';

/**
 * `parse [--now ISO8601] "<text>"`: prints the intent JSON a chat message would become (no database: stage moves are
 * read with the stages a new company starts with; the bot reads the company's own).
 */
const SHIPPED_STAGES = [...DEFAULT_PIPELINE_STAGES, ...RENEWAL_PIPELINE_STAGES].map((s) => ({ key: s.key, name: s.name, nameEn: s.nameEn, category: s.category }));

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
    io.out(JSON.stringify(parseMessage(text, { now, timezone: values.tz ?? config.timezone, stages: SHIPPED_STAGES })));
    return 0;
  },
};
