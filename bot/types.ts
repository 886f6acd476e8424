import type { Transaction } from 'sequelize';
import type { CoreContext } from '../core/context';
import type { Locale } from '../core/errors';
import type { OutboundMessage } from '../core/notifications/outbox';
import type { UserDto } from '../core/users/operations';
import type { ParsedIntent } from '../core/intent/types';
import type { BotConfig } from './config';

/**
 * Every inbound Lark event (text, post, image, file, location, card action) is normalised at the edge
 * into one of these before any handler sees it. Mentions are already stripped from `text`.
 */
export interface ChatCommand {
  type: 'text' | 'image' | 'file' | 'location';
  eventId: string;
  messageId: string;
  chatId: string;
  chatType: 'p2p' | 'group';
  openId: string;
  /** The CRM user behind openId; handlers never run for unknown senders. */
  user: UserDto;
  /** Plain text (text and post messages), mentions removed, trimmed. */
  text: string;
  image?: { imageKey: string };
  file?: { fileKey: string; fileName: string };
  location?: { name: string; latitude: number; longitude: number };
  /** When the message was sent (Lark's create_time). */
  sentAt: Date;
  /** For text/post messages: what parseMessage (core/intent/parse.ts) made of `text`; set by the dispatcher. */
  intent?: ParsedIntent;
}

export interface CardActionCommand {
  eventId: string;
  openId: string;
  user: UserDto;
  openMessageId: string | null;
  chatId: string | null;
  /** `action.value` of the clicked element; always carries `action: '<registered name>'`. */
  value: Record<string, unknown> & { action: string };
  formValue: Record<string, unknown>;
  /** Lark's card-update token (valid 30 minutes). */
  token: string | null;
}

/** What a card action answers synchronously (Lark shows the toast and replaces the card). */
export interface CardActionResult {
  toast?: { type: 'success' | 'info' | 'warning' | 'error'; content: string };
  card?: Record<string, unknown>;
}

export interface BotDeps {
  core: CoreContext;
  locale: Locale;
  /** The bot's configuration (public URL for links, the Lark app for downloads). */
  config: BotConfig;
}

/** Replies go through the outbox inside the handler's transaction: an event's effects and its replies land together. */
export interface HandlerKit {
  deps: BotDeps;
  t: Transaction;
  reply(message: Omit<OutboundMessage, 'to'> & { to?: OutboundMessage['to'] }): Promise<void>;
}

export type ChatHandler = (cmd: ChatCommand, kit: HandlerKit) => Promise<void>;
export type CardActionHandler = (cmd: CardActionCommand, kit: HandlerKit) => Promise<CardActionResult>;
/**
 * Any other subscribed event (contact changes, the bot added to a group): recorded in the inbox like a message
 * (de-duplicated on event_id, retried on failure) and handed its verified envelope after the acknowledgement.
 */
export type EventHandler = (env: import('./normalize').LarkEnvelope, kit: HandlerKit) => Promise<void>;
