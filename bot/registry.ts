import type { CardActionHandler, ChatHandler } from './types';

/**
 * Intent → handler and card action → handler. Capabilities register theirs from their own module
 * (bot/handlers/<context>.ts), imported once by bot/handlers/index.ts.
 */
const intents = new Map<string, ChatHandler>();
const actions = new Map<string, CardActionHandler>();

export function registerIntent(intent: string, handler: ChatHandler): void {
  if (intents.has(intent)) throw new Error(`intent ${intent} registered twice`);
  intents.set(intent, handler);
}

export function registerAction(action: string, handler: CardActionHandler): void {
  if (actions.has(action)) throw new Error(`card action ${action} registered twice`);
  actions.set(action, handler);
}

/**
 * Commands the intent parser (core/intent/parse.ts) does not know, matched by a capability's own small
 * pattern. Consulted ONLY when the parser answers 'unknown', so the parser always wins; first match wins.
 */
const textIntents: { intent: string; test: (text: string) => boolean }[] = [];

export function registerTextIntent(intent: string, pattern: RegExp | ((text: string) => boolean)): void {
  textIntents.push({ intent, test: typeof pattern === 'function' ? pattern : (text) => pattern.test(text) });
}

export const matchTextIntent = (text: string): string | undefined => textIntents.find((m) => m.test(text))?.intent;

export const intentHandler = (intent: string): ChatHandler | undefined => intents.get(intent);
export const actionHandler = (action: string): CardActionHandler | undefined => actions.get(action);
export const registeredIntents = (): string[] => [...intents.keys()];
