import { DateTime } from 'luxon';
import { parseOpportunity, type StageWords } from '../../core/intent/opportunity';
import { parseMessage } from '../../core/intent/parse';
import { findAmount } from '../../core/intent/money';
import { findCloseDate } from '../../core/intent/close-date';

/** The pipelines' stages as data (the parser never knows them itself). */
const STAGES: StageWords[] = [
  ['initial', '初步接洽', 'Initial contact', 'pipeline'], ['qualified', '需求确认', 'Qualified', 'pipeline'], ['proposal', '方案报价', 'Proposal', 'best_case'],
  ['negotiation', '谈判', 'Negotiation', 'commit'], ['won', '赢单', 'Won', 'won'], ['lost', '输单', 'Lost', 'lost'],
  ['renewal_due', '续约沟通', 'Renewal due', 'pipeline'], ['renewal_quote', '续约报价', 'Renewal quote', 'best_case'], ['renewal_negotiation', '续约谈判', 'Renewal negotiation', 'commit'],
].map(([key, name, nameEn, category]) => ({ key, name, nameEn, category }));

const MON = new Date('2026-11-23T10:00:00+08:00'); // a Monday
const parse = (text: string, stages = STAGES) => parseOpportunity(text, { now: MON, timezone: 'Asia/Shanghai', stages });

describe('amounts → integer cents (exact)', () => {
  it.each([
    ['50万', 50_000_000], ['五十万', 50_000_000], ['30w', 30_000_000], ['30W', 30_000_000], ['1.2亿', 12_000_000_000], ['¥80,000', 8_000_000],
    ['￥80,000.50', 8_000_050], ['预算 120000', 12_000_000], ['八万五', 8_500_000], ['1万2', 1_200_000], ['两百万', 200_000_000], ['一千二百万', 1_200_000_000],
    ['500k', 50_000_000], ['$1.5m', 150_000_000], ['2 million', 200_000_000], ['80000 rmb', 8_000_000], ['3000元', 300_000], ['1.23456万', 1_234_560],
  ])('%s', (text, cents) => expect(findAmount(text)?.cents).toBe(cents));

  it.each(['10套', 'ERP 二期', '3点', '2026-12-31', '12月底', 'V5', '第2版', '预计 12'])('%s is not money', (text) => expect(findAmount(text)).toBeNull());
});

describe('close dates are deadlines', () => {
  const now = DateTime.fromJSDate(MON, { zone: 'Asia/Shanghai' });
  it.each([
    ['12月底', '2026-12-31'], ['十二月份', '2026-12-31'], ['月底', '2026-11-30'], ['下个月', '2026-12-31'], ['下个月底', '2026-12-31'], ['年底', '2026-12-31'],
    ['下周五', '2026-12-04'], ['Q1', '2027-03-31'], ['一季度', '2027-03-31'], ['本季度', '2026-12-31'], ['下季度', '2027-03-31'], ['明年3月', '2027-03-31'],
    ['3月中旬', '2027-03-20'], ['10月', '2027-10-31'], ['12月20日', '2026-12-20'], ['30天内', '2026-12-23'], ['end of month', '2026-11-30'], ['next quarter', '2027-03-31'],
    ['by March', '2027-03-31'], ['Dec 18', '2026-12-18'], ['两周后', '2026-12-07'],
  ])('%s → %s', (text, day) => expect(findCloseDate(text, now)?.day).toBe(day));
});

describe('a new deal from one message', () => {
  it.each([
    ['商机 远航科技 ERP升级 50万 12月底', '远航科技', 'ERP升级', 50_000_000, '2026-12-31'],
    ['新商机：远航科技的ERP升级，预计五十万，月底签', '远航科技', 'ERP升级', 50_000_000, '2026-11-30'],
    ['给远航科技建个商机 ERP 二期 预算30w 下个月', '远航科技', 'ERP 二期', 30_000_000, '2026-12-31'],
    ['远航科技有个新商机，CRM实施，80万左右，年底前', '远航科技', 'CRM实施', 80_000_000, '2026-12-31'],
    ['建个商机 华南冷链 WMS 1.2亿 Q1', '华南冷链', 'WMS', 12_000_000_000, '2027-03-31'],
    ['商机：宁波港联物流 仓储系统 ¥80,000 下周五', '宁波港联物流', '仓储系统', 8_000_000, '2026-12-04'],
    ['新建商机 远航科技 数据中台 三百万 明年3月', '远航科技', '数据中台', 300_000_000, '2027-03-31'],
    ['录个商机：港联物流，WMS二期，预算120万，Q2', '港联物流', 'WMS二期', 120_000_000, '2027-06-30'],
    ['帮我建一个商机，客户是远航科技，ERP升级，50万', '远航科技', 'ERP升级', 50_000_000, null],
    ['远航那边有个新机会，ERP二期，大概两百万，年底', '远航', 'ERP二期', 200_000_000, '2026-12-31'],
    ['今天拜访了远航科技，回来建个商机 ERP 50万', '远航科技', 'ERP', 50_000_000, null],
    ['ｎｅｗ deal: Acme, ERP upgrade, 500k, end of month', 'Acme', 'ERP upgrade', 50_000_000, '2026-11-30'],
    ['new opportunity with Blue Ocean Ltd for CRM rollout $1.5m next quarter', 'Blue Ocean Ltd', 'CRM rollout', 150_000_000, '2027-03-31'],
    ['opportunity Acme CRM 200k next month', 'Acme', 'CRM', 20_000_000, '2026-12-31'],
    ['add deal Globex warehouse system 80000 rmb by March', 'Globex', 'warehouse system', 8_000_000, '2027-03-31'],
    ['商机 远航 50万', '远航', null, 50_000_000, null],
    ['远航科技 新商机 ERP升级 50万', '远航科技', 'ERP升级', 50_000_000, null],
    ['远航科技要上ERP，预算50万，年底前，建个商机', '远航科技', 'ERP', 50_000_000, '2026-12-31'],
    ['新增商机 客户：远航科技 项目：ERP升级 金额：50万 预计成交：12月底', '远航科技', 'ERP升级', 50_000_000, '2026-12-31'],
    ['新机会 远航科技 ERP 50万', '远航科技', 'ERP', 50_000_000, null],
    ['new deal: 远航科技5有限公司, Data lake, 300k, next quarter', '远航科技5有限公司', 'Data lake', 30_000_000, '2027-03-31'],
    ['商机：宁波港联物流有限公司，WMS，80万', '宁波港联物流有限公司', 'WMS', 80_000_000, null],
    ['商机 ERP升级 远航科技 50万 12月底', '远航科技', 'ERP升级', 50_000_000, '2026-12-31'],
    ['商机 Acme Corp CRM rollout 200k Q1', 'Acme Corp', 'CRM rollout', 20_000_000, '2027-03-31'],
    ['Acme has a new opportunity: CRM, 200k, Q1', 'Acme', 'CRM', 20_000_000, '2027-03-31'],
    ['帮我录一个商机，远航科技，ERP升级，预算50万，12月底签', '远航科技', 'ERP升级', 50_000_000, '2026-12-31'],
    ['新商机 远航科技 / ERP 升级 / 50 万 / 12月底', '远航科技', 'ERP 升级', 50_000_000, '2026-12-31'],
    ['建商机：远航科技，金额50万，ERP升级', '远航科技', 'ERP升级', 50_000_000, null],
    ['商机：远航科技 ERP升级，50万，预计12月31日成交', '远航科技', 'ERP升级', 50_000_000, '2026-12-31'],
    ['商机 远航科技 ERP升级 ￥500,000 2026-12-31', '远航科技', 'ERP升级', 50_000_000, '2026-12-31'],
    ['我这有个新商机：远航科技的ERP升级，50万', '远航科技', 'ERP升级', 50_000_000, null],
    ['给远航科技开个商机，ERP升级50万，月底', '远航科技', 'ERP升级', 50_000_000, '2026-11-30'],
    ['create opportunity for Acme - ERP upgrade - $500k - close Dec 31', 'Acme', 'ERP upgrade', 50_000_000, '2026-12-31'],
    ['new opp Acme / ERP / 500k / Q1', 'Acme', 'ERP', 50_000_000, '2027-03-31'],
    ['Log a deal with Globex: warehouse automation, 1.2m, closing end of next month', 'Globex', 'warehouse automation', 120_000_000, '2026-12-31'],
  ])('%s', (text, customer, name, amountCents, expectedCloseDate) => {
    expect(parse(text)).toEqual({ kind: 'create', customer, name, amountCents, expectedCloseDate, stage: null });
  });

  it('reads a stage said at creation from the pipelines', () => {
    expect(parse('商机 远航科技 ERP升级 谈判中 50万')).toMatchObject({ kind: 'create', customer: '远航科技', name: 'ERP升级', stage: 'negotiation' });
  });

  it('goes through parseMessage as create_opportunity (新商机 is a deal, not a lead)', () => {
    const p = parseMessage('新商机：远航科技的ERP升级，预计五十万，月底签', { now: MON, stages: STAGES });
    expect(p.intent).toBe('create_opportunity');
    expect(p.customer).toBe('远航科技');
    expect(p.opportunity).toMatchObject({ kind: 'create', amountCents: 50_000_000 });
  });
});

describe('a stage move from a message (stage names are data)', () => {
  it.each([
    ['远航ERP 进入谈判', '远航ERP', 'negotiation'],
    ['ERP升级 推进到方案报价阶段', 'ERP升级', 'proposal'],
    ['远航ERP到谈判了', '远航ERP', 'negotiation'],
    ['把远航ERP改成方案报价', '远航ERP', 'proposal'],
    ['远航的单子已经进入谈判阶段', '远航', 'negotiation'],
    ['港联WMS 需求确认了', '港联WMS', 'qualified'],
    ['远航ERP 谈判中', '远航ERP', 'negotiation'],
    ['远航ERP → 谈判', '远航ERP', 'negotiation'],
    ['ERP升级赢单了', 'ERP升级', 'won'],
    ['远航 ERP 升级 拿下了！', '远航 ERP 升级', 'won'],
    ['远航那单签了', '远航', 'won'],
    ['远航续约 进入续约谈判', '远航续约', 'renewal_negotiation'],
    ['Acme ERP moved to negotiation', 'Acme ERP', 'negotiation'],
    ['move Acme ERP to proposal', 'Acme ERP', 'proposal'],
    ['mark Acme ERP as won', 'Acme ERP', 'won'],
    ['Acme ERP won', 'Acme ERP', 'won'],
    ['won Acme ERP', 'Acme ERP', 'won'],
    ['Acme ERP closed-won', 'Acme ERP', 'won'],
    ['远航ERP阶段改为谈判', '远航ERP', 'negotiation'],
    ['远航科技的ERP项目进入谈判阶段了', '远航科技ERP', 'negotiation'],
    ['远航ERP 进入下一阶段', '远航ERP', '__next__'],
    ['远航ERP往前推一步', '远航ERP', '__next__'],
    ['move Acme ERP to the next stage', 'Acme ERP', '__next__'],
    ['远航ERP现在到谈判阶段了', '远航ERP', 'negotiation'],
    ['ERP升级 阶段：谈判', 'ERP升级', 'negotiation'],
    ['远航那个ERP的单子拿下了', '远航ERP', 'won'],
    ['Acme ERP is now in negotiation', 'Acme ERP', 'negotiation'],
    ['Acme ERP: negotiation', 'Acme ERP', 'negotiation'],
    ['远航ERP→方案报价', '远航ERP', 'proposal'],
  ])('%s', (text, ref, stage) => expect(parse(text)).toEqual({ kind: 'move', ref, stage, lossReason: null, lossNote: null }));

  it.each([
    ['远航科技那单输了，价格原因', '远航科技', 'price', '价格原因'],
    ['华南冷链那个商机 输单 客户选了竞品', '华南冷链', 'competitor', '客户选了竞品'],
    ['ERP升级没拿下，客户预算砍了', 'ERP升级', 'no_budget', '客户预算砍了'],
    ['港联那单黄了，客户没预算', '港联', 'no_budget', '客户没预算'],
    ['远航科技那单被友商抢走了', '远航科技', 'competitor', null],
    ['远航ERP丢单了', '远航ERP', null, null],
    ['we lost Acme ERP to a competitor', 'Acme ERP', 'competitor', 'a competitor'],
    ['Acme deal is lost, pricing', 'Acme', 'price', 'pricing'],
    ['远航科技ERP输了 预算不够', '远航科技ERP', 'no_budget', '预算不够'],
    ['lost the Acme deal - went with a competitor', 'Acme', 'competitor', 'went with a competitor'],
  ])('%s → lost', (text, ref, lossReason, lossNote) => expect(parse(text)).toEqual({ kind: 'move', ref, stage: 'lost', lossReason, lossNote }));

  it('renamed stages are read from the data, not from a list in the parser', () => {
    const renamed = STAGES.map((s) => (s.key === 'negotiation' ? { ...s, name: '商务谈判', nameEn: 'Commercials' } : s));
    expect(parse('远航ERP 进入商务谈判', renamed)).toMatchObject({ kind: 'move', stage: 'negotiation' });
    expect(parse('Acme ERP moved to commercials', renamed)).toMatchObject({ kind: 'move', stage: 'negotiation' });
    // without the stages, only the usual won/lost words move a stage
    expect(parse('远航ERP 进入谈判', [])).toBeNull();
    expect(parse('远航那单输了', [])).toMatchObject({ kind: 'move', stage: 'lost' });
  });
});

describe('my pipeline and the forecast', () => {
  it.each(['我的商机', '我的pipeline', '商机列表', '看看我的商机', '我的单子', 'show my pipeline', 'my deals', '商机'])('%s → list', (text) => expect(parse(text)).toEqual({ kind: 'list', scope: 'mine' }));
  it.each(['我手上有哪些商机？', '我现在有几个单子', 'what deals do I have?'])('%s → list', (text) => expect(parse(text)).toEqual({ kind: 'list', scope: 'mine' }));
  it.each(['团队商机', '我们的商机', 'team pipeline', '团队现在有多少商机'])('%s → team list', (text) => expect(parse(text)).toEqual({ kind: 'list', scope: 'team' }));
  it.each([
    ['本月预测', '2026-11'], ['这个月能签多少', '2026-11'], ['本季度预测', '2026-Q4'], ['这个季度能签多少', '2026-Q4'], ['下个月预测', '2026-12'],
    ['今年能签多少钱', '2026'], ['销售漏斗', '2026-11'], ['Q1预测', '2027-Q1'], ['3月预测', '2027-03'], ['本月业绩预测', '2026-11'],
    ['forecast next quarter', '2027-Q1'], ['这个月业绩能做到多少', '2026-11'], ['forecast for March', '2027-03'], ['本季度commit多少', '2026-Q4'], ['what will close this month', '2026-11'], ['forecast', '2026-11'], ['下季度能成交多少', '2027-Q1'],
  ])('%s → forecast %s', (text, period) => expect(parse(text)).toMatchObject({ kind: 'forecast', period }));
  it('团队本月预测 asks for the team', () => expect(parse('团队本月预测')).toEqual({ kind: 'forecast', period: '2026-11', scope: 'team' }));
});

describe('ordinary messages are not pipeline messages', () => {
  it.each([
    '跟远航科技聊了ERP升级，预算50万左右，下周再约',
    '今天去远航谈判了，价格还要再压',
    '刚才和远航签了保密协议',
    '提醒我下周五给远航科技发报价',
    '提醒我明天做本月预测',
    '昨天拜访了远航科技，对方对ERP升级有兴趣，预算大概50万',
    '远航科技下周三签合同，金额30万',
    '给远航科技打电话，谈了价格',
    '明天下午3点去远航科技谈判',
    '提醒我月底前推进远航的商机',
    '远航科技谈判中提出降价',
    '客户说下个月进入谈判',
    '拜访了远航，他们说有个新机会',
    '远航那单赢了吗？',
    '远航科技的商机怎么样了',
    '远航科技有几个商机？',
    '远航科技那边说有个新商机',
    '跟远航聊了，新商机的事下周再说',
    '今天有个新客户来电',
    '远航科技：谈判很顺利，下周签',
    '备注：谈判',
    '客户说我们的漏斗报表有bug',
    '跟远航聊了需求预测系统',
    '商机很多但是转化低',
    'deal closed yesterday with Acme, they want the invoice',
    'opportunity cost is too high for them',
    '远航：方案报价已发',
    '远航科技的电话是多少',
    '公海那个华南冷链我接了',
    '展会认识的：合肥徽商物流 运营总监孙磊 0551-65551234',
    '南山电子现在归谁跟？',
    '上午跟中兴精工的采购刘姐碰了一下，样品他们收到了',
    '后天上午十点前把合同盖章版寄给宁波港联',
    '收到，马上到',
    '公海',
    '认领 远航科技',
    'called Acme about the renewal, they want a discount',
    'remind me to send Acme the proposal on Friday',
    'did we win Acme?',
  ])('%s', (text) => {
    expect(parse(text)).toBeNull();
    expect(['create_opportunity', 'move_stage', 'my_pipeline', 'forecast']).not.toContain(parseMessage(text, { now: MON, stages: STAGES }).intent);
  });
});
