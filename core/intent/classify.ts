import type { IntentName } from './types';

/**
 * Which intent a message expresses. An explicit leading command word wins (跟进 / 新线索 / 提醒我 / 查 / 领取 /
 * log / lead / remind me / find / claim); without one, a past-tense report of contact is a follow-up, and a future
 * date with an action verb is a task. Anything else is `unknown` and the bot answers with help, never a guess.
 */
interface Prefix {
  intent: IntentName;
  re: RegExp;
}

export const PREFIXES: Prefix[] = [
  { intent: 'help', re: /^(?:帮助|help|\?|？|怎么用|使用说明|菜单|menu|你能做什么|what\s+can\s+you\s+do)(?=[\s?？!！。.]*$)/i },
  { intent: 'claim', re: /^(?:我要领取|领取客户|领取|认领|claim)(?:\s*客户)?\s*[:：]?\s*/i },
  { intent: 'find_customer', re: /^(?:查一下|查询|查找|查看|搜索|搜一下|搜|查|找一下|find|search(?:\s+for)?|look\s*up|lookup|show(?:\s+me)?)(?:\s*客户)?\s*[:：]?\s*/i },
  { intent: 'create_lead', re: /^(?:新线索|新增线索|添加线索|录入线索|线索|新客户|new\s+lead|add\s+(?:a\s+)?lead|lead)\s*[:：]?\s*/i },
  { intent: 'create_task', re: /^(?:提醒我|提醒一下|提醒|待办|新任务|任务|计划|安排|remind\s+me(?:\s+to)?|todo|to-do|task|schedule|plan(?:\s+to)?)\s*[:：]?\s*/i },
  { intent: 'log_followup', re: /^(?:跟进记录|跟进|记录一下|记录|记一下|回访|log(?:ged)?|follow[- ]?up(?:\s+with)?|followed\s+up\s+with|note)\s*[:：]?\s*/i },
];

/** "远航科技的电话是多少" / "what's the phone of Acme" style look-ups. */
export const FIND_SUFFIX = /^(.+?)的?(?:电话|联系方式|联系人|地址|情况|信息|资料)(?:是多少|是什么|是谁|在哪)?\s*[?？]?$/;

const PAST = /了|过|已经|刚才|刚刚|\b(?:called|visited|met|spoke|talked|emailed|sent|discussed|had\s+a|chatted|wechatted|phoned|demoed|followed\s+up|went)\b/i;
const ACTION = /拜访|打电话|电话|联系|开会|见面|约|去|发|送|回访|跟进|签约|演示|微信|邮件|\b(?:call|visit|meet|send|email|wechat|follow\s+up|demo|go|see|check\s+in\s+with)\b/i;

export function matchPrefix(text: string): { intent: IntentName; rest: number } | null {
  for (const p of PREFIXES) {
    const m = p.re.exec(text);
    if (m) return { intent: p.intent, rest: m[0].length };
  }
  return null;
}

export function classifyWithoutPrefix(masked: string, hasWhen: boolean, hasReach: boolean, hasCustomer: boolean): IntentName {
  if (PAST.test(masked) && (ACTION.test(masked) || /聊|谈|沟通|说|反馈|表示|同意|\b(?:spoke|talked|said|agreed|called|visited|met|emailed|phoned|wechatted)\b/i.test(masked))) return 'log_followup';
  if (hasWhen && ACTION.test(masked)) return 'create_task';
  if (hasReach && hasCustomer) return 'create_lead';
  if (PAST.test(masked) && hasCustomer) return 'log_followup';
  return 'unknown';
}
