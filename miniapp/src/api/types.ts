/** Shapes of the /mp/v1 API (server/mp/CONTRACT.md). Times are ISO-8601 UTC strings, ids integers. */

export type Client = 'h5' | 'weapp' | 'lark';
export type TicketType = 'consult' | 'tech_support' | 'complaint' | 'return' | 'repair' | 'other';
export type Priority = 'urgent' | 'high' | 'normal' | 'low';
export type TicketStatus = 'new' | 'assigned' | 'in_progress' | 'waiting_customer' | 'resolved' | 'closed';
export type SurveyKind = 'csat' | 'nps';
export type SurveyStatus = 'pending' | 'answered' | 'expired';

export interface Option<V extends string = string> {
  value: V;
  label: string;
}

export interface Meta {
  ticketTypes: Option<TicketType>[];
  priorities: Option<Priority>[];
  upload: { maxFiles: number; maxBytes: number; mimeTypes: string[] };
}

export interface Session {
  token: string;
  expiresAt: string;
  customer: { id: number; name: string };
  contact: { id: number; name: string };
}

export interface Me {
  customer: { id: number; name: string; tier?: string | null };
  contact: { id: number; name: string; title?: string | null };
  owner: { name: string; phone?: string | null; email?: string | null } | null;
  tickets: { open: number; waitingCustomer: number; resolvedRecently: number };
  pendingSurveys: number;
  contracts: { active: number; totalCents: number } | null;
  receivables: { outstandingCents: number; overdueCents: number } | null;
}

export interface Profile {
  contact: { id: number; name: string; title?: string | null; phone?: string | null; email?: string | null; wechat?: string | null };
  customer: { id: number; name: string };
  bindings: { wechat: boolean; lark: boolean };
  session: { client: Client; expiresAt: string };
}

export interface TicketSummary {
  id: number;
  no: string;
  type: TicketType;
  typeLabel: string;
  priority: Priority;
  status: TicketStatus;
  statusLabel: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Author {
  type: 'customer' | 'agent' | 'system' | string;
  name: string;
}

export interface TimelineEntry {
  id: number;
  kind: 'status' | 'comment' | string;
  from?: TicketStatus | null;
  to?: TicketStatus | null;
  fromLabel?: string | null;
  toLabel?: string | null;
  author: Author | null;
  body: string | null;
  at: string;
}

export interface Attachment {
  id: number;
  name: string;
  mime: string;
  size: number;
  url: string;
}

export interface SurveyRef {
  id: number;
  kind: SurveyKind;
  status: SurveyStatus;
}

export interface TicketDetail extends TicketSummary {
  description: string;
  resolvedAt: string | null;
  closedAt: string | null;
  canReopen: boolean;
  reopenUntil: string | null;
  agent: { name: string } | null;
  attachments: Attachment[];
  timeline: TimelineEntry[];
  survey: SurveyRef | null;
}

export interface NewTicket {
  type: TicketType;
  description: string;
  title?: string;
  priority?: Priority;
}

export interface SurveySummary extends SurveyRef {
  ticket: { id: number; no: string; title: string } | null;
  createdAt: string;
  expiresAt: string | null;
}

export interface Survey extends SurveySummary {
  question: string;
  scale: { min: number; max: number };
  answer: { score: number; comment?: string | null; answeredAt: string } | null;
}

export interface ArticleHit {
  id: number;
  title: string;
  snippet: string;
  category: string | null;
  tags: string[];
  score: number;
}

export interface Article {
  id: number;
  title: string;
  body: string;
  category: string | null;
  tags: string[];
  updatedAt: string;
  helpful: { yes: number; no: number };
  myFeedback: boolean | null;
}
