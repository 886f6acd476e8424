import { DateTime } from 'luxon';
import { normalise, toHalfWidth, fixImeTypos } from '../../core/intent/normalise';
import { segment } from '../../core/intent/segment';
import { findCustomer } from '../../core/intent/customer';
import { extractWhen, formatWhen } from '../../core/intent/dates';
import { extractName, extractPhoneEmail, maskSpans } from '../../core/intent/contacts';
import { detectChannel } from '../../core/intent/channels';
import { classify, type IntentFeatures } from '../../core/intent/classify';
import { CustomerDictionary, aliasesOf, keyForm } from '../../core/intent/dictionary';
import { parseMessage } from '../../core/intent/parse';

const MON = DateTime.fromISO('2026-11-23T10:00:00', { zone: 'Asia/Shanghai' });
const when = (text: string, now = MON) => formatWhen(extractWhen(text, now).at)?.replace(/:00\+08:00$/, '') ?? null;

describe('stage 1: normalise', () => {
  it('full-width to half-width, one character for one', () => {
    expect(toHalfWidth('１２月３日 ｉｎｆｏ＠ａｃｍｅ．ｃｎ，ＯＫ。')).toBe('12月3日 info@acme.cn,OK。');
    expect(toHalfWidth('　')).toBe(' ');
  });
  it('IME typos of the same pinyin, and only those', () => {
    expect(fixImeTypos('威信上说下无电活')).toBe('微信上说下午电话');
    expect(fixImeTypos('会议是订好了，拜仿完根进')).toBe('会议室订好了，拜访完跟进');
    expect(fixImeTypos('微信下午电话')).toBe('微信下午电话');
  });
  it('keeps every index (the summary is cut from the original)', () => {
    const raw = '  跟进  远航，威信聊了  ';
    const n = normalise(raw);
    expect(n.text).toHaveLength(n.display.length);
    expect(n.display).toBe('跟进 远航，威信聊了');
  });
});

describe('stage 2: segment', () => {
  it('words with POS tags and their ranges', () => {
    const t = segment('南山电子现在归谁跟？');
    expect(t.map((x) => x.word).join('')).toBe('南山电子现在归谁跟？');
    for (const x of t) expect('南山电子现在归谁跟？'.slice(x.start, x.end)).toBe(x.word);
    expect(t.find((x) => x.word === '谁')?.tag).toBe('r');
  });
});

describe('stage 3: customer', () => {
  const cust = (text: string) => findCustomer(text, null, segment(text)).found?.name ?? null;
  it.each([
    ['下午去了趟金鼎机械，见了技术部李工', '金鼎机械'],
    ['明天晚上请东岳集团的李总吃饭', '东岳集团'],
    ['电话打了两次恒信塑业都没人接', '恒信塑业'],
    ['有个朋友推荐了长沙湘江环保，负责人叫彭涛', '长沙湘江环保'],
    ['跟三和纺织的吴总约了', '三和纺织'],
    ['调出三和纺织的客户档案', '三和纺织'],
    ['帮我查查远航的历史订单', '远航'],
    ['lunch with Umbrella Corp\'s CFO', 'Umbrella Corp'],
    ['referral from Acme: Granite Peak Construction, Mike Ross', 'Granite Peak Construction'],
    ['met at the expo: Brightline Robotics, Anna Lee', 'Brightline Robotics'],
  ])('%s → %s', (text, want) => expect(cust(text)).toBe(want));
  it.each(['我去趟洗手间', '收到，马上到', '跟他打了电话', 'see you tomorrow'])('%s → no customer', (text) => expect(cust(text)).toBeNull());
});

describe('stage 4: times', () => {
  it.each([
    ['下下周三', '2026-12-02T09:00'.replace('12-02', '12-02')],
    ['下个月10号', '2026-12-10T09:00'],
    ['今晚8点', '2026-11-23T20:00'],
    ['中午12点前', '2026-11-23T12:00'],
    ['二十八号', '2026-11-28T09:00'],
    ['三点半', '2026-11-23T15:30'],
    ['九点一刻', '2026-11-24T09:15'],
    ['明早', '2026-11-24T09:00'],
    ['三天后', '2026-11-26T09:00'],
    ['月中', '2026-12-15T09:00'],
    ['Wednesday next week', '2026-12-02T09:00'],
    ['call back on Friday next week', '2026-12-04T09:00'],
    ['in 2 hours', '2026-11-23T12:00'],
    ['Dec 18', '2026-12-18T09:00'],
    ['the 28th', '2026-11-28T09:00'],
    ['end of month', '2026-11-30T09:00'],
    ['at 3:30', '2026-11-23T15:30'],
  ])('%s → %s', (text, want) => {
    // 下下周三 said on Monday 11-23: Wednesday of the week after next
    const expected = text === '下下周三' ? '2026-12-09T09:00' : want;
    expect(when(text)).toBe(expected);
  });
  it.each(['过两天', '回头', '改天', '晚点', 'later', 'soon', 'in a few days', '年前'])('%s → no precise date', (text) => expect(when(text)).toBeNull());
  it("the rep's next step wins over the customer's deadline", () => {
    expect(when('约定月底前签约，28号再打电话确认')).toBe('2026-11-28T09:00');
    expect(when('对方说月底定，我周三给答复')).toBe('2026-11-25T09:00');
    expect(when('他们月底前决定')).toBe('2026-11-30T09:00'); // no step: the deadline
  });
  it('a moment of today told in the past is no next step', () => {
    expect(when('上午跟他碰了一下')).toBeNull();
    expect(when('下午去了趟金鼎机械')).toBeNull();
  });
});

describe('stage 5: contacts', () => {
  const name = (t: string) => extractName(t, extractPhoneEmail(t).phoneStart)?.name ?? null;
  it.each([
    ['见了技术部李工', '李工'], ['采购刘姐说', '刘姐'], ['运营总监孙磊 0551-62345678', '孙磊'], ['联系人赵敏', '赵敏'],
    ['飞鸿电子的小郑加了我微信', '小郑'], ['Texted Maria at Nakatomi', 'Maria'], ['met at the expo:                    , Anna Lee, +1 415 555 0199', 'Anna Lee'],
  ])('%s → %s', (t, want) => expect(name(t)).toBe(want));
  it('phones with area codes and e-mails, normalised', () => {
    expect(extractPhoneEmail('0551-62345678').phone).toBe('055162345678');
    expect(extractPhoneEmail('(021) 6234 5678').phone).toBe('02162345678');
    expect(extractPhoneEmail('+86 138 2600 1234').phone).toBe('13826001234');
    expect(extractPhoneEmail('INFO@Acme.CN').email).toBe('info@acme.cn');
  });
  it('masks keep indexes', () => expect(maskSpans('abcdef', [[1, 3]])).toBe('a  def'));
});

describe('stage 6: channel', () => {
  it.each([
    ['去了趟金鼎机械', 'visit'], ['请李总吃饭', 'visit'], ['赵总来电', 'phone'], ['钉钉上回了', 'wechat'], ['开了个线上会', 'meeting'],
    ['电话会议开完', 'meeting'], ['报价发过去了', null], ['Met Bruce at their office', 'visit'], ['wechatted with Linda', 'wechat'],
  ])('%s → %s', (t, want) => expect(detectChannel(t)).toBe(want));
});

describe('stage 7: intent from the whole message', () => {
  const f = (over: Partial<IntentFeatures>): IntentFeatures => ({
    masked: '', text: '', prefix: null, hasFuture: false, hasPastTime: false, hasReach: false, hasCustomer: false, knownCustomer: false,
    hasPerson: false, findSuffix: false, clauses: [], hasVerb: false, ...over,
  });
  it('probabilities sum to 1, best first', () => {
    const r = classify(f({ masked: '东岳集团最近怎么样了？', text: '东岳集团最近怎么样了？', hasCustomer: true }));
    expect(r[0].intent).toBe('find_customer');
    expect(r.reduce((n, x) => n + x.p, 0)).toBeCloseTo(1, 6);
    for (let i = 1; i < r.length; i++) expect(r[i].p).toBeLessThanOrEqual(r[i - 1].p);
  });
  const NOW = new Date('2026-11-23T10:00:00+08:00');
  it.each([
    ['华晨汽车赵总来电问发票，下周四再联系', 'log_followup'],
    ['东岳集团最近怎么样了？', 'find_customer'],
    ['我要认领星河电气', 'claim'],
    ['还在公海吗？在的话我领了', 'claim'],
    ['明天晚上6点请东岳集团的李总吃饭', 'create_task'],
    ['怎么用这个机器人？', 'help'],
    ['怎么领取公海客户？', 'help'],
    ['收到，马上到', 'unknown'],
    ['刚才发错群了', 'unknown'],
    ['展会认识的：合肥徽商物流 运营总监孙磊 0551-62345678', 'create_lead'],
    ['Called Wayne Enterprises, they want a call back on Friday next week', 'log_followup'],
    ['grab Adventure Works from the pool for me', 'claim'],
    ['how does this bot work', 'help'],
  ])('%s → %s', (text, intent) => expect(parseMessage(text, { now: NOW }).intent).toBe(intent));
  it('confidence in 0..1 with two decimals; alternatives only when close, each a full reading', () => {
    for (const t of ['华晨汽车赵总来电问发票，下周四再联系', '微信联系了远航的李经理，下周三再跟', '远航科技', 'hmm']) {
      const p = parseMessage(t, { now: NOW });
      expect(p.confidence).toBeGreaterThanOrEqual(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
      expect(Math.round(p.confidence * 100) / 100).toBe(p.confidence);
      expect(p.alternatives.length).toBeLessThanOrEqual(2);
      for (const a of p.alternatives) {
        expect(a.intent).not.toBe(p.intent);
        expect(p.confidence - a.confidence).toBeLessThanOrEqual(0.25 + 1e-9);
        expect(Object.keys(a).sort()).toEqual(['confidence', 'customer', 'due_at', 'intent', 'next_at']);
      }
    }
  });
});

describe('the customer dictionary (pure)', () => {
  const d = new CustomerDictionary();
  d.upsert({ id: 1, kind: 'customer', name: '宁波港联物流有限公司', ownerId: 10, teamId: 1 });
  d.upsert({ id: 2, kind: 'customer', name: '远航科技有限公司', ownerId: null, teamId: null });
  d.upsert({ id: 3, kind: 'lead', name: 'Quillfeather Logistics Ltd', ownerId: 11, teamId: 2 });
  d.upsert({ id: 4, kind: 'customer', name: '明天科技有限公司', ownerId: null, teamId: null });

  it('aliases: without brackets, legal suffix and city, then the core without the industry word', () => {
    expect(aliasesOf('宁波港联物流有限公司').map((a) => a.key)).toEqual(['宁波港联物流有限公司', '宁波港联物流', '港联物流', '港联']);
    expect(aliasesOf('华为技术（深圳）有限公司').map((a) => a.key)).toContain('华为');
    expect(aliasesOf('Acme Corp').map((a) => a.key)).toEqual(['acme corp', 'acme']);
    expect(keyForm('ＡＣＭＥ  Corp')).toBe('acme corp');
  });
  it('finds full names, short forms and English names in text, case-insensitive', () => {
    expect(d.findAll('跟港联的吴经理聊了')[0]).toMatchObject({ id: 1, start: 1, end: 3, exact: false, level: 2 });
    expect(d.findAll('宁波港联物流有限公司来电')[0]).toMatchObject({ id: 1, exact: true, level: 0 });
    expect(d.findAll('called QUILLFEATHER LOGISTICS today')[0]).toMatchObject({ id: 3, kind: 'lead' });
  });
  it('one character off is a fuzzy match', () => {
    expect(d.lookup('港联物流流')).toMatchObject({ id: 1, exact: false, level: 3 }); // an extra character
    expect(d.lookup('港连物流')).toMatchObject({ id: 1, exact: false, level: 3 }); // a wrong character
    expect(d.lookup('远行科技')).toMatchObject({ id: 2, exact: false, score: 0.7 });
    expect(d.lookup('毫不相干')).toBeNull();
  });
  it('visibility: rep own + pool, manager + teams, admin all', () => {
    const ids = (v: Parameters<CustomerDictionary['findAll']>[1]) => [...new Set(['港联', '远航', 'Quillfeather'].flatMap((t) => d.findAll(t, v).map((h) => h.id)))].sort();
    expect(ids({ userId: 10, role: 'rep' })).toEqual([1, 2]);
    expect(ids({ userId: 99, role: 'rep' })).toEqual([2]);
    expect(ids({ userId: 99, role: 'manager', teamIds: [2] })).toEqual([2, 3]);
    expect(ids({ userId: 99, role: 'admin' })).toEqual([1, 2, 3]);
  });
  it('a short form that is a common word of the sentence is not a customer (明天科技 → 明天)', () => {
    const p = parseMessage('明天给港联打电话', { now: new Date('2026-11-23T10:00:00+08:00'), dictionary: d });
    expect(p.customer_match).toMatchObject({ id: '1' });
    expect(p.customer).toBe('港联');
  });
  it('upsert replaces, remove forgets, compact keeps what lives', () => {
    const e = new CustomerDictionary();
    e.upsert({ id: 1, kind: 'customer', name: '旧名机械有限公司', ownerId: null, teamId: null });
    e.upsert({ id: 1, kind: 'customer', name: '新名机械有限公司', ownerId: null, teamId: null });
    expect(e.findAll('旧名机械')).toEqual([]);
    expect(e.findAll('新名机械')[0]).toMatchObject({ id: 1 });
    e.remove('customer', 1);
    expect(e.size).toBe(0);
    expect(e.findAll('新名机械')).toEqual([]);
    for (let i = 0; i < 100; i++) e.upsert({ id: i, kind: 'customer', name: `客户${i}号贸易有限公司`, ownerId: null, teamId: null });
    for (let i = 0; i < 80; i++) e.remove('customer', i);
    e.compact();
    expect(e.size).toBe(20);
    expect(e.findAll('客户99号贸易')[0]).toMatchObject({ id: 99 });
  });
  it('stays compact: 20,000 names in typed arrays of a few MB', () => {
    const e = new CustomerDictionary();
    for (let i = 0; i < 20_000; i++) e.upsert({ id: i, kind: 'customer', name: `城市${i}港联物流有限公司`, ownerId: i % 7, teamId: null });
    expect(e.bytes()).toBeLessThan(8 * 2 ** 20);
  });
});
