import type { IntentName } from './types';

/**
 * Stage 7: which intent a message expresses, scored from the WHOLE message (a weighted-feature scorer).
 * Each signal below adds its weight to one or more intents; the scores become probabilities (softmax), so the
 * parse reports a confidence and the close second readings. A leading command word (跟进 / 新线索 / 提醒我 / 查 /
 * 领取 / log / lead / remind me / find / claim) is one strong signal among others, not the whole decision.
 * The weights are hand-set and checked against the public phrase sets (tests/phrases, see CONVENTIONS.md there);
 * no example phrase is listed here, only kinds of words.
 */
interface Prefix {
  intent: IntentName;
  re: RegExp;
}

export const PREFIXES: Prefix[] = [
  { intent: 'help', re: /^(?:帮助|help|\?|？|怎么用|使用说明|菜单|menu|你能做什么|what\s+can\s+you\s+do)(?=[\s?？!！。.]*$)/i },
  { intent: 'claim', re: /^(?:我要领取|领取客户|领取|认领|claim)(?:\s*客户)?\s*[:：]?\s*/i },
  { intent: 'find_customer', re: /^(?:查一下|查一查|查查|查下|看下|看一下|找下|查询|查找|查看|搜索|搜一下|搜|查|找一下|调出|find|search(?:\s+for)?|look\s*up|lookup|pull\s+up|show(?:\s+me)?)(?:\s*客户)?\s*[:：]?\s*/i },
  { intent: 'create_lead', re: /^(?:新线索|新增线索|添加线索|录入线索|线索|新客户|new\s+lead|add\s+(?:a\s+)?lead|lead)\s*[:：]?\s*/i },
  { intent: 'create_task', re: /^(?:提醒我|提醒一下|提醒|待办|新任务|任务|计划|安排|remind\s+me(?:\s+to)?|todo|to-do|task|schedule|plan(?:\s+to)?)\s*[:：]?\s*/i },
  { intent: 'log_followup', re: /^(?:跟进记录|跟进|记录一下|记录|记一下|回访|log(?:ged)?|follow[- ]?up(?:\s+with)?|followed\s+up\s+with|note)\s*[:：]?\s*/i },
];

/** "远航科技的电话是多少" / "what's the phone of Acme" style look-ups. */
export const FIND_SUFFIX = /^(.+?)(?:的(?:电话|联系方式|联系人|地址|情况|信息|资料|负责人)(?:是多少|是什么|是谁|在哪|多少)?|(?:电话|联系方式|联系人|地址|负责人)(?:是多少|是什么|是谁|在哪|多少))\s*[?？]?$/;

export function matchPrefix(text: string): { intent: IntentName; rest: number } | null {
  for (const p of PREFIXES) {
    const m = p.re.exec(text);
    if (m) return { intent: p.intent, rest: m[0].length };
  }
  return null;
}

// --- signals -------------------------------------------------------------------------------------------------
/** A contact that took place (or was attempted): the strongest follow-up signal. */
const CONTACT_DONE = /回复说|回复称|答复说|回话说|\b(?:call|visit|meeting|demo)\s*[:：—–]|(?:开|见|聊|谈|打|演示|视频|会议|会|拜访|讲|培训|签)完|通了.{0,6}电话|发来|打来|来了(?:我们)?公司|来(?:我们)?公司了|来我司了|视频了|开了.{0,6}会|结束了|刚结束|刚[^，,。]{0,8}(?:电话|拜访|见|聊|谈|开|来|打|从|微信|邮件)|已回复|已上门|已拜访|已发|已联系|已沟通|问了|问我|留言了|留了言|回了邮件|回了微信|联系了|联系过|联系上了|微信联系|电话联系|来电|打来|打过来|回电了|打过去|打了(?:个)?电话|打过电话|通了(?:个)?电话|通过电话|电话(?:聊|谈|沟通|联系|确认|问)了|没打通|打不通|没人接|不接电话|聊了|谈了|沟通了|沟通过|交流了|见了|见过|碰了|碰过|面谈了|去了|去过|拜访了|拜访过|上门了|跑了一趟|过去了一趟|从.{1,12}出来|开了(?:个)?会|开完会|会开完|演示完|演示了|讲完|汇报了|发了|发过|寄了|回复了|回了|说了|答复了|反馈了|反馈说|表示|确认了|同意了|签了|收到了|加了(?:微信|好友)|微信上说|微信里说|微信聊|邮件回复|吃了饭|吃过饭|喝了茶|聊得(?:很|挺|不错|还行|比较)|(?:电话|微信|邮件)(?:里|上)?约了|发.{0,4}过来|吃了[个顿]?[便晚午早]?饭|吃了[个顿]?(?:火锅|烧烤|烤鱼|烤肉|海鲜|夜宵|早茶|午餐|晚餐|大餐|串)|过了一遍|\bwasn'?t\s+(?:in|there|available)\b|\bleft\s+a\s+note\b|顺利完成|已经完成|做完了|搞定了|喝了[个点杯顿]?(?:茶|酒|咖啡)|打了[一场个]?球|对了一?下|核了一?下|过了一?下|打了(?:[一两三四五几好]|\d)+[次遍]|\b(?:call|visit|meeting|demo|zoom)\s+(?:done|went\s+well|is\s+done|finished)\b|\b(?:got\s+off\s+the\s+phone|didn'?t\s+pick\s+up|picked\s+up|no\s+answer|went\s+well|went\s+through|catch-?up\s+call|just\s+(?:got|had|left|finished))\b|\b(?:called|phoned|rang|visited|met|spoke|talked|emailed|mailed|replied|texted|messaged|wechatted|chatted|demoed|presented|dropped\s+by|stopped\s+by|caught\s+up|had\s+(?:a|an|lunch|dinner|coffee)|went|got\s+(?:a|an|back)|heard\s+back|sent|discussed|followed\s+up|reached|pinged|left\s+a\s+(?:voicemail|message)|said|told|agreed|confirmed|signed|asked)\b/i;
const PAST = /了|过|已经|刚才|刚刚/;
const ACTION = /\b(?:meeting|zoom|kickoff|lunch|dinner|drop\s+by|stop\s+by|catch\s+up|call)\b|视频|喝咖啡|约饭|饭局|汇报|培训|参观|盘点|出方案|出报价|报个?价|做|开.{0,4}会|拜访|打电话|电话|联系|开会|见面|约|去|发|送|寄|回访|跟进|签约|签合同|演示|微信|邮件|报价|吃饭|喝茶|催|对接|确认|\b(?:call|visit|meet|send|email|wechat|follow\s+up|demo|go|see|check\s+in\s+with|ping|text|message|chase|confirm|invite|take|bring|prepare|present|sign)\b/i;
const SPEECH = /聊|谈|沟通|说|反馈|表示|同意|\b(?:spoke|talked|said|agreed|called|visited|met|emailed|phoned|wechatted)\b/i;
/** The rep's own future: 提醒我 / 别忘了 / 记得 / 要 / 得 / 安排 … */
const TODO = /提醒|别忘了|不要忘了|记得|待办|记个任务|记一个任务|加个任务|建个任务|安排一下|\b(?:remind\s+me|don'?t\s+forget|todo|to-do|need\s+to|have\s+to|must|gotta|should)\b/i;
const FUTURE_WILL = /要|得|准备|打算|计划|约好|约了|再|\b(?:will|going\s+to|gonna|plan\s+to|'ll)\b/i;
const TREAT = /请.{0,12}(?:吃饭|喝茶|喝咖啡|吃个饭)|\b(?:lunch|dinner|coffee)\s+with\b/i;
const LEAD_SOURCE = /\b(?:fair|conference|exhibition|webinar|seminar)\b|填了表|填表|推了个|推荐了|推荐的|介绍了|认识了|加了个|留了资料|留了电话|留了个电话|扫码|注册了|试用申请|线索|新客户|潜在客户|展会|展台|会上加|会上认识|朋友介绍|介绍的|转介绍|官网留资|官网留言|留资|留言|名片|400进线|400电话|进线|咨询我们|来咨询|主动找|新认识|刚认识|认识的|推荐的|\b(?:lead|leads|prospect|referral|referred|expo|trade\s*show|booth|inbound|business\s+card|website\s+form|new\s+contact|introduced)\b/i;
const PROSPECT = /想了解|想咨询|想试用|想看看(?:我们|你们)|有意向|感兴趣|加了?我(?:的)?微信|\b(?:interested\s+in|wants?\s+to\s+learn)\b/i;
const QUESTION_MARK = /[?？]\s*$|[?？]/;
const QUESTION_WORDS = /吗|呢|谁|哪|多少|什么|几时|有没有|在不在|是不是|归谁|怎么样|咋样|如何|进展|情况|啥|几个|几次|最近.{0,4}(?:联系|跟进|动态)|\b(?:who|who's|whose|what|what's|which|when|where|how|any|anything|is\s+there|are\s+there|do\s+we|does|did\s+we|have\s+we|has)\b/i;
const LOOKUP = /(?:信息|资料|电话|联系方式|地址|号码|名片|360)[^，,。]{0,2}(?:发|给)我|查一下|查下|看下|查查|查询|查找|查看|搜一下|搜索|看看|看一下|调出|调一下|找一下|找找|翻一下|\b(?:find|search|look\s*up|lookup|pull\s+up|show\s+me|bring\s+up|open)\b/i;
const CLAIM = /\bi\s+want\s+(?:it|them|this\s+one|that\s+one)\b|我想要|我要了|想领|(?<=[?？吗]\s*)我要|\bclaiming\b|^领\s|我领|来领|能领|领(?=[吗呀吧了]?\s*(?:[,，。!！?？]|$))|认领|领取|领回|领一下|领下|领走|要领|领过来|领给我|领到我|领了|我要了|我来跟|我接了|接过来|我接手|拿过来|捞出来|捞回来|捞一下|划给我|转给我|分给我|\b(?:claim|grab|take\s+(?:over|it)|assign\s+(?:it\s+)?to\s+me|i'?ll\s+take|i\s+will\s+take)\b/i;
const NOT_CLAIM = /领导|领用|带领|领先|领域|本领|引领|领带/g;
const HELP = /what\s+can\s+(?:this|the|it|you)(?:\s+(?:bot|thing|app))?\s+do|(?:这个)?机器人能|你能帮我|能帮我[^，,。]{0,8}吗|how\s+does\s+(?:this|the|it)\b[^?]*\bwork|(?:如何|怎么|怎样)把|能(?:不能)?(?:查|看|建|加|录|记|提醒|领|导入|导出)[^，,。]{0,6}吗|^怎么(?!样|办|回事|说|搞的)|帮我干|干点啥|能干|会干啥|会做啥|怎么(?:删|改|加|添|建|录|设|撤|查|导|转|认领|领|看|记|提醒|同步|绑定|切换)|如何(?:删|改|加|添|建|录|设|撤|查|导|转|认领|看|记)|怎么用|如何使用|咋用|能干嘛|能干啥|能做什么|能做啥|可以做什么|有哪些功能|有什么功能|什么功能|功能介绍|使用说明|使用帮助|帮助|菜单|教我|教程|怎么加客户|怎么添加|怎么录|怎么建|怎么创建|怎么记录|怎么新建|怎么设置|怎么操作|第一次用|新手|\bhelp\b|\bmenu\b|what\s+can\s+you\s+do|how\s+do\s+i\b|how\s+to\s+use|how\s+does\s+this\s+work|getting\s+started|\bcommands?\b/i;
const GREETING = /^(?:机器人|bot|小助手|助手)?[\s,，]*(?:你好|您好|嗨|哈喽|hello|hi|hey|hi\s+there|hello\s+there|在吗|在不在|早上好|早|晚上好|下午好|good\s+(?:morning|afternoon|evening))[\s!！,，.。~～呀啊哈]*(?:机器人|bot)?[\s!！.。~～?？\u{1F300}-\u{1FAFF}\u2600-\u27BF]*$/iu;
const ACK = /^(?:(?:谢谢|多谢|感谢|辛苦了?)(?:老板|领导|哥|姐|亲|大家|啦|了)?|收到|好的|好|嗯|ok|okay|k|行|可以|没问题|谢谢|多谢|感谢|辛苦了|辛苦|了解|明白|知道了|马上到|马上|稍等|哈哈+|[👍🙏👌✅]+|thanks|thank\s+you|thx|got\s+it|noted|sure|cool|great|roger|see\s+you(?:\s+(?:tomorrow|later|soon|then|monday))?|bye|good\s+night|ttyl)(?:[\s,，.。!！~～]*(?:收到|好的|谢谢|辛苦了|马上到|马上|稍等|一会儿?到|on\s+it|will\s+do|👍|🙏)?)*[\s!！.。~～]*$/i;
const ACK_START = /^(?:收到|好的|好嘞|ok|okay|行|嗯嗯?|谢谢|辛苦)(?:[\s,，.。!！~～]|$)/i;
/** The rep's next step again (明天再打 / 下周再跟 / 再约): a contact already happened. */
const AGAIN = /(?:再|又)(?:打|约|去|跟|联系|催|问|发|过去|拜访|上门|试|谈|聊|确认|沟通|开|来|见|回)|\b(?:again|follow\s+up|call\s+(?:them\s+)?back|circle\s+back|check\s+(?:back|in)|next\s+(?:step|visit|call|meeting))\b/i;
/** Words of contact, with or without a tense (上门拜访 / 电话沟通 / 吃了个饭 / 视频): read per clause. */
const CONTACT_WORD = /电话|打了|拜访|上门|到访|来访|微信|邮件|开会|会议|视频|见面|见了|吃饭|吃了|喝茶|喝了|碰|聊|谈|沟通|演示|zoom|call|meeting|visit|lunch|dinner|demo/i;
const STATE_DONE = /\b(?:[a-z]{3,}ed|done|went|had|got|was|were|did|didn'?t|sorted|finally|told|said|met|spoke|sent|they'?re)\b|不在|没接|没人|没空|没时间|结束|刚|已|了|过(?!去)|完/;
const QUESTION_END = /(?:[?？]|吗|呢|没|么|没有|不)\s*$/;
/** Reported speech of the customer's side (他说 / 对方说 / 王总说 / 微信说): a contact took place. */
const SAID = /(?:那边|他们|对方|客户)[^，,。]{0,6}(?:嫌|觉得|认为|不接受|接受|拒绝)|(?:他|她|对方|客户|老板|老板娘|采购|财务|技术|负责人|老总|助理|秘书|总|工|经理|主任|老师|姐|哥|那边|他们|她们|微信上?|电话里|邮件里?|they|he|she)\s*(?:说|表示|答应|回复|反馈|讲|提到|问|要求|希望)|\b(?:they|he|she)\s+(?:said|say|says|told|asked|want(?:s|ed)?|agreed|confirmed)\b|\b(?:wants|asked|asks|said|says|told|requested|needs|agreed|confirmed|replied|complained|mentioned)\b/i;
const CORRECTION = /发错群|写错了|发错了|是.{1,8}不是|改一下|更正一下|搞错了|打错了|更正|纠正|不是.{1,10}是|撤回|\b(?:typo|correction|i\s+meant|sorry,?\s+(?:i\s+)?meant)\b/i;
const COLLEAGUE = /@\S+|同事|你们|大家|各位|\b(?:guys|team|everyone)\b/i;

export interface IntentFeatures {
  /** Normalised text with phones/e-mails and times masked. */
  masked: string;
  /** Normalised text (times kept). */
  text: string;
  prefix: IntentName | null;
  /** A future moment was read (after `now`). */
  hasFuture: boolean;
  hasPastTime: boolean;
  hasReach: boolean;
  hasCustomer: boolean;
  /** The customer is a record in the dictionary (an existing customer or lead). */
  knownCustomer: boolean;
  hasPerson: boolean;
  findSuffix: boolean;
  /** The message's clauses (split at punctuation and spaces) and whether a future time was read in each. */
  clauses: Array<{ text: string; hasTime: boolean }>;
  /** The segmenter tagged a verb outside the masked parts. */
  hasVerb: boolean;
}

export interface Scored {
  intent: IntentName;
  p: number;
}

const INTENTS: IntentName[] = ['log_followup', 'create_task', 'create_lead', 'find_customer', 'claim', 'help', 'unknown'];

/** Raw scores per intent (log-odds-like); see `classify` for probabilities. */
export function scoreIntents(f: IntentFeatures): Record<string, number> {
  const s: Record<string, number> = { log_followup: 0, create_task: 0, create_lead: 0, find_customer: 0, claim: 0, help: 0, unknown: 1 };
  const m = f.masked;
  const claimText = m.replace(NOT_CLAIM, '  ');
  // 把合同签了 with a date is an order to oneself, not a report.
  const done = CONTACT_DONE.test(f.hasFuture ? m.replace(/把[^，,。]{1,12}了/g, ' ') : m);
  const past = PAST.test(m);
  const action = ACTION.test(m);
  const question = QUESTION_MARK.test(f.text) || QUESTION_WORDS.test(m);
  const todo = TODO.test(m);

  if (f.prefix) s[f.prefix] += f.prefix === 'help' ? 6 : 4;

  // follow-up: something happened
  const said = SAID.test(m) && (f.hasCustomer || f.hasPerson);
  if (done) s.log_followup += 3;
  else if (said) s.log_followup += 2.6;
  else if (past && (action || SPEECH.test(m))) s.log_followup += 2.2;
  if (done && said) s.log_followup += 0.5;
  // A clause that reports a contact without a future time, in a message that also has a dated next step.
  // (without a tense marker, only a clause before the dated one reports: reports come first, next steps after)
  const firstTimed = f.clauses.findIndex((c) => c.hasTime);
  const report = f.clauses.some((c, i) => !c.hasTime && CONTACT_WORD.test(c.text) && (STATE_DONE.test(c.text) || (f.clauses.length > 1 && (firstTimed < 0 || i < firstTimed) && !/顺便|顺路|然后|再去|去一下|一下/.test(c.text))));
  const again = f.hasFuture && AGAIN.test(m);
  if (report && f.hasFuture && (again || done || said)) s.log_followup += 1.5;
  else if (report && f.hasFuture && !f.clauses.some((c) => c.hasTime && CONTACT_WORD.test(c.text))) s.log_followup += 1.2;
  if (again) s.log_followup += 1;
  if (past && f.hasCustomer) s.log_followup += 0.6;
  if (done && f.hasCustomer) s.log_followup += 0.5;

  // task: a future action of the rep
  if (f.hasFuture && action) s.create_task += 2.6;
  else if (f.hasFuture && f.hasVerb && f.hasCustomer) s.create_task += 2;
  if (f.hasFuture && TREAT.test(m)) s.create_task += 1;
  if (todo && (f.hasFuture || f.prefix === 'create_task')) s.create_task += 2;
  else if (todo) s.create_task += 0.6;
  if (f.hasFuture && FUTURE_WILL.test(m) && !done) s.create_task += 0.4;
  if (done || said) s.create_task -= 1.5;
  if (report && f.hasFuture) s.create_task -= 1;

  // lead: a new organisation with a person / contact details / a source
  const source = LEAD_SOURCE.test(m);
  if (source) s.create_lead += 2.6;
  if (f.hasReach && f.hasCustomer) s.create_lead += 2.2;
  else if (f.hasReach) s.create_lead += 0.8;
  if (source && (f.hasReach || f.hasPerson)) s.create_lead += 1;
  if (source && f.hasCustomer && !f.knownCustomer) s.create_lead += 1.2;
  if (f.knownCustomer) s.create_lead -= 1.5;
  // A prospect who reached out (刚加了我微信…想了解一下) with a phone or e-mail: a new lead, not a follow-up.
  if (PROSPECT.test(m) && f.hasReach && !f.knownCustomer) s.create_lead += 2.5;

  // find: a question or a look-up about a customer
  if (question) s.find_customer += todo ? 0.5 : f.hasCustomer ? 2.8 : 0.5;
  if (QUESTION_MARK.test(f.text) || /吗\s*$/.test(f.text)) s.log_followup -= f.hasCustomer ? 1 : 2.5;
  if (QUESTION_MARK.test(f.text) && f.hasCustomer) s.find_customer += 0.8;
  if (LOOKUP.test(m)) s.find_customer += f.hasCustomer ? 2.5 : 0.3;
  if (f.findSuffix) s.find_customer += 3;
  if (question && done && !QUESTION_END.test(f.text)) s.find_customer -= 1.5;
  if (QUESTION_END.test(f.text) && f.hasCustomer && !todo) {
    s.find_customer += 1.5;
    s.log_followup -= 2;
    s.create_task -= 2;
  }
  if (question && f.hasFuture && action && !f.hasCustomer) s.find_customer -= 1;

  // claim: the verbs anywhere, also inside a question
  if (CLAIM.test(claimText)) s.claim += 6;

  // help: how-to and greetings to the bot
  if (HELP.test(m)) s.help += f.hasCustomer ? 2.5 : 7;
  if (GREETING.test(f.text.trim())) s.help += 5;

  // unknown: acknowledgements, corrections, messages to colleagues, nothing actionable
  if (ACK.test(f.text.trim())) s.unknown += 6;
  else if (ACK_START.test(f.text.trim()) && !f.hasCustomer) s.unknown += 2;
  if (CORRECTION.test(m)) s.unknown += 5;
  if (COLLEAGUE.test(m) && !f.hasCustomer) s.unknown += 1;
  if (!f.hasCustomer && !f.hasPerson && !f.hasReach) {
    // Nobody outside named: an internal matter (周会, 培训改时间, 去趟银行) unless the rep refers to the customer.
    const referred = /他|她|对方|客户|\b(?:him|her|them|they|client|customer)\b/i.test(m);
    s.log_followup -= referred || f.prefix ? 0.6 : 2.5;
    s.create_task -= todo || f.prefix === 'create_task' ? 0.4 : 2;
  }
  // 把合同签了 with a date: an order to oneself, not a report.
  if (f.hasFuture && /把[^，,。]{1,12}了/.test(m)) {
    s.create_task += 1.5;
    s.log_followup -= 1.5;
  }
  return s;
}

/** Probabilities per intent, best first (softmax over the scores). */
export function classify(f: IntentFeatures): Scored[] {
  const s = scoreIntents(f);
  const max = Math.max(...INTENTS.map((i) => s[i]));
  const exp = INTENTS.map((i) => ({ intent: i, e: Math.exp((s[i] - max) * 1.6) }));
  const sum = exp.reduce((n, x) => n + x.e, 0);
  return exp.map((x) => ({ intent: x.intent, p: x.e / sum })).sort((a, b) => b.p - a.p);
}
