import type { OpportunityIntent, StageWords } from './opportunity';

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
}
