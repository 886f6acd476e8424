import type { CoreContext } from '../../core/context';
import type { Locale } from '../i18n';

/**
 * What a renderer is: it turns a domain payload (written by the core into the outbox) into a Lark message.
 * Capabilities declare theirs in `bot/render/<context>.ts` `register(r)`, called by composeBot() (bot/compose.ts);
 * the registry (bot/registry.ts) looks them up. Interactive content is a Card JSON 2.0 object (bot/cards/kit.ts `card(...)`).
 */
export interface LarkMessage {
  msg_type: 'text' | 'interactive';
  content: Record<string, unknown>;
}

export interface RenderContext {
  locale: Locale;
  core: CoreContext;
}

export type Renderer<P = Record<string, unknown>> = (payload: P, ctx: RenderContext) => Promise<LarkMessage> | LarkMessage;

export class UnknownKindError extends Error {
  constructor(readonly kind: string) {
    super(`no renderer for outbox kind "${kind}"`);
    this.name = 'UnknownKindError';
  }
}

/** A text message. */
export const textMessage = (text: string): LarkMessage => ({ msg_type: 'text', content: { text } });
/** An interactive (card) message. */
export const cardMessage = (card: object): LarkMessage => ({ msg_type: 'interactive', content: card as Record<string, unknown> });
