import type { ParsedIntent } from './types';

export type ChannelName = NonNullable<ParsedIntent['channel']>;

/**
 * Channel words. The earliest mention wins: "电话约了下周拜访" was a phone call that planned a visit.
 * Field labels next to a value (电话: 138…, email: a@b.cn) are masked before this runs, so they do not count.
 */
const CHANNEL_WORDS: Array<[RegExp, ChannelName]> = [
  [/打电话|电话|致电|通话|来电|回电|电联|call(?:ed|ing|s)?\b|phoned?\b|rang\b|ring\b/gi, 'phone'],
  [/拜访|上门|面访|登门|走访|面谈|见面|去了?客户|visit(?:ed|ing|s)?\b|on-?site\b|dropped\s+by\b/gi, 'visit'],
  [/微信|企微|\bvx\b|wechat(?:ed)?\b|weixin\b/gi, 'wechat'],
  [/邮件|发邮件|e-?mail(?:ed|ing|s)?\b|\bmail(?:ed)?\b/gi, 'email'],
  [/开会|会议|视频会|腾讯会议|飞书会议|meeting\b|\bmet\b|\bmeet\b|video\s+call|zoom\b|conference\b/gi, 'meeting'],
];

export function detectChannel(text: string): ChannelName | null {
  let best: { at: number; channel: ChannelName } | null = null;
  for (const [re, channel] of CHANNEL_WORDS) {
    re.lastIndex = 0;
    const m = re.exec(text);
    if (m && (!best || m.index < best.at)) best = { at: m.index, channel };
  }
  return best?.channel ?? null;
}
