/**
 * Callbacks exactly as Lark sends them to our routes: schema 2.0 event envelopes (`im.message.receive_v1`,
 * `card.action.trigger`), the legacy card callback body, and `signedRequest` — the body encrypted (AES-256-CBC, key =
 * SHA-256 of the Encrypt Key) and signed (SHA-256 of timestamp + nonce + key + body) by bot/crypto.ts.
 * Used by the sandbox (server/sandbox/routes.ts posts them to its own POST /lark/events) and by the tests
 * (tests/helpers/fake-lark.ts re-exports them with supertest posting helpers).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { eventSignature, larkEncrypt } from '../../../bot/crypto';
import { describeViolations, validateCard } from './card';

export interface LarkSecrets {
  encryptKey?: string;
  verificationToken?: string;
}

export function newEventId(): string {
  return `ev_${randomUUID().replace(/-/g, '')}`;
}

export interface MessageEventOptions {
  eventId?: string;
  openId: string;
  text?: string;
  chatId?: string;
  chatType?: 'p2p' | 'group';
  messageType?: 'text' | 'post' | 'image' | 'file' | 'location' | string;
  /** Raw message content object (default {text}). */
  content?: Record<string, unknown>;
  mentions?: { key: string; id: { open_id: string }; name: string }[];
  createTime?: Date;
  senderType?: string;
  token?: string;
  /** header.app_id (default cli_fake). */
  appId?: string;
  /** event.message.message_id (default a random om_…). */
  messageId?: string;
}

/** A schema 2.0 `im.message.receive_v1` envelope (header.token is filled in by signedRequest). */
export function messageEvent(o: MessageEventOptions) {
  const created = String((o.createTime ?? new Date()).getTime());
  return {
    schema: '2.0',
    header: { event_id: o.eventId ?? newEventId(), event_type: 'im.message.receive_v1', create_time: created, token: o.token, app_id: o.appId ?? 'cli_fake', tenant_key: 'tenant' },
    event: {
      sender: { sender_id: { open_id: o.openId, union_id: `on_${o.openId}`, user_id: `u_${o.openId}` }, sender_type: o.senderType ?? 'user', tenant_key: 'tenant' },
      message: {
        message_id: o.messageId ?? `om_${randomBytes(8).toString('hex')}`,
        create_time: created,
        chat_id: o.chatId ?? `oc_p2p_${o.openId}`,
        chat_type: o.chatType ?? 'p2p',
        message_type: o.messageType ?? 'text',
        content: JSON.stringify(o.content ?? { text: o.text ?? '' }),
        mentions: o.mentions ?? [],
      },
    },
  };
}

export interface CardActionEventOptions {
  eventId?: string;
  openId: string;
  value: Record<string, unknown>;
  formValue?: Record<string, unknown>;
  messageId?: string;
  chatId?: string;
  token?: string;
  appId?: string;
  /** action.tag (default button). */
  tag?: string;
  /** action.name: the component's name (a form's submit button, a select). */
  name?: string;
  /** action.option: a select_static's chosen value. */
  option?: string;
  /** action.timezone, as Lark sends it. */
  timezone?: string;
}

/** A schema 2.0 `card.action.trigger` envelope. */
export function cardActionEvent(o: CardActionEventOptions) {
  return {
    schema: '2.0',
    header: { event_id: o.eventId ?? newEventId(), event_type: 'card.action.trigger', create_time: String(Date.now()), token: o.token, app_id: o.appId ?? 'cli_fake', tenant_key: 'tenant' },
    event: {
      operator: { open_id: o.openId, union_id: `on_${o.openId}`, user_id: `u_${o.openId}`, tenant_key: 'tenant' },
      token: `c-${randomBytes(6).toString('hex')}`,
      action: {
        value: o.value,
        tag: o.tag ?? 'button',
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.option !== undefined ? { option: o.option } : {}),
        ...(o.timezone !== undefined ? { timezone: o.timezone } : {}),
        ...(o.formValue ? { form_value: o.formValue } : {}),
      },
      host: 'im_message',
      context: { open_message_id: o.messageId ?? 'om_card', open_chat_id: o.chatId ?? `oc_p2p_${o.openId}` },
    },
  };
}

/** A legacy (`card.action.trigger_v1`) card callback body for POST /lark/cards. */
export function legacyCardBody(o: { openId: string; value: Record<string, unknown>; messageId?: string; chatId?: string; formValue?: Record<string, unknown> }) {
  return {
    open_id: o.openId,
    user_id: `u_${o.openId}`,
    open_message_id: o.messageId ?? 'om_legacy',
    open_chat_id: o.chatId ?? `oc_p2p_${o.openId}`,
    tenant_key: 'tenant',
    token: `c-${randomBytes(6).toString('hex')}`,
    action: { value: o.value, tag: 'button', ...(o.formValue ? { form_value: o.formValue } : {}) },
  };
}

export interface SignOptions {
  /** Unix seconds as a string (default now). */
  timestamp?: string;
  nonce?: string;
  /** Encrypt the body (default: when secrets.encryptKey is set). */
  encrypt?: boolean;
  /** Sign with this key instead of secrets.encryptKey (forgeries). */
  signWith?: string;
  /** Encrypt with this key instead of secrets.encryptKey. */
  encryptWith?: string;
  /** Put this token in header.token / token (default secrets.verificationToken). */
  token?: string;
  /** Omit the signature headers. */
  unsigned?: boolean;
}

/** Headers + raw body exactly as Lark would send them. */
export function signedRequest(body: Record<string, unknown>, secrets: LarkSecrets, o: SignOptions = {}): { headers: Record<string, string>; raw: string } {
  const token = o.token ?? secrets.verificationToken;
  const withToken = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  if (token !== undefined) {
    if (withToken.header && typeof withToken.header === 'object') (withToken.header as Record<string, unknown>).token = token;
    else if (withToken.type === 'url_verification') withToken.token = token;
  }
  const encKey = o.encryptWith ?? secrets.encryptKey;
  const encrypt = o.encrypt ?? Boolean(secrets.encryptKey);
  const raw = encrypt && encKey ? JSON.stringify({ encrypt: larkEncrypt(encKey, JSON.stringify(withToken)) }) : JSON.stringify(withToken);
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(8).toString('hex');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signKey = o.signWith ?? secrets.encryptKey;
  if (!o.unsigned && signKey) {
    headers['x-lark-request-timestamp'] = timestamp;
    headers['x-lark-request-nonce'] = nonce;
    headers['x-lark-signature'] = eventSignature(timestamp, nonce, signKey, raw);
  }
  return { headers, raw };
}


/**
 * A card in a card-callback answer (`{toast, card: {type: 'raw', data}}`) must pass the Card JSON 2.0 rules: Lark
 * shows the user error 200673 instead of an invalid card. Throws, so a test whose click returns a bad card fails.
 */
export function assertAnswerCard(body: unknown): void {
  const c = body && typeof body === 'object' ? (body as { card?: { type?: string; data?: unknown } }).card : undefined;
  if (!c || c.type !== 'raw') return;
  const violations = validateCard(c.data);
  if (violations.length) throw new Error(`the card in this card-action answer breaks the Card JSON 2.0 rules (Lark would show error 200673):\n${describeViolations(violations)}`);
}
