import { DateTime } from 'luxon';
import { findAmount } from './money';
import { findCloseDate } from './close-date';
import { NUM, cnNumber } from './numbers';
import { extractCustomer } from './customer';

/**
 * The sales pipeline in chat (pure: text → what the rep wants done with a deal). Four things:
 * - create: a message that says a NEW deal exists — a create word with 商机 / "deal" / "opportunity" anywhere
 *   (商机 远航科技 ERP升级 50万 12月底 · 新商机：远航科技的ERP升级，预计五十万，月底签 · 给远航科技建个商机 ERP 二期
 *   预算30w 下个月 · 远航有个新商机… · new deal: Acme, ERP upgrade, 500k, end of month). The customer, the deal's
 *   name, the amount (money.ts) and the close date (close-date.ts) are read from the rest. A message without such a
 *   word is never a new deal: "跟远航聊了ERP，预算50万" is a follow-up.
 * - move: a deal reference followed by a stage. Stage names are DATA (the caller passes every pipeline's stages):
 *   "远航ERP 进入谈判", "ERP升级 推进到方案报价", "Acme ERP moved to negotiation"; a closing stage may be named
 *   without a verb ("ERP升级赢单了"), and the usual ways of saying won/lost map to the stage of category won/lost
 *   (拿下了 / 中标了 / 输了 / 丢单 / 被竞品抢走了 / "we lost Acme"); the words after a loss are its reason.
 * - list: "my pipeline" (我的商机 / 商机列表 / 我的pipeline / my deals).
 * - forecast: 本月预测 / 这个月能签多少 / 本季度预测 / forecast next quarter — with its period resolved.
 * Questions about a deal ("远航那单赢了吗？") are none of these.
 */
export interface StageWords {
  key: string;
  name: string;
  nameEn: string;
  category: string;
}

export type OpportunityIntent =
  | { kind: 'create'; customer: string | null; name: string | null; amountCents: number | null; expectedCloseDate: string | null; stage: string | null }
  | { kind: 'move'; ref: string; stage: string; lossReason: string | null; lossNote: string | null }
  | { kind: 'list'; scope: 'mine' | 'team' }
  | { kind: 'forecast'; period: string; scope: 'mine' | 'team' };

export interface OpportunityParseOptions {
  now: Date;
  timezone?: string;
  /** Every pipeline's stages (names zh + en, key, category); without them only won/lost words move a stage. */
  stages?: StageWords[];
}

/** Loss reasons (keys of the core's LOSS_REASONS) and how reps say them. */
const LOSS_WORDS: Array<[string, RegExp]> = [
  ['competitor', /竞品|竞争对手|对手|友商|别家|其他家|别的厂|选了\S{0,8}(?:家|的)|被\S{0,10}抢|截胡|competitor|competition|went\s+with|chose\s+\w+/i],
  ['no_budget', /没(?:有)?预算|无预算|预算(?:不够|不足|砍|没批|被砍|没了)|没钱|资金|budget/i],
  ['price', /价格|太贵|贵了|价钱|报价高|嫌贵|便宜|降价|折扣|price|pricing|expensive|cost/i],
  ['no_decision', /没(?:有)?决策|决策不了|不做了|搁置|暂停|无限期|没下文|不了了之|no\s+decision|stalled|on\s+hold|went\s+dark/i],
  ['timing', /时机|明年再|推迟|延期|以后再|时间不对|timing|next\s+year|postponed|delayed/i],
  ['product_fit', /功能|不匹配|不满足|需求不符|满足不了|不合适|产品不行|fit|feature|requirement/i],
  ['relationship', /关系|人脉|换人|对接人走了|relationship|champion\s+left/i],
];

export function lossReasonOf(text: string): string | null {
  for (const [key, re] of LOSS_WORDS) if (re.test(text)) return key;
  return null;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const QUESTION = /[?？]\s*$|(?:吗|么|嘛|没有|了没)\s*[?？。!！]*$|^(?:did|is|has|was|are|do|does)\b|\bor\s+not\b/i;
const END = /^[\s,，。.!！~～;；:：、]*$/;

function normalize(text: string): string {
  return text.normalize('NFKC').replace(/[\u200b-\u200f\ufeff]/g, '').replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------------ list / forecast

const LIST_ZH = /^(?:请|帮我)?(?:看看|看下|看一下|查看|查一下|查查|打开|显示|给我看看?|列出|列一下|拉一下)?\s*(我的|我们的|团队的?|本组的?|我组的?|全组的?|组里的?)?\s*(?:商机|pipeline|销售管道|管道|在跟的单子?|在谈的单子?|手上的单子?|手头的单子?)\s*(?:列表|清单|看板|情况|汇总|概况|有哪些|都有哪些)?\s*(?:呢|吧|一下)?\s*[?？。.!！]*$/i;
const LIST_MINE_ZH = /^(?:看看|查看|列出)?\s*(我的|我们的|团队的?)\s*(?:单子|项目|商机|deals?)\s*[?？。.!！]*$/i;
const LIST_EN = /^(?:show\s+(?:me\s+)?|list\s+|view\s+|open\s+)?(my|our|the\s+team'?s?|team)?\s*(?:pipeline|deals|opportunities|opps)\s*(?:list)?\s*[?.!]*$/i;

/** 我手上有哪些商机？/ 我现在有几个单子 / 团队现在有多少商机 / what deals do I have */
const LIST_ASK = /^(我|我们|团队|组里|本组)(?:的|手上|手头|现在|目前|这边|手里|正在跟|在跟)*\s*(?:还)?(?:有|跟着?)?(?:哪些|几个|多少个?|什么)\s*(?:在跟的|进行中的|在谈的|open)?\s*(?:商机|单子|项目|pipeline|deals?)(?:呢|啊)?\s*[?？。.!！]*$|^what\s+(?:deals|opportunities|opps)\s+(?:do|does)\s+(i|we|my\s+team)\s+have\s*\??$/i;

function parseList(t: string): OpportunityIntent | null {
  const m = LIST_ZH.exec(t) ?? LIST_MINE_ZH.exec(t) ?? LIST_EN.exec(t) ?? LIST_ASK.exec(t);
  if (!m) return null;
  return { kind: 'list', scope: m[1] && /团队|我们|组|our|team/i.test(m[1]) ? 'team' : 'mine' };
}

const FORECAST = /预测|预估业绩|业绩预估|能做到多少|能做多少|能完成多少|能收多少|能到多少|预计(?:能)?签多少|预计(?:能)?成交多少|业绩能(?:有|做)?多少|能签(?:下来?)?多少|能成交多少|能拿下多少|能进(?:账)?多少|能回(?:款)?多少|能关(?:单)?多少|会签多少|签多少单|能出多少|能落多少|能close多少|漏斗|forecast|funnel|(?:will|can|could)\s+(?:we|i)\s+close|what(?:'s|\s+is|\s+will)?\s+(?:going\s+to\s+)?clos(?:e|ing)|how\s+much\s+(?:will|can|could)\s+(?:we|i)\s+(?:close|sign|win)|\bcommit\b/i;

/** The period a forecast question asks about, as resolvePeriod (core/opportunities/forecast.ts) reads it. */
export function forecastPeriod(text: string, now: DateTime): string {
  const ym = (d: DateTime) => d.toFormat('yyyy-MM');
  const yq = (d: DateTime) => `${d.year}-Q${Math.ceil(d.month / 3)}`;
  let m: RegExpExecArray | null;
  if ((m = /(明年|今年)?\s*(?:[Qq]([1-4])|第?([一二三四1-4])\s*季度)/.exec(text))) {
    const q = { 一: 1, 二: 2, 三: 3, 四: 4 }[m[3] as '一'] ?? Number(m[2] ?? m[3]);
    const year = m[1] === '明年' ? now.year + 1 : m[1] === '今年' || q >= Math.ceil(now.month / 3) ? now.year : now.year + 1;
    return `${year}-Q${q}`;
  }
  if (/下个?季度|next\s+quarter/i.test(text)) return yq(now.plus({ months: 3 }));
  if (/上个?季度|last\s+quarter/i.test(text)) return yq(now.minus({ months: 3 }));
  if (/季度|季|quarter|\bqtd\b/i.test(text)) return yq(now);
  if (/下个?月|next\s+month/i.test(text)) return ym(now.plus({ months: 1 }));
  if (/上个?月|last\s+month/i.test(text)) return ym(now.minus({ months: 1 }));
  if (/明年|next\s+year/i.test(text)) return String(now.year + 1);
  if (/今年|本年|全年|年度|this\s+year|\bytd\b|annual/i.test(text)) return String(now.year);
  const en = /\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b/i.exec(text);
  if (en) {
    const month = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(en[1].slice(0, 3).toLowerCase()) + 1;
    let d = DateTime.fromObject({ year: now.year, month, day: 1 }, { zone: now.zone });
    if (d.endOf('month') < now.startOf('day')) d = d.plus({ years: 1 });
    return ym(d);
  }
  if ((m = new RegExp(`(${NUM})\\s*月(?!\\s*[底末初\\d])`).exec(text))) {
    const month = cnNumber(m[1]) ?? 0;
    if (month >= 1 && month <= 12) {
      let d = DateTime.fromObject({ year: now.year, month, day: 1 }, { zone: now.zone });
      if (d.endOf('month') < now.startOf('day')) d = d.plus({ years: 1 });
      return ym(d);
    }
  }
  return ym(now);
}

/** What a forecast question may say besides its forecast word: periods, scope, fillers (anything else: not a forecast question). */
const FORECAST_REST = /本月|这个?月|当月|本季度?|这个?季度?|当季|下下?个?月|下个?季度?|上个?月|上个?季度?|今年|明年|本年|全年|年度|[Qq][1-4]|第?[一二三四]季度|\d{1,2}\s*月份?|[一二三四五六七八九十]{1,2}\s*月份?|团队|我们|全组|组里|本组|部门|整体|看看|看下|看一下|查看|查一下|查下|给我|一下|下|销售|业绩|收入|营收|合同|签约|成交|的|能|会|可以|大概|预计|预期|总共|一共|合计|我|呢|吗|啊|吧|钱|金额|多少|情况|数据|报表|\b(?:what|what's|whats|will|would|we|i|the|this|next|last|month|quarter|year|for|show|me|my|team|our|is|are|going|to|be|close|closing|closed|forecast|funnel|sales|pipeline|how|much|can|could|in|of|s|q[1-4]|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|commit|weighted|please|do|does|have|get|sign|win)\b|[?？。.!！,，'’\s]/gi;

function parseForecast(t: string, now: DateTime): OpportunityIntent | null {
  if (!FORECAST.test(t) || t.length > 40) return null;
  // "客户说我们的漏斗报表有bug" mentions a funnel; only a question for the numbers is a forecast.
  if (t.replace(FORECAST, '').replace(FORECAST_REST, '').length > 2) return null;
  // "提醒我明天做本月预测" is a task about a forecast, not a question for one.
  if (/提醒|记得|别忘|(?<!能)做(?!到?多少)|写|整理|准备|发给|发一?下|汇报|提交|更新|开会|会议|remind|prepare|send|update|meeting|write/i.test(t)) return null;
  // "远航科技的预测…" is about a customer, not the rep's period: refuse organisation names ahead of the question.
  if (/[给和跟与]\S+(?:打|聊|谈|说)/.test(t)) return null;
  return { kind: 'forecast', period: forecastPeriod(t, now), scope: /团队|我们|全组|组里|本组|team|our\b|\bwe\b/i.test(t) ? 'team' : 'mine' };
}

// ------------------------------------------------------------------ move

const REF_LEAD = /^(?:帮我把|帮我|麻烦把|请把|请|把|将|我的|我那个|那个|这个|客户)\s*/;
const REF_TAIL = /(?:的|那|这)?\s*(?:一单|那单|这单|单子|个单子?|那个单子?|这个单子?|的单子?|商机|项目|那个商机|这个商机|deal|opportunity|opp)?\s*$/i;
const DEAL_MARKER = /(?:单|商机|项目|deal|opportunity|opp)\s*$/i;
/** A reference is a deal's or customer's name, not a sentence: no contact verbs or time words in it. */
const NOT_REF = /[，,。;；!！?？]|跟|和|与|给|去|拜访|见了|聊|打电话|电话|微信|邮件|开会|今天|昨天|明天|刚才|刚刚|上午|下午|晚上|说|问|提醒|记得|别忘|\b(?:called|met|visited|emailed|told|said|yesterday|today|tomorrow)\b/i;
const STATE = '(?:已经|已|现在|目前|终于|正式|总算|最终|最后|还是|可以|can|now|finally)?';

const MOVE_VERB_ZH = '(?:阶段\\s*[:：]|状态\\s*[:：]|[:：]|进入|进到|推进到|推进至|推到|推进|走到|转到|转入|转为|移到|改到|改为|改成|变成|变为|更新为|更新到|升到|到了|进了|到|进)';
const MOVE_VERB_EN = '(?:(?:moved|moves|move|went|goes|go|is|are|now|advanced|progressed|set|updated)?\\s*(?:to|into|in|at|as|->|→|=>)|(?:stage\\s*)?:)';

const WON_STRONG = '赢单了?|赢了|拿下(?:来)?了|中标了?|签约成功|成交了|签下来了|签下了';
const WON_WEAK = '签了|签约了|搞定了|成了';
const LOST_STRONG = '输单了?|输了|丢单了?|没(?:能)?拿下|没签(?:成|下来)|没谈成|飞单了?|被\\S{1,10}?(?:抢走|抢了|截胡|拿走)了?';
const LOST_WEAK = '丢了|黄了|挂了|凉了|没戏了|没成|吹了';

function refOf(raw: string): string | null {
  let r = raw.replace(REF_LEAD, '').trim();
  r = r.replace(/\s+(?:deal\s+)?(?:is|was|got|has\s+been|have\s+been|now)$/i, '').replace(/\s+closed[- ]?$/i, '');
  r = r.replace(/(?:的)?(?:阶段|状态|进度)$/, '').trim();
  r = r.replace(REF_TAIL, '').replace(/^(?:the|our|my)\s+/i, '').replace(/\s+deal$/i, '').trim();
  // "远航科技的ERP项目": the deal is found by its customer + name as an abbreviation, 的 is no part of either.
  if (/.(?:那个|这个)./.test(r) && r.replace(/那个|这个/g, '').length >= 2) r = r.replace(/那个|这个/g, '');
  if (/[\u4e00-\u9fa5]的[\u4e00-\u9fa5A-Za-z0-9]/.test(r) && r.replace(/的/g, '').length >= 2) r = r.replace(/的/g, '');
  if (r.length < 2 || r.length > 40 || NOT_REF.test(r) || /^(?:we|i|they|us|you|it|我|我们|他们|你们|客户|对方|备注|说明|注意|问题|主题|标题|内容|计划|总结|纪要|结论|进展|note|notes|todo|summary|update|status)$/i.test(r)) return null;
  return r;
}

function lossOf(rest: string, whole: string): { lossReason: string | null; lossNote: string | null } {
  const note = rest.replace(/^[\s,，。.!！~～;；:：、了]+/, '').replace(/^(?:原因(?:是|：|:)?|因为|由于|because(?:\s+of)?|due\s+to|reason:?)\s*/i, '').replace(/[\s。.!！]+$/, '').trim();
  return { lossReason: lossReasonOf(whole), lossNote: note ? note.slice(0, 500) : null };
}

function stageAlternation(stages: StageWords[]): { re: string; byWord: Map<string, StageWords> } | null {
  const byWord = new Map<string, StageWords>();
  for (const s of stages) {
    const words = [s.name, s.nameEn, s.key, s.key.replace(/_/g, ' ')];
    // The usual English for the closing stages, whatever the pipeline calls them.
    if (s.category === 'won' || s.category === 'lost') words.push(`closed ${s.category}`, `closed-${s.category}`, `closed_${s.category}`);
    for (const w of words) if (w && w.trim().length >= 2 && !byWord.has(w.trim().toLowerCase())) byWord.set(w.trim().toLowerCase(), s);
  }
  if (!byWord.size) return null;
  const words = [...byWord.keys()].sort((a, b) => b.length - a.length).map(esc);
  return { re: `(${words.join('|')})`, byWord };
}

/** The stage after the deal's current one (resolved by the caller, who knows the deal). */
export const NEXT_STAGE = '__next__';
const NEXT_ZH = /^(.+?)\s*(?:可以|已经|已)?\s*(?:(?:进入|推进到|推到|进到|到|进|转到|往前推到?)\s*(?:了)?\s*下一(?:个)?阶段|往前推(?:一步|一下)?|推进一步|推进一下|再推一步)\s*(?:了)?\s*[。.!！]*$/;
const NEXT_EN = /^(?:(?:move|advance|push)\s+(.+?)\s+(?:on\s+)?to\s+(?:the\s+)?next\s+stage|(.+?)\s+(?:moves?|moved|advanced|goes|went)\s+(?:on\s+)?to\s+(?:the\s+)?next\s+stage)\s*[.!]*$/i;

function parseMove(t: string, stages: StageWords[]): OpportunityIntent | null {
  if (QUESTION.test(t)) return null;
  const nx = NEXT_ZH.exec(t) ?? NEXT_EN.exec(t);
  if (nx) {
    const ref = refOf(nx[1] ?? nx[2]);
    if (ref) return { kind: 'move', ref, stage: NEXT_STAGE, lossReason: null, lossNote: null };
  }
  const closing = (cat: 'won' | 'lost') => stages.find((s) => s.category === cat)?.key ?? cat;
  const alt = stageAlternation(stages);
  if (alt) {
    const stageOf = (w: string) => alt.byWord.get(w.trim().toLowerCase())!;
    const finish = (refRaw: string, word: string, rest: string): OpportunityIntent | null => {
      const ref = refOf(refRaw);
      if (!ref) return null;
      const st = stageOf(word);
      const loss = st.category === 'lost' ? lossOf(rest, t) : { lossReason: null, lossNote: null };
      return { kind: 'move', ref, stage: st.key, ...loss };
    };
    // 远航ERP 进入谈判 / ERP升级 推进到方案报价阶段了 / 远航那单到谈判了
    let m = new RegExp(`^(.+?)\\s*${STATE}\\s*${MOVE_VERB_ZH}\\s*了?\\s*${alt.re}\\s*(?:阶段|环节|状态)?\\s*(?:了)?(.*)$`, 'i').exec(t);
    if (m && (END.test(m[3]) || stageOf(m[2]).category === 'lost' || /^[\s,，。.;；:：]/.test(m[3]))) {
      const r = finish(m[1], m[2], m[3]);
      if (r) return r;
    }
    // move Acme ERP to negotiation / mark Acme ERP as won / set … to …
    m = new RegExp(`^(?:move|set|mark|put|update|advance|push)\\s+(.+?)\\s+(?:to|into|as)\\s+(?:the\\s+)?${alt.re}(?![A-Za-z])(?:\\s+stage)?(.*)$`, 'i').exec(t);
    if (m) {
      const r = finish(m[1], m[2], m[3]);
      if (r) return r;
    }
    // Acme ERP moved to negotiation / Acme ERP -> negotiation / 远航ERP → 谈判
    m = new RegExp(`^(.+?)\\s*${MOVE_VERB_EN}\\s*(?:the\\s+)?${alt.re}(?:\\s+stage)?(?![A-Za-z])(.*)$`, 'i').exec(t);
    if (m && (END.test(m[3]) || stageOf(m[2]).category === 'lost' || /^[\s,，。.;；:：]/.test(m[3]))) {
      const r = finish(m[1], m[2], m[3]);
      if (r) return r;
    }
    // ERP升级赢单了 / 远航科技那单输单，价格原因 (a closing stage needs no verb); 远航ERP 谈判阶段 / 谈判中
    m = new RegExp(`^(.+?)\\s*${STATE}\\s*${alt.re}\\s*(阶段|中|了)?(.*)$`, 'i').exec(t);
    if (m) {
      const st = stageOf(m[2]);
      const closingStage = st.category === 'won' || st.category === 'lost';
      if ((closingStage && (END.test(m[4]) || st.category === 'lost' || /^[\s,，。;；]/.test(m[4]))) || (!closingStage && (m[3] === '阶段' || m[3] === '中' || (m[3] === '了' && st.name.length >= 4)) && END.test(m[4]))) {
        const r = finish(m[1], m[2], m[4]);
        if (r) return r;
      }
    }
  }
  // The usual ways of saying won / lost (→ the pipeline's won / lost stage).
  const say = (words: string) => new RegExp(`^(.+?)\\s*${STATE}\\s*(${words})(.*)$`, 'i');
  for (const [cat, strong, weak] of [['won', WON_STRONG, WON_WEAK], ['lost', LOST_STRONG, LOST_WEAK]] as const) {
    for (const [words, needsMarker] of [[strong, false], [weak, true]] as const) {
      const m = say(words).exec(t);
      if (!m) continue;
      const before = m[1].trim();
      if (needsMarker && !DEAL_MARKER.test(before.replace(/[的了]$/, ''))) continue;
      if (cat === 'won' && !END.test(m[3])) continue; // "签了保密协议" is not a won deal
      const ref = refOf(before);
      if (!ref) continue;
      const loss = cat === 'lost' ? lossOf(m[3], `${m[2]}${m[3]}`) : { lossReason: null, lossNote: null };
      return { kind: 'move', ref, stage: closing(cat), ...loss };
    }
  }
  // English: we won Acme ERP / closed Acme ERP / we lost Acme ERP to a competitor / Acme ERP deal is lost, price
  let m = /^(?:we\s+)?(won|lost)\s+(?:the\s+)?(.+?)(?:\s+deal)?(?:\s+(?:to|because|due|on|over)\b(.*)|(?:[,;.]|\s[-–—]+)\s*(.*))?$/i.exec(t);
  if (m) {
    const ref = refOf(m[2]);
    const cat = /lost/i.test(m[1]) ? 'lost' : 'won';
    if (ref && !/^(?:deal|it|that|this|one)$/i.test(ref)) {
      const rest = m[3] ?? m[4] ?? '';
      return { kind: 'move', ref, stage: closing(cat), ...(cat === 'lost' ? lossOf(rest, t) : { lossReason: null, lossNote: null }) };
    }
  }
  m = /^(.+?)\s+(?:deal\s+)?(?:is\s+|was\s+|got\s+|has\s+been\s+)?(closed[- ]won|won|signed|closed[- ]lost|lost|dead)\b[\s,;.:-]*(.*)$/i.exec(t);
  if (m) {
    const ref = refOf(m[1]);
    const cat = /lost|dead/i.test(m[2]) ? 'lost' : 'won';
    if (ref && (cat === 'lost' || END.test(m[3]))) return { kind: 'move', ref, stage: closing(cat), ...(cat === 'lost' ? lossOf(m[3], t) : { lossReason: null, lossNote: null }) };
  }
  return null;
}

// ------------------------------------------------------------------ create

const CREATE_PREFIX = /^(?:新的?商机|新机会|新的销售机会|新建商机|新增商机|创建商机|建商机|录商机|录入商机|加商机|添加商机|登记商机|开商机|商机)\s*[:：,，\-—]?\s*/;
const CREATE_ANYWHERE = /(?:新建|新增|创建|建|录入?|添加|加|开|登记|记|报)\s*(?:一?个|一条|条|一下)?\s*(?:新的?)?\s*商机|新的?商机|新的?销售机会/;
const HAS_NEW_EN = /^(.+?)\s+(?:has|have|got)\s+(?:a\s+)?(?:new\s+)?(?:deal|opportunity|opp)\b\s*[:,\-–—]?\s*/i;
const HAS_NEW = /有(?:一?个|个)?\s*(?:(?:新的?)?\s*(?:商机|销售机会)|新的?\s*机会)/;
const CREATE_EN = /^(?:(?:new|create|add|log|open)\s+(?:an?\s+)?(?:new\s+)?(?:deal|opportunity|opp)|(?:deal|opportunity|opp))\b\s*[:,\-–—]?\s*/i;
const HEARSAY = /可能|也许|或许|听说|据说|好像|说不定|如果|要是|说|提到|表示|聊到|maybe|might|perhaps|said|mentioned/i;

const FILLER = /^(?:预计|预算|预期|估计|大概|大约|约|左右|上下|出头|金额|报价|合同额|总价|签|签约|签单|能签|成交|前|之前|以前|以内|内|吧|的样子|可以|应该|会|在|要|下单|落地|关单|元|块|万|截止|截至|时间|日期|关闭|结单|关闭日期|预计签约|预计成交|close|closing|closes|worth|budget|expected|expect|around|about|approx\.?|est\.?|estimated|amount|value|in|due|by|for|of|at|on|the|a|an|and|to|with|is|sign|signing|~)$/i;
const TOKEN_SPLIT = /[,，、;；:：。!！\n|/]+|\s[-–—]+\s/;

function stripFiller(token: string): string {
  let s = token.trim();
  for (let changed = true; changed && s;) {
    changed = false;
    const words = s.split(/\s+/);
    if (words.length > 1 && (FILLER.test(words[0]) || FILLER.test(words[words.length - 1]))) {
      s = (FILLER.test(words[0]) ? words.slice(1) : words.slice(0, -1)).join(' ');
      changed = true;
      continue;
    }
    const next = s
      .replace(/^(?:预计|预算|预期|估计|大概|大约|约|金额|报价|合同额|总价|能|能在|争取|计划|希望|目标|在)\s*/, '')
      .replace(/\s*(?:左右|上下|出头|以内|之前|以前|前|签约?|签单|成交|能签|关单|落地|下单|吧|的样子|可以|应该|元|块)$/, '')
      .trim();
    if (next !== s) {
      s = next;
      changed = true;
    }
  }
  return FILLER.test(s) ? '' : s;
}

function mask(text: string, spans: Array<[number, number]>): string {
  let out = text;
  for (const [a, b] of spans) out = out.slice(0, a) + ' '.repeat(Math.max(0, b - a)) + out.slice(b);
  return out;
}

/** A word that ends like an organisation (远航科技, 港联物流, 某某有限公司), the customer dictionary's own rule. */
const ORG_END = /(?:股份有限公司|有限责任公司|有限公司|集团|公司|科技|技术|网络|信息|软件|电子|贸易|实业|银行|医院|学校|大学|学院|制造|商贸|物流|传媒|文化|教育|咨询|制药|药业|电器|机械|建设|建筑|设计|酒店|餐饮|超市|研究院|研究所|事务所|工作室|控股|能源|汽车|地产|置业|证券|保险|食品|服饰|医疗|生物|材料|智能|数据|电商|律所|工厂)$/;
const byOrgName = (w: string) => ORG_END.test(w) && w.length >= 3;

const CUSTOMER_TAIL = /^(?:给|为|帮|替|和|跟)\s*/;

const LABELS: Array<[RegExp, 'customer' | 'name' | 'amount' | 'date' | 'stage']> = [
  [/^(?:客户名称|客户|公司|customer|client|account)$/i, 'customer'],
  [/^(?:商机名称|项目名称|名称|项目|商机|name|project|deal)$/i, 'name'],
  [/^(?:预计金额|合同金额|金额|预算|报价|amount|value|budget|size)$/i, 'amount'],
  [/^(?:预计成交(?:日期|时间)?|成交(?:日期|时间)|预计签约(?:日期|时间)?|签约(?:日期|时间)|关闭日期|截止(?:日期|时间)?|close(?:\s+date)?|expected\s+close|due)$/i, 'date'],
  [/^(?:阶段|stage)$/i, 'stage'],
];
const LABEL_RE = /(客户名称|客户|公司|商机名称|项目名称|名称|项目|预计金额|合同金额|金额|预算|报价|预计成交(?:日期|时间)?|成交(?:日期|时间)|预计签约(?:日期|时间)?|签约(?:日期|时间)|关闭日期|截止(?:日期|时间)?|阶段|customer|client|account|name|project|amount|value|budget|expected\s+close|close\s+date|close|stage)\s*[:：=]\s*/gi;

/** "客户：远航科技 项目：ERP升级 金额：50万 预计成交：12月底" — a template with labels (two or more). */
function labeledFields(body: string, now: DateTime, stages: StageWords[]): Omit<Extract<OpportunityIntent, { kind: 'create' }>, 'kind'> | null {
  const hits = [...body.matchAll(LABEL_RE)];
  if (hits.length < 2) return null;
  const out = { customer: null as string | null, name: null as string | null, amountCents: null as number | null, expectedCloseDate: null as string | null, stage: null as string | null };
  hits.forEach((h, i) => {
    const value = body.slice(h.index! + h[0].length, i + 1 < hits.length ? hits[i + 1].index : body.length).replace(/^[\s,，;；、|/]+|[\s,，;；、。|/]+$/g, '').trim();
    const kind = LABELS.find(([re]) => re.test(h[1].trim()))?.[1];
    if (!value || !kind) return;
    if (kind === 'customer') out.customer = value.slice(0, 100);
    else if (kind === 'name') out.name = value.slice(0, 120);
    else if (kind === 'amount') out.amountCents = findAmount(`金额 ${value}`)?.cents ?? out.amountCents;
    else if (kind === 'date') out.expectedCloseDate = findCloseDate(value, now)?.day ?? (/^\d{4}-\d{2}-\d{2}$/.test(value) ? value : out.expectedCloseDate);
    else if (kind === 'stage') out.stage = stageAlternation(stages)?.byWord.get(value.toLowerCase())?.key ?? null;
  });
  return out.customer || out.name ? out : null;
}

function parseCreate(t: string, now: DateTime, stages: StageWords[]): OpportunityIntent | null {
  let customer: string | null = null;
  let body: string;
  let m: RegExpExecArray | null;
  if ((m = CREATE_PREFIX.exec(t)) && !/^商机(?:列表|看板|情况|汇总|预测)/.test(t) && !(/^商机$/.test(m[0].trim()) && !/^商机[\s:：,，\-—]/.test(t))) {
    body = t.slice(m[0].length);
  } else if ((m = HAS_NEW.exec(t)) && !HEARSAY.test(t)) {
    const before = t.slice(0, m.index).replace(/(?:这边|那边|那里)$/, '').trim();
    customer = before.replace(/^(?:客户)\s*/, '').trim() || null;
    if (customer && (customer.length > 30 || NOT_REF.test(customer))) customer = extractCustomer(before, null)?.name ?? null;
    // "我这有个新商机：…" names no customer before the words: it comes after them.
    if (customer && /^(?:我|我们|我这|我这边|我们这边|这边|这里|今天|刚刚|刚才|最近|又|还|也)+$/.test(customer)) customer = null;
    body = t.slice(m.index + m[0].length);
  } else if ((m = CREATE_ANYWHERE.exec(t))) {
    const before = t.slice(0, m.index).replace(/^(?:帮我|麻烦|请|我要|我想|需要|要)\s*/, '').trim();
    body = t.slice(m.index + m[0].length);
    if (before && HEARSAY.test(before)) return null;
    // A bare 新商机 (no create verb) creates only as a heading: nothing but a customer before it, not "新商机的事…".
    if (!/^(?:新建|新增|创建|建|录|添加|加|开|登记|记|报)/.test(m[0]) && (/^\s*的/.test(body) || (before && (before.length > 30 || NOT_REF.test(before) || /了/.test(before))))) return null;
    if (before && !stripFiller(body.replace(/[\s,，。.!！:：;；、]+/g, ' ').trim())) {
      // "远航科技要上ERP，预算50万，建个商机": everything was said before the create word.
      body = before;
    } else if (before) {
      const c = before.replace(CUSTOMER_TAIL, '').replace(/(?:这边|那边|客户)?(?:的|那里|那边)?\s*$/, '').trim();
      if (!c) return null;
      // "今天拜访了远航科技，回来建个商机…": the customer is the organisation named before, not the whole clause.
      customer = c.length <= 20 && !NOT_REF.test(c) ? c : extractCustomer(before, null)?.name.replace(/^.*(?:拜访了?|见了|去了?|跟|和|与|给|从)/, '') || null;
    }
  } else if ((m = CREATE_EN.exec(t)) && (/^(?:new|create|add|log|open)\b|[:\-–—]\s*$/i.test(m[0]) || findAmount(t.slice(m[0].length)))) {
    // A bare "deal …" / "opportunity …" is a new deal only as a heading (a colon) or with an amount.
    body = t.slice(m[0].length);
  } else if ((m = HAS_NEW_EN.exec(t)) && !HEARSAY.test(t)) {
    customer = m[1].replace(/^(?:so\s+|looks\s+like\s+)/i, '').trim();
    body = t.slice(m[0].length);
  } else {
    return null;
  }
  const labeled = labeledFields(body, now, stages);
  if (labeled) return { kind: 'create', customer: labeled.customer ?? customer, name: labeled.name, amountCents: labeled.amountCents, expectedCloseDate: labeled.expectedCloseDate, stage: labeled.stage };
  if (QUESTION.test(t) && !findAmount(body)) return null;
  body = body.replace(/^[\s:：,，\-—]+/, '');

  const amount = findAmount(body);
  let rest = amount ? mask(body, [[amount.start, amount.end]]) : body;
  const close = findCloseDate(rest, now);
  if (close) rest = mask(rest, close.spans);

  // A stage said at creation: "… 谈判中" / "… 阶段：方案报价".
  let stage: string | null = null;
  const alt = stageAlternation(stages.filter((s) => s.category !== 'won' && s.category !== 'lost'));
  if (alt) {
    const sm = new RegExp(`(?:阶段\\s*[:：]?\\s*|stage\\s*[:：]?\\s*)?${alt.re}\\s*(?:阶段|中|stage)?`, 'i').exec(rest);
    if (sm && (/阶段|中|stage/i.test(sm[0]) || new RegExp(`(?:^|[\\s,，])${esc(sm[1])}(?:$|[\\s,，])`, 'i').test(rest))) {
      stage = alt.byWord.get(sm[1].toLowerCase())!.key;
      rest = mask(rest, [[sm.index, sm.index + sm[0].length]]);
    }
  }

  const isEn = !/[\u4e00-\u9fa5]/.test(rest);
  let name: string | null = null;
  const tokens = rest.split(TOKEN_SPLIT).map(stripFiller).filter(Boolean);
  // "客户是远航科技" / "customer: Acme" names the customer wherever it stands.
  const said = tokens.findIndex((x) => /^(?:客户(?:是|为|名称?是?)|customer\s*(?:is)?)\s*\S/i.test(x));
  if (said >= 0 && !customer) {
    customer = tokens[said].replace(/^(?:客户(?:是|为|名称?是?)|customer\s*(?:is)?)\s*/i, '');
    tokens.splice(said, 1);
  }
  if (!customer) {
    const first = tokens[0] ?? '';
    const enWith = isEn ? /^(?:with|for|at|from)\s+(.+?)(?:\s+(?:for|-|–|—)\s+(.+))?$/i.exec(first) : null;
    // "远航科技的ERP升级" (one word): the customer's deal; with spaces the first word is the customer.
    const zhOf = !isEn && !/\s/.test(first) ? /^(.{2,30}?)(?:的|那边的|这边的|家的)(.+)$/.exec(first) : null;
    if (enWith) {
      customer = enWith[1].trim();
      if (enWith[2]) tokens.splice(0, 1, enWith[2]);
      else tokens.shift();
    } else if (zhOf) {
      customer = zhOf[1].trim();
      tokens.splice(0, 1, zhOf[2].trim());
    } else if (first) {
      const words = first.split(/\s+/);
      if (words.length > 1) {
        // "远航科技 ERP升级" / "Acme Corp ERP upgrade": a legal suffix ends the name; else the first word is the customer.
        const org = isEn ? /^(.+?\b(?:Ltd|Limited|Inc|Corp|Corporation|Co|LLC|GmbH|Group|Holdings|Technologies|Tech|Systems|Logistics)\.?)\s+(.+)$/i.exec(first) : null;
        const zhOrg = !isEn ? extractCustomer(first, 0) : null;
        // "ERP升级 远航科技 50万": the word that is an organisation's name is the customer, wherever it stands.
        const isOrg = (w: string) => !/[A-Za-z]/.test(w) && extractCustomer(w, 0)?.name === w && /[\u4e00-\u9fa5]{2,}/.test(w) && byOrgName(w);
        const orgAt = !isEn && !isOrg(words[0]) ? words.findIndex((w, i) => i > 0 && isOrg(w)) : -1;
        if (org) {
          customer = org[1];
          tokens.splice(0, 1, org[2]);
        } else if (orgAt > 0) {
          customer = words[orgAt];
          tokens.splice(0, 1, words.filter((_, i) => i !== orgAt).join(' '));
        } else if (zhOrg && zhOrg.start === 0 && zhOrg.end > words[0].length) {
          // "远航 科技有限公司 ERP" — a legal name typed with a space in it
          customer = zhOrg.name;
          tokens.splice(0, 1, first.slice(zhOrg.end).trim());
        } else {
          customer = words[0];
          tokens.splice(0, 1, words.slice(1).join(' '));
        }
      } else {
        const zhOrg = !isEn ? extractCustomer(first, 0) : null;
        // A whole legal name ("远航科技5有限公司") is the customer; "远航科技ERP升级" is a customer and its deal.
        const legal = /(?:有限责任公司|股份有限公司|有限公司|公司|集团|研究院|研究所|医院|大学|学院|银行|事务所|工作室)(?:[（(][^）)]{1,8}[）)])?$/.test(first);
        if (!legal && zhOrg && zhOrg.start === 0 && zhOrg.end < first.length && first.length - zhOrg.end >= 2) {
          // "远航科技ERP升级" typed without a space; "远航科技要上ERP" → the deal is the ERP
          customer = zhOrg.name;
          tokens.splice(0, 1, first.slice(zhOrg.end).replace(/^(?:要上|想上|准备上|打算上|计划上|要做|想做|准备做|需要|想要|要|想|的)/, ''));
        } else {
          customer = first;
          tokens.shift();
        }
      }
    }
  }
  const named = tokens.map(stripFiller).filter(Boolean);
  if (named.length) name = named.join(' ').replace(/\s+/g, ' ').slice(0, 120);
  if (customer) customer = customer.replace(/^(?:客户)\s*/, '').replace(/[的]$/, '').trim().slice(0, 100) || null;
  if (!customer && !name && !amount) return null;
  return { kind: 'create', customer, name, amountCents: amount?.cents ?? null, expectedCloseDate: close?.day ?? null, stage };
}

/** What a chat message asks of the pipeline, or null when it is about something else (see the module comment). */
export function parseOpportunity(text: string, opts: OpportunityParseOptions): OpportunityIntent | null {
  const t = normalize(text);
  if (!t || t.length > 300) return null;
  const now = DateTime.fromJSDate(opts.now, { zone: opts.timezone ?? 'Asia/Shanghai' });
  const stages = opts.stages ?? [];
  return parseList(t) ?? parseForecast(t, now) ?? parseCreate(t, now, stages) ?? parseMove(t, stages);
}
