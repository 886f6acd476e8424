import fs from 'node:fs';
import path from 'node:path';
import { parseMessage } from '../../core/intent/parse';
import { phraseSetSchema, scoreReadings, SCORED_FIELDS, type Phrase } from '../../core/intent/score';

/**
 * The public phrase sets (tests/phrases/*.json, read by the rules in tests/phrases/CONVENTIONS.md): well-formed,
 * large enough, written as reps write, and read right by parseMessage — at least 97 % per scored field (issue 16).
 *
 * The accuracy test runs once the understanding engine of issue 16 is in (its readings carry `confidence`); with the
 * old prefix parser it is skipped with a warning, so that the order in which the two branches land does not matter.
 */
const DIR = path.resolve(__dirname, '../phrases');
const SETS = [
  { lang: 'zh', file: 'zh.json', min: 420 },
  { lang: 'en', file: 'en.json', min: 160 },
] as const;
const THRESHOLD = 0.97;

const load = (file: string): Phrase[] => phraseSetSchema.parse(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));

/** The command words the old prefix parser needed at the start of a message (core/intent/classify.ts before issue 16). */
const COMMAND_WORD = /^\s*(?:帮助|help|怎么用|使用说明|菜单|menu|我要领取|领取客户|领取|认领|claim|查一下|查询|查找|查看|搜索|搜一下|搜|查|找一下|find|search|look\s*up|lookup|show|新线索|新增线索|添加线索|录入线索|线索|新客户|new\s+lead|add\s+(?:a\s+)?lead|lead|提醒我|提醒一下|提醒|待办|新任务|任务|计划|安排|remind\s+me|todo|to-do|task|schedule|plan|跟进记录|跟进|记录一下|记录|记一下|回访|log|follow[- ]?up|followed\s+up|note)(?![a-z])/i;

const engineLanded = 'confidence' in parseMessage('你好', { now: new Date('2026-11-23T10:00:00+08:00'), timezone: 'Asia/Shanghai' });
if (!engineLanded) {
  // eslint-disable-next-line no-console
  console.warn('phrases.test: the issue-16 understanding engine is not in this tree (no `confidence`): the ≥ 97 % accuracy test is skipped');
}

describe.each(SETS)('phrase set $lang', ({ file, min }) => {
  const set = load(file);

  it(`has at least ${min} phrases, no duplicates, at least half without a command word`, () => {
    expect(set.length).toBeGreaterThanOrEqual(min);
    expect(new Set(set.map((p) => p.text)).size).toBe(set.length);
    const free = set.filter((p) => !COMMAND_WORD.test(p.text.normalize('NFKC'))).length;
    expect(free / set.length).toBeGreaterThanOrEqual(0.5);
  });

  it('follows the conventions on which fields an intent carries (CONVENTIONS.md §4–7)', () => {
    const bad = set.filter(({ expect: e }) => {
      const timed = e.intent === 'log_followup' || e.intent === 'create_lead' || e.intent === 'create_task';
      return (e.channel !== null && e.intent !== 'log_followup' && e.intent !== 'create_task')
        || (e.next_at !== null && e.intent !== 'log_followup' && e.intent !== 'create_lead')
        || (e.due_at !== null && e.intent !== 'create_task')
        || (!timed && (e.next_at !== null || e.due_at !== null))
        || (['find_customer', 'claim', 'help', 'my_pipeline', 'forecast', 'move_stage', 'create_opportunity'].includes(e.intent) && e.contact !== null)
        || (e.intent === 'help' && e.customer !== null)
        || (e.contact !== null && e.contact.name === null && e.contact.phone === null && e.contact.email === null);
    });
    expect(bad.map((p) => p.text)).toEqual([]);
  });

  it('every time is in the future of its message', () => {
    const past = set.filter((p) => [p.expect.next_at, p.expect.due_at].some((t) => t !== null && Date.parse(t) <= Date.parse(p.now)));
    expect(past.map((p) => p.text)).toEqual([]);
  });

  (engineLanded ? it : it.skip)(`is read right: every scored field ≥ ${THRESHOLD * 100} %`, () => {
    const score = scoreReadings(set.map((p) => ({
      text: p.text,
      want: p.expect,
      got: parseMessage(p.text, { now: new Date(p.now), timezone: 'Asia/Shanghai' }),
    })));
    const table = SCORED_FIELDS.map((f) => `${f.padEnd(14)} ${(score.fields[f].accuracy * 100).toFixed(1).padStart(5)} %`).join('\n');
    const misses = score.misses.map((m) => `${m.text}\n    ${m.misses.map((x) => `${x.field}: want ${x.want} got ${x.got}`).join('; ')}`).join('\n');
    const low = SCORED_FIELDS.filter((f) => score.fields[f].accuracy < THRESHOLD);
    if (low.length || score.misses.length) {
      // eslint-disable-next-line no-console
      console.log(`${file}: ${score.exact}/${score.items} fully right\n${table}\nmisses:\n${misses}`);
    }
    expect(low).toEqual([]);
  });
});
