import { toDate, parseJson } from '../db/connection';
import { explainReasons, type CompactReason } from './rules';
import type { AssignReason, LeadDto, LeadStatus, ScoreReason } from './schemas';

/** The columns a lead's DTO is built from (capture, the card a rep gets on assignment, the API). */
export const LEAD_SELECT = `id, company, contact_name, title, phone, email, region, industry, skill, company_size, source, campaign, message,
  status, score, score_reasons, interactions, owner_id, assigned_at, assign_reason, customer_id, created_at`;

type Row = Record<string, unknown>;
/** A nullable numeric column (MySQL answers BIGINT/DECIMAL as strings). */
export const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Stored numbers → explanation with texts (older rows may hold full reasons already). */
function reasonsOf(r: Row): ScoreReason[] {
  const stored = parseJson<unknown[]>(r.score_reasons, []);
  if (!stored.length || !Array.isArray(stored[0])) return stored as ScoreReason[];
  return explainReasons(stored as CompactReason[], {
    industry: (r.industry as string) ?? null, source: r.source as string, companySize: num(r.company_size), interactions: Number(r.interactions ?? 0),
  });
}

export function toLeadDto(r: Row): LeadDto {
  return {
    id: Number(r.id),
    company: (r.company as string) ?? null,
    contactName: (r.contact_name as string) ?? null,
    title: (r.title as string) ?? null,
    phone: (r.phone as string) ?? null,
    email: (r.email as string) ?? null,
    region: (r.region as string) ?? null,
    industry: (r.industry as string) ?? null,
    skill: (r.skill as string) ?? null,
    companySize: num(r.company_size),
    source: r.source as string,
    campaign: (r.campaign as string) ?? null,
    message: (r.message as string) ?? null,
    status: r.status as LeadStatus,
    score: Number(r.score ?? 0),
    scoreReasons: reasonsOf(r),
    interactions: Number(r.interactions ?? 0),
    ownerId: num(r.owner_id),
    assignedAt: toDate(r.assigned_at)?.toISOString() ?? null,
    assignReason: parseJson<AssignReason | null>(r.assign_reason, null),
    customerId: num(r.customer_id),
    createdAt: toDate(r.created_at)?.toISOString() ?? null,
  };
}
