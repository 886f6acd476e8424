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

export const intentHandler = (intent: string): ChatHandler | undefined => intents.get(intent);
export const actionHandler = (action: string): CardActionHandler | undefined => actions.get(action);
export const registeredIntents = (): string[] => [...intents.keys()];
