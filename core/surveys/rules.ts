import type { SurveyKind } from './schemas';

/** A score this low escalates to a manager: CSAT 1–2 of 5, NPS 0–6 of 10 (a detractor). */
export const LOW_SCORE = { csat: 2, nps: 6 } as const;
export function isLowScore(kind: SurveyKind, score: number): boolean {
  return score <= LOW_SCORE[kind];
}
