import { normalizeEmail, normalizePhone } from '../customers/normalize';
import { EN_FIRST_NAMES } from './customer';

/** Phones, e-mails and a contact person's name in chat text; values normalised like customers' (de-dup keys). */

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// CN mobile (optionally +86 / 0086, 3-4-4 groups), landline with area code, or an international + number.
const PHONE_RE = /(?<![\d+])\(?0\d{2,3}\)?[\s-]?\d{3,4}[\s-]\d{4}(?!\d)|(?<![\d+])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)|(?<![\d+])\(?0\d{2,3}\)?[\s-]?\d{7,8}(?!\d)|\+\d{1,3}[\s-]?\d{1,4}(?:[\s-]?\d{2,4}){2,4}(?!\d)/g;
/** Field labels glued to a value: masked so they are not read as a channel or a name. */
const LABEL_BEFORE = /(?:电话号码|电话|手机号码|手机号|手机|座机|联系电话|邮箱|电子邮件|邮件|tel|phone|mobile|cell|e-?mail|mail)\s*[:：]?\s*$/i;

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝';
const TITLES = '总经理|董事长|总监|经理|主任|主管|老板|老师|先生|女士|小姐|总(?!部|裁|共|结|体|数|之|是|算|会|得|要|归)|工(?!厂|作|程|资|期|艺|具|业|地|单)|处长|科长|局长|院长|校长|部长|秘书|助理|姐|哥';
const TITLE_NAME_RE = new RegExp(`(?<!谢)([${SURNAMES}])(?:${TITLES})|[小老](?!时|组|区|师|家|伙|姐|哥|弟|妹|板|总|公|乡|是|样|人|百姓|米|康|于)[${SURNAMES}](?![\u4e00-\u9fa5]{2}(?:$|[，,。]))`, 'g');
/** A job title before a full name: 运营总监孙磊, 采购经理 王芳. */
const TITLE_BEFORE_NAME_RE = new RegExp(`(?:总经理|副总|总监|经理|主管|主任|负责人|工程师|采购|助理|秘书|专员|老板|董事长|CEO|CTO|VP)\\s*([${SURNAMES}][\\u4e00-\\u9fa5]{1,2}?)(?=[\\s,，。:：;；、(（]|\\d|\\+|$|的|说|电话|手机|微信|邮箱)`, 'g');
const LABELLED_NAME_RE = /(?:(?:联系人|对接人|负责人|姓名)(?:\s*(?:是|叫))?|名叫|名字叫|叫|contact(?:\s+person)?|name)\s*[:：]?\s*([\u4e00-\u9fa5]{2,4}|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)/g;
const EN_NAME_RE = /\b(?:Mr|Ms|Mrs|Dr)\.?\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b|(?<=的|和|跟|与|同|CEO|CTO|COO|CFO|CISO|VP|经理|总监|对接人|联系人|['’]s)\s*([A-Z][a-z]+)(?=\s|[，,。:：]|[\u4e00-\u9fa5]|$)|(?:\b(?:contact|owner|GM\s+is|CEO|CFO|CTO|CISO|manager|buyer|director|founder|named)\s*[:：,]?\s*|(?:^|[,，:：]\s*))([A-Z][a-z]+\s+[A-Z][a-z]+)(?=\s*[,，]|\s*$|\s+\(?\d|\s*\+|\s+[a-z0-9._%+-]+@)|\b(?:[Ww]ith|[Tt]o|[Tt]exted|[Mm]essaged|[Ww]echatted|[Cc]alled|[Cc]all|[Mm]et|[Mm]eet|[Ee]mailed|[Ss]poke\s+to|[Ss]ent|(?:voicemail|message|note)\s+for|[Tt]alked\s+to|Mr\.?|Ms\.?|Mrs\.?|Dr\.?)\s+(?!(?:Mr|Ms|Mrs|Dr)\b)([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b/g;

const EN_SUBJECT_RE = /(?:^|[,.;:!?，。；：]\s*|\b(?:and|but|so|then)\s+)([A-Z][a-z]+)\s+(?:wants?|wanted|wasn'?t|was|isn'?t|is|said|says|asked|asks|called|rang|replied|will|won'?t|needs?|needed|agreed|told|from|at|of|confirmed|emailed|texted|messaged|mentioned|prefers|liked?|likes|thinks|thought|sent|signed|has|had|hasn'?t|didn'?t|doesn'?t|can'?t|could|would|should|picked|answered|promised|loved|hated|seemed)\b/g;

/** Verbs only a person does (an unknown capitalised subject before them is a name: "Norman wasn't in"). */
const EN_HUMAN_VERB = /^\s+(?:(?:at|from)\s+[^,.;:!?]{1,40}?\s(?:didn'?t|wasn'?t|called|said|asked|wants?|replied|texted|emailed|rang)|didn'?t\s+(?:pick|answer|reply|respond)|hasn'?t\s+(?:replied|answered)|wants?|wanted|wasn'?t\s+(?:in|available|around|there|free)|isn'?t\s+(?:in|available|around)|said|says|asked|asks|told|agreed|promised|mentioned|thinks|thought|loved|prefers)\b/;
const EN_NOT_PERSON = /^(?:they|he|she|it|we|you|i|the|this|that|everyone|someone|nobody|client|customer|boss|team|procurement|finance|legal|management|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow|yesterday|also|then|and|but|so)$/i;

export interface Reachability {
  phone: string | null;
  email: string | null;
  /** Ranges read as phone/e-mail values and their labels. */
  spans: Array<[number, number]>;
  phoneStart: number | null;
}

export function extractPhoneEmail(text: string): Reachability {
  const spans: Array<[number, number]> = [];
  let email: string | null = null;
  let phone: string | null = null;
  let phoneStart: number | null = null;
  const withLabel = (start: number, end: number) => {
    const label = LABEL_BEFORE.exec(text.slice(Math.max(0, start - 12), start));
    spans.push([label ? start - label[0].length : start, end]);
  };
  for (const m of text.matchAll(EMAIL_RE)) {
    email ??= normalizeEmail(m[0]);
    withLabel(m.index!, m.index! + m[0].length);
  }
  for (const m of maskSpans(text, spans).matchAll(PHONE_RE)) {
    const p = normalizePhone(m[0]);
    if (!p) continue;
    if (!phone) {
      phone = p;
      phoneStart = m.index!;
    }
    withLabel(m.index!, m.index! + m[0].length);
  }
  return { phone, email, spans, phoneStart };
}

/** A person's name: labelled (联系人 张伟), surname + title (王总, 李经理), English (with John Smith), or a name before the phone. */
export function extractName(masked: string, phoneStart: number | null): { name: string; span: [number, number] } | null {
  for (const re of [LABELLED_NAME_RE, TITLE_BEFORE_NAME_RE, TITLE_NAME_RE, EN_NAME_RE]) {
    re.lastIndex = 0;
    for (const m of masked.matchAll(re)) {
      const value = re === TITLE_NAME_RE ? m[0] : (m[1] ?? m[2] ?? m[3] ?? m[4]);
      if (re === TITLE_BEFORE_NAME_RE && TITLE_NAME_RE.source && new RegExp(`^[${SURNAMES}](?:${TITLES})$`).test(value)) continue;
      if (re === EN_NAME_RE && /^(?:Inc|Ltd|Corp|Co|Group|Company|The|This)$/.test(value.split(/\s+/).at(-1)!)) continue;
      const start = m.index! + m[0].lastIndexOf(value);
      return { name: value.trim(), span: [start, start + value.length] };
    }
  }
  // A given name as the subject of a clause: "Bill wants a quote", "Norman wasn't in", "Frank from Oakmont called".
  for (const m of masked.matchAll(EN_SUBJECT_RE)) {
    if (!EN_FIRST_NAMES.has(m[1].toLowerCase()) && (!EN_HUMAN_VERB.test(masked.slice(m.index! + m[0].indexOf(m[1]) + m[1].length)) || EN_NOT_PERSON.test(m[1]))) continue;
    const start = m.index! + m[0].indexOf(m[1]);
    return { name: m[1], span: [start, start + m[1].length] };
  }
  if (phoneStart !== null) {
    const m = /(?:^|[\s,，、:：])([\u4e00-\u9fa5]{2,3})\s*$/.exec(masked.slice(0, phoneStart));
    if (m && SURNAMES.includes(m[1][0])) {
      const start = masked.lastIndexOf(m[1], phoneStart);
      return { name: m[1], span: [start, start + m[1].length] };
    }
  }
  return null;
}

/** Replaces the given ranges with spaces, keeping every other index where it was. */
export function maskSpans(text: string, spans: Array<[number, number]>): string {
  let out = text;
  for (const [s, e] of spans) out = out.slice(0, s) + ' '.repeat(Math.max(0, e - s)) + out.slice(e);
  return out;
}
