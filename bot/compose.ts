import { createBotRegistry, type BotRegistry } from './registry';
import * as builtinCards from './render/builtin';
import * as orgCards from './render/org';
import * as ticketCards from './render/tickets';
import * as contractCards from './render/contracts';
import * as leadCards from './render/leads';
import * as customerCards from './render/customers';
import * as opportunityCards from './render/opportunities';
import * as helpChat from './handlers/help';
import * as orgChat from './handlers/org';
import * as ticketChat from './handlers/tickets';
import * as contractChat from './handlers/contracts';
import * as leadChat from './handlers/leads';
import * as leadImportChat from './handlers/lead-import';
import * as customerChat from './handlers/customers';
import * as opportunityChat from './handlers/opportunities';

/**
 * Everything the bot understands and sends, in one list: each capability's `register(r)` adds its chat intents,
 * text intents, card actions, outbox renderers and help lines. To find a chat command, follow these imports.
 * A new capability adds ONE line here (two if it has both handlers and renderers).
 *
 * Order matters twice: text intents are tried in registration order (first match wins), and the help card lists
 * its lines in registration order. Everything else is keyed by name and registered at most once.
 */
export function composeBot(): BotRegistry {
  const r = createBotRegistry();
  // Outbox kind → Lark message (what the core's notifications become).
  builtinCards.register(r); // help, text
  orgCards.register(r); // the group greeting
  ticketCards.register(r);
  contractCards.register(r);
  leadCards.register(r);
  customerCards.register(r);
  opportunityCards.register(r);
  // Chat intents, text intents and card actions.
  helpChat.register(r); // help, unknown (the fallback)
  orgChat.register(r); // contact events, the bot added to a group, the team digest channel (no text intents, no help lines)
  ticketChat.register(r);
  contractChat.register(r);
  leadChat.register(r);
  leadImportChat.register(r);
  customerChat.register(r);
  opportunityChat.register(r);
  return r;
}
