import type { OpportunityIntent, StageWords } from './opportunity';
import type { CustomerDictionary, Viewer } from './dictionary';

/** What a chat message means, as printed by `npm run crm -- parse` (see issue: Leads and follow-ups from chat). */
export type IntentName =
  | 'log_followup' | 'create_lead' | 'find_customer' | 'create_task' | 'claim' | 'help'
  | 'create_opportunity' | 'move_stage' | 'my_pipeline' | 'forecast'
  | 'unknown';

export interface ParsedIntent {
  intent: IntentName;
  customer: string | null;
  contact: { name: string | null; phone: string | null; email: string | null } | null;
  channel: 'phone' | 'visit' | 'wechat' | 'email' | 'meeting' | null;
  summary: string;
  /** When to follow up next, ISO 8601 with offset in the CRM time zone. */
  next_at: string | null;
  /** When a planned task or visit happens, ISO 8601 with offset. */
  due_at: string | null;
  /** Only for the pipeline intents (create_opportunity, move_stage, my_pipeline, forecast): what opportunity.ts read. */
  opportunity?: OpportunityIntent;
  /** 0..1, two decimals: how sure the intent reading is. */
  confidence: number;
  /** 0–2 other readings, best first, only when close (within 0.25 of the chosen one). */
  alternatives: Alternative[];
  /** The CRM record the customer text matched in the dictionary; absent when parsed without a dictionary. */
  customer_match?: CustomerMatch | null;
}

export interface Alternative {
  intent: IntentName;
  customer: string | null;
  next_at: string | null;
  due_at: string | null;
  confidence: number;
}

export interface CustomerMatch {
  id: string;
  kind: 'customer' | 'lead';
  name: string;
  /** false: a short form shared by several records, or one character off — the bot asks "did you mean <name>?". */
  exact: boolean;
  score: number;
}

export interface ParseOptions {
  /** The message time; relative dates are resolved against it. */
  now: Date;
  /** IANA zone, default Asia/Shanghai. */
  timezone?: string;
  /**
   * Every pipeline's stages (data, from core/opportunities getPipeline): a stage named in a message is read with
   * them. Without them only the usual words for won / lost move a stage.
   */
  stages?: StageWords[];
  /** The company's customers and leads (dictionary.ts): the customer is matched against them. */
  dictionary?: CustomerDictionary | null;
  /** Who sent the message: only what they may see is matched (rep: own + pool; manager: + teams; admin: all). */
  viewer?: Viewer | null;
}
