import v8 from 'node:v8';
import vm from 'node:vm';
import { parseMessage } from '../../core/intent/parse';
import { CustomerDictionary, aliasesOf } from '../../core/intent/dictionary';
import { segment } from '../../core/intent/segment';
import { companyNames } from '../lib/company-names';
import { mulberry32, percentile, pooledPercentile, stat } from '../lib/stats';
import type { Figure, Harness, Scenario } from '../types';

/**
 * Chat understanding (issue 16): builds a customer dictionary of 1M generated company names (no database needed;
 * smoke: 20,000), reports its load time and memory (heapUsed + external after a GC, before vs after), then parses a
 * mixed message set (follow-ups, tasks, leads, look-ups, claims, help, chit-chat; zh and en; names written in full,
 * short or one character off) with it, as a rep, in this process (one core), and reports p50/p99 per message.
 */
const MESSAGES = [
  (c: string) => `上午去了趟${c}，见了技术部李工，周三再约`,
  (c: string) => `${c}赵总来电问发票，下周四再联系`,
  (c: string) => `${c}最近怎么样了？`,
  (c: string) => `我要认领${c}`,
  (c: string) => `明天晚上6点请${c}的李总吃饭`,
  (c: string) => `跟进 ${c} 电话沟通，约定月底前签约，28号再打电话确认`,
  (c: string) => `展会认识的：${c} 运营总监孙磊 0551-62345678`,
  (c: string) => `公海那个${c}我接了`,
  (c: string) => `后天上午十点前把合同盖章版寄给${c}`,
  (c: string) => `Called ${c}, they want a call back on Friday next week`,
  (c: string) => `lunch with ${c}'s CFO on Thursday at noon`,
  () => '怎么用这个机器人？',
  () => '收到，马上到',
  () => 'what can you do',
];

function gcFn(): () => void {
  v8.setFlagsFromString('--expose_gc');
  return vm.runInNewContext('gc') as () => void;
}

const scenario: Scenario = {
  name: 'parse',
  issue: 16,
  description: 'customer dictionary of 1M company names: load time and memory; parseMessage p50/p99 per message with it (one core)',
  database: 'none',
  targets: ['parse.p99', 'parse.dictionary-memory'],
  async run(h: Harness) {
    const n = h.smoke ? 20_000 : h.scale === 'full' ? 1_000_000 : 1_000_000;
    const gc = gcFn();
    segment('预热'); // the segmenter's own dictionary is not the customer dictionary's cost
    const names = companyNames(n);
    const r = mulberry32(7);
    const owners = Array.from({ length: n }, () => (r() < 0.3 ? null : 1 + Math.floor(r() * 200)));
    gc();
    const before = process.memoryUsage();
    const t0 = process.hrtime.bigint();
    const dict = new CustomerDictionary();
    for (let i = 0; i < n; i++) dict.upsert({ id: i + 1, kind: 'customer', name: names[i], ownerId: owners[i], teamId: owners[i] === null ? null : 1 + (owners[i]! % 20) });
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    gc();
    const after = process.memoryUsage();
    const deltaMb = (after.heapUsed + after.external - before.heapUsed - before.external) / 2 ** 20;
    const arraysMb = dict.bytes() / 2 ** 20;
    // The larger of the two: the process's growth (which a collection of other garbage meanwhile can make too small)
    // and the typed arrays' allocated size (what the dictionary holds, without the JS objects around it).
    const memMb = Math.max(deltaMb, arraysMb);
    h.log(`dictionary: ${n} names in ${loadMs.toFixed(0)} ms, ${memMb.toFixed(1)} MB (typed arrays ${(dict.bytes() / 2 ** 20).toFixed(1)} MB)`);

    // Messages: names as reps write them (full, short form, one character off), as a rep who owns some of them.
    const texts: string[] = [];
    for (let i = 0; i < 300; i++) {
      const k = Math.floor(r() * n);
      const forms = aliasesOf(names[k]).map((a) => a.key);
      let c = forms[Math.floor(r() * forms.length)] ?? names[k];
      if (/[\u4e00-\u9fa5]/.test(c) && r() < 0.1 && c.length > 3) c = c.slice(0, 1) + c.slice(2); // one character off
      if (!/[\u4e00-\u9fa5]/.test(c)) c = names[k];
      texts.push(MESSAGES[i % MESSAGES.length](c));
    }
    const viewer = { userId: 7, role: 'rep' };
    const now = new Date('2026-11-23T10:00:00+08:00');
    // Wall time per message, and the CPU time this process spent on it (the machine may be shared: CPU time is what
    // one message costs one core, without the time slices other processes took).
    const cpu: number[][] = [];
    const once = () => {
      const xs: number[] = [];
      const cs: number[] = [];
      for (const t of texts) {
        const c = process.cpuUsage();
        const s = process.hrtime.bigint();
        parseMessage(t, { now, dictionary: dict, viewer });
        xs.push(Number(process.hrtime.bigint() - s) / 1e6);
        const d = process.cpuUsage(c);
        cs.push((d.user + d.system) / 1000);
      }
      cpu.push(cs);
      return xs;
    };
    once(); // warm-up (JIT)
    cpu.length = 0;
    const rounds = Array.from({ length: h.smoke ? 3 : 5 }, once);
    const p50s = rounds.map((x) => percentile(x, 50));
    const p99s = rounds.map((x) => percentile(x, 99));
    const matched = texts.filter((t) => parseMessage(t, { now, dictionary: dict, viewer }).customer_match).length;
    const figures: Figure[] = [
      { name: `dictionary load (${n.toLocaleString('en')} names)`, value: Math.round(loadMs), unit: 'ms' },
      { name: 'dictionary memory', value: Math.round(memMb * 10) / 10, unit: 'MB', target: 'parse.dictionary-memory' },
      { name: 'parse p50', value: stat(p50s).median, unit: 'ms', rounds: p50s, pooled: pooledPercentile(rounds, 50) },
      { name: 'parse p99', value: pooledPercentile(rounds, 99), unit: 'ms', rounds: p99s, pooled: pooledPercentile(rounds, 99), noise: stat(p99s).noise, target: 'parse.p99' },
      { name: 'parse p50 CPU time', value: pooledPercentile(cpu, 50), unit: 'ms', rounds: cpu.map((x) => percentile(x, 50)) },
      { name: 'parse p99 CPU time', value: pooledPercentile(cpu, 99), unit: 'ms', rounds: cpu.map((x) => percentile(x, 99)) },
    ];
    return {
      figures,
      notes: [`${n.toLocaleString('en')} customers; ${texts.length} messages × ${rounds.length} rounds; ${matched}/${texts.length} matched a visible record (rep view: own + pool)`],
      details: { customers: n, messages: texts.length, loadMs, memMb, heapDeltaMb: deltaMb, typedArrayMb: arraysMb, matched },
    };
  },
};

export default scenario;
