import { UnknownKindError, type LarkMessage, type RenderContext, type Renderer } from './render/registry';
import type { Texts } from './i18n';
import type { CardActionHandler, ChatHandler, EventHandler } from './types';

/** A line of the help card: what a capability can do, with an example message. */
export interface HelpEntry {
  /** Sort key / identity (an intent or action name); a second entry with the same id replaces the first. */
  id: string;
  title: Texts;
  example: Texts;
}

/**
 * What the bot knows: chat intent → handler, the text patterns of intents the parser does not know,
 * card action → handler, outbox kind → renderer, and the help card's lines. One object per bot, filled by
 * composeBot() (bot/compose.ts) from each capability's `register(r)`; nothing is registered at import.
 */
export interface BotRegistry {
  intent(name: string, handler: ChatHandler): void;
  /**
   * A command the intent parser (core/intent/parse.ts) does not know, matched by the capability's own small
   * pattern. Consulted ONLY when the parser answers 'unknown', so the parser always wins; first match wins.
   */
  textIntent(name: string, pattern: RegExp | ((text: string) => boolean)): void;
  /** A card action: every button's `value.action` names one. */
  action(name: string, handler: CardActionHandler): void;
  /** An outbox `kind` → the Lark message it becomes. */
  renderer<P = Record<string, unknown>>(kind: string, renderer: Renderer<P>): void;
  help(entry: HelpEntry): void;
  /** Another subscribed event type (e.g. contact.user.updated_v3, im.chat.member.bot.added_v1) → its handler. */
  event(type: string, handler: EventHandler): void;

  eventHandler(type: string): EventHandler | undefined;
  events(): string[];
  intentHandler(name: string): ChatHandler | undefined;
  actionHandler(name: string): CardActionHandler | undefined;
  matchTextIntent(text: string): string | undefined;
  rendererFor(kind: string): Renderer | undefined;
  /** Renders a payload; throws UnknownKindError for an unregistered kind (a permanent delivery failure). */
  render(kind: string, payload: Record<string, unknown>, ctx: RenderContext): Promise<LarkMessage>;
  helpEntries(): HelpEntry[];
  intents(): string[];
  actions(): string[];
  renderers(): string[];
}

/** An empty registry (composeBot() fills one; tests may add their own handlers to theirs). */
export function createBotRegistry(): BotRegistry {
  const intents = new Map<string, ChatHandler>();
  const actions = new Map<string, CardActionHandler>();
  const textIntents: { intent: string; test: (text: string) => boolean }[] = [];
  const renderers = new Map<string, Renderer>();
  const help = new Map<string, HelpEntry>();
  const events = new Map<string, EventHandler>();
  return {
    event(type, handler) {
      if (events.has(type)) throw new Error(`event ${type} registered twice`);
      events.set(type, handler);
    },
    eventHandler: (type) => events.get(type),
    events: () => [...events.keys()],
    intent(name, handler) {
      if (intents.has(name)) throw new Error(`intent ${name} registered twice`);
      intents.set(name, handler);
    },
    textIntent(name, pattern) {
      textIntents.push({ intent: name, test: typeof pattern === 'function' ? pattern : (text) => pattern.test(text) });
    },
    action(name, handler) {
      if (actions.has(name)) throw new Error(`card action ${name} registered twice`);
      actions.set(name, handler);
    },
    renderer(kind, renderer) {
      if (renderers.has(kind)) throw new Error(`renderer ${kind} registered twice`);
      renderers.set(kind, renderer as unknown as Renderer);
    },
    help(entry) {
      help.set(entry.id, entry);
    },
    intentHandler: (name) => intents.get(name),
    actionHandler: (name) => actions.get(name),
    matchTextIntent: (text) => textIntents.find((m) => m.test(text))?.intent,
    rendererFor: (kind) => renderers.get(kind),
    async render(kind, payload, ctx) {
      const r = renderers.get(kind);
      if (!r) throw new UnknownKindError(kind);
      return r(payload, ctx);
    },
    helpEntries: () => [...help.values()],
    intents: () => [...intents.keys()],
    actions: () => [...actions.keys()],
    renderers: () => [...renderers.keys()],
  };
}
