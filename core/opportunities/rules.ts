import { z } from 'zod';
import { AppError, invalid } from '../errors';
import { divRoundHalfUp } from '../shared/money';
import { StageSchema, type Stage, type StageRequirement } from './schemas';

/**
 * The pipeline's pure policy: stages as data (validation, ranks, lookup by key or name), stage rules (requirements,
 * no leaving a closed stage without reopening), probabilities and the weighted amount. No database here.
 */

export const STAGES_SCHEMA = z.array(StageSchema).min(3).max(20);

/** A pipeline's stages must be usable: unique keys and names, ≥ 1 open stage, exactly one won (100%) and one lost (0%). */
export function validateStages(raw: unknown, field = 'stages'): Stage[] {
  const parsed = STAGES_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid([field, ...issue.path].join('.'), `阶段定义有误：${issue.message}`, `Invalid stages: ${issue.message}`);
  }
  const stages = parsed.data;
  const keys = new Set<string>();
  const names = new Set<string>();
  for (const [i, s] of stages.entries()) {
    if (keys.has(s.key)) throw invalid(`${field}.${i}.key`, `阶段键 ${s.key} 重复`, `Stage key ${s.key} appears twice`);
    if (names.has(s.name)) throw invalid(`${field}.${i}.name`, `阶段名称 ${s.name} 重复`, `Stage name ${s.name} appears twice`);
    keys.add(s.key);
    names.add(s.name);
  }
  const won = stages.filter((s) => s.category === 'won');
  const lost = stages.filter((s) => s.category === 'lost');
  if (won.length !== 1 || lost.length !== 1) throw invalid(field, '需要且只能有一个赢单阶段和一个输单阶段', 'Exactly one won and one lost stage are needed');
  if (won[0].probability !== 100) throw invalid(field, '赢单阶段的赢率必须是 100%', 'The won stage has probability 100');
  if (lost[0].probability !== 0) throw invalid(field, '输单阶段的赢率必须是 0%', 'The lost stage has probability 0');
  if (!stages.some(isOpenStage)) throw invalid(field, '至少需要一个进行中的阶段', 'At least one open stage is needed');
  return stages;
}

export function isOpenStage(s: Stage): boolean {
  return s.category !== 'won' && s.category !== 'lost';
}

export function openStages(stages: Stage[]): Stage[] {
  return stages.filter(isOpenStage);
}

/**
 * A stage's rank: open stages 1..n in their order, the won stage n + 1, the lost stage 0. A forward move from rank a
 * to rank b (b > a) passes every stage ranked in (a, b]: that is how conversion counts a skipped stage as reached.
 */
export function rankOf(stages: Stage[], key: string): number {
  const s = stages.find((x) => x.key === key);
  if (!s) return 0;
  if (s.category === 'lost') return 0;
  const open = openStages(stages);
  if (s.category === 'won') return open.length + 1;
  return open.findIndex((x) => x.key === key) + 1;
}

/** The stages in rank order (open ones, then won): what the funnel lists; lost is reported separately. */
export function rankedStages(stages: Stage[]): Stage[] {
  return [...openStages(stages), ...stages.filter((s) => s.category === 'won')];
}

export function wonStage(stages: Stage[]): Stage {
  return stages.find((s) => s.category === 'won')!;
}

export function lostStage(stages: Stage[]): Stage {
  return stages.find((s) => s.category === 'lost')!;
}

const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[\s_\-·]/g, '');

/** A stage by key, Chinese name or English name (case, width and spacing ignored); null when none matches. */
export function findStage(stages: Stage[], text: string): Stage | null {
  const t = norm(text);
  if (!t) return null;
  return stages.find((s) => norm(s.key) === t || norm(s.name) === t || norm(s.nameEn) === t) ?? null;
}

export function stageOrThrow(stages: Stage[], text: string, field = 'stage'): Stage {
  const s = findStage(stages, text);
  if (!s) {
    const list = stages.map((x) => `${x.key}（${x.name}）`).join('、');
    throw invalid(field, `未知阶段「${text}」，可选：${list}`, `Unknown stage "${text}"; one of: ${stages.map((x) => x.key).join(', ')}`);
  }
  return s;
}

export interface RequirementState {
  amountCents: number | null;
  expectedCloseDate: string | null;
  nextStep: string | null;
  lines: number;
  competitors: number;
}

const REQUIREMENT_NAMES: Record<StageRequirement, { zh: string; en: string }> = {
  amount: { zh: '金额', en: 'amount' },
  expectedCloseDate: { zh: '预计成交日期', en: 'expected close date' },
  nextStep: { zh: '下一步', en: 'next step' },
  lines: { zh: '产品明细', en: 'line items' },
  competitors: { zh: '竞争对手', en: 'competitors' },
};

/** What the stage requires that the opportunity lacks (in the stage's order). */
export function missingRequirements(stage: Stage, s: RequirementState): StageRequirement[] {
  return stage.requires.filter((r) => {
    switch (r) {
      case 'amount':
        return s.amountCents === null || s.amountCents <= 0;
      case 'expectedCloseDate':
        return !s.expectedCloseDate;
      case 'nextStep':
        return !s.nextStep;
      case 'lines':
        return s.lines === 0;
      case 'competitors':
        return s.competitors === 0;
    }
    return false;
  });
}

export function assertRequirements(stage: Stage, s: RequirementState): void {
  const missing = missingRequirements(stage, s);
  if (!missing.length) return;
  const field = missing[0] === 'amount' ? 'amountCents' : missing[0];
  throw invalid(
    field,
    `进入「${stage.name}」前需要填写：${missing.map((m) => REQUIREMENT_NAMES[m].zh).join('、')}`,
    `Before "${stage.nameEn}" the opportunity needs: ${missing.map((m) => REQUIREMENT_NAMES[m].en).join(', ')}`,
  );
}

/** No move out of 赢单/输单 except by reopening; and reopening only from a closed stage into an open one. */
export function assertMove(from: Stage, to: Stage): void {
  if (!isOpenStage(from) && from.key !== to.key) {
    throw new AppError('INVALID_STATE', {
      field: 'stage',
      detail: { 'zh-CN': `商机已${from.name}，需先重新打开才能改阶段`, en: `The opportunity is ${from.nameEn.toLowerCase()}; reopen it before changing its stage` },
    });
  }
}

/** The probability in force: a manager's override, else the stage's default. */
export function probabilityFor(stage: Stage, override: number | null): number {
  if (!isOpenStage(stage)) return stage.probability;
  return override ?? stage.probability;
}

/** round(amount × probability / 100), half up, exact. */
export function weightedCents(amountCents: number | null, probability: number): number | null {
  if (amountCents === null) return null;
  return Number(divRoundHalfUp(BigInt(amountCents) * BigInt(probability), 100n));
}

/** An opportunity's name when the rep gave none: the customer and the pipeline's kind. */
export function defaultName(customerName: string, renewal: boolean): string {
  return renewal ? `${customerName} 续约` : `${customerName} 商机`;
}

/** Close date when none is given: 90 days out (a deal without a date still shows in some quarter). */
export const DEFAULT_CLOSE_DAYS = 90;

/**
 * The ranks a forward move passes, (fromRank, toRank], as bits (rank k → bit k − 1); a backward move, a loss or a
 * reopen passes none. A deal's history rows carry the bits it reached for the FIRST time (its `reached_mask` keeps
 * what it ever reached), so "deals that reached stage k in a period" is a plain sum over the period's rows.
 */
export function passedMask(fromRank: number, toRank: number): number {
  let m = 0;
  for (let k = Math.max(1, fromRank + 1); k <= toRank; k++) m |= 1 << (k - 1);
  return m;
}
