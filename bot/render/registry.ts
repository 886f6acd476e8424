import type { CoreContext } from '../../core/context';
import type { Locale } from '../i18n';

/**
 * Outbox `kind` → renderer. A renderer turns a domain payload (written by the core into the outbox)
 * into a Lark message. Capabilities register theirs in `bot/render/<context>.ts`, imported once by
 * bot/render/index.ts. Interactive content is a Card JSON 2.0 object (bot/cards/kit.ts `card(...)`).
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

const renderers = new Map<string, Renderer>();

export function registerRenderer<P = Record<string, unknown>>(kind: string, renderer: Renderer<P>): void {
  if (renderers.has(kind)) throw new Error(`renderer ${kind} registered twice`);
  renderers.set(kind, renderer as unknown as Renderer);
}

export const rendererFor = (kind: string): Renderer | undefined => renderers.get(kind);
export const registeredRenderers = (): string[] => [...renderers.keys()];

export class UnknownKindError extends Error {
  constructor(readonly kind: string) {
    super(`no renderer for outbox kind "${kind}"`);
    this.name = 'UnknownKindError';
  }
}

/** Renders a payload; throws UnknownKindError for an unregistered kind (a permanent delivery failure). */
export async function render(kind: string, payload: Record<string, unknown>, ctx: RenderContext): Promise<LarkMessage> {
  const r = renderers.get(kind);
  if (!r) throw new UnknownKindError(kind);
  return r(payload, ctx);
}

/** A text message. */
export const textMessage = (text: string): LarkMessage => ({ msg_type: 'text', content: { text } });
/** An interactive (card) message. */
export const cardMessage = (card: object): LarkMessage => ({ msg_type: 'interactive', content: card as Record<string, unknown> });
