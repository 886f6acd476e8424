import { AppError } from '../core/errors';
import { cleanInput, problemText, textProblem } from '../core/shared/input';
import type { CardActionCommand, ChatCommand } from './types';

/** A schema 2.0 Lark event as it arrives (decrypted). */
export interface LarkEnvelope {
  schema?: string;
  header: { event_id: string; event_type: string; create_time?: string; token?: string; app_id?: string; tenant_key?: string };
  event: Record<string, unknown>;
}

export type NormalizedChat = Omit<ChatCommand, 'user'>;
export type NormalizedCardAction = Omit<CardActionCommand, 'user'>;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** Is this a well-formed schema 2.0 envelope? */
export function isEnvelope(body: unknown): body is LarkEnvelope {
  const b = obj(body);
  const h = obj(b.header);
  return typeof h.event_id === 'string' && h.event_id.length > 0 && h.event_id.length <= 190 && typeof h.event_type === 'string';
}

/** Removes mention placeholders (`@_user_1`, `@_all`) and collapses whitespace. */
export function stripMentions(text: string, mentions: unknown): string {
  let out = text;
  for (const m of Array.isArray(mentions) ? mentions : []) {
    const key = str(obj(m).key);
    if (key) out = out.split(key).join(' ');
  }
  return out.replace(/@_(user_\d+|all)\b/g, ' ').replace(/[ \t\u00a0]+/g, ' ').replace(/ *\n */g, '\n').trim();
}

/** Flattens a rich-text (post) message: title + paragraphs, links as their text, mentions/images dropped. */
export function postText(content: Obj): { text: string; imageKey?: string } {
  // The receive event carries {title, content}; some senders wrap it per locale ({zh_cn: {...}}).
  let post = content;
  if (!Array.isArray(post.content)) {
    const inner = Object.values(content).find((v) => Array.isArray(obj(v).content));
    if (inner) post = obj(inner);
  }
  const lines: string[] = [];
  let imageKey: string | undefined;
  if (str(post.title)) lines.push(str(post.title));
  for (const para of Array.isArray(post.content) ? post.content : []) {
    const parts: string[] = [];
    for (const node of Array.isArray(para) ? para : []) {
      const n = obj(node);
      if (n.tag === 'text' || n.tag === 'a' || n.tag === 'md' || n.tag === 'code_block') parts.push(str(n.text));
      else if (n.tag === 'emotion') parts.push('');
      else if (n.tag === 'img' && !imageKey) imageKey = str(n.image_key);
    }
    lines.push(parts.join(''));
  }
  return { text: lines.join('\n'), imageKey };
}

/**
 * `im.message.receive_v1` → a chat command without its CRM user (looked up by open_id afterwards),
 * or `null` for messages the bot ignores (other bots, unsupported types, empty text).
 */
export function normalizeMessage(env: LarkEnvelope): NormalizedChat | null {
  const e = obj(env.event);
  const sender = obj(e.sender);
  if (sender.sender_type && sender.sender_type !== 'user') return null;
  const openId = str(obj(sender.sender_id).open_id);
  const msg = obj(e.message);
  if (!openId || !msg.message_id) return null;
  let content: Obj = {};
  try {
    content = obj(JSON.parse(str(msg.content) || '{}'));
  } catch {
    return null;
  }
  const created = Number(msg.create_time ?? env.header.create_time);
  const base = {
    eventId: env.header.event_id,
    messageId: str(msg.message_id),
    chatId: str(msg.chat_id),
    chatType: (msg.chat_type === 'group' ? 'group' : 'p2p') as 'p2p' | 'group',
    openId,
    text: '',
    sentAt: Number.isFinite(created) && created > 0 ? new Date(created) : new Date(),
  };
  switch (msg.message_type) {
    case 'text': {
      const text = stripMentions(str(content.text), msg.mentions);
      return text ? { ...base, type: 'text', text } : null;
    }
    case 'post': {
      const p = postText(content);
      const text = stripMentions(p.text, msg.mentions);
      if (text) return { ...base, type: 'text', text };
      return p.imageKey ? { ...base, type: 'image', image: { imageKey: p.imageKey } } : null;
    }
    case 'image':
      return content.image_key ? { ...base, type: 'image', image: { imageKey: str(content.image_key) } } : null;
    case 'file':
      return content.file_key ? { ...base, type: 'file', file: { fileKey: str(content.file_key), fileName: str(content.file_name) } } : null;
    case 'location': {
      const latitude = Number(content.latitude);
      const longitude = Number(content.longitude);
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null;
      return { ...base, type: 'location', text: str(content.name), location: { name: str(content.name), latitude, longitude } };
    }
    default:
      return null;
  }
}

function actionValue(v: unknown): (Obj & { action: string }) | null {
  let value = v;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const o = obj(value);
  return typeof o.action === 'string' && o.action ? (o as Obj & { action: string }) : null;
}

/** `card.action.trigger` (schema 2.0) → a card action command without its user; null when it names no action. */
export function normalizeCardAction(env: LarkEnvelope): NormalizedCardAction | null {
  const e = obj(env.event);
  const action = obj(e.action);
  const value = actionValue(action.value);
  const openId = str(obj(e.operator).open_id);
  if (!value || !openId) return null;
  const context = obj(e.context);
  return {
    eventId: env.header.event_id,
    openId,
    openMessageId: str(context.open_message_id) || null,
    chatId: str(context.open_chat_id) || null,
    value,
    formValue: formValue(action),
    token: str(e.token) || null,
  };
}

function formValue(action: Obj): Obj {
  const fv = { ...obj(action.form_value) };
  if (action.input_value !== undefined && action.name) fv[str(action.name)] = action.input_value;
  if (action.option !== undefined && action.name) fv[str(action.name)] = action.option;
  return fv;
}

/** A legacy card callback body (POST /lark/cards, `card.action.trigger_v1`). */
export function normalizeLegacyCardAction(body: Obj): NormalizedCardAction | null {
  const action = obj(body.action);
  const value = actionValue(action.value);
  const openId = str(body.open_id);
  if (!value || !openId) return null;
  return {
    eventId: '',
    openId,
    openMessageId: str(body.open_message_id) || null,
    chatId: str(body.open_chat_id) || null,
    value,
    formValue: formValue(action),
    token: str(body.token) || null,
  };
}

/**
 * The input policy (core/shared/input.ts) for a chat message, before intent parsing: a message whose text (or file or
 * place name) holds a control character, a lone surrogate or a bidi control is answered with this error (zh-CN /
 * en) and never parsed or stored.
 */
export function chatInputProblem(c: NormalizedChat): AppError | null {
  const parts: [string, string | undefined][] = [['message', c.text], ['file', c.file?.fileName], ['location', c.location?.name]];
  for (const [field, v] of parts) {
    const p = v ? textProblem(v) : null;
    if (p) {
      const t = problemText(p);
      return new AppError('VALIDATION', { field, detail: { 'zh-CN': `这条消息${t['zh-CN']}，未处理。请删除这些字符后重新发送。`, en: `This message ${t.en}; it was not processed. Remove those characters and send it again.` } });
    }
  }
  return null;
}

/** The same policy for a card action's value and form inputs: throws VALIDATION naming the field (answered as a toast). */
export function checkCardInput(cmd: NormalizedCardAction): void {
  cleanInput({ value: cmd.value, form: cmd.formValue });
}

/**
 * JSON for the bot's own JSON columns (lark_inbox.payload): a lone surrogate, which JSON.stringify writes as a
 * `\udxxx` escape, becomes U+FFFD — MariaDB's JSON check refuses such an escape (and the policy refuses the
 * text anyway when the message is processed).
 */
export function storableJson(v: unknown): string {
  return JSON.stringify(v).replace(/(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g, '$1\\ufffd');
}
