/**
 * Opportunities (issue 15): a deal's believable life as a list of dated events — created at a stage, moved forward
 * (sometimes skipping a stage, sometimes back a step), its amount set or revised, its close date slipped, won or
 * lost with a reason — drawn from a seeded Rng. The bench seed turns the events into rows (opportunities and
 * opportunity_history, as the operations write them); the demo seed replays them through the core operations under
 * a manual clock, so its history is real. Pure: no database, no clock.
 */
import type { LossReason, Stage } from '../opportunities/schemas';
import { pick, type Rng } from './index';

const DAY = 86_400_000;

/** The stages of the two pipelines every company starts with (as migrations/2026.12.07T21.00.00.opportunities.ts writes them). */
export const DEFAULT_PIPELINE_STAGES: Stage[] = [
  { key: 'initial', name: '初步接洽', nameEn: 'Initial contact', probability: 10, category: 'pipeline', requires: [] },
  { key: 'qualified', name: '需求确认', nameEn: 'Needs confirmed', probability: 20, category: 'pipeline', requires: [] },
  { key: 'proposal', name: '方案报价', nameEn: 'Proposal', probability: 50, category: 'best_case', requires: ['amount'] },
  { key: 'negotiation', name: '谈判', nameEn: 'Negotiation', probability: 80, category: 'commit', requires: ['amount'] },
  { key: 'won', name: '赢单', nameEn: 'Won', probability: 100, category: 'won', requires: ['amount'] },
  { key: 'lost', name: '输单', nameEn: 'Lost', probability: 0, category: 'lost', requires: [] },
];
export const RENEWAL_PIPELINE_STAGES: Stage[] = [
  { key: 'renewal_due', name: '续约沟通', nameEn: 'Renewal due', probability: 40, category: 'pipeline', requires: [] },
  { key: 'renewal_quote', name: '续约报价', nameEn: 'Renewal quote', probability: 60, category: 'best_case', requires: ['amount'] },
  { key: 'renewal_negotiation', name: '续约谈判', nameEn: 'Renewal negotiation', probability: 80, category: 'commit', requires: ['amount'] },
  { key: 'won', name: '赢单', nameEn: 'Won', probability: 100, category: 'won', requires: ['amount'] },
  { key: 'lost', name: '输单', nameEn: 'Lost', probability: 0, category: 'lost', requires: [] },
];

export const OPPORTUNITY_PRODUCTS = ['ERP升级', 'CRM实施', '年度采购', '数据中台', '云服务器扩容', '安全审计', '培训服务', '设备更新', '私有化部署', 'MES系统', '电子签章', '供应链协同'] as const;
export const COMPETITORS = ['金蝶', '用友', '销售易', '纷享销客', 'Salesforce', '简道云'] as const;
export const CAMPAIGNS = ['2026春季展会', '行业峰会', '线上直播', '老客户推荐季'] as const;
const NEXT_STEPS = ['约技术交流', '发送正式报价', '安排高层拜访', '确认采购流程', '准备合同草稿', '客户内部评审'] as const;
const LOSS_WEIGHTS: [LossReason, number][] = [['price', 30], ['competitor', 25], ['no_budget', 15], ['no_decision', 12], ['timing', 8], ['product_fit', 5], ['relationship', 3], ['other', 2]];
const LOSS_NOTES: Partial<Record<LossReason, string>> = { price: '客户预算只有报价的七成', competitor: '客户选了竞品，价格低两成', no_budget: '今年预算冻结', no_decision: '客户内部迟迟没有决策', timing: '客户项目推迟到明年' };

export interface StageView {
  key: string;
  /** Open stages 1..n, won n + 1, lost 0 (core/opportunities/rules.ts rankOf). */
  rank: number;
  probability: number;
  category: Stage['category'];
}

export function stageViews(stages: Stage[]): StageView[] {
  const open = stages.filter((s) => s.category !== 'won' && s.category !== 'lost');
  return stages.map((s) => ({ key: s.key, probability: s.probability, category: s.category, rank: s.category === 'lost' ? 0 : s.category === 'won' ? open.length + 1 : open.indexOf(s) + 1 }));
}

export type JourneyEvent =
  | { at: Date; kind: 'create'; stage: string }
  | { at: Date; kind: 'stage'; stage: string; lossReason?: LossReason; lossNote?: string }
  | { at: Date; kind: 'amount'; to: number }
  | { at: Date; kind: 'close_date'; to: string };

export interface Journey {
  renewal: boolean;
  created: Date;
  /** Known at creation (null: not yet). */
  initialAmountCents: number | null;
  initialCloseDate: string;
  /** In time order, the creation first; every event at or before `now`. */
  events: JourneyEvent[];
  /** The state the events leave. */
  stage: string;
  status: 'open' | 'won' | 'lost';
  amountCents: number | null;
  expectedCloseDate: string;
  stageEnteredAt: Date;
  closedAt: Date | null;
  lossReason: LossReason | null;
  lossNote: string | null;
  competitors: string[];
  nextStep: string | null;
  source: 'lead' | 'campaign' | 'renewal' | 'manual';
  campaign: string | null;
  product: string;
}

/** The calendar day of an instant in a fixed-offset zone (Asia/Shanghai: +8, no DST). */
export function dayAt(at: Date, offsetHours = 8): string {
  return new Date(at.getTime() + offsetHours * 3_600_000).toISOString().slice(0, 10);
}
const plusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

function weighted<T>(r: Rng, xs: [T, number][]): T {
  let x = r() * xs.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of xs) if ((x -= w) < 0) return v;
  return xs[xs.length - 1][0];
}

/** A deal size in cents: log-uniform, rounded to ¥1,000 (new business ¥20k–¥2M, renewals ¥10k–¥300k). */
export function dealAmountCents(r: Rng, renewal: boolean): number {
  const [lo, hi] = renewal ? [4, 5.5] : [4.3, 6.3];
  return Math.max(1, Math.round(10 ** (lo + r() * (hi - lo)) / 1000)) * 1000 * 100;
}

/** Chance of moving on from open rank k (index k − 1) rather than being lost there; the last one is the win. */
const ADVANCE = { new: [0.45, 0.55, 0.65, 0.6], renewal: [0.8, 0.85, 0.88] };
/** Chance a forward move skips the next open stage (renewals often go straight to negotiation). */
const SKIP = { new: 0.2, renewal: 0.35 };
/** Mean days spent in open rank k before the next move. */
const DWELL = { new: [12, 18, 22, 18], renewal: [14, 12, 10] };
/** Share of deals that stall (every stage takes STALL times longer): the stale part of every real pipeline. */
const STALL_SHARE = 0.2;
const STALL = 5;
/** Share of the deals that die without anyone marking them lost (they stay open at their stage). */
const ABANDON_SHARE = 0.4;

export interface JourneyOptions {
  stages: Stage[];
  renewal: boolean;
  created: Date;
  now: Date;
  /** Extra amount / close-date revisions sprinkled over the deal's open life (drawn from `extraRng`). */
  extras?: number;
  extraRng?: Rng;
}

/**
 * One deal's life from `created` up to `now`: the base journey depends on `r` alone (so a caller can count its
 * events, then ask for `extras` more revisions drawn from another stream without changing the base).
 */
export function opportunityJourney(r: Rng, o: JourneyOptions): Journey {
  const views = stageViews(o.stages);
  const open = views.filter((v) => v.rank > 0 && v.category !== 'won').sort((a, b) => a.rank - b.rank);
  const won = views.find((v) => v.category === 'won')!;
  const lost = views.find((v) => v.category === 'lost')!;
  const adv = o.renewal ? ADVANCE.renewal : ADVANCE.new;
  const dwell = o.renewal ? DWELL.renewal : DWELL.new;
  const nowMs = o.now.getTime();
  const source: Journey['source'] = o.renewal ? 'renewal' : weighted(r, [['manual', 55], ['lead', 35], ['campaign', 10]]);
  const campaign = source === 'campaign' ? pick(r, CAMPAIGNS) : null;
  const product = pick(r, OPPORTUNITY_PRODUCTS);
  const amount = dealAmountCents(r, o.renewal);
  const knownAtCreation = o.renewal || r() < 0.25;
  const competitors = !o.renewal && r() < 0.35 ? [pick(r, COMPETITORS), ...(r() < 0.3 ? [pick(r, COMPETITORS)] : [])].filter((c, i, a) => a.indexOf(c) === i) : [];
  const nextStep = r() < 0.7 ? pick(r, NEXT_STEPS) : null;

  // The planned path (times may run past now: only what happened by now is kept).
  const stall = r() < STALL_SHARE ? STALL : 1;
  const draws = dwell.map((m) => Math.max(0.2, -Math.log(1 - r()) * m * stall) * DAY + r() * 8 * 3_600_000);
  let rankIdx = !o.renewal && r() < 0.08 ? 1 : 0; // a few are created already qualified
  const created = o.created;
  const plannedDays = Math.round(dwell.slice(rankIdx).reduce((s, d) => s + d, 0) * (0.7 + r() * 0.6)) + 7;
  const initialCloseDate = plusDays(dayAt(created), plannedDays);
  const base: JourneyEvent[] = [{ at: created, kind: 'create', stage: open[rankIdx].key }];
  let t = created.getTime();
  let amountSet = knownAtCreation;
  let closedAt: Date | null = null;
  let lossReason: LossReason | null = null;
  let lossNote: string | null = null;
  let wentBack = false;
  let abandoned = false;
  for (;;) {
    t += draws[rankIdx];
    if (t > nowMs) break;
    const at = new Date(t);
    if (r() >= adv[rankIdx]) {
      // Not every dead deal is closed: some are just left where they stood (open, no longer touched: stuck).
      if (r() < ABANDON_SHARE) {
        abandoned = true;
        break;
      }
      lossReason = weighted(r, LOSS_WEIGHTS);
      lossNote = r() < 0.5 ? LOSS_NOTES[lossReason] ?? null : null;
      base.push({ at, kind: 'stage', stage: lost.key, lossReason, ...(lossNote ? { lossNote } : {}) });
      closedAt = at;
      break;
    }
    let next = rankIdx + 1 + (rankIdx + 2 < open.length && r() < (o.renewal ? SKIP.renewal : SKIP.new) ? 1 : 0);
    if (!wentBack && rankIdx === open.length - 1 && r() < 0.06) {
      next = rankIdx - 1; // back to the proposal for a re-quote, once
      wentBack = true;
    }
    const target = next >= open.length ? won : open[next];
    if (!amountSet && (target.rank >= 3 || target === won)) {
      base.push({ at: new Date(t - 3_600_000), kind: 'amount', to: amount });
      amountSet = true;
    }
    if (target === open[open.length - 1] && r() < 0.15 && t + 60_000 <= nowMs) base.push({ at: new Date(t + 60_000), kind: 'amount', to: Math.round((amount * 0.9) / 10_000) * 10_000 });
    base.push({ at, kind: 'stage', stage: target.key });
    if (target === won) {
      closedAt = at;
      break;
    }
    if (next < rankIdx) {
      t += 2 * DAY;
      rankIdx = next;
      continue;
    }
    rankIdx = next;
  }
  // Still open and its close date passed: the rep pushed it out (a slip), once, some days after the old date.
  const today = dayAt(o.now);
  if (!closedAt && !abandoned && initialCloseDate < today && r() < 0.6) {
    const slipAt = Math.min(nowMs - 3_600_000, Date.parse(`${initialCloseDate}T02:00:00Z`) + Math.floor(r() * 10) * DAY);
    if (slipAt > created.getTime()) base.push({ at: new Date(slipAt), kind: 'close_date', to: plusDays(today, 14 + Math.floor(r() * 75)) });
  }
  // Extra revisions over the open life, from their own stream.
  const extras: JourneyEvent[] = [];
  const er = o.extraRng ?? r;
  const end = (closedAt ?? o.now).getTime();
  for (let k = 0; k < (o.extras ?? 0); k++) {
    const at = new Date(created.getTime() + Math.max(1, Math.floor(er() * (end - created.getTime() - 2))));
    if (er() < 0.55) extras.push({ at, kind: 'amount', to: Math.max(1000_00, Math.round((amount * (0.8 + er() * 0.4)) / 100_000) * 100_000) });
    else extras.push({ at, kind: 'close_date', to: plusDays(dayAt(at), 14 + Math.floor(er() * 100)) });
  }
  const events = [base[0], ...[...base.slice(1), ...extras].sort((a, b) => a.at.getTime() - b.at.getTime())];
  // An open deal's last word on its close date is in the future (the ones that slipped were pushed out).
  let lastClose = -1;
  events.forEach((e, i) => {
    if (e.kind === 'close_date') lastClose = i;
  });
  if (!closedAt && !abandoned && lastClose >= 0) {
    const e = events[lastClose] as Extract<JourneyEvent, { kind: 'close_date' }>;
    if (e.to < today) e.to = plusDays(today, 7 + Math.floor(er() * 60));
  }
  // The state the events leave.
  let stage = base[0].kind === 'create' ? base[0].stage : open[0].key;
  let stageEnteredAt = created;
  let amountCents: number | null = knownAtCreation ? amount : null;
  let expectedCloseDate = initialCloseDate;
  for (const e of events.slice(1)) {
    if (e.kind === 'stage') {
      stage = e.stage;
      stageEnteredAt = e.at;
    } else if (e.kind === 'amount') amountCents = e.to;
    else if (e.kind === 'close_date') expectedCloseDate = e.to;
  }
  const status = stage === won.key ? 'won' : stage === lost.key ? 'lost' : 'open';
  return {
    renewal: o.renewal,
    created,
    initialAmountCents: knownAtCreation ? amount : null,
    initialCloseDate,
    events,
    stage,
    status,
    amountCents,
    expectedCloseDate,
    stageEnteredAt,
    closedAt,
    lossReason: status === 'lost' ? lossReason : null,
    lossNote: status === 'lost' ? lossNote : null,
    competitors,
    nextStep: status === 'open' ? nextStep : null,
    source,
    campaign,
    product,
  };
}

/** The opportunity's name as a rep would type it: the customer's short name and the product. */
export function opportunityName(customerName: string, j: Journey): string {
  const short = customerName.replace(/有限公司$/, '');
  return j.renewal ? `${short} 续约` : `${short} ${j.product}`;
}
