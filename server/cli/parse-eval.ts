import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../../core/db/connection';
import { migrate } from '../../core/db/migrator';
import { parseMessage } from '../../core/intent/parse';
import { phraseSetSchema, scoreReadings, SCORED_FIELDS, type SetScore } from '../../core/intent/score';
import { replayCorrections } from '../../core/intent/corrections';
import { CustomerDictionary, type Viewer } from '../../core/intent/dictionary';
import { refreshDictionary, viewerOf } from '../../core/intent/dictionary-loader';
import { createCore } from '../compose';
import type { CliCommand, CliIo } from './types';

/**
 * `parse-eval [--phrases] [--corrections] [--min PERCENT] [--misses] [--dir DIR]`: how well the understanding reads
 * the public phrase sets (tests/phrases/*.json, read without a dictionary) and the corrections reps made on the
 * understood card (replayed from DATABASE_URL with its customer dictionary, as each rep sees it), per scored field (tests/phrases/CONVENTIONS.md §2). Neither flag: both. Exit 1 when a field of a set
 * is below --min (a percentage, default 0), 2 on bad arguments.
 */
const PHRASES_DIR = path.resolve(__dirname, '../../tests/phrases');

type L = 'zh-CN' | 'en';
const T = {
  set: { 'zh-CN': (name: string, n: number, exact: number) => `${name}：${n} 条，全部字段正确 ${exact} 条`, en: (name: string, n: number, exact: number) => `${name}: ${n} messages, ${exact} fully right` },
  head: { 'zh-CN': ['字段', '正确/总数', '准确率'], en: ['field', 'right/total', 'accuracy'] },
  phrases: { 'zh-CN': (f: string) => `短语集 ${f}`, en: (f: string) => `phrase set ${f}` },
  corrections: { 'zh-CN': '已记录的修正', en: 'recorded corrections' },
  none: { 'zh-CN': '（没有记录）', en: '(none recorded)' },
  noDb: { 'zh-CN': '（没有数据库，跳过）', en: '(no database: skipped)' },
  below: { 'zh-CN': (f: string, set: string, min: number) => `低于 ${min}%：${set} 的 ${f}`, en: (f: string, set: string, min: number) => `below ${min}%: ${f} of ${set}` },
  misses: { 'zh-CN': '读错的消息：', en: 'misread messages:' },
  want: { 'zh-CN': '应为', en: 'want' },
  got: { 'zh-CN': '读成', en: 'got' },
};

/** Display width: CJK and full-width characters take two columns in a terminal. */
const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1), 0);
const padEnd = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));
const padStart = (s: string, n: number) => ' '.repeat(Math.max(0, n - width(s))) + s;

function printScore(io: CliIo, locale: L, title: string, s: SetScore, misses: boolean): void {
  io.out(T.set[locale](title, s.items, s.exact));
  const [h1, h2, h3] = T.head[locale];
  io.out(`  ${padEnd(h1, 16)}${padStart(h2, 12)}${padStart(h3, 10)}`);
  for (const f of SCORED_FIELDS) {
    const x = s.fields[f];
    io.out(`  ${f.padEnd(16)}${`${x.right}/${x.total}`.padStart(12)}${`${(x.accuracy * 100).toFixed(1)}%`.padStart(10)}`);
  }
  if (misses && s.misses.length) {
    io.out(`  ${T.misses[locale]}`);
    for (const m of s.misses) {
      io.out(`  - ${m.text}`);
      for (const x of m.misses) io.out(`      ${x.field}: ${T.want[locale]} ${x.want ?? 'null'} · ${T.got[locale]} ${x.got ?? 'null'}`);
    }
  }
}

export const parseEvalCommand: CliCommand = {
  name: 'parse-eval',
  usage: 'parse-eval [--phrases] [--corrections] [--min PERCENT] [--misses] [--dir DIR]',
  needsDb: false, // the phrase sets need none; --corrections opens DATABASE_URL itself
  async run(args, { config, io }) {
    const { values } = parseArgs({
      args,
      options: { phrases: { type: 'boolean' }, corrections: { type: 'boolean' }, min: { type: 'string' }, misses: { type: 'boolean' }, dir: { type: 'string' } },
    });
    const locale: L = config.locale === 'en' ? 'en' : 'zh-CN';
    const min = values.min === undefined ? 0 : Number(values.min);
    if (!Number.isFinite(min) || min < 0 || min > 100) {
      io.err(`parse-eval: --min is a percentage 0–100: ${values.min}`);
      return 2;
    }
    const both = !values.phrases && !values.corrections;
    const results: Array<{ title: string; score: SetScore }> = [];

    if (values.phrases || both) {
      const dir = values.dir ? path.resolve(values.dir) : PHRASES_DIR;
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
      if (!files.length) {
        io.err(`parse-eval: no phrase sets (*.json) in ${dir}`);
        return 2;
      }
      for (const file of files) {
        const parsed = phraseSetSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
        if (!parsed.success) {
          io.err(`parse-eval: ${file}: ${parsed.error.issues[0].path.join('.')} ${parsed.error.issues[0].message}`);
          return 2;
        }
        const score = scoreReadings(parsed.data.map((p) => ({
          text: p.text,
          want: p.expect,
          got: parseMessage(p.text, { now: new Date(p.now), timezone: config.timezone }),
        })));
        results.push({ title: T.phrases[locale](file.replace(/\.json$/, '')), score });
      }
    }

    // A SQLite file that does not exist is no database to replay (and is not created by an evaluation).
    const sqliteFile = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : null;
    if ((values.corrections || both) && sqliteFile && sqliteFile !== ':memory:' && !fs.existsSync(sqliteFile)) {
      if (values.corrections) {
        io.err(`parse-eval: --corrections: no database at ${config.databaseUrl}`);
        return 2;
      }
      io.out(`${T.corrections[locale]}${locale === 'en' ? ' ' : ''}${T.noDb[locale]}`);
    } else if (values.corrections || both) {
      const db = createDb(config.databaseUrl);
      try {
        await migrate(db);
        const core = createCore(db, config);
        // Read as the bot reads: with the company's customer dictionary, as the rep who made the correction sees it.
        const dictionary = new CustomerDictionary();
        await refreshDictionary(db, dictionary);
        const viewers = new Map<number, Viewer | null>();
        const score = await replayCorrections(core, async (c) => {
          if (c.userId !== null && !viewers.has(c.userId)) viewers.set(c.userId, await viewerOf(db, String(c.userId)));
          const viewer = c.userId === null ? null : viewers.get(c.userId) ?? null;
          return parseMessage(c.text, { now: new Date(c.sentAt), timezone: c.timezone, dictionary, viewer });
        });
        if (score.items) results.push({ title: T.corrections[locale], score });
        else io.out(`${T.corrections[locale]}${locale === 'en' ? ' ' : ''}${T.none[locale]}`);
      } finally {
        await db.close();
      }
    }

    const below: string[] = [];
    for (const r of results) {
      printScore(io, locale, r.title, r.score, !!values.misses);
      for (const f of SCORED_FIELDS) if (r.score.fields[f].accuracy * 100 < min) below.push(T.below[locale](f, r.title, min));
    }
    for (const b of below) io.err(b);
    return below.length ? 1 : 0;
  },
};
