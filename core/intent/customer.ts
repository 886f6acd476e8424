import type { CustomerDictionary, DictionaryHit, Viewer } from './dictionary';
import type { Token } from './segment';

/**
 * Stage 3: the customer (company) a message names. Never guessed from a person's name: 王总 / 李经理 are contacts.
 * The bot resolves the string against the database and asks when it is ambiguous or unknown.
 */

const ORG_SUFFIX = [
  '股份有限公司', '有限责任公司', '有限公司', '集团', '公司', '科技', '技术', '网络', '信息', '软件', '电子', '贸易', '实业',
  '银行', '医院', '学校', '大学', '学院', '制造', '商贸', '物流', '传媒', '文化', '教育', '咨询', '制药', '药业', '电器',
  '机械', '建设', '建筑', '设计', '酒店', '餐饮', '超市', '研究院', '研究所', '事务所', '工作室', '控股', '能源', '汽车',
  '地产', '置业', '证券', '保险', '食品', '服饰', '医疗', '生物', '材料', '智能', '数据', '电商', '律所',
  '精工', '精密', '冷链', '化工', '环保', '装备', '仪器', '五金', '塑料', '纺织', '家居', '包装', '印刷', '光电', '通信', '半导体',
  '重工', '钢铁', '电气', '机电', '自动化', '供应链', '航运', '新能源', '股份', '实验室', '诊所', '药房', '书店', '门店', '4S店',
  '塑业', '农业', '矿业', '纸业', '建材', '阀门', '电缆', '线缆', '印务', '物联', '物业', '环境', '照明', '陶瓷', '玻璃', '水泥', '管业',
  '卫浴', '家具', '家电', '服装', '鞋业', '针织', '日化', '酒业', '茶业', '乳业', '牧业', '水产', '农牧', '种业', '饲料', '涂料', '橡胶',
  '光伏', '储能', '电池', '锂电', '芯片', '微电子', '传感', '检测', '激光', '模具', '机床', '轴承', '泵业', '铸造', '钣金', '仓储', '快递',
  '货运', '运输', '航空', '船舶', '电力', '燃气', '水务', '宾馆', '旅游', '影视', '会展', '体育', '健身', '美容', '医美', '口腔',
  '养老', '幼儿园', '文具', '玩具', '礼品', '珠宝', '眼镜', '医药', '器械', '保健', '母婴', '宠物', '园林', '装饰', '装修', '门窗',
  '家纺', '纸品', '重机', '电机', '游艇', '船舶', '电器', '门业', '窗业', '机电', '航运', '五金', '百货', '商城', '商场', '便利店', '药店', '电商', '网络', '科创', '创投', '资本', '投资', '基金', '租赁',
  '新材', '精细化工', '生物医药', '软件园', '农场', '果业', '茶厂', '酒厂', '商行', '车行', '车业', '电缆厂', '工作室',
  '冷链物流', '国际', '工贸', '科贸', '实业', '控股', '电缆', '电梯', '空调', '冷暖', '暖通', '安防', '消防', '环保',
].sort((a, b) => b.length - a.length);
const ORG_SUFFIX_END = new RegExp(`(?:${ORG_SUFFIX.join('|')})$`);
const ORG_SUFFIX_START = new RegExp(`^(?:${ORG_SUFFIX.join('|')})`);
const ORG_SUFFIX_RE = new RegExp(`(?:${ORG_SUFFIX.join('|')})(?!师|部|组)`, 'g');

/** Words that begin a clause rather than a name; stripped from the front of a candidate. */
const LEADING = /^(?:一下|有没有|有无|一趟|趟|要给|还要|先给|我们|我|刚见完|见完|聊完|谈完|开完|完|掉进|掉到|掉|昨天|今天|下午|上午|又|还|都|请了|请|那个|这个|那家|这家|公海里的|公海里|公海的|公海|我要|我想|帮我|去了|见了|碰了|约了|认领|领取|查一下|帮我查查|帮我查|查查|查下|问一下|问问|看看|紧急|加急|尽快|马上|立刻|赶紧|务必|记得|一定要|需要|打电话给|跟进|上门|拜访|之前|以前|前|联系|回访|致电|电话|微信|提醒我|提醒|已经|刚才|刚刚|约了|约|给|和|跟|与|同|去|到|见|在|对|帮|把|向|客户|刚|已|了|再|的|是)+/;
/** Words after which a name cannot continue. */
const STOP = /打电话|打个电话|电话|拜访|上门|微信|邮件|开会|会议|见面|沟通|聊|谈|说|约|签|发|反馈|表示|需要|想要|要|报价|方案|合同|演示|吃饭|的|了|过|今天|明天|后天|下周|再|还|也|都|很|不|没|已/;
const NOT_A_NAME = /^(?:他|她|他们|她们|客户|对方|老板|我|我们|你|你们|大家|领导|him|her|them|they|i|we|you|the|this|that|it|a|an)$/i;
const TITLE_NAME = /^[\u4e00-\u9fa5](?:总经理|董事长|总监|经理|主任|主管|老板|老师|先生|女士|小姐|总|工|处长|科长|局长|院长|校长|部长)$/;

export interface Found {
  name: string;
  start: number;
  end: number;
}

const TRAILING_PERSON = /[\u4e00-\u9fa5](?:总经理|董事长|总监|经理|主任|主管|老板|老师|先生|女士|小姐|总|工)$/;
/** "华为张总" names a company and a person: keep the company. */
function dropPerson(f: Found | null): Found | null {
  if (!f) return f;
  const m = TRAILING_PERSON.exec(f.name);
  if (!m || f.name.length - m[0].length < 2) return f;
  return { name: f.name.slice(0, -m[0].length), start: f.start, end: f.end - m[0].length };
}

const usable = (s: string) => s.length >= 2 && s.length <= 40 && !NOT_A_NAME.test(s) && !TITLE_NAME.test(s);

function stripLeading(run: string, start: number): Found | null {
  const lead = LEADING.exec(run);
  const cut = lead ? lead[0].length : 0;
  const name = run.slice(cut);
  return usable(name) ? { name, start: start + cut, end: start + run.length } : null;
}

/** A company named by its legal/industry suffix anywhere in the text (远航科技, 北京远航信息技术有限公司). */
function byOrgSuffix(text: string): Found | null {
  for (const run of text.matchAll(/[\u4e00-\u9fa5A-Za-z0-9（）()]+/g)) {
    const s = run[0];
    ORG_SUFFIX_RE.lastIndex = 0;
    for (let m = ORG_SUFFIX_RE.exec(s); m; m = ORG_SUFFIX_RE.exec(s)) {
      if (m.index < 1) continue;
      let end = m.index + m[0].length;
      // 远航 + 科技 + 有限公司: keep extending while another suffix follows directly.
      for (let more = true; more;) {
        more = false;
        for (const suf of ORG_SUFFIX) {
          if (s.startsWith(suf, end)) {
            end += suf.length;
            more = true;
            break;
          }
        }
        const bracket = /^[（(](?:有限公司|北京|上海|深圳|广州|杭州|中国)[）)]/.exec(s.slice(end));
        if (bracket) {
          end += bracket[0].length;
          more = true;
        }
      }
      const found = stripLeading(s.slice(0, end), run.index!);
      // 来我们公司 / 贵司: our or their own company, no name.
      if (found && /(?:我们|你们|他们|她们|咱们|我|你|贵|本)(?:的)?(?:公司|集团|单位)$/.test(found.name)) continue;
      // A suffix alone is no name (在供应链大会上 → not 供应链): two characters of its own before it.
      if (found && found.name.length >= 3 && found.name.length - (end - m.index) >= 2) return found;
    }
  }
  return null;
}

/** A name at the very start of the text (after the command word): "远航科技 电话…", "远航电话聊了…", "Acme Corp: …". */
function leading(text: string, offset: number): Found | null {
  const lead = /^\s*/.exec(text.slice(offset))![0].length;
  const body = text.slice(offset + lead);
  const en = /^([A-Z0-9][\w&.'-]*(?:\s+(?:[A-Z0-9][\w&.'-]*|&))*)/.exec(body);
  if (en) {
    const name = en[1].replace(/[.,]+$/, '');
    if (usable(name) || /^[A-Z]{2,}/.test(name)) return { name, start: offset + lead, end: offset + lead + name.length };
  }
  const token = /^[^\s，,。:：;；、!！?？]+/.exec(body)?.[0];
  if (!token || !/^[\u4e00-\u9fa5A-Z0-9（）()]/.test(token)) return null;
  const stop = STOP.exec(token);
  const name = stop ? token.slice(0, stop.index) : token;
  if (stop && stop.index < 2) return null;
  return usable(name) && !LEADING.test(name) ? { name, start: offset + lead, end: offset + lead + name.length } : null;
}

/** 给远航打电话 / 和远航开会 / 拜访远航: the object of a contact verb. */
function byVerbObject(text: string): Found | null {
  const re = /(?:给|和|跟|与|同|拜访|联系|约|见|回访|致电|去)(?:了|过|的)?\s*([\u4e00-\u9fa5A-Za-z0-9]{2,12}?)(?=打电话|打个电话|电话|开会|见面|沟通|聊|谈|签|发|送|报价|演示|确认|吃饭|约|见|碰|联系|的|，|,|。|\s|$)/g;
  for (const m of text.matchAll(re)) {
    if (usable(m[1]) && !STOP.test(m[1])) {
      const start = m.index! + m[0].lastIndexOf(m[1]);
      return { name: m[1], start, end: start + m[1].length };
    }
  }
  return null;
}

/** English: "called Acme Corp", "meeting with Blue Ocean Ltd", "at Acme". "at/from" are preferred (the person usually comes first). */
function byEnglishVerb(text: string): Found | null {
  const tries = [/\b(?:at|from|of)\s+(?=(\S[^\n]*))/gi, /\b(?:with|called|call|calling|visit|visited|visiting|met|meet|emailed|email|send|sent|ping|pinged|wechat|demo|for|to|see|saw)\s+(?=(\S[^\n]*))/gi];
  for (const re of tries) {
    for (const m of text.matchAll(re)) {
      const words: string[] = [];
      for (const w of m[1].split(/\s+/)) {
        const clean = w.replace(/[,.;:!?]+$/, '');
        if (!/^[A-Z0-9][\w&.'-]*$/.test(clean) && clean !== '&') break;
        words.push(clean);
        if (clean !== w) break; // punctuation ends the name
      }
      const name = words.join(' ');
      if (name && usable(name) && !/^\d+$/.test(name)) {
        const start = m.index! + m[0].length;
        return { name, start, end: start + name.length };
      }
    }
  }
  return null;
}

export function extractCustomer(masked: string, afterPrefix: number | null): Found | null {
  const org = byOrgSuffix(masked.slice(afterPrefix ?? 0));
  if (org && afterPrefix !== null) {
    org.start += afterPrefix;
    org.end += afterPrefix;
  }
  if (afterPrefix !== null) {
    const lead = leading(masked, afterPrefix);
    // A suffix-named company that starts where the leading token does is the more complete reading.
    if (lead && !(org && org.start === lead.start) && cleanName(dropPerson(lead))) return dropPerson(lead);
  }
  if (org && cleanName(org)) return org;
  return dropPerson(byVerbObject(masked)) ?? byEnglishVerb(masked);
}

// --- the whole stage: dictionary first, then the patterns and the segmenter's tags -----------------------------

/** Words around a name that are not part of it (那边 / 这边 / a department). */
const TRAILING_JUNK = /(?:吗|呢|吧|啊|呀|那边|这边|那里|这里|那家|这家|公司那边|的人|技术部|采购部|财务部|销售部|市场部|研发部|工程部|行政部|人事部|办公室|总部|门口|楼下|现场|这个客户|那个客户|客户)$/;
const QUOTES = /^[「『“"'《【\[(（]+|[」』”"'》】\])）]+$/g;

/** Removes quotes, a leading clause word and a trailing 那边/department from a found name. */
export function cleanName(f: Found | null): Found | null {
  if (!f) return f;
  let { name, start, end } = f;
  for (let i = 0; i < 3; i++) {
    const before = name;
    const q = name.replace(QUOTES, '');
    if (q !== name) {
      const lead = name.indexOf(q);
      start += Math.max(0, lead);
      end = start + q.length;
      name = q;
    }
    const lead = LEADING.exec(name);
    if (lead && name.length - lead[0].length >= 2) {
      start += lead[0].length;
      name = name.slice(lead[0].length);
    }
    const tail = TRAILING_JUNK.exec(name);
    if (tail && name.length - tail[0].length >= 2) {
      name = name.slice(0, -tail[0].length);
      end = start + name.length;
    }
    name = name.replace(/的$/, '');
    end = start + name.length;
    if (name === before) break;
  }
  // A place of our own (厂里看看设备, 公司里) starts no organisation's name.
  if (/^(?:厂里|店里|家里|公司里|仓库里?|工地|单位里|办公室|会议室)/.test(name)) return null;
  return usable(name) && !/^\d+$/.test(name) && !NOT_ORG_WORD.test(name) ? { name, start, end } : null;
}

const POS_NOUNISH = new Set(['n', 'nr', 'ns', 'nt', 'nz', 'ng', 'nrt', 'nrfg', 'j', 'eng', 'an', 's']);
const POS_PROPER = new Set(['nr', 'ns', 'nt', 'nz', 'nrt', 'nrfg', 'j', 'eng', 's']);
const NOT_ORG_WORD = /^(?:(?:他们|她们|我们|你们|对方|咱们|他|她|我|你)(?:的)?(?:公司|集团|单位|厂|新厂|工厂|那边|老板|领导|采购|财务|技术|经理|负责人|人)?|企业|企业微信|企微|钉钉|飞书|微信群|老婆|老公|孩子|家人|爸妈|父母|儿子|女儿|设备|机器|货|样机|库存|资料|文件|报表|周报|厂里|店里|家里|公司里|车里|仓库里|城里|工地|园区|洗手间|厕所|食堂|银行|医院|机场|车站|高铁站|火车站|酒店|办公室|会议室|楼下|仓库|工厂|老家|两家|三家|几家|一家|这家|那家|各家|公司|总部|单位|现场|我司|贵司|本公司|答复|回复|结果|消息|反馈|意见|通知|答案|报价单|合同草稿|初稿|样品|发票|合同|报价|方案|价格|技术部|公海|客户|电话|微信|邮件|会议|项目|产品|资料|需求|问题|事情|时间|老板|采购|财务|技术|销售|对方|他们|我们|货款|款|订单|单子|机器人|系统|功能|菜单|名片|展会|朋友|同事|领导|总监|经理|主任)$/;

/** An organisation from the segmenter's tags: a run of nouns with a proper noun in it (中兴/ns 精工/n). */
export function byPos(tokens: Token[], masked: string): Found | null {
  let run: Token[] = [];
  const runs: Token[][] = [];
  for (const t of tokens) {
    const blank = masked.slice(t.start, t.end).trim() === '';
    if (!blank && POS_NOUNISH.has(t.tag) && !NOT_ORG_WORD.test(t.word)) run.push(t);
    else {
      if (run.length) runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  for (const r of runs) {
    // A trailing surname + title (赵/nr 总) is a person, not part of the organisation.
    let rr = r;
    while (rr.length && (rr[rr.length - 1].tag === 'nr' && rr[rr.length - 1].word.length === 1)) rr = rr.slice(0, -1);
    if (rr.length < 2) continue;
    if (!rr.some((t) => POS_PROPER.has(t.tag))) continue;
    const name = masked.slice(rr[0].start, rr[rr.length - 1].end);
    if (name.length < 3 || name.length > 16 || /\s/.test(name) && !/^[A-Za-z]/.test(name)) continue;
    const f = cleanName({ name, start: rr[0].start, end: rr[rr.length - 1].end });
    if (f && f.name.length >= 3) return f;
  }
  return null;
}

const BOUNDARY_TAGS = new Set(['p', 'ul', 'uj', 'uz', 'ug', 'ud', 'uv', 'r', 'd', 'c', 'm', 'q', 'f', 't', 'x', 'y', 'e', 'o', 'zg', 'mq']);
const BOUNDARY_WORDS = /^(?:去|来|到|寄给|发给|打给|交给|给|推荐|介绍|认识|认领|领|领取|查|查查|查下|看|看下|看看|调出|请问|知道|有|有个|要|想|说|问|叫|接到|收到|加|加了|跑|见|见完|拜访|联系|约|找|帮|送|催|签|能|不能|可以|去了|跑了|认识了|请|问问|通知|告诉|提醒|转告|回|回复|打|拨|call|跟进|对接|上门|老客户|朋友|同事|客户|公海|展会|峰会|大会|会上|外企|企业|公司)$/i;
const TRAIL_TAGS = new Set(['uj', 'ul', 'uz', 'x', 'y']);

/** The organisation inside a found span, by the segmenter's word boundaries: what precedes the last clause word
 * (打了两次|恒信塑业, 推荐了|长沙湘江环保) and what follows a particle (三和纺织|的客户档案) is not the name. */
export function trimByTokens(f: Found | null, tokens: Token[], masked: string): Found | null {
  if (!f || !/[\u4e00-\u9fa5]/.test(f.name)) return f;
  let { start, end } = f;
  const suffix = new RegExp(`(?:${ORG_SUFFIX.join('|')})$`).exec(masked.slice(start, end))?.[0].length ?? 0;
  const inside = tokens.filter((t) => t.start >= start && t.end <= end);
  for (let k = inside.length - 1; k >= 0; k--) {
    const t = inside[k];
    if (end - t.end < suffix + 2) continue;
    if (BOUNDARY_TAGS.has(t.tag) || BOUNDARY_WORDS.test(t.word)) {
      start = t.end;
      break;
    }
  }
  for (const t of inside) {
    if (t.start - start >= 2 && t.start < end && TRAIL_TAGS.has(t.tag) && !/^[A-Za-z]/.test(t.word)) {
      end = t.start;
      break;
    }
  }
  // A city right before the name belongs to it (大连|星海游艇).
  const before = masked.slice(Math.max(0, start - 4), start);
  const city = /(?:北京|上海|天津|重庆|广州|深圳|杭州|宁波|南京|苏州|无锡|常州|合肥|武汉|成都|西安|青岛|厦门|福州|长沙|郑州|济南|沈阳|大连|哈尔滨|长春|石家庄|太原|南昌|南宁|昆明|贵阳|兰州|海口|佛山|东莞|温州|绍兴|嘉兴|泉州|珠海|中山|惠州|烟台|徐州|扬州|南通|芜湖|台州|金华|义乌)$/.exec(before);
  if (city) start -= city[0].length;
  const name = masked.slice(start, end).trim();
  if (name === f.name) return f;
  return cleanName({ name, start, end: start + name.length }) ?? f;
}

/** 杭州绿源电动车: a city and a name, standing on its own (between spaces or punctuation). */
function byCityName(text: string): Found | null {
  const re = new RegExp(`(?<=^|[\\s,，:：;；、])((?:${CITY_NAMES})[\\u4e00-\\u9fa5]{2,10})(?=[\\s,，:：;；、的]|$)`, 'g');
  for (const m of text.matchAll(re)) {
    const name = m[1];
    if (!usable(name) || STOP.test(name.slice(2)) || NOT_ORG_WORD.test(name)) continue;
    return { name, start: m.index!, end: m.index! + name.length };
  }
  return null;
}
const CITY_NAMES = '北京|上海|天津|重庆|广州|深圳|杭州|宁波|南京|苏州|无锡|常州|合肥|武汉|成都|西安|青岛|厦门|福州|长沙|郑州|济南|沈阳|大连|哈尔滨|长春|石家庄|太原|南昌|南宁|昆明|贵阳|兰州|海口|佛山|东莞|温州|绍兴|嘉兴|泉州|珠海|中山|惠州|烟台|徐州|扬州|南通|芜湖|台州|金华|义乌';

/** "帮我查查远航的…" / "东岳那单…": the object of a look-up, the owner of a deal. */
function byLookupObject(masked: string): Found | null {
  const re = /(?:查查|查一下|查下|查|看看|看下|看一下|调出|找一下|搜一下|搜)\s*([\u4e00-\u9fa5A-Za-z0-9]{2,12}?)(?=的|现在|最近|这个|那|在|有|是|[,，。?？\s]|$)|^([\u4e00-\u9fa5A-Za-z0-9]{2,10}?)(?=那单|这单|的单子|那个单|那个项目|的项目|那边|这边)/g;
  for (const m of masked.matchAll(re)) {
    const name = m[1] ?? m[2];
    if (!usable(name) || STOP.test(name) || NOT_ORG_WORD.test(name)) continue;
    const start = m.index! + m[0].lastIndexOf(name);
    return { name, start, end: start + name.length };
  }
  return null;
}

/**
 * A plain brand name (兴瑞, 鸿瑞速运, 佳兆置地) found by the sentence structure rather than a suffix:
 *   A. NAME + 的 + a person (X的何经理 / X的刘姐 / X的采购 / X的老杨);
 *   B. 给/跟/和/去/到/请/找/发给/发到/拜访/从 + NAME + an action or a particle (去X拜访, 给X打了, 报价单发到X邮箱);
 *   C. NAME at the start of a clause + 那边/的款/来电/回邮件/今天 (X那边说…, X的款还没到).
 * NAME is 2–8 characters with no clause word inside; the shortest reading wins.
 */
const S_NAME = '(?![给跟和与同去到请找从催发寄把在])[\\u4e00-\\u9fa5A-Za-z0-9]{2,8}?';
const S_PERSON = '(?:(?:几|两|三)[个位](?:工程师|技术|采购|领导|负责人)|工程师|[\\u4e00-\\u9fa5]{1,2}(?:总经理|董事长|总监|经理|主任|主管|老师|老板|总|工|姐|哥|秘)|老[\\u4e00-\\u9fa5]|小[\\u4e00-\\u9fa5]|采购|财务|老板|老板娘|技术|负责人|项目经理|董事长|总经理|人)';
const S_PREP = '(?:加的|加了|认识的|介绍的|推荐的|推荐了|催一下|催|发给|发到|寄给|寄到|交给|送到|拜访了|拜访|认识了|介绍了|联系了|请了|去了|到了|给|跟|和|与|同|去|到|请|找|从|约了|约|联系)';
const S_AFTER = '(?:了|看|查|打|拨|拜访|上门|那边|这边|的|发|寄|送|报|开|出来|回来|吃|喝|聊|谈|视频|电话|邮箱|签|做|对|催|确认|沟通|见|碰|演示|培训|交流|参观|考察|[，,。;；!！?？\\s]|$)';
const STRUCT_RES = [
  new RegExp(`(?:^|[，,。;；:：\\s]|${S_PREP})(${S_NAME})的${S_PERSON}`, 'gd'),
  new RegExp(`${S_PREP}(${S_NAME})(?=${S_AFTER})`, 'gd'),
  new RegExp(`(?:^|[，,。;；:：])\\s*(${S_NAME})(?=\\s*(?:(?:上个?月|上周|上礼拜|今天|昨天|前天|去年|今年|本月|这个月|最近)\\s*)?(?:那边|这边|那个客户|的[尾货回预首余]?款|的[^，,。\\s]{1,2}款|的定金|的订金|的账|的发票|的订单|的合同|的单子|的报价|的样品|的项目|来电|来电话|打来|打过来|打电话来|回邮件|回了邮件|发邮件|发了邮件|发来|发微信|回微信|在微信|微信上|电话里|我来认领|我要了|归谁|谁在跟))`, 'gd'),
  new RegExp(`${S_PREP}(${S_NAME})(?=的(?:[尾货回预首余]?款|付款|合同|发票|订单|报价|项目|样品|单子|账))`, 'gd'),
  new RegExp(`(?:打|拨)了?(?:[一两三四五几好\\d]+[次遍个])?(${S_NAME})的?(?=电话|手机|座机)`, 'gd'),
  new RegExp(`(?:^|[，,。;；:：])\\s*(${S_NAME})(?=\\s*(?:回复|今天|昨天|刚才|刚|已经|微信|电话))`, 'gd'),
];
const STRUCT_BAD = /^[小老][\u4e00-\u9fa5][去来]?$|[去来]$|[的了过着吗呢吧啊他她我你们这那哪谁再也还就很没不要想会说让被把对在是有]|什么|怎么|一个|一下|下次|都[没不是在要]|^[给跟和与同去到请找从趟前后]|(?:年|月|周|天|号|日|点|半|底|初)$|^(?:明年|今年|去年|客户|公司|对方|老板|领导|同事|朋友|采购|财务|技术|项目|报价|合同|方案|样品|发票|系统|产品|电话|微信|邮件|上午|下午|晚上|早上|中午|今天|明天|后天|昨天|前天|周末|月底|年底|下周|本周|这周)/;
export function byStructure(masked: string, tokens: Token[]): Found | null {
  let best: Found | null = null;
  for (const re of STRUCT_RES) {
    re.lastIndex = 0;
    // Overlapping matches: a rejected reading (请联创 / 同|发给润和) must not hide the one starting a character later.
    for (let m = re.exec(masked); m; re.lastIndex = m.index + 1, m = re.exec(masked)) {
      let name = m[1];
      let at = m.indices![1][0];
      // 昨晚跟|启辰, 钉钉上跟|拓维: a clause word inside the reading (a word of its own) starts the name after it.
      const inner = tokens.filter((t) => t.start > at && t.end <= at + name.length - 2 && /^(?:跟|和|给|与|同|去|到|请|找|从|见完|见了|拜访了?|联系了?)$/.test(t.word)).at(-1);
      if (inner && !ORG_SUFFIX_START.test(name.slice(inner.end - at))) {
        name = name.slice(inner.end - at);
        at = inner.end;
      }
      const lead = LEADING.exec(name);
      if (lead && name.length - lead[0].length >= 2) {
        name = name.slice(lead[0].length);
        at += lead[0].length;
      }
      if (!usable(name) || STRUCT_BAD.test(name) || NOT_ORG_WORD.test(name) || /^\d+$/.test(name)) continue;
      const start = at;
      // The name starts and ends on the segmenter's word boundaries (同|意试用 is no 同 + name).
      // A common word across its start (同|意试用) means the "preposition" was part of a word; an unknown name
      // split oddly by the segmenter (和顺|丰, 中|通达) is still a name.
      const crossed = (at: number) => tokens.some((t) => t.start < at && t.end > at && !/^(?:nz|nr|ns|nt|nrt|nrfg|f|j|x|eng)$/.test(t.tag));
      if (crossed(start) || (re === STRUCT_RES[0] || re === STRUCT_RES[1] || re === STRUCT_RES[3]) && crossed(m.index! + (/^[，,。;；:：\s]/.test(m[0]) ? 1 : 0))) continue;
      // One common word of the language (收到, 文件) is no brand name.
      const one = tokens.find((t) => t.start === start && t.end === start + name.length);
      // Before a contact verb (去创维拜访, 给海纳打了), a noun the segmenter knows can still be a brand.
      const contactAfter = re === STRUCT_RES[1] && one?.tag === 'n' && /^(?:拜访|上门|打|拨|开会|签|发|寄|报|吃|喝|视频|电话|邮箱|催|演示|培训|考察|参观|碰)/.test(masked.slice(start + name.length));
      if (one && !contactAfter && (re === STRUCT_RES[3] ? /^(?:r|m|t|p|c|u.*)$/ : re === STRUCT_RES[2] || re === STRUCT_RES[4] ? /^(?:d|ad|r|m|t|p|c|u.*)$/ : re === STRUCT_RES[0] ? /^$/ : /^(?:v|vn|n|d|ad|l|i|r|m|t)$/).test(one.tag)) continue;
      // Ended by punctuation alone, a long reading needs an organisation suffix (去机场接领导 is no name).
      if (re === STRUCT_RES[1] && name.length > 4 && !ORG_SUFFIX_END.test(name) && /^[，,。;；!！?？\s]|^$/.test(masked.slice(start + name.length, start + name.length + 1))) continue;
      const f = dropPerson({ name, start, end: start + name.length });
      if (!f || !usable(f.name)) continue;
      if (!best || f.start < best.start) best = f;
      break;
    }
  }
  return best;
}

// --- English organisations: capitalised word runs ---------------------------------------------------------------
const EN_ORG_WORD = /^(?:corp|corporation|inc|ltd|llc|plc|co|company|group|industries|industry|enterprises|logistics|foods?|toys|bank|analytics|medical|pharma|trading|hotels?|robotics|construction|seafood|furniture|freight|bakery|tools|drones|farms|resorts|semiconductors?|dairy|systems|tech|technologies|technology|labs?|solutions|partners|holdings|consulting|media|energy|motors|manufacturing|software|networks|capital|ventures|studios?|health|healthcare|clinic|hospital|school|university|airlines|shipping|electronics|electric|chemicals?|materials|textiles|apparel|retail|stores?|markets?|mart|foods|beverages|brewing|coffee|pharmaceuticals|biotech|insurance|realty|properties|estates|international|global|worldwide|associates|services|supply|supplies|steel|metals|mining|oil|gas|power|solar|auto|automotive|aviation|aerospace|marine|cargo|express|telecom|communications|digital|interactive|games|entertainment|publishing|press|design|architects|engineering|builders|homes|instruments|devices|machinery|equipment|packaging|paper|plastics|glass|furnishings|interiors|fashion|cosmetics|beauty|wellness|fitness|sports|outdoors|travel|tours|education|academy|institute|foundation)$/i;
const EN_STOP_WORD = /^(?:ppt|pdf|excel|word|erp|oa|app|ui|hr|sop|kpi|okr|emailed|texted|messaged|wechatted|phoned|pinged|rang|caught|reached|left|can|could|would|will|should|please|remind|i|i'll|i'm|i've|we|we'll|you|he|she|they|it|the|a|an|my|our|your|their|this|that|these|those|and|or|but|so|if|then|ok|okay|pls|please|hi|hello|hey|thanks|crm|ceo|cfo|cto|coo|gm|vp|poc|pm|am|eod|eom|asap|fyi|re|fw|todo|to-do|tbd|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|today|tomorrow|tonight|yesterday|next|last|new|lead|leads|referral|inbound|expo|website|web|linkedin|wechat|zoom|teams|slack|email|call|called|calling|met|meet|meeting|visit|visited|visiting|lunch|dinner|coffee|had|spoke|talked|sent|send|got|get|grab|claim|claiming|can|could|is|are|was|were|do|does|did|who|who's|what|what's|which|when|where|how|any|see|remind|follow|followed|schedule|drop|dropped|prepare|chase|note|log|find|search|show|pull|lookup|contact|owner|met|prospect|demo|kickoff|quick|just|also|still|already|first|bot|help|mr|ms|mrs|dr)$/i;
const EN_WORD = /[A-Za-z][A-Za-z0-9&.'’-]*/g;

/** The first run of capitalised words that is not a stop word; an organisation word in it makes it certain. */
export function byEnglishCaps(text: string, skipPersons = true): Found | null {
  const words = [...text.matchAll(EN_WORD)].map((m) => ({ w: m[0].replace(/['’]s?$/, '').replace(/[.,]+$/, ''), start: m.index!, raw: m[0] }));
  const runs: Array<typeof words> = [];
  let run: typeof words = [];
  for (let i = 0; i < words.length; i++) {
    const x = words[i];
    const prev = words[i - 1];
    const adjacent = prev && run.length && /^[\s&]*$/.test(text.slice(prev.start + prev.raw.length, x.start)) && !/['’]s?$/.test(prev.raw);
    const cap = /^[A-Z0-9]/.test(x.w) && !EN_STOP_WORD.test(x.w);
    const joins = run.length && adjacent && (cap || (/^(?:&|of|and)$/i.test(x.w) && /^[A-Z]/.test(words[i + 1]?.w ?? '')));
    if (joins) run.push(x);
    else {
      if (run.length) runs.push(run);
      run = cap ? [x] : [];
    }
  }
  if (run.length) runs.push(run);
  const found = runs
    .filter((r) => !/^\d+$/.test(r[0].w))
    .map((r) => ({ name: r.map((x) => x.w).join(' ').replace(/\s+/g, ' '), start: r[0].start, org: r.some((x) => EN_ORG_WORD.test(x.w)), n: r.length }))
    .map((f) => ({ ...f, name: text.slice(f.start, f.start + f.name.length) === f.name ? f.name : f.name }));
  const org = found.find((f) => f.org) ?? found.find((f) => !skipPersons || !looksLikePerson(f.name));
  return org ? { name: org.name, start: org.start, end: org.start + org.name.length } : null;
}

/** Common given names: a capitalised run starting with one is a person (Anna Lee), not an organisation (Pied Piper). */
export const EN_FIRST_NAMES = new Set(('james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe logan albert willie alan eugene russell vincent philip bobby johnny bradley roy ralph randy louis harry wayne howard carlos leo tom tony sam mike max ben dan jim tim bob bill steve nick alex chris matt omar hank oliver lucas liam mason elijah ' +
  'mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori lucy mia nina priya ava chloe zoe lily ella ivy jane kate amelia harper aria luna')
  .split(/\s+/));

/** A capitalised run that starts with a given name (Anna Lee, Kevin Chen): a person. */
function looksLikePerson(name: string): boolean {
  const first = name.split(' ')[0].toLowerCase();
  return EN_FIRST_NAMES.has(first) && !name.split(' ').some((w) => EN_ORG_WORD.test(w));
}

/** A lead's organisation after its source: "referral from Acme: Granite Peak Construction, …". */
function afterSourceColon(text: string): Found | null {
  const m = /^[^:：]{0,60}(?:referral|lead|inbound|expo|prospect|contact|met|show|card|conference|fair|website|form)[^:：]{0,40}[:：—–-]\s*/i.exec(text);
  if (!m) return null;
  const f = byEnglishCaps(text.slice(m[0].length), false);
  return f ? { name: f.name, start: f.start + m[0].length, end: f.end + m[0].length } : null;
}

/** A dictionary hit the segmentation contradicts: a short form that is one common (non-noun) word of the text. */
function plausible(hit: DictionaryHit, tokens: Token[]): boolean {
  if (hit.level < 2) return true;
  const t = tokens.find((x) => x.start === hit.start && x.end === hit.end);
  return !t || POS_NOUNISH.has(t.tag);
}

/** 机场|接领导, 银行|办点事, 北京|出差三天, 小李|去: a common place or thing, a lone city or a person followed by a
 * verb is an errand, not an organisation. */
function isErrand(f: Found, tokens: Token[], masked: string): boolean {
  if (!/[\u4e00-\u9fa5]/.test(f.name) || ORG_SUFFIX_END.test(f.name)) return false;
  const verb = tokens.find((t) => t.start > f.start && t.end <= f.end && /^(?:v|vn)$/.test(t.tag));
  if (!verb) return false;
  const head = masked.slice(f.start, verb.start);
  const place = tokens.some((t) => t.start === f.start && t.end === verb.start && t.tag === 'ns' && t.word.length >= 2) && verb.word.length >= 2;
  return NOT_ORG_WORD.test(head) || place || /^[小老][\u4e00-\u9fa5]$/.test(head);
}

export interface CustomerReading {
  found: Found | null;
  match: DictionaryHit | null;
}

/**
 * The customer of a message: the dictionary's records the viewer may see first (longest match), written as the rep
 * wrote it (the pattern reading that contains the match, else the matched text); else the organisation the patterns
 * (legal/industry suffix, the object of a contact verb, a leading name) or the segmenter's tags find, looked up in
 * the dictionary one character off (customer_match.exact = false).
 */
export function findCustomer(masked: string, afterPrefix: number | null, tokens: Token[], dictionary?: CustomerDictionary | null, viewer?: Viewer | null): CustomerReading {
  let rule = trimByTokens(cleanName(extractCustomer(masked, afterPrefix) ?? byLookupObject(masked) ?? byCityName(masked)), tokens, masked);
  // A short Chinese candidate that starts inside a word is a fragment (跟|进吗).
  if (rule && /[\u4e00-\u9fa5]/.test(rule.name) && rule.name.length <= 3 && tokens.some((t) => t.start < rule!.start && t.end > rule!.start)) {
    rule = trimByTokens(cleanName(byLookupObject(masked) ?? byCityName(masked)), tokens, masked);
  }
  if (!/[\u4e00-\u9fa5]/.test(masked)) {
    // English: the organisation after a lead source's colon, else the capitalised run (an organisation word wins).
    const src = afterSourceColon(masked);
    const caps = byEnglishCaps(masked);
    if (src) rule = src;
    else if (rule) {
      const name = rule.name.replace(/['’]s?\b.*$/, '').replace(/['’]$/, '');
      rule = looksLikePerson(name) ? null : { ...rule, name, end: rule.start + name.length };
    }
    if (!src && caps && (!rule || (caps.start <= rule.start && caps.end >= rule.end) || (EN_ORG_WORD.test(caps.name.split(' ').at(-1)!) && !EN_ORG_WORD.test(rule.name.split(' ').at(-1)!)))) rule = caps;
  } else if (!rule) {
    rule = byEnglishCaps(masked);
  }
  if (rule && isErrand(rule, tokens, masked)) rule = null;
  if (/[\u4e00-\u9fa5]/.test(masked)) {
    // A plain brand name read from the sentence structure beats no reading and a fragment reading; a longer
    // reading that contains it with an organisation suffix (远航 ⊂ 远航科技有限公司) stays.
    let st = byStructure(masked, tokens);
    if (st && isErrand(st, tokens, masked)) st = null;
    const inRule = rule && rule.start <= st!?.start && rule.end >= st!?.end;
    // 中|通达: a reading that only adds characters before the rule's (the segmenter split the name) is the name.
    const overRule = rule && st && st.start <= rule.start && st.end >= rule.end && !(st.end === rule.end && st.start < rule.start);
    // 把合同扫描件发给X: the object run between 把 and 发给/发到 is no customer, X is.
    const objectRun = rule && st && rule.end <= st.start && /把\s*$/.test(masked.slice(0, rule.start).slice(-6).replace(/[^把\s]+$/, '')) && /^[^，,。]*(?:发给|发到|寄给|寄到|交给|送到|转给)\s*$/.test(masked.slice(rule.end, st.start));
    // A reading with a clause particle inside (工程师开了个技术) is a fragment whatever it ends with.
    const fragment = rule && /[了吗呢吧着]/.test(rule.name);
    const earlier = rule && st && (objectRun || fragment || (st.end <= rule.start && !ORG_SUFFIX_END.test(rule.name))) && !/^[A-Za-z]/.test(rule.name);
    if (st && (!rule || earlier || (inRule && !ORG_SUFFIX_END.test(rule.name)) || (!inRule && !overRule && st.start < rule.end && st.end > rule.start))) rule = st;
  }
  let pos = rule ? null : trimByTokens(byPos(tokens, masked), tokens, masked);
  if (pos && isErrand(pos, tokens, masked)) pos = null;
  const written = rule ?? pos;
  if (!dictionary) return { found: written, match: null };
  const hits = dictionary.findAll(masked, viewer).filter((h) => plausible(h, tokens));
  const hit = hits[0];
  if (hit) {
    const around = [rule, byPos(tokens, masked)].find((f) => f && f.start <= hit.start && f.end >= hit.end && f.end - f.start <= hit.end - hit.start + 6);
    const found = around ?? { name: masked.slice(hit.start, hit.end), start: hit.start, end: hit.end };
    return { found, match: hit };
  }
  if (!written) return { found: null, match: null };
  return { found: written, match: dictionary.lookup(written.name, viewer) };
}
