import fs from 'node:fs';
import path from 'node:path';
import { tsFiles } from '../helpers/source-files';

/**
 * Issue #24: a search may match a personal field (phone, e-mail, WeChat, ID number…: PERSONAL_FIELDS in
 * core/customers/visibility.ts) only through `personalFieldMatch`, which restricts the match to customers whose
 * unmasked value the caller may see. This test reads the source: a query comparing a personal column (or reading the
 * de-dup key tables, which hold the same values) must sit on a line that calls personalFieldMatch, or be one of the
 * de-dup checks listed here — whose answers go through core/customers/dedup-notice.ts (撞单) — counted exactly, so a
 * new one anywhere fails until it is routed through the rule or listed with its reason.
 */
const ROOT = path.resolve(__dirname, '../..');
const PERSONAL_COMPARE = /\b(phone|email|wechat|mobile|id_number|id_no)(_norm)?\s*(=|<>|IN\s*\(|LIKE)\s*[:?(]/i;
const DEDUP_TABLE_READ = /SELECT[^;]*FROM\s+(lead_)?dedup_keys/i;

const ALLOWED: Record<string, { lines: number; why: string }> = {
  'core/customers/operations.ts': { lines: 5, why: 'findDuplicate: the de-dup check itself (dedup_keys, then the norm columns); its callers answer through duplicateNotice' },
  'core/customers/contacts.ts': { lines: 2, why: 'addContact: the same person on this customer / on others (alsoOn filtered by canSeePersonalFields)' },
  'core/leads/capture.ts': { lines: 2, why: 'lead de-dup keys (capture); the answer goes through leadNotice / duplicateNotice' },
  'core/leads/import.ts': { lines: 9, why: 'import de-dup lookups; row reasons go through duplicateNotice / leadNotice' },
};

describe('personal fields are matched only through personalFieldMatch', () => {
  it('no query compares a personal column outside the rule and the listed de-dup checks', () => {
    const found: Record<string, string[]> = {};
    for (const dir of ['core', 'bot', 'server']) {
      for (const file of tsFiles(path.join(ROOT, dir))) {
        const rel = path.relative(ROOT, file).split(path.sep).join('/');
        if (rel.startsWith('core/factories/') || rel === 'core/customers/visibility.ts') continue;
        fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
          if (/^\s*(\*|\/\/)/.test(line) || line.includes('personalFieldMatch(')) return;
          if (/^\s*(UPDATE|INSERT)|`UPDATE|'UPDATE|`INSERT|'INSERT/.test(line)) return; // writes, not matches
          if (PERSONAL_COMPARE.test(line) || DEDUP_TABLE_READ.test(line)) (found[rel] ??= []).push(`${i + 1}: ${line.trim().slice(0, 120)}`);
        });
      }
    }
    const unexpected = Object.entries(found).filter(([f, lines]) => lines.length !== (ALLOWED[f]?.lines ?? 0));
    expect(unexpected).toEqual([]);
  });
});
