import type { ParsedIntent } from './types';

export type ChannelName = NonNullable<ParsedIntent['channel']>;

/**
 * Channel words. The earliest mention wins: "电话约了下周拜访" was a phone call that planned a visit.
 * Field labels next to a value (电话: 138…, email: a@b.cn) are masked before this runs, so they do not count.
 */
const CHANNEL_WORDS: Array<[RegExp, ChannelName]> = [
  [/\b(?:spoke|talked)\s+(?:to|with)\b|on\s+the\s+phone|打电话|电话(?!会)|打过来|打来|打过去|打给|没打通|打不通|打了?(?:[一两三四五几好]|\d)+[次遍个](?!球|牌|字)|没人接|没接(?!到|受)|不接(?!受)|致电|通话|来电|回电|电联|call(?:ed|ing|s)?\b|phoned?\b|rang\b|ring\b|pick(?:ed)?\s+up\b|voicemail\b/gi, 'phone'],
  [/拜访|上门|面访|登门|走访|面谈|见面|当面|碰面|碰头|碰了|碰个头|见了|见过|见完|见到|到访|来访|参观了|来(?:我们)?公司了|来了(?:我们)?公司|(?<![发寄传送转递交拿回出过])去了|(?<![发寄传送转递交拿回出过])去过|(?<![发寄传送转递交拿回出过])去(?!年|掉|除|世|过|做|开)|跑了?一?趟|(?:再|我|跑|亲自|一起)过去|过去(?:一趟|看看|拜访|见|聊|坐坐)|去一趟|去趟|到现场|现场|从.{1,12}出来|吃饭|吃个饭|吃了[个顿]?[便晚午早]?饭|吃顿[便晚午]?饭|吃了[个顿]?(?:火锅|烧烤|烤鱼|烤肉|海鲜|夜宵|早茶|午餐|晚餐|大餐|串)|\bwasn'?t\s+(?:in|there)\b|约饭|喝茶|喝了?[个点杯顿]?(?:茶|酒|咖啡)|喝咖啡|饭局|打了?[一场个]?(?:球|高尔夫)|请.{1,10}吃|visit(?:ed|ing|s)?\b|\bjust\s+left\b(?!\s+a)|on-?site\b|drop(?:ped)?\s+by\b|stop(?:ped)?\s+by\b|(?:lunch|dinner|coffee|breakfast)\b/gi, 'visit'],
  [/微信|企微|企业微信|钉钉|飞书消息|飞书(?!会议|文档|表格|日历)|发消息|发了消息|\bqq\b|\bvx\b|wechatt?(?:ed|ing)?\b|weixin\b|text(?:ed)?\b|messag(?:ed|e)\b|whatsapp\b/gi, 'wechat'],
  [/邮件|发邮件|邮箱|e-?mail(?:ed|ing|s)?\b|\bmail(?:ed)?\b/gi, 'email'],
  [/开会|开了会|的会(?!员|计|议纪要|议室)|(?<!去[^，,。]{0,8})开了?.{0,5}会(?!员|计)|开完会|[对评启汇短晨周例]\S?会|会议(?!纪要|室)|(?<!演示|宣传|产品|培训|教学)视频(?!号|文件|资料)|线上会|电话会|线上演示|(?<!去[^，,。]{0,8})演示(?!视频|文档|资料|材料|PPT)|\bteams\b|demo(?:ed|s)?\b(?!\s+call)|presentation\b|腾讯会议|飞书会议|meeting\b|\bmet\b|\bmeet\b|video\s+call|zoom\b|conference\b/gi, 'meeting'],
];

export function detectChannel(text: string): ChannelName | null {
  let best: { at: number; channel: ChannelName } | null = null;
  for (const [re, channel] of CHANNEL_WORDS) {
    re.lastIndex = 0;
    const m = re.exec(text);
    if (m && (!best || m.index < best.at)) best = { at: m.index, channel };
  }
  // "met" at their place is a visit.
  if (best?.channel === 'meeting' && /\b(?:onsite|on-site|on\s+site|at\s+their\s+(?:office|hq|plant|factory|site|place)|their\s+office)\b/i.test(text) && !/zoom|video|teams|online/i.test(text)) return 'visit';
  if (best) return best.channel;
  // Going there, said without a channel word (下午去远航, 明天过去一趟): in person.
  return /(?<![发寄传送转递交拿回出过])去(?!年|掉|除|过|世)|\bgo(?:ing)?\s+(?:to|over|see)\b|\bhead(?:ing)?\s+(?:to|over)\b/i.test(text) ? 'visit' : null;
}
