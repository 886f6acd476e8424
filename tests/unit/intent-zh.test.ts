import { parseMessage } from '../../core/intent/parse';
import { check, type Expect } from './intent-helpers';

const MON = '2026-11-23T10:00:00+08:00'; // a Monday, 10:00 in Shanghai

describe('parseMessage zh-CN: the issue example, verbatim', () => {
  it('跟进 远航科技 电话聊了方案，下周三再联系', () => {
    expect(parseMessage('跟进 远航科技 电话聊了方案，下周三再联系', { now: new Date('2026-11-23T10:00+08:00'), timezone: 'Asia/Shanghai' })).toEqual({
      intent: 'log_followup',
      customer: '远航科技',
      contact: null,
      channel: 'phone',
      summary: '电话聊了方案，下周三再联系',
      next_at: '2026-12-02T09:00:00+08:00',
      due_at: null,
      confidence: expect.any(Number),
      alternatives: expect.any(Array),
    });
  });
});

// "跟进 远航科技 电话沟通了，<X>再联系" at Monday 2026-11-23 10:00 → next_at.
const RELATIVE: Array<[string, string | null]> = [
  ['今天', '2026-11-23 11:00'], // 09:00 has passed: the next full hour
  ['明天', '2026-11-24 09:00'],
  ['后天', '2026-11-25 09:00'],
  ['大后天', '2026-11-26 09:00'],
  ['下周三', '2026-12-02 09:00'],
  ['周五', '2026-11-27 09:00'],
  ['星期五', '2026-11-27 09:00'],
  ['礼拜五', '2026-11-27 09:00'],
  ['周一', '2026-11-30 09:00'], // bare weekday = next occurrence after today
  ['本周五', '2026-11-27 09:00'],
  ['这周三', '2026-11-25 09:00'],
  ['下周一', '2026-11-30 09:00'],
  ['下周日', '2026-12-06 09:00'],
  ['下下周二', '2026-12-08 09:00'],
  ['3天后', '2026-11-26 09:00'],
  ['三天后', '2026-11-26 09:00'],
  ['两周后', '2026-12-07 09:00'],
  ['一个月后', '2026-12-23 09:00'],
  ['2小时后', '2026-11-23 12:00'],
  ['半小时后', '2026-11-23 10:30'],
  ['30分钟后', '2026-11-23 10:30'],
  ['过两天', null], // no precise date (tests/phrases/CONVENTIONS.md §7; was +2 days)
  ['月底', '2026-11-30 09:00'],
  ['下个月底', '2026-12-31 09:00'],
  ['月初', '2026-12-01 09:00'],
  ['下周', '2026-11-30 09:00'],
  ['下个月', '2026-12-01 09:00'],
  ['周末', '2026-11-28 09:00'],
  ['下周末', '2026-12-05 09:00'],
  ['年底', '2026-12-31 09:00'],
  ['下午3点', '2026-11-23 15:00'],
  ['明天下午3点', '2026-11-24 15:00'],
  ['明天上午10点半', '2026-11-24 10:30'],
  ['明早', '2026-11-24 09:00'],
  ['明晚7点', '2026-11-24 19:00'],
  ['今晚', '2026-11-23 19:00'],
  ['下周三下午2点', '2026-12-02 14:00'],
  ['周五15:30', '2026-11-27 15:30'],
  ['3点', '2026-11-23 15:00'], // an hour 1–7 without 上午/下午 is afternoon
  ['早上8点', '2026-11-24 08:00'], // passed today → tomorrow
  ['9点', '2026-11-24 09:00'],
  ['11月30日', '2026-11-30 09:00'],
  ['12月1日', '2026-12-01 09:00'],
  ['十二月五号', '2026-12-05 09:00'],
  ['2026-12-01', '2026-12-01 09:00'],
  ['2026/12/15', '2026-12-15 09:00'],
  ['2027年1月5日', '2027-01-05 09:00'],
  ['12/1', '2026-12-01 09:00'],
  ['30号', '2026-11-30 09:00'],
  ['5号', '2026-12-05 09:00'], // the 5th has passed this month
  ['下个月5号', '2026-12-05 09:00'],
  ['11月1日', '2027-11-01 09:00'], // past this year → next year
  ['3天后下午2点', '2026-11-26 14:00'],
  ['中午12点', '2026-11-23 12:00'],
  ['晚上8点', '2026-11-23 20:00'],
  ['下午3点一刻', '2026-11-23 15:15'],
  ['10点15分', '2026-11-23 10:15'],
  ['昨天', null], // past: never a next_at
];

describe('parseMessage zh-CN: relative and explicit dates at Mon 2026-11-23 10:00', () => {
  it.each(RELATIVE)('%s → %s', (when, at) => {
    check(MON, `跟进 远航科技 电话沟通了，${when}再联系`, { intent: 'log_followup', customer: '远航科技', channel: 'phone', at });
  });
});

const ENDS: Array<[string, string, string | null]> = [
  // month end: Monday 2026-11-30 16:00
  ['2026-11-30T16:00:00+08:00', '明天', '2026-12-01 09:00'],
  ['2026-11-30T16:00:00+08:00', '月底', '2026-11-30 17:00'],
  ['2026-11-30T16:00:00+08:00', '下个月底', '2026-12-31 09:00'],
  ['2026-11-30T16:00:00+08:00', '3天后', '2026-12-03 09:00'],
  ['2026-11-30T16:00:00+08:00', '下周三', '2026-12-09 09:00'],
  // year end: Thursday 2026-12-31 18:00
  ['2026-12-31T18:00:00+08:00', '明天', '2027-01-01 09:00'],
  ['2026-12-31T18:00:00+08:00', '后天', '2027-01-02 09:00'],
  ['2026-12-31T18:00:00+08:00', '下周一', '2027-01-04 09:00'],
  ['2026-12-31T18:00:00+08:00', '1月5日', '2027-01-05 09:00'],
  ['2026-12-31T18:00:00+08:00', '12/1', '2027-12-01 09:00'],
  ['2026-12-31T18:00:00+08:00', '下个月5号', '2027-01-05 09:00'],
  ['2026-12-31T18:00:00+08:00', '年底', '2026-12-31 19:00'],
  ['2026-12-31T18:00:00+08:00', '晚上8点', '2026-12-31 20:00'],
  ['2026-12-31T18:00:00+08:00', '下午3点', '2027-01-01 15:00'], // passed → tomorrow, across the year
  // February: Friday 2027-02-26 10:00 (not a leap year)
  ['2027-02-26T10:00:00+08:00', '月底', '2027-02-28 09:00'],
  ['2027-02-26T10:00:00+08:00', '3天后', '2027-03-01 09:00'],
  ['2027-02-26T10:00:00+08:00', '下周一', '2027-03-01 09:00'],
  ['2027-02-26T10:00:00+08:00', '周五', '2027-03-05 09:00'], // said on a Friday: next week's
  ['2027-02-26T10:00:00+08:00', '下个月底', '2027-03-31 09:00'],
  ['2027-02-26T10:00:00+08:00', '2月29日', null], // no such day in 2027
  ['2028-02-28T10:00:00+08:00', '月底', '2028-02-29 09:00'], // leap year
];

describe('parseMessage zh-CN: across month and year ends', () => {
  it.each(ENDS)('at %s: %s → %s', (now, when, at) => {
    check(now, `跟进 远航科技 电话沟通了，${when}再联系`, { intent: 'log_followup', at });
  });
});

const PHRASES: Array<[string, Expect]> = [
  ['明天下午3点拜访远航科技', { intent: 'create_task', customer: '远航科技', channel: 'visit', at: '2026-11-24 15:00' }],
  ['提醒我周五给星海集团的王总打电话', { intent: 'create_task', customer: '星海集团', channel: 'phone', at: '2026-11-27 09:00', contact: { name: '王总', phone: null, email: null } }],
  ['新线索 北京蓝天信息技术有限公司 张伟 13812345678 zhangwei@lantian.cn', {
    intent: 'create_lead', customer: '北京蓝天信息技术有限公司', channel: null, at: null,
    contact: { name: '张伟', phone: '13812345678', email: 'zhangwei@lantian.cn' },
  }],
  ['线索：上海星辰贸易有限公司，联系人赵敏，电话 021-62345678', {
    intent: 'create_lead', customer: '上海星辰贸易有限公司', channel: null, contact: { name: '赵敏', phone: '02162345678', email: null },
  }],
  ['新客户 杭州云帆网络科技有限公司 陈经理 +86 139-0000-1234', {
    intent: 'create_lead', customer: '杭州云帆网络科技有限公司', contact: { name: '陈经理', phone: '13900001234', email: null },
  }],
  ['查 远航科技', { intent: 'find_customer', customer: '远航科技', channel: null, at: null }],
  ['查询客户 星海集团', { intent: 'find_customer', customer: '星海集团' }],
  ['搜索 蓝海', { intent: 'find_customer', customer: '蓝海' }],
  ['远航科技的电话是多少', { intent: 'find_customer', customer: '远航科技' }],
  ['领取 远航科技', { intent: 'claim', customer: '远航科技', channel: null }],
  ['认领 星海集团', { intent: 'claim', customer: '星海集团' }],
  ['帮助', { intent: 'help', customer: null }],
  ['怎么用', { intent: 'help' }],
  ['你好', { intent: 'help', customer: null }], // a greeting to the bot (CONVENTIONS.md §9; was unknown)
  ['今天上门拜访了蓝海物流，客户想要报价，3天后回访', { intent: 'log_followup', customer: '蓝海物流', channel: 'visit', at: '2026-11-26 09:00' }],
  ['和华为技术开会讨论了合同细节，下周一发初稿', { intent: 'log_followup', customer: '华为技术', channel: 'meeting', at: '2026-11-30 09:00' }],
  ['微信联系了远航的李经理，下周三再跟', { intent: 'log_followup', customer: '远航', channel: 'wechat', at: '2026-12-02 09:00', contact: { name: '李经理', phone: null, email: null } }],
  ['跟进 远航科技：发了邮件确认需求', { intent: 'log_followup', customer: '远航科技', channel: 'email', at: null, summary: '发了邮件确认需求' }],
  ['提醒我明天早上9点给远航打电话', { intent: 'create_task', customer: '远航', channel: 'phone', at: '2026-11-24 09:00' }],
  ['安排下周二下午拜访宏达机械', { intent: 'create_task', customer: '宏达机械', channel: 'visit', at: '2026-12-01 14:00' }],
  ['刚和远航科技王总通了电话，他们月底前决定', { intent: 'log_followup', customer: '远航科技', channel: 'phone', at: '2026-11-30 09:00' }],
  ['待办 11月30日前给星海集团发报价', { intent: 'create_task', customer: '星海集团', at: '2026-11-30 09:00' }],
  ['跟进 远航 电话打不通，明天再打', { intent: 'log_followup', customer: '远航', channel: 'phone', at: '2026-11-24 09:00' }],
  ['记录 远航科技 视频会议演示了产品，客户反馈不错', { intent: 'log_followup', customer: '远航科技', channel: 'meeting', at: null }],
  ['拜访了宏达机械，2026-12-01再去', { intent: 'log_followup', customer: '宏达机械', channel: 'visit', at: '2026-12-01 09:00' }],
  ['下周三和远航科技开会', { intent: 'create_task', customer: '远航科技', channel: 'meeting', at: '2026-12-02 09:00' }],
  ['周五下午给蓝海物流发邮件', { intent: 'create_task', customer: '蓝海物流', channel: 'email', at: '2026-11-27 14:00' }],
  ['跟进 星海集团 已发合同，下个月5号回款', { intent: 'log_followup', customer: '星海集团', channel: null, at: '2026-12-05 09:00' }],
  ['提醒我月底跟进远航科技', { intent: 'create_task', customer: '远航科技', at: '2026-11-30 09:00' }],
  ['跟进 远航科技 打电话给王总 13812345678，约了后天上门', {
    intent: 'log_followup', customer: '远航科技', channel: 'phone', at: '2026-11-25 09:00', contact: { name: '王总', phone: '13812345678', email: null },
  }],
  ['跟进 远航科技 微信发了资料', { intent: 'log_followup', customer: '远航科技', channel: 'wechat' }],
  ['跟进远航科技电话聊了方案', { intent: 'log_followup', customer: '远航科技', channel: 'phone', summary: '电话聊了方案' }],
  ['今晚8点和远航开会', { intent: 'create_task', customer: '远航', channel: 'meeting', at: '2026-11-23 20:00' }],
  ['下下周一上午10点半去远航科技演示', { intent: 'create_task', customer: '远航科技', at: '2026-12-07 10:30' }],
  ['跟远航科技王总电话沟通了报价，月底前签约', { intent: 'log_followup', customer: '远航科技', channel: 'phone', at: '2026-11-30 09:00' }],
  ['下午和蓝海物流的李经理微信聊了，对方想要试用', { intent: 'log_followup', customer: '蓝海物流', channel: 'wechat' }],
  ['昨天拜访了远航科技', { intent: 'log_followup', customer: '远航科技', channel: 'visit', at: null }],
  ['今天电话联系了华为张总，下周三再跟进', { intent: 'log_followup', customer: '华为', channel: 'phone', at: '2026-12-02 09:00', contact: { name: '张总', phone: null, email: null } }],
  ['跟进 华为王总 电话聊了', { intent: 'log_followup', customer: '华为', channel: 'phone', summary: '王总 电话聊了' }],
  ['签到 远航科技', { intent: 'unknown', customer: '远航科技' }], // the bot's check-in text intent takes it from here
  ['提醒我明天上午紧急给远航科技回电话', { intent: 'create_task', customer: '远航科技', channel: 'phone', at: '2026-11-24 10:00' }],
  ['记得给星海集团发合同', { intent: 'unknown', customer: '星海集团' }], // no date, no past: not guessed as a task
  // ambiguous or unknown: never guessed
  ['跟进 王总 电话聊了', { intent: 'log_followup', customer: null, contact: { name: '王总', phone: null, email: null } }], // a person, not a company
  ['跟进 电话聊了方案', { intent: 'log_followup', customer: null, channel: 'phone' }],
  ['晚一点再联系远航', { intent: 'unknown', at: null }], // 晚一点 is not 13:00
  ['他们觉得便宜一点更好', { intent: 'unknown', at: null }],
  ['3天后', { intent: 'unknown', at: null }],
  ['邮箱 li@yuanhang.cn', { intent: 'unknown', channel: null, contact: { name: null, phone: null, email: 'li@yuanhang.cn' } }],
];

describe('parseMessage zh-CN: whole messages', () => {
  it.each(PHRASES)('%s', (text, e) => check(MON, text, e));
});

test('at least 80 zh-CN phrases', () => {
  expect(RELATIVE.length + ENDS.length + PHRASES.length + 1).toBeGreaterThanOrEqual(80);
});
