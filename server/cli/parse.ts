import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { parseMessage } from '../../core/intent/parse';
import { CustomerDictionary, type Viewer } from '../../core/intent/dictionary';
import { refreshDictionary, viewerOf } from '../../core/intent/dictionary-loader';
import { createDb } from '../../core/db/connection';
import { DEFAULT_PIPELINE_STAGES, RENEWAL_PIPELINE_STAGES } from '../../core/factories/opportunities';
import type { CliCommand } from './types';

/**
 * `parse [--now ISO8601] [--tz ZONE] [--as <user id|open_id>] "<text>"`: prints the intent JSON a chat message would
 * become. With a reachable, migrated DATABASE_URL the customers and leads there are the dictionary (as an admin sees
 * them, or as --as sees them); without one it still parses (no customer_match). Stage moves are read with the stages
 * a new company starts with.
 */
const SHIPPED_STAGES = [...DEFAULT_PIPELINE_STAGES, ...RENEWAL_PIPELINE_STAGES].map((s) => ({ key: s.key, name: s.name, nameEn: s.nameEn, category: s.category }));

export const parseCommand: CliCommand = {
  name: 'parse',
  usage: 'parse [--now ISO8601] [--tz IANA_ZONE] [--as USER_ID|OPEN_ID] "<text>"',
  needsDb: false,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { now: { type: 'string' }, tz: { type: 'string' }, as: { type: 'string' } } });
    const text = positionals.join(' ').trim();
    if (!text) {
      io.err('usage: npm run crm -- parse [--now ISO8601] [--as USER] "<text>"');
      return 2;
    }
    const now = values.now ? new Date(values.now) : new Date();
    if (Number.isNaN(now.getTime())) {
      io.err(`parse: --now is not an ISO 8601 time: ${values.now}`);
      return 2;
    }
    const known = await loadDictionary(config.databaseUrl, values.as);
    if (values.as && known && !known.viewer) {
      io.err(`parse: --as: no such user: ${values.as}`);
      return 2;
    }
    const opts = { now, timezone: values.tz ?? config.timezone, stages: SHIPPED_STAGES, ...(known ? { dictionary: known.dictionary, viewer: known.viewer } : {}) };
    io.out(JSON.stringify(parseMessage(text, opts)));
    return 0;
  },
};

/** The dictionary of the configured database, or null when there is none (missing file, unreachable, not migrated). */
async function loadDictionary(url: string, as: string | undefined): Promise<{ dictionary: CustomerDictionary; viewer: Viewer | null } | null> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:' && !fs.existsSync(file)) return null;
  }
  let db;
  try {
    db = createDb(url);
    const dictionary = new CustomerDictionary();
    await refreshDictionary(db, dictionary);
    const viewer = as ? await viewerOf(db, as) : null;
    return { dictionary, viewer };
  } catch {
    return null;
  } finally {
    await db?.close().catch(() => undefined);
  }
}
