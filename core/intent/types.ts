/** What a chat message means, as printed by `npm run crm -- parse` (see issue: Leads and follow-ups from chat). */
export type IntentName = 'log_followup' | 'create_lead' | 'find_customer' | 'create_task' | 'claim' | 'help' | 'unknown';

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
}

export interface ParseOptions {
  /** The message time; relative dates are resolved against it. */
  now: Date;
  /** IANA zone, default Asia/Shanghai. */
  timezone?: string;
}
