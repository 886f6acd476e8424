/**
 * The customer (company) a message names. Never guessed from a person's name: 王总 / 李经理 are contacts.
 * The bot resolves the string against the database and asks when it is ambiguous or unknown.
 */

const ORG_SUFFIX = [
  '股份有限公司', '有限责任公司', '有限公司', '集团', '公司', '科技', '技术', '网络', '信息', '软件', '电子', '贸易', '实业',
  '银行', '医院', '学校', '大学', '学院', '制造', '商贸', '物流', '传媒', '文化', '教育', '咨询', '制药', '药业', '电器',
  '机械', '建设', '建筑', '设计', '酒店', '餐饮', '超市', '研究院', '研究所', '事务所', '工作室', '控股', '能源', '汽车',
  '地产', '置业', '证券', '保险', '食品', '服饰', '医疗', '生物', '材料', '智能', '数据', '电商', '律所', '工厂',
].sort((a, b) => b.length - a.length);
const ORG_SUFFIX_RE = new RegExp(ORG_SUFFIX.join('|'), 'g');

/** Words that begin a clause rather than a name; stripped from the front of a candidate. */
const LEADING = /^(?:紧急|加急|尽快|马上|立刻|赶紧|务必|记得|一定要|需要|打电话给|跟进|上门|拜访|之前|以前|前|联系|回访|致电|电话|微信|提醒我|提醒|已经|刚才|刚刚|约了|约|给|和|跟|与|同|去|到|见|在|对|帮|把|向|客户|刚|已|了|再|的|是)+/;
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
      if (found && found.name.length >= 3) return found;
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
  const re = /(?:给|和|跟|与|同|拜访|联系|约|见|回访|致电|去)(?:了|过)?\s*([\u4e00-\u9fa5A-Za-z0-9]{2,12}?)(?=打电话|打个电话|电话|开会|见面|沟通|聊|谈|签|发|送|报价|演示|确认|吃饭|的|，|,|。|\s|$)/g;
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
    if (lead && !(org && org.start === lead.start)) return dropPerson(lead);
  }
  if (org) return org;
  return dropPerson(byVerbObject(masked)) ?? byEnglishVerb(masked);
}
