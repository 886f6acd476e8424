import type { ScoreFactor, ScoreReason } from './schemas';

/**
 * Pure lead policy: scoring, assignment choice, the response SLA. No database; unit-tested directly.
 */

export interface ScoringConfig {
  /** Points each factor can give at most; they need not sum to 100 (the score is capped at 100). */
  weights: Record<ScoreFactor, number>;
  /** Industries that fit the product (exact or contained, case-insensitive). */
  targetIndustries: string[];
  /** Source → 0..1 quality; unknown sources get `defaultSource`. */
  sources: Record<string, number>;
  defaultSource: number;
  /** Company size (employees) → 0..1, the highest band whose `min` is reached. */
  sizeBands: Array<{ min: number; value: number }>;
  /** Interactions that count fully (more do not add). */
  interactionsCap: number;
  /** Days after which recency gives half its points (halves again every such period). */
  recencyHalfLifeDays: number;
  /** A lead scoring at least this is hot (SLA escalation, chat highlighting). */
  hotThreshold: number;
}

export const DEFAULT_SCORING: ScoringConfig = {
  weights: { industry: 30, source: 20, size: 20, interactions: 15, recency: 15 },
  targetIndustries: ['互联网', '制造业', '金融', 'software', 'manufacturing', 'finance'],
  sources: { 转介绍: 1, referral: 1, 官网: 0.8, web: 0.8, web_form: 0.8, 展会: 0.6, event: 0.6, 广告: 0.4, ads: 0.4, 电话营销: 0.3, import: 0.3, chat: 0.6 },
  defaultSource: 0.3,
  sizeBands: [
    { min: 1, value: 0.2 },
    { min: 50, value: 0.5 },
    { min: 200, value: 0.8 },
    { min: 1000, value: 1 },
  ],
  interactionsCap: 5,
  recencyHalfLifeDays: 7,
  hotThreshold: 70,
};

export interface ScoreInput {
  industry: string | null;
  source: string;
  companySize: number | null;
  interactions: number;
  lastInteractionAt: Date | null;
  createdAt: Date;
}

export interface LeadScore {
  score: number;
  hot: boolean;
  reasons: ScoreReason[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Stored form of a score's explanation: [factor, points, max, days since last touch (recency only)]. Texts are derived. */
export type CompactReason = [ScoreFactor, number, number, number?];

export function scoreLead(input: ScoreInput, config: ScoringConfig, now: Date): LeadScore {
  const compact = scoreCompact(input, config, now);
  const score = Math.min(100, Math.round(compact.reduce((s, r) => s + r[1], 0)));
  return { score, hot: score >= config.hotThreshold, reasons: explainReasons(compact, input) };
}

/** The numbers only (what is stored in leads.score_reasons; imports write 100k of these). */
export function scoreCompact(input: ScoreInput, config: ScoringConfig, now: Date): CompactReason[] {
  const w = config.weights;
  const ind = (input.industry ?? '').trim().toLowerCase();
  const fits = !!ind && config.targetIndustries.some((t) => ind === t.toLowerCase() || ind.includes(t.toLowerCase()) || t.toLowerCase().includes(ind));
  const srcValue = config.sources[input.source] ?? config.sources[input.source.toLowerCase()] ?? config.defaultSource;
  const band = input.companySize ? [...config.sizeBands].sort((a, b) => b.min - a.min).find((b) => input.companySize! >= b.min) : undefined;
  const inter = Math.min(Math.max(input.interactions, 0), config.interactionsCap);
  const last = input.lastInteractionAt ?? input.createdAt;
  const days = Math.max(0, (now.getTime() - last.getTime()) / 86_400_000);
  const decay = Math.pow(0.5, days / Math.max(config.recencyHalfLifeDays, 0.1));
  return [
    ['industry', fits ? w.industry : 0, w.industry],
    ['source', round1(w.source * srcValue), w.source],
    ['size', round1(w.size * (band?.value ?? 0)), w.size],
    ['interactions', round1((w.interactions * inter) / Math.max(config.interactionsCap, 1)), w.interactions],
    ['recency', round1(w.recency * decay), w.recency, Math.floor(days)],
  ];
}

export function compactScore(c: CompactReason[]): number {
  return Math.min(100, Math.round(c.reduce((s, r) => s + r[1], 0)));
}

/** The per-factor explanation (zh-CN and English) of stored numbers, from the lead's own fields. */
export function explainReasons(compact: CompactReason[], input: Pick<ScoreInput, 'industry' | 'source' | 'companySize' | 'interactions'>): ScoreReason[] {
  return compact.map(([factor, points, max, days]) => {
    const base = { factor, points, max };
    switch (factor) {
      case 'industry': {
        const fits = points > 0;
        return { ...base,
          zh: input.industry ? (fits ? `行业「${input.industry}」匹配目标行业` : `行业「${input.industry}」不在目标行业`) : '未知行业',
          en: input.industry ? (fits ? `industry "${input.industry}" is a target` : `industry "${input.industry}" is not a target`) : 'industry unknown' };
      }
      case 'source': {
        const pct = max ? Math.round((points / max) * 100) : 0;
        return { ...base, zh: `来源「${input.source}」质量 ${pct}%`, en: `source "${input.source}" quality ${pct}%` };
      }
      case 'size':
        return { ...base, zh: input.companySize ? `公司规模 ${input.companySize} 人` : '公司规模未知', en: input.companySize ? `company size ${input.companySize}` : 'company size unknown' };
      case 'interactions':
        return { ...base, zh: `互动 ${input.interactions} 次`, en: `${input.interactions} interaction(s)` };
      default:
        return { ...base, zh: `最近互动在 ${days ?? 0} 天前`, en: `last touch ${days ?? 0} day(s) ago` };
    }
  });
}

// ------------------------------------------------------------------ assignment

export type AssignStrategy = 'round_robin' | 'least_loaded' | 'match';

export interface AssignConfig {
  strategy: AssignStrategy;
  /** With `match`: what to do when no rep matches. */
  fallback: 'round_robin' | 'least_loaded' | 'none';
}

export const DEFAULT_ASSIGN: AssignConfig = { strategy: 'round_robin', fallback: 'least_loaded' };

export interface Rep {
  id: number;
  name: string;
  status: 'active' | 'away';
  /** Free tags: regions, industries and skills the rep covers, e.g. ["华东", "制造业", "ERP"]. */
  skills: string[];
  openLeads: number;
}

export interface LeadTraits {
  region: string | null;
  industry: string | null;
  skill: string | null;
}

export interface AssignChoice {
  userId: number;
  strategy: AssignStrategy;
  zh: string;
  en: string;
}

const norm = (s: string) => s.trim().toLowerCase();

/** How many of the lead's traits the rep covers (region, industry, skill). */
export function matchScore(rep: Rep, lead: LeadTraits): { score: number; matched: string[] } {
  const tags = new Set(rep.skills.map(norm));
  const matched = [lead.region, lead.industry, lead.skill].filter((x): x is string => !!x && tags.has(norm(x)));
  return { score: matched.length, matched };
}

/**
 * Picks the rep for a lead. Away reps never get one. Round-robin continues after `lastUserId` in id order;
 * least-loaded picks the fewest open leads (ties: lowest id); `match` keeps the reps covering most of the
 * lead's region/industry/skill, then least-loaded among them, else the fallback.
 */
export function chooseAssignee(reps: Rep[], lead: LeadTraits, config: AssignConfig, lastUserId: number | null): AssignChoice | null {
  const active = reps.filter((r) => r.status === 'active').sort((a, b) => a.id - b.id);
  if (!active.length) return null;
  const roundRobin = (pool: Rep[]): AssignChoice => {
    const next = pool.find((r) => lastUserId === null || r.id > lastUserId) ?? pool[0];
    return { userId: next.id, strategy: 'round_robin', zh: '按轮询分配', en: 'assigned in rotation' };
  };
  const leastLoaded = (pool: Rep[]): AssignChoice => {
    const best = pool.reduce((a, b) => (b.openLeads < a.openLeads ? b : a));
    return { userId: best.id, strategy: 'least_loaded', zh: `当前线索最少（${best.openLeads} 条）`, en: `fewest open leads (${best.openLeads})` };
  };
  switch (config.strategy) {
    case 'round_robin':
      return roundRobin(active);
    case 'least_loaded':
      return leastLoaded(active);
    case 'match': {
      const scored = active.map((r) => ({ r, ...matchScore(r, lead) }));
      const top = Math.max(...scored.map((s) => s.score));
      if (top > 0) {
        const best = scored.filter((s) => s.score === top);
        const pick = leastLoaded(best.map((s) => s.r));
        const matched = best.find((s) => s.r.id === pick.userId)!.matched.join('、');
        return { userId: pick.userId, strategy: 'match', zh: `擅长 ${matched}，${pick.zh}`, en: `covers ${matched}; ${pick.en}` };
      }
      if (config.fallback === 'none') return null;
      const fb = config.fallback === 'round_robin' ? roundRobin(active) : leastLoaded(active);
      return { ...fb, zh: `无人匹配地区/行业/技能，${fb.zh}`, en: `nobody covers the region/industry/skill; ${fb.en}` };
    }
  }
}

// ------------------------------------------------------------------ response SLA

export interface SlaConfig {
  /** Minutes an unassigned hot lead may wait before the managers are told. */
  hotUnassignedMinutes: number;
}
export const DEFAULT_SLA: SlaConfig = { hotUnassignedMinutes: 30 };

/** The creation time before which an unassigned hot lead is overdue. */
export function slaCutoff(now: Date, sla: SlaConfig): Date {
  return new Date(now.getTime() - sla.hotUnassignedMinutes * 60_000);
}
